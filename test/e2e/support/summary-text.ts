// A job summary (GitHub Markdown with some HTML) as plain terminal text, lightly: headings
// underlined, tables aligned, tags dropped, entities decoded, links as "text (url)".

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' '
}

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X'))
      return String.fromCodePoint(parseInt(entity.slice(2), 16))
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)))
    return ENTITIES[entity.toLowerCase()] ?? whole
  })
}

function inline(text: string): string {
  const plain = text
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/\[([^\]]*)\]\(([^)]+)\)/g, (_, label: string, url: string) =>
      label === url ? url : `${label} (${url})`
    )
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
  return decodeEntities(plain)
}

function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map(cell => inline(cell.trim()))
}

function table(rows: string[]): string[] {
  const body = rows.filter(r => !/^\|?\s*:?-{3,}/.test(r.trim())).map(cells)
  // A header row of empty cells (a key/value table) is not worth a line.
  const shown = body.filter(r => r.some(c => c !== ''))
  const widths: number[] = []
  for (const row of shown)
    row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)))
  return shown.map(
    row =>
      `  ${row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}`
  )
}

export function summaryToText(markdown: string): string {
  const out: string[] = []
  const lines = markdown.split('\n')
  let pre = false
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (/<pre>/i.test(line)) pre = true
    if (pre) {
      const content = decodeEntities(line.replace(/<\/?pre>/gi, ''))
      if (content.trim() !== '') out.push(`    ${content}`)
      if (/<\/pre>/i.test(line)) pre = false
      continue
    }
    if (line.trim().startsWith('|')) {
      const rows: string[] = []
      while (i < lines.length && lines[i]!.trim().startsWith('|')) rows.push(lines[i++]!)
      i--
      out.push(...table(rows))
      continue
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line)
    if (heading) {
      const title = inline(heading[2]!)
      out.push('', title, (heading[1]!.length <= 2 ? '=' : '-').repeat([...title].length))
      continue
    }
    const text = inline(line.replace(/^>\s?/, '  ').replace(/^(\s*)[-*] /, '$1• '))
    if (text.trim() !== '' || out.at(-1) !== '') out.push(text)
  }
  return out.join('\n').trim()
}
