// The judge's rule for response times: the load balancer's p99 of each minute, new against old.
// Each side's slowest minute is set aside, as the count rule sets aside the worst; the new
// revision regresses when both sides have enough minutes (and the new enough requests), the
// median of its minutes is above `ratio` times the old one's, and a one-sided Mann–Whitney U test
// finds its minutes higher (Kayenta's test). Ranks, not means: one slow minute moves one rank,
// however slow it was. Pure.
import { decide } from './rule.js'
import { mannWhitneyGreater, median } from './stats.js'
import { count, plural, pValue, seconds, times } from './text.js'
import type { LatencyFigures, LatencyRule, LatencySide, LatencyVerdict } from './verdict.js'

/** One minute of a target group: its requests and that minute's response time (seconds), if any. */
export interface LatencyMinute {
  requests: number
  p99?: number | undefined
}

function valuesOf(minutes: readonly LatencyMinute[]): number[] {
  return minutes.flatMap(m =>
    m.requests > 0 && m.p99 !== undefined && Number.isFinite(m.p99) ? [m.p99] : []
  )
}

/** The values without the largest, when there are at least three. */
function withoutSlowest(values: readonly number[]): number[] {
  if (values.length < 3) return [...values]
  return [...values].sort((a, b) => a - b).slice(0, -1)
}

function side(minutes: readonly LatencyMinute[], values: number[]): LatencySide {
  return {
    minutes: values.length,
    requests: minutes.reduce((sum, m) => sum + Math.max(0, m.requests), 0),
    median: median(values)
  }
}

function sideText(s: LatencySide): string {
  return `${seconds(s.median)} (median of ${plural(s.minutes, 'minute')})`
}

/** The verdict on the response time, new against old. */
export function judgeLatency(
  freshMinutes: readonly LatencyMinute[],
  oldMinutes: readonly LatencyMinute[],
  rule: LatencyRule
): LatencyVerdict {
  const freshValues = valuesOf(freshMinutes)
  const oldValues = valuesOf(oldMinutes)
  const fresh = side(freshMinutes, freshValues)
  const old = side(oldMinutes, oldValues)
  const figures: LatencyFigures = { new: fresh, old, ratio: 1, u: 0, p: 1, exact: true, rule }
  const lacking =
    fresh.minutes < rule.minMinutes || fresh.requests < rule.minRequests
      ? `the new revision had ${count(fresh.requests)} requests over ${plural(fresh.minutes, 'minute')}; it takes ${count(rule.minRequests)} over ${plural(rule.minMinutes, 'minute')}`
      : old.minutes < rule.minMinutes
        ? `the old revision had ${plural(old.minutes, 'minute')} with requests; it takes ${rule.minMinutes}`
        : undefined
  if (lacking) {
    return {
      signal: 'latency',
      status: 'too-little',
      reason: `p99: too little to judge: ${lacking}`,
      figures
    }
  }
  const keptFresh = withoutSlowest(freshValues)
  const keptOld = withoutSlowest(oldValues)
  const set = keptFresh.length < freshValues.length || keptOld.length < oldValues.length
  figures.ratio = median(keptFresh) / median(keptOld)
  const test = mannWhitneyGreater(keptFresh, keptOld)
  figures.u = test.u
  figures.p = test.p
  figures.exact = test.exact
  const said = `p99 ${sideText(fresh)} against ${sideText(old)}: ${set ? 'without the slowest minute of each, ' : ''}${times(figures.ratio)}`
  const { status, why } = decide(
    figures.ratio,
    rule.ratio,
    test.p,
    rule.confidence,
    `U = ${test.u}, ${pValue(test.p)}`
  )
  return { signal: 'latency', status, reason: `${said}${why}`, figures }
}
