// The migration-command input: a command line split into words, or a JSON array of strings for
// an exact argv. Nothing runs through a shell: `$VAR`, `&&` and `|` are words like any other,
// and `sh -c '…'` is how a user asks for one. Pure.

const LIMIT = 8192

/** The argv of a migration-command, or an error that names the input and the expected form. */
export function parseMigrationCommand(value: string): string[] {
  const text = value.trim()
  if (text.length > LIMIT) {
    throw new Error(`migration-command is ${text.length} characters: expected at most ${LIMIT}`)
  }
  const argv = text.startsWith('[') ? jsonArgv(text) : splitCommandLine(text)
  if (argv.length === 0 || argv[0] === '') {
    throw new Error(
      `migration-command '${text}' names no program: give a command line such as 'alembic upgrade head', or a JSON array such as ["python", "manage.py", "migrate"]`
    )
  }
  return argv
}

function jsonArgv(text: string): string[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new Error(
      `migration-command starts with '[' but is not JSON (${error instanceof Error ? error.message : String(error)}): expected a JSON array of strings, e.g. ["python", "manage.py", "migrate"]`
    )
  }
  if (!Array.isArray(parsed) || !parsed.every(word => typeof word === 'string')) {
    throw new Error(
      'migration-command is JSON but not an array of strings: expected e.g. ["python", "manage.py", "migrate"]'
    )
  }
  return parsed
}

/**
 * Words separated by spaces or tabs. '…' keeps everything inside as it is; "…" keeps everything
 * but `\"` and `\\`; outside quotes a backslash keeps the next character. A line break outside
 * quotes is refused: one input is one command.
 */
export function splitCommandLine(text: string): string[] {
  const words: string[] = []
  let word: string | undefined
  let i = 0
  const add = (s: string): void => {
    word = (word ?? '') + s
  }
  while (i < text.length) {
    const c = text.charAt(i)
    if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word)
      word = undefined
      i++
    } else if (c === '\n' || c === '\r') {
      throw new Error(
        "migration-command has more than one line: give one command, or run several through a shell, e.g. sh -c 'alembic upgrade head && python seed.py'"
      )
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1)
      if (end === -1) throw unclosed("'", text)
      add(text.slice(i + 1, end))
      i = end + 1
    } else if (c === '"') {
      let j = i + 1
      let inner = ''
      while (j < text.length && text.charAt(j) !== '"') {
        const next = text.charAt(j + 1)
        if (text.charAt(j) === '\\' && (next === '"' || next === '\\')) {
          inner += next
          j += 2
        } else {
          inner += text.charAt(j)
          j++
        }
      }
      if (j >= text.length) throw unclosed('"', text)
      add(inner)
      i = j + 1
    } else if (c === '\\' && i + 1 < text.length) {
      add(text.charAt(i + 1))
      i += 2
    } else {
      add(c)
      i++
    }
  }
  if (word !== undefined) words.push(word)
  return words
}

function unclosed(quote: string, text: string): Error {
  return new Error(
    `migration-command has an unclosed ${quote} in '${text}': close the quote, or give a JSON array of strings for an exact argv`
  )
}

/** The argv as one line a person can read and paste: words with spaces or quotes are quoted. */
export function commandLine(argv: string[]): string {
  return argv
    .map(word => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`))
    .join(' ')
}
