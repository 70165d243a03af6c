// The load balancer's minutes of a target group, judged new against old: the 5xx share of the
// requests by the count rule, the p99 response time by the rank rule. The defaults here are the
// ones `npm run bench:judge` tuned (docs/judge.md has its figures). Pure.
import { judgeCount } from './counts.js'
import { judgeLatency } from './latency.js'
import type { CountRule, LatencyRule, Verdict } from './verdict.js'

/** One minute of a target group as CloudWatch sums it (`AWS/ApplicationELB`). */
export interface TrafficMinute {
  /** Epoch ms of the minute's start. */
  at: number
  requests: number
  /** HTTPCode_Target_5XX_Count. */
  errors: number
  /** TargetResponseTime p99, seconds; undefined for a minute without requests. */
  p99?: number | undefined
}

/** What is judged of the traffic; undefined: that signal is off. */
export interface TrafficRules {
  fiveXx: CountRule | undefined
  latency: LatencyRule | undefined
}

/**
 * The one-sided confidence of every test. The judge looks every minute of a bake, and each look
 * may err: 99.8 % a look keeps a healthy release's rollbacks under 0.5 % over a 10-minute bake.
 */
export const DEFAULT_CONFIDENCE = 0.998
/** The fewest minutes each side needs, for every traffic signal. */
export const MIN_MINUTES = 3

/** The settings a user gives (the bake-5xx, bake-latency… inputs), in their units. */
export interface TrafficSettings {
  fiveXx: boolean
  /** Percent: the new share must be more than this much above the old one. */
  fiveXxMargin: number
  latency: boolean
  /** Percent: the new p99 must be more than this much above the old one. */
  latencyMargin: number
  /** Requests of the new revision below which a signal is too little to judge. */
  minRequests: number
  /** Percent, one-sided, e.g. 99. */
  confidence: number
}

export const DEFAULT_SETTINGS: TrafficSettings = {
  fiveXx: true,
  fiveXxMargin: 25,
  latency: true,
  latencyMargin: 25,
  minRequests: 300,
  confidence: 99.8
}

/** The fewest 5xx answers of the new revision that can be a regression. */
const MIN_5XX = 5

/** The rules from the user's settings. Pure. */
export function trafficRules(settings: TrafficSettings): TrafficRules {
  const confidence = settings.confidence / 100
  return {
    fiveXx: settings.fiveXx
      ? {
          ratio: 1 + settings.fiveXxMargin / 100,
          minEvents: MIN_5XX,
          minExposure: settings.minRequests,
          minPeriods: MIN_MINUTES,
          confidence
        }
      : undefined,
    latency: settings.latency
      ? {
          ratio: 1 + settings.latencyMargin / 100,
          minMinutes: MIN_MINUTES,
          minRequests: settings.minRequests,
          confidence
        }
      : undefined
  }
}

/**
 * The bake's error lines under the same count rule: bake-error-min is the fewest lines, and
 * bake-error-ratio the margin; the lines are counted against task-minutes, at least one.
 */
export function errorLineRule(
  minErrors: number,
  ratio: number,
  confidence = DEFAULT_CONFIDENCE
): CountRule {
  return { ratio, minEvents: minErrors, minExposure: 1, minPeriods: 1, confidence }
}

/** The verdicts on the traffic signals that are on: 5xx first, then latency. */
export function judgeTraffic(
  fresh: readonly TrafficMinute[],
  old: readonly TrafficMinute[],
  rules: TrafficRules
): Verdict[] {
  const periods = (minutes: readonly TrafficMinute[]) =>
    minutes.map(m => ({ events: m.errors, exposure: m.requests }))
  const verdicts: Verdict[] = []
  if (rules.fiveXx) verdicts.push(judgeCount('5xx', periods(fresh), periods(old), rules.fiveXx))
  if (rules.latency) verdicts.push(judgeLatency(fresh, old, rules.latency))
  return verdicts
}

/** The minutes that have ended by `now` (the one under way is still being counted). */
export function endedMinutes<M extends { at: number }>(minutes: readonly M[], now: number): M[] {
  return minutes.filter(m => m.at + 60_000 <= now)
}
