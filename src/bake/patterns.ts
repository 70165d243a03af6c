// The bake-error-patterns input: CloudWatch Logs filter patterns, one a line. What can be told
// from the text is checked here; CloudWatch itself is asked before anything changes (the
// baseline read), so a pattern it refuses fails the step while nothing was changed yet. Pure.

/** The most patterns a bake reads: each costs a FilterLogEvents call a poll. */
export const MAX_PATTERNS = 5
const MAX_PATTERN = 1024

export function parseErrorPatterns(value: string): string[] {
  const patterns = value
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line !== '')
  if (patterns.length === 0) {
    throw new Error(
      "bake-error-patterns is empty: give CloudWatch filter patterns, one a line, e.g. 'ERROR'"
    )
  }
  if (patterns.length > MAX_PATTERNS) {
    throw new Error(
      `bake-error-patterns has ${patterns.length} patterns: at most ${MAX_PATTERNS} (each is read every poll); combine terms in one pattern, e.g. '?ERROR ?Traceback'`
    )
  }
  for (const pattern of patterns) {
    const problem = patternProblem(pattern)
    if (problem) {
      throw new Error(
        `bake-error-patterns line '${pattern.slice(0, 80)}' is not a CloudWatch filter pattern: ${problem}`
      )
    }
  }
  return patterns
}

/** What makes the text no filter pattern CloudWatch takes, or undefined. Pure. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN) return `it is longer than ${MAX_PATTERN} characters`
  if (/\p{Cc}/u.test(pattern)) return 'it has a control character'
  let quoted = false
  const open: string[] = []
  const closes: Record<string, string> = { '}': '{', ']': '[', ')': '(' }
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i)
    if (quoted) {
      if (c === '\\') i++
      else if (c === '"') quoted = false
      continue
    }
    if (c === '"') quoted = true
    else if (c === '{' || c === '[' || c === '(') open.push(c)
    else if (c in closes) {
      if (open.pop() !== closes[c]) return `'${c}' closes nothing that was opened`
    }
  }
  if (quoted) return 'a double quote is not closed'
  if (open.length > 0) return `'${open.at(-1) ?? ''}' is not closed`
  if ((pattern.match(/%/g) ?? []).length % 2 === 1 && !pattern.startsWith('{')) {
    return "a regular expression's '%' is not closed"
  }
  return undefined
}
