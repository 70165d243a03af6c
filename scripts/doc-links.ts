// The README and the files under docs/ link to each other and to their own headings; a moved
// section or a renamed heading must not leave a link that leads nowhere. Pure, for the tests.
import { dirname, join, normalize } from 'node:path'

/** The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces as `-`. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-')
}

/** Every heading's anchor in a Markdown text (outside fenced code). */
export function anchorsIn(markdown: string): Set<string> {
  const anchors = new Set<string>()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    const heading = fenced ? null : /^#{1,6} (.+)$/.exec(line)
    if (heading?.[1]) anchors.add(anchorOf(heading[1]))
  }
  return anchors
}

/**
 * The relative links of `files` (path → Markdown text, paths from the repository root) that
 * point at no file, or at a heading the target does not have. `exists` says whether a path
 * outside `files` exists. Returns `FILE: [text](target) …why`.
 */
export function brokenLinks(
  files: Map<string, string>,
  exists: (path: string) => boolean
): string[] {
  const problems: string[] = []
  for (const [path, text] of files) {
    const prose = text.replace(/```[\s\S]*?```/g, '')
    for (const match of prose.matchAll(/\[([^\]]*)\]\(([^)\s]+)\)/g)) {
      const target = match[2] ?? ''
      if (/^[a-z]+:/i.test(target)) continue
      const [file = '', anchor] = target.split('#')
      const resolved = file ? normalize(join(dirname(path), file)) : path
      const label = `${path}: [${match[1] ?? ''}](${target})`
      const content = files.get(resolved)
      if (content === undefined && !exists(resolved)) {
        problems.push(`${label} points at ${resolved}, which does not exist`)
      } else if (anchor !== undefined && content !== undefined && !anchorsIn(content).has(anchor)) {
        problems.push(`${label}: ${resolved} has no heading #${anchor}`)
      }
    }
  }
  return problems
}
