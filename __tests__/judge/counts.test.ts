// The count rule, table-tested. Expected p-values and ratios come from a separate implementation
// of docs/judge.md's rule in Python with SciPy 1.17.1 (scipy.stats.binom.sf, scipy.stats.t.sf),
// written here as numbers; the wander example is worked by hand.
import { describe, expect, test } from 'vitest'
import {
  judgeCount,
  rateTest,
  wanderOf,
  withoutWorst,
  type Period
} from '../../src/judge/counts.js'
import type { CountRule, VerdictStatus } from '../../src/judge/verdict.js'

const RULE: CountRule = {
  ratio: 1.25,
  minEvents: 5,
  minExposure: 300,
  minPeriods: 3,
  confidence: 0.998
}

/** `5/1000` → one minute with 5 events over 1000 requests. */
const minutes = (...cells: string[]): Period[] =>
  cells.map(cell => {
    const [events = '0', exposure = '0'] = cell.split('/')
    return { events: Number(events), exposure: Number(exposure) }
  })
const times = (n: number, cell: string): string[] => Array.from({ length: n }, () => cell)

/** Ten minutes before the deploy, 0.5 % of 1,000 requests each on average. */
const BEFORE = minutes(...times(4, '5/1000'), ...times(3, '4/1000'), ...times(3, '6/1000'))

describe('judgeCount: 5xx share', () => {
  test.each<[string, Period[], Period[], VerdictStatus, number, number]>([
    [
      'as before',
      minutes('5/1000', '4/1000', '6/1000', '5/1000'),
      BEFORE,
      'passed',
      0.61005,
      0.9545
    ],
    [
      'three times the share',
      minutes('15/1000', '16/1000', '14/1000', '15/1000'),
      BEFORE,
      'regressed',
      0.000147329,
      3
    ],
    [
      'one bad minute: set aside',
      minutes('60/1000', '5/1000', '4/1000', '6/1000'),
      BEFORE,
      'passed',
      0.51987,
      1.0227
    ],
    [
      'two bad minutes: 4.4× but not significant',
      minutes('60/1000', '55/1000', '4/1000', '6/1000'),
      BEFORE,
      'passed',
      0.0064226,
      4.4318
    ],
    [
      'the old revision had the errors',
      minutes('5/1000', '4/1000', '6/1000'),
      minutes(...times(10, '20/1000')),
      'passed',
      0.99999999,
      0.225
    ],
    [
      'requests that vary minute to minute',
      minutes('9/1500', '3/400', '12/2100', '2/300'),
      minutes(
        '4/900',
        '7/1300',
        '2/500',
        '5/1000',
        '3/700',
        '6/1200',
        '4/800',
        '8/1600',
        '3/600',
        '5/1100'
      ),
      'passed',
      0.24449,
      1.2385
    ]
  ])('%s', (_name, fresh, old, status, p, ratio) => {
    const verdict = judgeCount('5xx', fresh, old, RULE)
    expect(verdict.status).toBe(status)
    expect(verdict.figures.p).toBeCloseTo(p, 4)
    expect(verdict.figures.ratio).toBeCloseTo(ratio, 3)
  })

  test('a regression says what it compared, by how much, and how sure', () => {
    const verdict = judgeCount(
      '5xx',
      minutes('15/1000', '16/1000', '14/1000', '15/1000'),
      BEFORE,
      RULE
    )
    expect(verdict.reason).toBe(
      '5xx share 1.5 % of 4,000 requests against 0.50 % of 10,000 requests: without the worst minute of each, 3×, above the 1.25× allowed and significant (p = 0.0001; it takes p < 0.002)'
    )
  })

  test('a single bad minute widens the test: the wander is said', () => {
    const verdict = judgeCount(
      '5xx',
      minutes('60/1000', '55/1000', '4/1000', '6/1000'),
      BEFORE,
      RULE
    )
    expect(verdict.figures.wander).toBeCloseTo(0.85459, 4)
    expect(verdict.reason).toMatch(
      /, above 1\.25× but not significant \(p = 0\.006, the rate wandering ±85 %; it takes p < 0\.002\)$/
    )
  })

  test('none before and enough now: judged, and said so', () => {
    const verdict = judgeCount(
      '5xx',
      minutes('4/500', '3/500', '4/500'),
      minutes(...times(10, '0/1000')),
      RULE
    )
    expect(verdict.status).toBe('regressed')
    expect(verdict.figures.ratio).toBe(Infinity)
    expect(verdict.figures.p).toBeCloseTo(1.17854e-5, 8)
    expect(verdict.reason).toContain('where the old revision had none')
  })

  test.each<[string, Period[], Period[], string]>([
    [
      'no traffic at all',
      [],
      BEFORE,
      '5xx share: too little to judge: the new revision had 0 requests over 0 minutes; it takes 300 over 3 minutes'
    ],
    [
      'two minutes',
      minutes('30/1000', '30/1000'),
      BEFORE,
      '5xx share: too little to judge: the new revision had 2,000 requests over 2 minutes; it takes 300 over 3 minutes'
    ],
    [
      'a trickle',
      minutes('1/50', '1/60', '0/40'),
      BEFORE,
      '5xx share: too little to judge: the new revision had 150 requests over 3 minutes; it takes 300 over 3 minutes'
    ],
    [
      'minutes without requests do not count',
      minutes('3/400', '0/0', '0/0'),
      BEFORE,
      '5xx share: too little to judge: the new revision had 400 requests over 1 minute; it takes 300 over 3 minutes'
    ],
    [
      'nothing before the deploy',
      minutes(...times(4, '5/1000')),
      [],
      '5xx share: too little to judge: the old revision had 0 requests over 0 minutes; it takes 300 over 3 minutes'
    ]
  ])('too little to judge, never a pass: %s', (_name, fresh, old, reason) => {
    expect(judgeCount('5xx', fresh, old, RULE)).toMatchObject({ status: 'too-little', reason })
  })

  test('fewer than the fewest events pass, whatever the ratio', () => {
    const verdict = judgeCount(
      '5xx',
      minutes('1/1000', '2/1000', '1/1000'),
      minutes(...times(10, '0/1000')),
      RULE
    )
    expect(verdict.status).toBe('passed')
    expect(verdict.reason).toMatch(/; fewer than 5 in the new revision$/)
  })

  test('exactly at the margin passes: the rate must be above it', () => {
    const verdict = judgeCount(
      '5xx',
      minutes(...times(10, '125/10000')),
      minutes(...times(10, '100/10000')),
      RULE
    )
    expect(verdict.figures.ratio).toBe(1.25)
    expect(verdict.status).toBe('passed')
  })

  test('within the margin passes however sure the test is', () => {
    const fresh = minutes(...times(10, '120/10000'))
    const old = minutes(...times(10, '100/10000'))
    const verdict = judgeCount('5xx', fresh, old, RULE)
    expect(verdict.figures.ratio).toBeCloseTo(1.2, 6)
    expect(verdict.status).toBe('passed')
    expect(verdict.reason).toMatch(/1\.2×, within the 1\.25× allowed \(p = 0\.0005\)$/)
  })
})

describe('judgeCount: error lines as totals (the bake reads the lines before the deploy as one count)', () => {
  const LINES: CountRule = {
    ratio: 3,
    minEvents: 5,
    minExposure: 1,
    minPeriods: 1,
    confidence: 0.998
  }

  test.each<[string, Period, Period, VerdictStatus, number]>([
    [
      '12 lines in 10 task-minutes against 2 in 20',
      { events: 12, exposure: 10 },
      { events: 2, exposure: 20 },
      'regressed',
      8.2166537e-5
    ],
    [
      '6 against 2: six times, but not significant',
      { events: 6, exposure: 10 },
      { events: 2, exposure: 20 },
      'passed',
      0.019661637
    ],
    [
      '5 against none: (1/3)^5',
      { events: 5, exposure: 10 },
      { events: 0, exposure: 20 },
      'passed',
      0.0041152263
    ],
    [
      '4 lines: fewer than 5',
      { events: 4, exposure: 10 },
      { events: 0, exposure: 20 },
      'passed',
      0.012345679
    ]
  ])('%s', (_name, fresh, old, status, p) => {
    const verdict = judgeCount('error lines', [fresh], [old], LINES)
    expect(verdict.status).toBe(status)
    expect(verdict.figures.p).toBeCloseTo(p, 8)
    expect(verdict.figures.wander).toBe(0)
  })

  test('reads in lines a task a minute', () => {
    const verdict = judgeCount(
      'error lines',
      [{ events: 12, exposure: 10 }],
      [{ events: 2, exposure: 20 }],
      LINES
    )
    expect(verdict.reason).toBe(
      'error lines 12 lines over 10.0 task-minutes (1.20/task/min) against 2 lines over 20.0 task-minutes (0.10/task/min): 12×, above the 3× allowed and significant (p < 0.0001; it takes p < 0.002)'
    )
  })
})

describe('the parts of the rule', () => {
  test('wanderOf: κ by the method of moments, worked by hand', () => {
    // Rates 0.2 each side, 20 expected a period: excess (100 − 20)·2 + (0 − 20)·2 = 120, scale
    // 4 · 400 = 1600, four periods: 120 · 4/2 / 1600 = 0.15.
    expect(wanderOf(minutes('10/100', '30/100'), minutes('20/100', '20/100'))).toBeCloseTo(0.15, 12)
    expect(wanderOf(minutes('10/100'), minutes('20/100'))).toBe(0)
  })

  test('withoutWorst sets aside the highest rate, from three periods on', () => {
    expect(withoutWorst(minutes('1/10', '5/100', '3/10'))).toEqual(minutes('1/10', '5/100'))
    expect(withoutWorst(minutes('1/10', '3/10'))).toEqual(minutes('1/10', '3/10'))
    expect(withoutWorst(minutes('1/10', '0/0', '3/10'))).toEqual(minutes('1/10', '3/10'))
  })

  test('rateTest without events, or without an old exposure, finds nothing', () => {
    expect(rateTest(minutes('0/100'), minutes('3/100'), 0)).toBe(1)
    expect(rateTest(minutes('3/100'), [], 0)).toBe(1)
  })
})
