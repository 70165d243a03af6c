// What the judge says of one signal: regressed, passed, or too little to judge (a verdict of its
// own, never a pass in disguise), with the figures a summary shows and one sentence saying why.
// docs/judge.md is the rule in words.

export type VerdictStatus = 'regressed' | 'passed' | 'too-little'

/** The two sides of a count: events (5xx answers, error lines) over an exposure (requests, task-minutes). */
export interface CountSide {
  events: number
  exposure: number
  /** Periods (minutes) with some exposure. */
  periods: number
  /** events / exposure; 0 without exposure. */
  rate: number
}

/** How a count is judged: the margin, the least data, and the confidence of the test. */
export interface CountRule {
  /** The new rate must be above this many times the old one (1.25: 25 % worse). */
  ratio: number
  /** The fewest events of the new revision that can be a regression. */
  minEvents: number
  /** The least exposure each side needs (requests, task-minutes). */
  minExposure: number
  /** The fewest periods (minutes) each side needs. */
  minPeriods: number
  /** One-sided confidence of the test, e.g. 0.99. */
  confidence: number
}

export interface CountFigures {
  new: CountSide
  old: CountSide
  /**
   * New rate ÷ old rate, each side's worst minute set aside: Infinity when only the new revision
   * has events, 1 when neither has.
   */
  ratio: number
  /**
   * How much the rate wanders from minute to minute beyond what Poisson counts would (a
   * coefficient of variation: 0.3 is ±30 %), measured over every minute of both sides.
   */
  wander: number
  /** One-sided p-value of "the new rate is higher"; 1 when not tested. */
  p: number
  rule: CountRule
}

/** How response times are judged. */
export interface LatencyRule {
  /** The new minutes' median must be above this many times the old ones' (1.25: 25 % slower). */
  ratio: number
  /** The fewest minutes with a value each side needs. */
  minMinutes: number
  /** The fewest requests the new revision needs over those minutes. */
  minRequests: number
  confidence: number
}

export interface LatencySide {
  /** Minutes with a value. */
  minutes: number
  requests: number
  /** Median of the minutes' values, in seconds; NaN without any. */
  median: number
}

export interface LatencyFigures {
  new: LatencySide
  old: LatencySide
  /** New median ÷ old median. */
  ratio: number
  /** Mann–Whitney U of the new minutes against the old ones, and its one-sided p-value. */
  u: number
  p: number
  exact: boolean
  rule: LatencyRule
}

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'

export interface AlarmState {
  name: string
  state: AlarmStateValue
  reason: string
  /** Epoch ms of the last change of state. */
  updatedAt: number
}

export interface AlarmFigures {
  /** Alarms that went into ALARM since the deploy began: each a regression. */
  fired: AlarmState[]
  /** In ALARM already before the deploy: said, not held against the release. */
  before: AlarmState[]
  /** Every alarm read, in the order CloudWatch gave them. */
  alarms: AlarmState[]
}

interface Judged<S extends string, F> {
  signal: S
  status: VerdictStatus
  /** One sentence: the figures, and why the verdict is what it is. */
  reason: string
  figures: F
}

export type CountVerdict = Judged<'5xx' | 'error lines', CountFigures>
export type LatencyVerdict = Judged<'latency', LatencyFigures>
export type AlarmVerdict = Judged<'alarms', AlarmFigures>
export type Verdict = CountVerdict | LatencyVerdict | AlarmVerdict

/** The first regression among the verdicts, in their order; undefined when none regressed. */
export function firstRegression(verdicts: readonly Verdict[]): Verdict | undefined {
  return verdicts.find(v => v.status === 'regressed')
}
