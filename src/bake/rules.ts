// How a bake decides, as pure rules over what it saw: the health answers, the error lines of the
// new revision's tasks against the old revision's rate before the deploy, and the new tasks that
// stopped. "How a bake decides" in docs/bake.md is this file in words.
import { judgeCount } from '../judge/counts.js'
import { errorLineRule } from '../judge/traffic.js'
import type { HealthAttempt } from '../verify/health.js'
import { isHealthy } from '../verify/health.js'
import type { JudgeRules, TrafficBaseline } from './load-balancer.js'

/** What the bake watches for, from the inputs. */
export interface BakeRules {
  /** 0: no bake. */
  bakeMs: number
  /** CloudWatch filter patterns; a line that matches any is an error line. */
  patterns: string[]
  /** The fewest error lines of the new tasks that can fail a bake. */
  minErrors: number
  /** How many times the old revision's rate (lines a task a minute) the new tasks may reach. */
  ratio: number
  /** The load balancer's signals and the alarms; undefined: not judged. */
  judge?: JudgeRules
}

/** A bad health answer is asked again this many times, a second apart, before it counts as a run. */
export const HEALTH_CONFIRMATIONS = 2
export const HEALTH_CONFIRM_DELAY_MS = 1000
/** Bad answers in a row that are a regression (the first and its confirmations). */
export const BAD_IN_A_ROW = HEALTH_CONFIRMATIONS + 1
/** Over the whole bake, more than this share of bad answers is a regression too... */
export const BAD_SHARE = 0.25
/** ...once at least this many answers were had. */
export const BAD_SHARE_AFTER = 8
/** The minutes before the deploy whose error lines give the old revision's rate. */
export const BASELINE_MINUTES = 10

export interface HealthTally {
  asked: number
  ok: number
  /** Bad answers in a row, up to now. */
  badInARow: number
  /** The last bad answers, newest last (at most 5), as `HH:MM:SS 503` or the error. */
  bad: string[]
}

export function newHealthTally(): HealthTally {
  return { asked: 0, ok: 0, badInARow: 0, bad: [] }
}

/** Adds one answer to the tally. Pure (returns a new tally). */
export function tallyHealth(tally: HealthTally, answer: HealthAttempt, at: string): HealthTally {
  const healthy = isHealthy(answer)
  const said = 'status' in answer ? String(answer.status) : answer.error
  return {
    asked: tally.asked + 1,
    ok: tally.ok + (healthy ? 1 : 0),
    badInARow: healthy ? 0 : tally.badInARow + 1,
    bad: healthy ? tally.bad : [...tally.bad, `${at} ${said}`].slice(-5)
  }
}

/** Why the health answers are a regression, or undefined while they are not. Pure. */
export function healthRegression(url: string, tally: HealthTally): string | undefined {
  if (tally.badInARow >= BAD_IN_A_ROW) {
    return `GET ${url} did not answer 2xx ${tally.badInARow} times in a row (${tally.bad.slice(-tally.badInARow).join(', ')})`
  }
  const badCount = tally.asked - tally.ok
  if (tally.asked >= BAD_SHARE_AFTER && badCount > tally.asked * BAD_SHARE) {
    return `GET ${url} did not answer 2xx to ${badCount} of ${tally.asked} requests, more than ${BAD_SHARE * 100} % (the last: ${tally.bad.join(', ')})`
  }
  return undefined
}

/** The old revision's error lines before the deploy: a rate of lines a task a minute. */
export interface Baseline {
  lines: number
  tasks: number
  minutes: number
  /** Whose lines made the rate: `2 tasks of babyshield-backend-task:12`. */
  source?: string
  /** Not read (no log group, or CloudWatch refused): the new tasks are held to minErrors alone. */
  unknown?: string
  /** Where the load balancer's traffic is read, and the old side's minutes before the deploy. */
  traffic?: TrafficBaseline
}

/** Lines a task a minute; 0 when there was nothing to divide by. Pure. */
export function rate(lines: number, taskMinutes: number): number {
  return taskMinutes > 0 ? lines / taskMinutes : 0
}

export function baselineRate(baseline: Baseline): number {
  return rate(baseline.lines, baseline.tasks * baseline.minutes)
}

/**
 * Why the new tasks' error lines are a regression, or undefined: the judge's count rule (docs/judge.md),
 * lines against task-minutes, new against the old revision's before the deploy. A regression needs
 * at least `minErrors` lines, a rate above `ratio` times the old revision's, and the difference
 * significant at `confidence`. An app that always logs a few ERRORs passes; one that starts
 * logging many fails. A rate before the deploy that is not known holds the lines to `minErrors`.
 */
export function errorRegression(
  rules: Pick<BakeRules, 'minErrors' | 'ratio'> & { confidence?: number | undefined },
  found: { lines: number; taskMinutes: number },
  baseline: Baseline
): string | undefined {
  if (found.lines < rules.minErrors) return undefined
  const now = rate(found.lines, found.taskMinutes)
  const before = baselineRate(baseline)
  if (!baseline.unknown) {
    const verdict = judgeCount(
      'error lines',
      [{ events: found.lines, exposure: found.taskMinutes }],
      [{ events: baseline.lines, exposure: baseline.tasks * baseline.minutes }],
      errorLineRule(rules.minErrors, rules.ratio, rules.confidence)
    )
    if (verdict.status !== 'regressed') return undefined
  }
  const was = baseline.unknown
    ? `the rate before the deploy is not known (${baseline.unknown})`
    : `${perMinute(before)} before the deploy${baseline.source ? ` in ${baseline.source}` : ''}; the limit is ${rules.ratio}× that, and at least ${rules.minErrors} lines`
  return `the new tasks logged ${found.lines} error line${found.lines === 1 ? '' : 's'} (${perMinute(now)}; ${was})`
}

/** `0.4 a task a minute`. */
export function perMinute(value: number): string {
  const shown = value >= 10 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toFixed(2)
  return `${shown.includes('.') ? shown.replace(/\.?0+$/, '') : shown}/task/min`
}

/** `2:10`. */
export function minutesSeconds(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

/** The progress line: `bake 2:10 of 5:00: 0 errors in new tasks (before 0.4/task/min), health 26/26 ok`. Pure. */
export function progressLine(
  label: string,
  elapsedMs: number,
  bakeMs: number,
  errors: { lines: number; counted: boolean },
  baseline: Baseline,
  health: HealthTally | undefined
): string {
  return `${bakeLabel(label, elapsedMs, bakeMs)}: ${progressCounts(errors, baseline, health)}`
}

/** `bake 2:10 of 5:00`. Pure. */
export function bakeLabel(label: string, elapsedMs: number, bakeMs: number): string {
  return `${label} ${minutesSeconds(elapsedMs)} of ${minutesSeconds(bakeMs)}`
}

/** What a progress line counts: `0 error lines in new tasks (before 0.4/task/min), health 26/26 ok`. Pure. */
export function progressCounts(
  errors: { lines: number; counted: boolean },
  baseline: Baseline,
  health: HealthTally | undefined,
  testTraffic?: HealthTally
): string {
  const before = baseline.unknown
    ? 'before: not known'
    : `before ${perMinute(baselineRate(baseline))}`
  const counted = errors.counted
    ? `${errors.lines} error line${errors.lines === 1 ? '' : 's'} in new tasks (${before})`
    : 'error lines not counted'
  const answers = health ? `, health ${health.ok}/${health.asked} ok` : ''
  const test = testTraffic ? `, test traffic ${testTraffic.ok}/${testTraffic.asked} ok` : ''
  return `${counted}${answers}${test}`
}
