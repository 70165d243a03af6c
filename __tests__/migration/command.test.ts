// How a migration-command line becomes an argv, and back into a line a person can paste.
import { describe, expect, test } from 'vitest'
import {
  commandLine,
  parseMigrationCommand,
  splitCommandLine
} from '../../src/migration/command.js'

describe('splitCommandLine', () => {
  test.each<[string, string[]]>([
    ['alembic upgrade head', ['alembic', 'upgrade', 'head']],
    ['  python   manage.py\tmigrate  ', ['python', 'manage.py', 'migrate']],
    [
      "sh -c 'alembic upgrade head && python seed.py'",
      ['sh', '-c', 'alembic upgrade head && python seed.py']
    ],
    ['echo "a \\"quoted\\" word" done', ['echo', 'a "quoted" word', 'done']],
    ['echo "back\\\\slash" "keep \\n as is"', ['echo', 'back\\slash', 'keep \\n as is']],
    ['echo \'single "keeps" \\everything\'', ['echo', 'single "keeps" \\everything']],
    ['echo a\\ b', ['echo', 'a b']],
    ["echo --name='two words'x", ['echo', '--name=two wordsx']],
    ["echo ''", ['echo', '']],
    // No shell: variables and operators are words.
    ['migrate $DATABASE_URL && true', ['migrate', '$DATABASE_URL', '&&', 'true']]
  ])('%j', (line, argv) => {
    expect(splitCommandLine(line)).toEqual(argv)
  })

  test.each<[string, string]>([
    ["echo 'open", "migration-command has an unclosed ' in 'echo 'open'"],
    ['echo "open', 'migration-command has an unclosed " in \'echo "open\''],
    ['one\ntwo', 'migration-command has more than one line'],
    ['one\r\ntwo', 'migration-command has more than one line']
  ])('%j is refused', (line, message) => {
    expect(() => splitCommandLine(line)).toThrow(message)
  })
})

describe('parseMigrationCommand', () => {
  test('a JSON array is the argv exactly, spaces and all', () => {
    expect(parseMigrationCommand('["python", "-c", "print(1); print(2)", ""]')).toEqual([
      'python',
      '-c',
      'print(1); print(2)',
      ''
    ])
  })

  test('a line that starts with [ is JSON, not words', () => {
    expect(() => parseMigrationCommand('[ -f x ] && migrate')).toThrow(
      "migration-command starts with '[' but is not JSON"
    )
  })

  test.each<[string, string]>([
    ['[]', "migration-command '[]' names no program"],
    ['[""]', `migration-command '[""]' names no program`],
    ["'' upgrade", "migration-command ''' upgrade' names no program"],
    ['["a", null]', 'migration-command is JSON but not an array of strings']
  ])('%j is refused', (value, message) => {
    expect(() => parseMigrationCommand(value)).toThrow(message)
  })

  test('only a leading [ makes JSON: anything else is a command line', () => {
    expect(parseMigrationCommand('{"cmd": "x"}')).toEqual(['{cmd:', 'x}'])
    expect(parseMigrationCommand('"alembic"')).toEqual(['alembic'])
  })

  test('a command longer than 8192 characters is refused', () => {
    expect(() => parseMigrationCommand(`migrate ${'x'.repeat(8200)}`)).toThrow(
      'migration-command is 8208 characters: expected at most 8192'
    )
  })
})

describe('commandLine', () => {
  test.each<[string[], string]>([
    [['alembic', 'upgrade', 'head'], 'alembic upgrade head'],
    [['sh', '-c', 'a && b'], "sh -c 'a && b'"],
    [['echo', "it's"], "echo 'it'\\''s'"],
    [['echo', ''], "echo ''"],
    [['migrate', '--db=main', 'path/to.py'], 'migrate --db=main path/to.py']
  ])('%j reads as %s', (argv, line) => {
    expect(commandLine(argv)).toBe(line)
  })

  test('what commandLine writes, splitCommandLine reads back', () => {
    for (const argv of [
      ['sh', '-c', "echo 'hi' && exit 3"],
      ['a b', 'c"d', "e'f", '']
    ]) {
      expect(splitCommandLine(commandLine(argv))).toEqual(argv)
    }
  })
})
