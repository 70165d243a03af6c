// The inputs of the cleanup (keep-revisions, keep-images) and of the scan gate (fail-on-severity,
// allow-cves, scan-timeout-minutes, scan-unavailable): how each text becomes a value (a message
// naming the input and the form it expects when it cannot), the rules between them, and the
// policies the cleanup and the gate get. Their specs are in the table of spec.ts. Pure.
import type { ScanPolicy } from '../scan/policy.js'
import { SEVERITIES, type Severity } from '../scan/severity.js'
import { show } from './parse.js'

/** Their part of Inputs (spec.ts). */
export interface CleanupScanInputs {
  /** After a deploy that succeeded, keep this many of each family's newest revisions; undefined: all. */
  keepRevisions: number | undefined
  /** After a deploy that succeeded, keep this many of the repository's newest images; undefined: all. */
  keepImages: number | undefined
  /** Refuse a deploy whose image's ECR scan has findings at or above this; undefined: no gate. */
  failOnSeverity: Severity | undefined
  /** CVE (or GHSA) ids the gate accepts whatever their severity, upper case. */
  allowCves: string[]
  scanTimeoutMinutes: number
  scanUnavailable: ScanUnavailable
}

/** The most of the newest revisions or images a keep count can name. */
export const MAX_KEEP = 1000
/** The most CVEs one allow-list accepts: a longer list is a policy no one reads. */
export const MAX_ALLOWED = 200

const CVE = /^CVE-\d{4}-\d{4,}$/i
const GHSA = /^GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}$/i

/** keep-revisions or keep-images: empty (keep everything) or a whole number from 1. */
export function parseKeep(name: string, value: string): number | undefined {
  if (value === '') return undefined
  const number = /^\d+$/.test(value) ? Number(value) : NaN
  if (number === 0) {
    throw new Error(
      `${name} '0' is not valid: expected at least 1 (what was just deployed is always kept), or empty to remove nothing`
    )
  }
  if (!(number >= 1 && number <= MAX_KEEP)) {
    throw new Error(
      `${name} '${show(value)}' is not valid: expected a whole number from 1 to ${MAX_KEEP} (how many of the newest to keep), or empty to remove nothing`
    )
  }
  return number
}

/** fail-on-severity: empty (no gate) or one of ECR's severities, in any case. */
export function parseSeverity(value: string): Severity | undefined {
  if (value === '') return undefined
  const severity = SEVERITIES.find(s => s === value.toUpperCase())
  if (!severity) {
    throw new Error(
      `fail-on-severity '${show(value)}' is not known: expected one of ${[...SEVERITIES].reverse().join(', ')}, or empty for no scan gate`
    )
  }
  return severity
}

/**
 * allow-cves: CVE ids (or GitHub advisory ids), one a line or separated by commas; what follows
 * `#` on a line is a comment (why it is accepted, until when). Upper case.
 */
export function parseAllowCves(value: string): string[] {
  const ids = value
    .split(/\r?\n/)
    .map(line => line.replace(/#.*$/, ''))
    .flatMap(line => line.split(','))
    .map(id => id.trim())
    .filter(id => id !== '')
  for (const id of ids) {
    if (!CVE.test(id) && !GHSA.test(id)) {
      throw new Error(
        `allow-cves entry '${show(id)}' is not a vulnerability id: expected CVE-YYYY-NNNN (four or more digits) or GHSA-xxxx-xxxx-xxxx, one a line or separated by commas (text after # is a comment)`
      )
    }
  }
  if (ids.length > MAX_ALLOWED) {
    throw new Error(`allow-cves names ${ids.length} ids: at most ${MAX_ALLOWED}`)
  }
  return [...new Set(ids.map(id => id.toUpperCase()))]
}

export type ScanUnavailable = 'fail' | 'warn'

/** scan-unavailable: what a scan that cannot be judged does to a deploy. */
export function parseScanUnavailable(value: string): ScanUnavailable {
  if (value !== 'fail' && value !== 'warn') {
    throw new Error(
      `scan-unavailable '${show(value)}' is not valid: expected fail (refuse to deploy an image whose scan cannot be judged) or warn (deploy it, with a warning)`
    )
  }
  return value
}

/** The gate's allow-list belongs to the gate, and its wait must leave room for two looks. */
export function scanProblems(
  inputs: Partial<CleanupScanInputs> & { pollSeconds?: number | undefined }
): string[] {
  const { failOnSeverity, allowCves, scanTimeoutMinutes, pollSeconds } = inputs
  const problems: string[] = []
  if (!failOnSeverity && allowCves?.length) {
    problems.push(
      'allow-cves is given but fail-on-severity is empty: set fail-on-severity (e.g. CRITICAL) to gate the deploy on its scan, or leave allow-cves empty'
    )
  }
  if (failOnSeverity && scanTimeoutMinutes !== undefined && pollSeconds !== undefined) {
    const seconds = scanTimeoutMinutes * 60
    if (seconds < 2 * pollSeconds) {
      problems.push(
        `scan-timeout-minutes '${scanTimeoutMinutes}' (${Math.round(seconds * 10) / 10} s) leaves no time to wait for a scan looked at every ${pollSeconds} s (poll-seconds): expected at least two looks (${2 * pollSeconds} s)`
      )
    }
  }
  return problems
}

/** The gate's policy, or undefined when there is no gate (fail-on-severity is empty). */
export function scanPolicy(
  inputs: CleanupScanInputs & { pollSeconds: number }
): ScanPolicy | undefined {
  if (!inputs.failOnSeverity) return undefined
  return {
    failOn: inputs.failOnSeverity,
    allow: inputs.allowCves,
    timeoutMs: inputs.scanTimeoutMinutes * 60_000,
    pollMs: inputs.pollSeconds * 1000,
    whenUnavailable: inputs.scanUnavailable
  }
}

/** What the cleanup keeps, or undefined when it is off (neither keep count is given). */
export function cleanupPolicy(
  inputs: CleanupScanInputs & { dryRun: boolean }
): { keepRevisions?: number; keepImages?: number; dryRun: boolean } | undefined {
  const { keepRevisions, keepImages, dryRun } = inputs
  if (keepRevisions === undefined && keepImages === undefined) return undefined
  return {
    ...(keepRevisions !== undefined ? { keepRevisions } : {}),
    ...(keepImages !== undefined ? { keepImages } : {}),
    dryRun
  }
}
