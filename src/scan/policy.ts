// What the scan gate asks of a scan, built once from the inputs (inputs/cleanup-scan.ts).
import type { Severity } from './severity.js'

export interface ScanPolicy {
  /** fail-on-severity: a finding at or above it refuses the deploy. */
  failOn: Severity
  /** allow-cves, upper case: findings accepted whatever their severity. */
  allow: string[]
  /** scan-timeout-minutes: the longest wait for a scan still running. */
  timeoutMs: number
  pollMs: number
  /** scan-unavailable: what a scan that cannot be judged does to the deploy. */
  whenUnavailable: 'fail' | 'warn'
}
