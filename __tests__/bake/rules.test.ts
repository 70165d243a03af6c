// How a bake decides: the rules over health answers and error lines, on their own.
import { describe, expect, test } from 'vitest'
import {
  errorRegression,
  healthRegression,
  newHealthTally,
  perMinute,
  progressLine,
  tallyHealth,
  type HealthTally
} from '../../src/bake/rules.js'
import type { HealthAttempt } from '../../src/verify/health.js'

const URL = 'https://api.example/healthz'

function tally(answers: (number | string)[]): HealthTally {
  return answers.reduce<HealthTally>((t, a, i) => {
    const answer: HealthAttempt = typeof a === 'number' ? { status: a } : { error: a }
    return tallyHealth(t, answer, `12:00:0${i}`)
  }, newHealthTally())
}

describe('healthRegression', () => {
  test.each<[string, (number | string)[], string | undefined]>([
    ['all 2xx', [200, 204, 200], undefined],
    ['one blip, then 2xx', [200, 503, 200, 200], undefined],
    ['two bad in a row', [200, 503, 502], undefined],
    [
      'three bad in a row',
      [200, 503, 503, 'ECONNREFUSED'],
      `GET ${URL} did not answer 2xx 3 times in a row (12:00:01 503, 12:00:02 503, 12:00:03 ECONNREFUSED)`
    ],
    // 3 of 8 bad (37.5 %), never three in a row.
    [
      'more than a quarter bad over 8 answers',
      [503, 200, 503, 200, 503, 200, 200, 200],
      `GET ${URL} did not answer 2xx to 3 of 8 requests, more than 25 % (the last: 12:00:00 503, 12:00:02 503, 12:00:04 503)`
    ],
    // 2 of 8 bad: 25 % exactly is not more than a quarter.
    ['a quarter bad over 8 answers', [503, 200, 503, 200, 200, 200, 200, 200], undefined],
    // 3 of 7 bad, but fewer than 8 answers.
    ['a high share before 8 answers', [503, 200, 503, 200, 503, 200, 200], undefined]
  ])('%s', (_name, answers, reason) => {
    expect(healthRegression(URL, tally(answers))).toBe(reason)
  })

  test('the tally keeps the last five bad answers', () => {
    const t = tally([500, 501, 502, 503, 504, 505, 200])
    expect(t).toEqual({
      asked: 7,
      ok: 1,
      badInARow: 0,
      bad: ['12:00:01 501', '12:00:02 502', '12:00:03 503', '12:00:04 504', '12:00:05 505']
    })
  })
})

describe('errorRegression', () => {
  const rules = { minErrors: 5, ratio: 3 }
  // 20 lines over 2 tasks × 10 minutes before: 1 a task a minute.
  const before = { lines: 20, tasks: 2, minutes: 10 }

  test.each<[string, number, number, boolean]>([
    ['as before', 10, 10, false],
    ['three times before exactly', 30, 10, false],
    ['more than three times before', 31, 10, true],
    ['fewer than bake-error-min lines, however fast', 4, 1, false],
    // 5 of the 25 lines where 1 in 21 is expected: p = 0.006, not significant at 99.8 %.
    ['bake-error-min lines at a high rate, but not significantly', 5, 1, false],
    // 10 of 30 where 1 in 21 is expected: p < 0.0001.
    ['a burst: ten lines in a task-minute', 10, 1, true]
  ])('%s: %i lines over %i task-minutes', (_name, lines, taskMinutes, regressed) => {
    expect(errorRegression(rules, { lines, taskMinutes }, before) !== undefined).toBe(regressed)
  })

  test('says the lines, both rates and the limit', () => {
    expect(errorRegression(rules, { lines: 40, taskMinutes: 10 }, before)).toBe(
      'the new tasks logged 40 error lines (4/task/min; 1/task/min before the deploy; the limit is 3× that, and at least 5 lines)'
    )
  })

  test('an app quiet before the deploy fails once its lines are significantly many', () => {
    const quiet = { lines: 0, tasks: 2, minutes: 10 }
    expect(errorRegression(rules, { lines: 4, taskMinutes: 10 }, quiet)).toBeUndefined()
    // 10 task-minutes of 30: all 5 lines new has p = (1/3)^5 = 0.004, all 8 p = 0.00015.
    expect(errorRegression(rules, { lines: 5, taskMinutes: 10 }, quiet)).toBeUndefined()
    expect(errorRegression(rules, { lines: 8, taskMinutes: 10 }, quiet)).toBe(
      'the new tasks logged 8 error lines (0.8/task/min; 0/task/min before the deploy; the limit is 3× that, and at least 5 lines)'
    )
  })

  test('a lower bake-confidence takes what a higher one does not', () => {
    const quiet = { lines: 0, tasks: 2, minutes: 10 }
    const found = { lines: 5, taskMinutes: 10 }
    expect(errorRegression({ ...rules, confidence: 0.99 }, found, quiet)).toMatch(
      /^the new tasks logged 5 error lines/
    )
    expect(errorRegression({ ...rules, confidence: 0.999 }, found, quiet)).toBeUndefined()
  })

  test('an unknown rate before the deploy is said', () => {
    const unknown = { lines: 0, tasks: 2, minutes: 10, unknown: 'AccessDenied' }
    expect(errorRegression(rules, { lines: 6, taskMinutes: 2 }, unknown)).toBe(
      'the new tasks logged 6 error lines (3/task/min; the rate before the deploy is not known (AccessDenied))'
    )
  })
})

describe('perMinute and progressLine', () => {
  test.each<[number, string]>([
    [0, '0/task/min'],
    [0.04, '0.04/task/min'],
    [0.4, '0.4/task/min'],
    [1.25, '1.3/task/min'],
    [10, '10/task/min'],
    [120.4, '120/task/min']
  ])('%d reads as %s', (value, text) => {
    expect(perMinute(value)).toBe(text)
  })

  test('the line a person follows', () => {
    const health = tally(Array.from({ length: 26 }, () => 200))
    expect(
      progressLine(
        'bake',
        130_000,
        300_000,
        { lines: 0, counted: true },
        { lines: 8, tasks: 2, minutes: 10 },
        health
      )
    ).toBe('bake 2:10 of 5:00: 0 error lines in new tasks (before 0.4/task/min), health 26/26 ok')
    expect(
      progressLine(
        'bake web',
        5_000,
        60_000,
        { lines: 1, counted: false },
        { lines: 0, tasks: 2, minutes: 10, unknown: 'x' },
        undefined
      )
    ).toBe('bake web 0:05 of 1:00: error lines not counted')
  })
})
