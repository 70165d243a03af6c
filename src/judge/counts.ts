// The judge's rule for a count — 5xx answers against requests, error lines against task-minutes.
// The new revision regresses when it has enough data, at least the fewest events, a rate above
// `ratio` times the old one with each side's worst minute set aside (healthy releases have bad
// minutes, before a deploy and after it), and a rate significantly higher by a rate test whose
// spread is the one measured between the minutes. docs/judge.md says it in words. Pure.
import { decide } from './rule.js'
import { binomialAtLeast, studentAbove } from './stats.js'
import { count, percent, plural, pValue, times } from './text.js'
import type { CountFigures, CountRule, CountSide, CountVerdict } from './verdict.js'

/** One period (a minute) of a count: events over an exposure (requests, task-minutes). */
export interface Period {
  events: number
  exposure: number
}

export type CountSignal = CountVerdict['signal']

function counted(periods: readonly Period[]): Period[] {
  return periods.filter(p => p.exposure > 0)
}

export function sideOf(periods: readonly Period[]): CountSide {
  const kept = counted(periods)
  let events = 0
  let exposure = 0
  for (const period of kept) {
    events += period.events
    exposure += period.exposure
  }
  return { events, exposure, periods: kept.length, rate: exposure > 0 ? events / exposure : 0 }
}

/**
 * The periods without the one with the highest rate, when there are at least three; fewer are
 * kept whole (a total, as the error lines before a deploy are read, is one period).
 */
export function withoutWorst(periods: readonly Period[]): Period[] {
  const kept = counted(periods)
  if (kept.length < 3) return kept
  let worst = 0
  for (const [i, p] of kept.entries()) {
    const w = kept[worst] ?? p
    if (p.events * w.exposure > w.events * p.exposure) worst = i
  }
  return kept.filter((_, i) => i !== worst)
}

/**
 * κ, the squared coefficient of variation of the rate between periods beyond Poisson's: a period
 * expecting μ events varies by μ + κμ² (the negative binomial's variance). Measured by the method
 * of moments over every period of both sides, each around its own side's rate, none set aside: a
 * bad minute is noise the test must allow for. 0 with fewer than three periods.
 */
export function wanderOf(fresh: readonly Period[], old: readonly Period[]): number {
  let excess = 0
  let scale = 0
  let cells = 0
  for (const periods of [fresh, old]) {
    const { rate } = sideOf(periods)
    for (const period of counted(periods)) {
      const expected = rate * period.exposure
      excess += (period.events - expected) ** 2 - expected
      scale += expected * expected
      cells += 1
    }
  }
  if (cells < 3 || scale <= 0) return 0
  // Two rates were estimated from the same periods: cells / (cells − 2) undoes their pull.
  return Math.max(0, (excess * cells) / (cells - 2) / scale)
}

/**
 * One-sided p-value of "the new rate is higher". Given all events of both sides, the new side's
 * number is binomial with its share of the exposure when the rates are equal: the exact
 * conditional test of two Poisson rates (Przyborowski and Wilenski, 1940). When the counts come
 * by the period, the same difference is also divided by its standard deviation with the wander
 * κ, and read against Student's t with periods − 2 degrees of freedom; the larger p-value of the
 * two is the answer.
 */
export function rateTest(fresh: readonly Period[], old: readonly Period[], wander: number): number {
  const f = sideOf(fresh)
  const o = sideOf(old)
  if (f.events <= 0 || o.exposure <= 0) return 1
  const events = f.events + o.events
  const share = f.exposure / (f.exposure + o.exposure)
  const exact = binomialAtLeast(f.events, events, share)
  const freedom = f.periods + o.periods - 2
  if (freedom < 1) return exact
  const rate = events / (f.exposure + o.exposure)
  const variance = (periods: readonly Period[]) =>
    counted(periods).reduce((sum, p) => {
      const expected = rate * p.exposure
      return sum + expected + wander * expected * expected
    }, 0)
  const spread = Math.sqrt((1 - share) ** 2 * variance(fresh) + share ** 2 * variance(old))
  const score = (f.events - events * share) / spread
  return Math.max(exact, studentAbove(score, freedom))
}

/** New rate ÷ old rate: Infinity when only the new side has events, 1 when neither has. */
export function rateRatio(fresh: CountSide, old: CountSide): number {
  if (fresh.rate === 0) return old.rate === 0 ? 1 : 0
  return old.rate === 0 ? Infinity : fresh.rate / old.rate
}

/** `1.6 % of 4,210 requests`, `14 lines over 12.5 task-minutes (1.12/task/min)`. */
export function sideText(signal: CountSignal, s: CountSide): string {
  if (signal === '5xx') return `${percent(s.rate)} of ${count(s.exposure)} requests`
  const rate = s.rate >= 10 ? s.rate.toFixed(0) : s.rate.toFixed(2)
  return `${plural(s.events, 'line')} over ${s.exposure.toFixed(1)} task-minutes (${rate}/task/min)`
}

function lacking(signal: CountSignal, s: CountSide, rule: CountRule): string | undefined {
  if (s.exposure >= rule.minExposure && s.periods >= rule.minPeriods) return undefined
  const unit = signal === '5xx' ? 'requests' : 'task-minutes'
  const over = (periods: number) =>
    rule.minPeriods > 1 ? ` over ${plural(periods, 'minute')}` : ''
  return `${count(s.exposure)} ${unit}${over(s.periods)}; it takes ${count(rule.minExposure)}${over(rule.minPeriods)}`
}

/** The verdict on one count, new against old. */
export function judgeCount(
  signal: CountSignal,
  freshPeriods: readonly Period[],
  oldPeriods: readonly Period[],
  rule: CountRule
): CountVerdict {
  const fresh = sideOf(freshPeriods)
  const old = sideOf(oldPeriods)
  const figures: CountFigures = { new: fresh, old, ratio: 1, wander: 0, p: 1, rule }
  const name = signal === '5xx' ? '5xx share' : 'error lines'
  const few = lacking(signal, fresh, rule)
  const fewOld = lacking(signal, old, rule)
  if (few || fewOld) {
    const who = few ? `the new revision had ${few}` : `the old revision had ${fewOld ?? ''}`
    return { signal, status: 'too-little', reason: `${name}: too little to judge: ${who}`, figures }
  }
  const keptFresh = withoutWorst(freshPeriods)
  const keptOld = withoutWorst(oldPeriods)
  const wander = wanderOf(freshPeriods, oldPeriods)
  figures.ratio = rateRatio(sideOf(keptFresh), sideOf(keptOld))
  figures.wander = Math.sqrt(wander)
  figures.p = rateTest(keptFresh, keptOld, wander)
  const set = keptFresh.length < fresh.periods || keptOld.length < old.periods
  const ratio =
    figures.ratio === Infinity ? 'where the old revision had none' : times(figures.ratio)
  const said = `${name} ${sideText(signal, fresh)} against ${sideText(signal, old)}: ${set ? 'without the worst minute of each, ' : ''}${ratio}`
  if (fresh.events < rule.minEvents) {
    return {
      signal,
      status: 'passed',
      reason: `${said}; fewer than ${rule.minEvents} in the new revision`,
      figures
    }
  }
  const wandered =
    figures.wander >= 0.05 ? `, the rate wandering ±${Math.round(figures.wander * 100)} %` : ''
  const { status, why } = decide(
    figures.ratio,
    rule.ratio,
    figures.p,
    rule.confidence,
    `${pValue(figures.p)}${wandered}`
  )
  return { signal, status, reason: `${said}${why}`, figures }
}
