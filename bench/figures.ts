// The figures a benchmark prints, against the ones its page documents: Markdown tables read by
// their caption, compared cell by cell within the tolerances the page states. Pure.

/** A Markdown table and the line of text just above it, which names it. */
export interface Table {
  caption: string
  header: string[]
  rows: string[][]
}

/** How far a printed figure may stray from the documented one: the larger of the two. */
export interface Tolerance {
  absolute: number
  /** A share of the documented value: 0.2 is 20 %. */
  relative: number
}

const EXACT: Tolerance = { absolute: 0, relative: 0 }
const SEPARATOR = /^\|(\s*:?-{3,}:?\s*\|)+\s*$/

/** The cells of a table line, `\|` kept inside its cell. */
function cellsOf(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map(cell => cell.trim())
}

/** Every table of a Markdown text (or of a benchmark's output), with its caption. */
export function tablesIn(text: string): Table[] {
  const lines = text.split('\n')
  const tables: Table[] = []
  for (let i = 0; i + 1 < lines.length; i++) {
    const line = lines[i] ?? ''
    if (!line.trimStart().startsWith('|') || !SEPARATOR.test((lines[i + 1] ?? '').trim())) continue
    let above = i - 1
    while (above >= 0 && (lines[above] ?? '').trim() === '') above--
    const caption =
      above >= 0 && !(lines[above] ?? '').trimStart().startsWith('|') ? lines[above] : ''
    const rows: string[][] = []
    let end = i + 2
    for (; end < lines.length && (lines[end] ?? '').trimStart().startsWith('|'); end++) {
      rows.push(cellsOf(lines[end] ?? ''))
    }
    tables.push({ caption: (caption ?? '').trim(), header: cellsOf(line), rows })
    i = end - 1
  }
  return tables
}

/** A number, or a share of runs (`122/200`). */
const FIGURE = /-?\d+(?:\.\d+)?(?:\/\d+)?/g

function valueOf(figure: string): number {
  const [n, of] = figure.split('/').map(Number)
  return of === undefined ? (n ?? NaN) : (n ?? NaN) / of
}

/** Whether a printed figure is within tolerance of the documented one. */
export function withinTolerance(
  printed: number,
  documented: number,
  tolerance: Tolerance
): boolean {
  const allowed = Math.max(tolerance.absolute, tolerance.relative * Math.abs(documented))
  return Math.abs(printed - documented) <= allowed + 1e-9
}

/**
 * Why a printed cell does not agree with the documented one, or undefined when it does: the text
 * around the figures must be the same (a verdict is a verdict); each figure within tolerance; a
 * share of runs that is all or none (`200/200`, `0/200`) must stay all or none.
 */
export function cellProblem(
  printed: string,
  documented: string,
  tolerance: Tolerance
): string | undefined {
  const shape = (cell: string) => cell.replace(FIGURE, '#')
  if (shape(printed) !== shape(documented))
    return `'${printed}' reads differently from '${documented}'`
  const mine = printed.match(FIGURE) ?? []
  const theirs = documented.match(FIGURE) ?? []
  for (const [i, figure] of theirs.entries()) {
    const [a, b] = [valueOf(mine[i] ?? ''), valueOf(figure)]
    const share = figure.includes('/')
    const ok =
      share && (b === 0 || b === 1)
        ? a === b
        : withinTolerance(a, b, share ? { ...tolerance, relative: 0 } : tolerance)
    if (!ok)
      return `${mine[i] ?? '?'} is not within ${describe(tolerance)} of the documented ${figure}`
  }
  return undefined
}

function describe(tolerance: Tolerance): string {
  if (tolerance.absolute === 0 && tolerance.relative === 0) return 'exactness'
  const parts = [
    ...(tolerance.absolute > 0 ? [String(tolerance.absolute)] : []),
    ...(tolerance.relative > 0 ? [`${Math.round(tolerance.relative * 100)} %`] : [])
  ]
  return parts.join(' or ')
}

/** The tolerance of each figure, by its column and row; columns without one must agree exactly. */
export type Tolerances = (column: string, row: string) => Tolerance

/**
 * Tolerances from a table `| column | rows | absolute | relative |`: `rows` is `any`, or the label
 * of the one row it sets apart; `relative` a percentage (`20 %`).
 */
export function tolerancesIn(table: Table): Tolerances {
  const entries = table.rows.map(([column = '', rows = '', absolute = '', relative = '']) => {
    const share = /^([\d.]+)\s*%$/.exec(relative)
    if (!share || !/^[\d.]+$/.test(absolute)) {
      throw new Error(
        `tolerance of '${column}': expected a number and a percentage, got '${absolute}', '${relative}'`
      )
    }
    const tolerance = { absolute: Number(absolute), relative: Number(share[1]) / 100 }
    return { column: column.replace(/`/g, ''), rows, tolerance }
  })
  return (column, row) =>
    (
      entries.find(e => e.column === column && e.rows === row) ??
      entries.find(e => e.column === column && e.rows === 'any')
    )?.tolerance ?? EXACT
}

/**
 * Where the printed tables leave the documented ones: a table or row missing on either side, a
 * header that differs, a cell out of tolerance (columns without one must agree exactly).
 */
export function tableProblems(
  printed: Table[],
  documented: Table[],
  tolerances: Tolerances
): string[] {
  const problems: string[] = []
  for (const table of printed) {
    const doc = documented.find(d => d.caption === table.caption)
    const where = `table '${table.caption}'`
    if (!doc) {
      problems.push(`${where} is printed but not documented`)
      continue
    }
    if (doc.header.join('|') !== table.header.join('|')) {
      problems.push(
        `${where}: printed columns ${table.header.join(', ')}; documented ${doc.header.join(', ')}`
      )
      continue
    }
    const label = (row: string[]) => row[0] ?? ''
    for (const row of table.rows) {
      const documentedRow = doc.rows.find(r => label(r) === label(row))
      if (!documentedRow) {
        problems.push(`${where}: row '${label(row)}' is printed but not documented`)
        continue
      }
      for (const [i, column] of table.header.entries()) {
        if (i === 0) continue
        const problem = cellProblem(
          row[i] ?? '',
          documentedRow[i] ?? '',
          tolerances(column, label(row))
        )
        if (problem) problems.push(`${where}, row '${label(row)}', ${column}: ${problem}`)
      }
    }
    for (const row of doc.rows) {
      if (!table.rows.some(r => label(r) === label(row))) {
        problems.push(`${where}: row '${label(row)}' is documented but no longer printed`)
      }
    }
  }
  return problems
}

/** A figure quoted in prose (the README, a page's text) and the printed figure it quotes. */
export interface Claim {
  file: string
  /** The sentence, each quoted figure a capture group. */
  says: RegExp
  /** The printed figure each group quotes: table caption (its start), row, column, which figure. */
  figures: FigureRef[]
}

export interface FigureRef {
  table: string
  row: string
  column: string
  /** Which figure of the cell: 0 for p50 of `p50 / p95`, 1 for p95. */
  index: number
  /** What the quoted number is multiplied by to be in the table's unit: 60 for minutes. */
  scale?: number
}

/** The figure a reference names in the printed tables, or a reason it cannot be found. */
export function figureAt(tables: Table[], ref: FigureRef): number | string {
  const table = tables.find(t => t.caption.startsWith(ref.table))
  const column = table?.header.indexOf(ref.column) ?? -1
  const row = table?.rows.find(r => r[0] === ref.row)
  const figure = row?.[column]?.match(FIGURE)?.[ref.index]
  if (!table || column < 0 || !row || figure === undefined) {
    return `no printed figure at '${ref.table}' / '${ref.row}' / '${ref.column}' #${ref.index}`
  }
  return valueOf(figure)
}

/** Where a claim in prose leaves the printed figures it quotes. */
export function claimProblems(
  claim: Claim,
  text: string,
  tables: Table[],
  tolerances: Tolerances
): string[] {
  const said = claim.says.exec(text)
  if (!said)
    return [`${claim.file} no longer says ${String(claim.says)}: update the claim or the text`]
  return claim.figures.flatMap((ref, i) => {
    const quoted = Number(said[i + 1]) * (ref.scale ?? 1)
    const printed = figureAt(tables, ref)
    if (typeof printed === 'string') return [`${claim.file}: ${printed}`]
    const tolerance = tolerances(ref.column, ref.row)
    return withinTolerance(printed, quoted, tolerance)
      ? []
      : [
          `${claim.file} says '${said[0]}', but ${ref.table} / ${ref.row} / ${ref.column} is now ${printed}`
        ]
  })
}
