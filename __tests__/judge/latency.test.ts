// The response-time rule, table-tested. Expected U and p-values from scipy.stats.mannwhitneyu
// (SciPy 1.17.1; exact, or asymptotic with continuity where a tie makes the rule use it) on the
// values left after each side's slowest minute is set aside, written here as numbers.
import { describe, expect, test } from 'vitest'
import { judgeLatency, type LatencyMinute } from '../../src/judge/latency.js'
import type { LatencyRule, VerdictStatus } from '../../src/judge/verdict.js'

const RULE: LatencyRule = { ratio: 1.25, minMinutes: 3, minRequests: 300, confidence: 0.998 }

const at = (p99s: (number | undefined)[], requests = 1000): LatencyMinute[] =>
  p99s.map(p99 => ({ requests, p99 }))

/** Ten minutes before the deploy, p99 around 250 ms. */
const BEFORE = at([0.241, 0.252, 0.247, 0.259, 0.244, 0.25, 0.256, 0.248, 0.262, 0.245])

describe('judgeLatency', () => {
  test.each<[string, LatencyMinute[], VerdictStatus, number, number, number]>([
    ['steady', at([0.251, 0.246, 0.258, 0.243, 0.249]), 'passed', 15, 0.6979021, 0.99798],
    ['doubled, five minutes', at([0.5, 0.52, 0.49, 0.51, 0.55]), 'regressed', 36, 1 / 715, 2.03629],
    [
      'doubled, four minutes: not yet significant',
      at([0.5, 0.52, 0.49, 0.51]),
      'passed',
      27,
      1 / 220,
      2.01613
    ],
    ['one slow minute', at([0.25, 0.26, 1.2, 0.24, 0.255]), 'passed', 21.5, 0.32148609, 1.01815],
    [
      '17 % slower, surely: within the margin',
      at([0.28, 0.29, 0.285, 0.295, 0.3, 0.31]),
      'passed',
      45,
      0.0004995005,
      1.16935
    ]
  ])('%s', (_name, fresh, status, u, p, ratio) => {
    const verdict = judgeLatency(fresh, BEFORE, RULE)
    expect(verdict.status).toBe(status)
    expect(verdict.figures.u).toBe(u)
    expect(verdict.figures.p).toBeCloseTo(p, 6)
    expect(verdict.figures.ratio).toBeCloseTo(ratio, 4)
  })

  test('a regression reads as medians, ratio and test', () => {
    const verdict = judgeLatency(at([0.5, 0.52, 0.49, 0.51, 0.55]), BEFORE, RULE)
    expect(verdict.reason).toBe(
      'p99 510 ms (median of 5 minutes) against 249 ms (median of 10 minutes): without the slowest minute of each, 2.04×, above the 1.25× allowed and significant (U = 36, p = 0.001; it takes p < 0.002)'
    )
    expect(verdict.figures.new).toEqual({ minutes: 5, requests: 5000, median: 0.51 })
    expect(verdict.figures.old).toEqual({ minutes: 10, requests: 10000, median: 0.249 })
  })

  test.each<[string, LatencyMinute[], LatencyMinute[], string]>([
    [
      'two minutes',
      at([0.9, 0.9]),
      BEFORE,
      'p99: too little to judge: the new revision had 2,000 requests over 2 minutes; it takes 300 over 3 minutes'
    ],
    [
      'a trickle of requests',
      at([0.9, 0.9, 0.9], 20),
      BEFORE,
      'p99: too little to judge: the new revision had 60 requests over 3 minutes; it takes 300 over 3 minutes'
    ],
    [
      'minutes without a value do not count',
      at([0.9, undefined, 0.9, undefined]),
      BEFORE,
      'p99: too little to judge: the new revision had 4,000 requests over 2 minutes; it takes 300 over 3 minutes'
    ],
    [
      'no minutes before the deploy',
      at([0.9, 0.9, 0.9]),
      at([0.25, undefined]),
      'p99: too little to judge: the old revision had 1 minute with requests; it takes 3'
    ]
  ])('too little to judge: %s', (_name, fresh, old, reason) => {
    expect(judgeLatency(fresh, old, RULE)).toMatchObject({ status: 'too-little', reason })
  })

  test('a minute without requests has no p99 to count, even if one is given', () => {
    const fresh = [...at([0.5, 0.52, 0.49, 0.51, 0.55]), { requests: 0, p99: 9 }]
    expect(judgeLatency(fresh, BEFORE, RULE).figures.new.minutes).toBe(5)
  })
})
