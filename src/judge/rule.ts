// The one rule every signal ends with, once there is enough data to judge it: a regression is
// worse by more than the margin and significantly so; anything else passed, saying which it was
// not. docs/judge.md says it in words. Pure.
import { times } from './text.js'
import type { VerdictStatus } from './verdict.js'

export interface Decision {
  status: Exclude<VerdictStatus, 'too-little'>
  /** What follows the figures in the verdict's sentence: `, within the 1.25× allowed (p = 0.4)`. */
  why: string
}

/**
 * `ratio`: how many times worse the new revision is; `allowed`: the margin, as a ratio; `p` the
 * test's one-sided p-value and `tested` how the test reads (`p = 0.003`, `U = 36, p = 0.001`).
 */
export function decide(
  ratio: number,
  allowed: number,
  p: number,
  confidence: number,
  tested: string
): Decision {
  const alpha = Number((1 - confidence).toPrecision(2))
  if (!(ratio > allowed)) {
    return { status: 'passed', why: `, within the ${times(allowed)} allowed (${tested})` }
  }
  if (p >= alpha) {
    return {
      status: 'passed',
      why: `, above ${times(allowed)} but not significant (${tested}; it takes p < ${alpha})`
    }
  }
  return {
    status: 'regressed',
    why: `, above the ${times(allowed)} allowed and significant (${tested}; it takes p < ${alpha})`
  }
}
