// The traffic judgement end to end in the judge: the user's settings become the rules, the
// minutes of a target group become the 5xx and latency verdicts, and a signal turned off is not
// judged at all.
import { describe, expect, test } from 'vitest'
import {
  endedMinutes,
  errorLineRule,
  judgeTraffic,
  trafficRules,
  type TrafficMinute
} from '../../src/judge/traffic.js'
import { firstRegression } from '../../src/judge/verdict.js'

const SETTINGS = {
  fiveXx: true,
  fiveXxMargin: 25,
  latency: true,
  latencyMargin: 50,
  minRequests: 300,
  confidence: 99.8
}

const minute = (i: number, requests: number, errors: number, p99?: number): TrafficMinute => ({
  at: Date.parse('2026-12-06T10:00:00Z') + i * 60_000,
  requests,
  errors,
  ...(p99 === undefined ? {} : { p99 })
})
const BEFORE = [5, 4, 6, 5, 4, 6, 5, 4, 6, 5].map((errors, i) =>
  minute(i - 10, 1000, errors, 0.24 + i * 0.002)
)

describe('trafficRules', () => {
  test('percent margins and confidence become ratios and a probability', () => {
    expect(trafficRules(SETTINGS)).toEqual({
      fiveXx: { ratio: 1.25, minEvents: 5, minExposure: 300, minPeriods: 3, confidence: 0.998 },
      latency: { ratio: 1.5, minMinutes: 3, minRequests: 300, confidence: 0.998 }
    })
  })

  test('a signal turned off has no rule', () => {
    expect(trafficRules({ ...SETTINGS, fiveXx: false, latency: false })).toEqual({
      fiveXx: undefined,
      latency: undefined
    })
  })

  test("errorLineRule: the bake's inputs as the count rule's margin and fewest events", () => {
    expect(errorLineRule(5, 3)).toEqual({
      ratio: 3,
      minEvents: 5,
      minExposure: 1,
      minPeriods: 1,
      confidence: 0.998
    })
  })
})

describe('judgeTraffic', () => {
  test('5xx share three times higher: the 5xx verdict regresses, the latency passes', () => {
    const fresh = [15, 16, 14, 15].map((errors, i) => minute(i, 1000, errors, 0.25))
    const verdicts = judgeTraffic(fresh, BEFORE, trafficRules(SETTINGS))
    expect(verdicts.map(v => [v.signal, v.status])).toEqual([
      ['5xx', 'regressed'],
      ['latency', 'passed']
    ])
    expect(firstRegression(verdicts)?.signal).toBe('5xx')
  })

  test('p99 doubled: the latency verdict regresses', () => {
    const fresh = [0, 1, 2, 3, 4].map(i => minute(i, 1000, 5, 0.5 + i * 0.01))
    const verdicts = judgeTraffic(fresh, BEFORE, trafficRules(SETTINGS))
    expect(verdicts.map(v => [v.signal, v.status])).toEqual([
      ['5xx', 'passed'],
      ['latency', 'regressed']
    ])
  })

  test('no traffic on the new target group: too little to judge, both', () => {
    const verdicts = judgeTraffic([], BEFORE, trafficRules(SETTINGS))
    expect(verdicts.map(v => v.status)).toEqual(['too-little', 'too-little'])
    expect(firstRegression(verdicts)).toBeUndefined()
  })

  test('only the signals that are on are judged', () => {
    const rules = trafficRules({ ...SETTINGS, fiveXx: false })
    expect(judgeTraffic(BEFORE, BEFORE, rules).map(v => v.signal)).toEqual(['latency'])
  })
})

test('endedMinutes leaves out the minute under way', () => {
  const minutes = [minute(0, 1, 0), minute(1, 1, 0), minute(2, 1, 0)]
  const now = Date.parse('2026-12-06T10:02:59Z')
  expect(endedMinutes(minutes, now)).toEqual(minutes.slice(0, 2))
})
