// The alarms rule: what went into ALARM since the deploy began is a regression, named with its
// reason; what was in ALARM before is said and not held against the release.
import { describe, expect, test } from 'vitest'
import { judgeAlarms } from '../../src/judge/alarms.js'
import type { AlarmState, VerdictStatus } from '../../src/judge/verdict.js'

const DEPLOYED = Date.parse('2026-12-06T10:00:00Z')
const alarm = (name: string, state: AlarmState['state'], at: string, reason = ''): AlarmState => ({
  name,
  state,
  reason,
  updatedAt: Date.parse(`2026-12-06T${at}Z`)
})

const FIRED = alarm(
  'babyshield-api-5xx',
  'ALARM',
  '10:03:10',
  'Threshold Crossed: 1 datapoint [12.0 (06/12/26 10:02:00)] was greater than the threshold (5.0).'
)
const QUIET = alarm('babyshield-api-latency', 'OK', '09:10:00')
const OLD_TROUBLE = alarm('babyshield-db-cpu', 'ALARM', '09:40:00', 'Threshold Crossed')
const SELECTOR = { names: [], prefixes: ['babyshield-'] }

describe('judgeAlarms', () => {
  test.each<[string, AlarmState[], VerdictStatus, string]>([
    [
      'one in ALARM since the deploy',
      [QUIET, FIRED],
      'regressed',
      'alarm in ALARM: babyshield-api-5xx since 10:03:10 (Threshold Crossed: 1 datapoint [12.0 (06/12/26 10:02:00)] was greater than the threshold (5.0).)'
    ],
    ['all OK', [QUIET], 'passed', 'alarms: none of 1 alarm went into ALARM'],
    [
      'in ALARM since before the deploy',
      [QUIET, OLD_TROUBLE],
      'passed',
      'alarms: none of 2 alarms went into ALARM (in ALARM since before the deploy, not held against it: babyshield-db-cpu)'
    ],
    [
      'INSUFFICIENT_DATA is not ALARM',
      [alarm('babyshield-api-5xx', 'INSUFFICIENT_DATA', '10:01:00')],
      'passed',
      'alarms: none of 1 alarm went into ALARM'
    ],
    ['none found', [], 'too-little', "alarms: none found for 'babyshield-*'"]
  ])('%s', (_name, alarms, status, reason) => {
    expect(judgeAlarms(alarms, SELECTOR, DEPLOYED)).toMatchObject({ status, reason })
  })

  test('two fired: both named; the figures keep what was read', () => {
    const other = alarm('babyshield-api-p99', 'ALARM', '10:00:00', 'Threshold Crossed: p99')
    const verdict = judgeAlarms([FIRED, other, OLD_TROUBLE], SELECTOR, DEPLOYED)
    expect(verdict.reason).toMatch(
      /^alarms in ALARM: babyshield-api-5xx since 10:03:10 \(.*\); babyshield-api-p99 since 10:00:00 \(Threshold Crossed: p99\)$/
    )
    expect(verdict.figures.fired.map(a => a.name)).toEqual([
      'babyshield-api-5xx',
      'babyshield-api-p99'
    ])
    expect(verdict.figures.before.map(a => a.name)).toEqual(['babyshield-db-cpu'])
  })

  test('a name that was asked for and not found is said', () => {
    const verdict = judgeAlarms(
      [QUIET],
      { names: ['babyshield-api-latency', 'babyshield-typo'], prefixes: [] },
      DEPLOYED
    )
    expect(verdict.reason).toBe(
      'alarms: none of 1 alarm went into ALARM (not found: babyshield-typo)'
    )
  })
})
