// The bake-error-patterns input: what can be told from the text before CloudWatch is asked.
import { describe, expect, test } from 'vitest'
import { parseErrorPatterns, patternProblem } from '../../src/bake/patterns.js'

describe('parseErrorPatterns', () => {
  test('one a line, blank lines and spaces around dropped', () => {
    expect(parseErrorPatterns('ERROR\n\n  "HTTP 500"  \n{ $.level = "error" }\n')).toEqual([
      'ERROR',
      '"HTTP 500"',
      '{ $.level = "error" }'
    ])
  })

  test.each<[string, string]>([
    ['\n \n', 'bake-error-patterns is empty'],
    ['a\nb\nc\nd\ne\nf', 'bake-error-patterns has 6 patterns: at most 5'],
    [
      '"HTTP 500',
      "bake-error-patterns line '\"HTTP 500' is not a CloudWatch filter pattern: a double quote is not closed"
    ],
    ['{ $.level = "error"', "is not a CloudWatch filter pattern: '{' is not closed"],
    ['[ip, user]]', "']' closes nothing that was opened"],
    ['{ $.a = 1 ]', "']' closes nothing that was opened"],
    ['%ERROR|FATAL', "a regular expression's '%' is not closed"],
    ['x'.repeat(1025), 'it is longer than 1024 characters'],
    ['ERR\u0007OR', 'it has a control character']
  ])('%j is refused', (value, message) => {
    expect(() => parseErrorPatterns(value)).toThrow(message)
  })

  test.each([
    '?ERROR ?Traceback',
    '"a ] in quotes"',
    '%ERROR|FATAL%',
    '[w1, w2 = "x\\"y"]',
    '-DEBUG ERROR'
  ])('%j is accepted', pattern => {
    expect(patternProblem(pattern)).toBeUndefined()
  })
})
