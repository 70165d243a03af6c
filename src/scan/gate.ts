// The scan gate's decisions, pure: what ECR's answer says of the scan (done, still running, or
// not to be had), which findings stop a deploy, and the verdict with the words that explain it.
import type { ScanAnswer } from '../aws/ecr.js'
import { findingsOf, findingText, type Finding } from './findings.js'
import type { ScanPolicy } from './policy.js'
import { atOrAbove, type Severity } from './severity.js'

export type { ScanPolicy }

/** Why a scan cannot be judged. */
export type ScanProblem =
  | 'not-configured'
  | 'unsupported'
  | 'failed'
  | 'timed-out'
  | 'no-findings'
  | 'no-image'
  | 'unreadable'

export type ScanState =
  | { kind: 'complete'; status: string; findings: Finding[]; inactive: number }
  | { kind: 'pending'; status: string }
  | { kind: 'unavailable'; problem: ScanProblem; detail: string }

/** A state the gate decides on: the scan is done, or will not be had. */
export type FinalState = Exclude<ScanState, { kind: 'pending' }>

const DONE = new Set(['COMPLETE', 'ACTIVE'])
const RUNNING = new Set(['IN_PROGRESS', 'PENDING'])

/**
 * ECR's answer as a state. `young`: the image was pushed so recently that a scan on push may not
 * have started; ECR then has no scan yet, which is worth waiting for.
 */
export function classifyScan(answer: ScanAnswer, young: boolean): ScanState {
  if (answer.kind === 'no-image') {
    return { kind: 'unavailable', problem: 'no-image', detail: 'ECR has no such image' }
  }
  if (answer.kind === 'no-scan') {
    if (young) return { kind: 'pending', status: 'not started' }
    return {
      kind: 'unavailable',
      problem: 'not-configured',
      detail:
        'ECR has no scan of it: turn on scan on push for the repository (basic scanning) or enhanced scanning (Amazon Inspector) for the registry'
    }
  }
  const status = answer.status ?? 'no status'
  const said = answer.description ? `: ${answer.description}` : ''
  if (DONE.has(status)) {
    return { kind: 'complete', status, ...findingsOf(answer) }
  }
  if (RUNNING.has(status) || !answer.status) return { kind: 'pending', status }
  if (status === 'UNSUPPORTED_IMAGE') {
    return {
      kind: 'unavailable',
      problem: 'unsupported',
      detail: `ECR cannot scan this image (${status}${said})`
    }
  }
  if (status === 'FAILED') {
    return { kind: 'unavailable', problem: 'failed', detail: `the scan failed (${status}${said})` }
  }
  // FINDINGS_UNAVAILABLE, SCAN_ELIGIBILITY_EXPIRED, LIMIT_EXCEEDED, IMAGE_ARCHIVED, and any newer one.
  return {
    kind: 'unavailable',
    problem: 'no-findings',
    detail: `the scan gives no findings to judge (${status}${said})`
  }
}

/** The state once the time limit is reached with the scan still running. */
export function timedOut(status: string, policy: ScanPolicy): FinalState {
  return {
    kind: 'unavailable',
    problem: 'timed-out',
    detail: `the scan was still ${status} after scan-timeout-minutes (${seconds(policy.timeoutMs)})`
  }
}

export interface Judgement {
  /** At or above the level and not allowed: these refuse the deploy. */
  blocking: Finding[]
  /** At or above the level, but named in allow-cves. */
  allowed: Finding[]
  /** Below the level, or not ranked by the scanner. */
  below: Finding[]
}

export function judgeFindings(findings: Finding[], policy: ScanPolicy): Judgement {
  const allow = new Set(policy.allow.map(id => id.toUpperCase()))
  const judgement: Judgement = { blocking: [], allowed: [], below: [] }
  for (const finding of findings) {
    if (!atOrAbove(finding.severity, policy.failOn)) judgement.below.push(finding)
    else if (allow.has(finding.id.toUpperCase())) judgement.allowed.push(finding)
    else judgement.blocking.push(finding)
  }
  return judgement
}

export interface GateOutcome {
  /** deploy: go on; refuse: register nothing. */
  verdict: 'deploy' | 'refuse'
  /** `repository@sha256:…` */
  image: string
  level: Severity
  scan:
    | { kind: 'complete'; status: string }
    | { kind: 'unavailable'; problem: ScanProblem; detail: string }
  judgement: Judgement
  /** Enhanced findings Inspector marks SUPPRESSED or CLOSED, not counted. */
  inactive: number
  waitedMs: number
  /** Why this verdict, in one line: the log, and the error of a refusal. */
  reason: string
  /** What the step should warn about even when it deploys. */
  warnings: string[]
}

/** The verdict on a scan's final state. */
export function decide(
  state: FinalState,
  policy: ScanPolicy,
  image: string,
  waitedMs: number
): GateOutcome {
  const level = policy.failOn
  const gate = `fail-on-severity ${level}`
  if (state.kind === 'unavailable') {
    const refuse = policy.whenUnavailable === 'fail'
    const reason = `${gate}: the ECR scan of ${image} cannot be judged: ${state.detail}; scan-unavailable is ${policy.whenUnavailable}: ${refuse ? 'not deploying an image whose scan is unknown' : 'deploying without a verdict'}.`
    return {
      verdict: refuse ? 'refuse' : 'deploy',
      image,
      level,
      scan: { kind: 'unavailable', problem: state.problem, detail: state.detail },
      judgement: { blocking: [], allowed: [], below: [] },
      inactive: 0,
      waitedMs,
      reason,
      warnings: refuse ? [] : [reason]
    }
  }
  const judgement = judgeFindings(state.findings, policy)
  const { blocking, allowed, below } = judgement
  const allowedText = allowed.length
    ? `; ${count(allowed.length, 'finding')} at or above ${level} accepted by allow-cves (${ids(allowed)})`
    : ''
  const reason = blocking.length
    ? `${gate}: the ECR scan of ${image} has ${count(blocking.length, 'finding')} at or above ${level}: ${listed(blocking)}${allowedText}. Fix ${blocking.length === 1 ? 'it' : 'them'}, or accept a CVE by naming it in allow-cves.`
    : `${gate}: the ECR scan of ${image} (${state.status}) has no finding at or above ${level} to stop it${allowedText}; ${count(below.length, 'finding')} below.`
  return {
    verdict: blocking.length ? 'refuse' : 'deploy',
    image,
    level,
    scan: { kind: 'complete', status: state.status },
    judgement,
    inactive: state.inactive,
    waitedMs,
    reason,
    warnings: allowed.length && !blocking.length ? [reason] : []
  }
}

/** What a rollback says of its target's scan: a rollback is never blocked, only warned about. */
export function rollbackNote(outcome: GateOutcome): { warning?: string; info: string } {
  const { blocking } = outcome.judgement
  if (outcome.scan.kind === 'complete' && blocking.length) {
    const warning = `The rollback target ${outcome.image} has ${count(blocking.length, 'finding')} at or above ${outcome.level} in its ECR scan: ${listed(blocking)}. Rolling back anyway: fail-on-severity never blocks a rollback.`
    return { warning, info: warning }
  }
  if (outcome.scan.kind === 'unavailable') {
    return {
      info: `The ECR scan of the rollback target ${outcome.image} cannot be judged (${outcome.scan.detail}); a rollback is not gated.`
    }
  }
  return {
    info: `The ECR scan of the rollback target ${outcome.image} (${outcome.scan.status}) has no finding at or above ${outcome.level}.`
  }
}

/** The log's account of a verdict: the reason, then every finding, one a line. */
export function gateLines(outcome: GateOutcome): string[] {
  const { blocking, allowed, below } = outcome.judgement
  return [
    outcome.reason,
    ...blocking.map(f => `  at or above ${outcome.level}: ${findingText(f)}`),
    ...allowed.map(f => `  allowed by allow-cves: ${findingText(f)}`),
    ...below.map(f => `  below ${outcome.level}: ${findingText(f)}`),
    ...(outcome.inactive
      ? [`  ${count(outcome.inactive, 'finding')} suppressed or closed in Inspector, not counted`]
      : [])
  ]
}

/** At most ten findings in a line; the log and the summary list them all. */
function listed(findings: Finding[]): string {
  const shown = findings.slice(0, 10).map(findingText).join('; ')
  return findings.length > 10 ? `${shown}; and ${findings.length - 10} more` : shown
}

function ids(findings: Finding[]): string {
  return [...new Set(findings.map(f => f.id))].join(', ')
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`
}

function seconds(ms: number): string {
  const s = Math.round(ms / 100) / 10
  return s >= 60 ? `${Math.round((s / 60) * 10) / 10} min` : `${s} s`
}
