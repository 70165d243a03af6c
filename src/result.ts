// The result of a run: built up by a mode as it goes, then turned into outputs and the job summary.
import type { Clock } from './clock.js'
import type { Mode } from './inputs/inputs.js'

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip'

export interface Check {
  name: string
  status: CheckStatus
  detail: string
}

export interface TimelineEntry {
  /** ISO 8601 time. */
  at: string
  message: string
}

export interface StoppedContainer {
  name: string
  exitCode?: number
  reason?: string
}

export interface StoppedTask {
  taskArn: string
  taskId: string
  taskDefinitionArn?: string
  stoppedReason?: string
  stopCode?: string
  stoppedAt?: string
  containers: StoppedContainer[]
  /** Last lines of the task's log stream, oldest first. */
  logLines: string[]
}

export interface Audit {
  commit: string
  actor: string
  repository: string
  runUrl: string
  notes: string
}

export interface LogExcerpt {
  group: string
  lines: string[]
  errorCount: number
}

export interface RunResult {
  mode: Mode
  /** succeeded, failed, or planned (dry-run). */
  status: 'succeeded' | 'failed' | 'planned'
  region: string
  cluster: string
  service: string
  image?: string
  digest?: string
  tag?: string
  containerName?: string
  taskDefinitionArn?: string
  previousTaskDefinitionArn?: string
  /** The revision this step rolled out and that failed, when it failed. */
  failedTaskDefinitionArn?: string
  verified: boolean
  rolledBack: boolean
  checks: Check[]
  timeline: TimelineEntry[]
  stoppedTasks: StoppedTask[]
  /** Service events that explain a failure, newest first. */
  events: string[]
  logs?: LogExcerpt
  audit: Audit
  /** Dry-run: the planned task definition as a diff against the current one. */
  plan?: string
  /** What went wrong and what state the service is in. */
  error?: string
}

export function newResult(
  mode: Mode,
  where: { region: string; cluster: string; service: string },
  audit: Audit
): RunResult {
  return {
    mode,
    status: 'failed',
    ...where,
    verified: false,
    rolledBack: false,
    checks: [],
    timeline: [],
    stoppedTasks: [],
    events: [],
    audit
  }
}

/** Adds a line to the result's rollout timeline, stamped with the clock's time. */
export function noteOn(
  result: { timeline: TimelineEntry[] },
  clock: Pick<Clock, 'now'>,
  message: string
): void {
  result.timeline.push({ at: new Date(clock.now()).toISOString(), message })
}

/** The action's outputs, by output name. */
export function outputsOf(result: RunResult): Record<string, string> {
  return {
    image: result.image ?? '',
    digest: result.digest ?? '',
    tag: result.tag ?? '',
    'task-definition-arn': result.taskDefinitionArn ?? '',
    'previous-task-definition-arn': result.previousTaskDefinitionArn ?? '',
    verified: String(result.verified),
    'rolled-back': String(result.rolledBack),
    result: JSON.stringify({
      mode: result.mode,
      status: result.status,
      region: result.region,
      cluster: result.cluster,
      service: result.service,
      image: result.image ?? null,
      digest: result.digest ?? null,
      tag: result.tag ?? null,
      taskDefinitionArn: result.taskDefinitionArn ?? null,
      previousTaskDefinitionArn: result.previousTaskDefinitionArn ?? null,
      failedTaskDefinitionArn: result.failedTaskDefinitionArn ?? null,
      verified: result.verified,
      rolledBack: result.rolledBack,
      checks: result.checks,
      stoppedTasks: result.stoppedTasks.map(({ logLines: _logLines, ...task }) => task),
      error: result.error ?? null
    })
  }
}
