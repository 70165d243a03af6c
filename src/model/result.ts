// The result of a run: what each service ran, runs and went through, and how the step ended. The
// reporter (report/report.ts) fills it from the stages' outcomes; outputsOf and the summary read it.
import type { BuildRecord } from './build.js'
import type { Revision } from './move.js'

export type Mode = 'deploy' | 'verify' | 'rollback'

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
  /** Lines are marked `[task ID]` (the service's running tasks) or `[other]`. */
  marked?: boolean
  /** The whole group was read, its lines of any task that logs there: why its streams are not named. */
  whole?: string
}

/** How far this step has moved a service: not at all, to the new revision, or back again. */
export type Change = 'none' | 'rolling-out' | 'returning'

/** The bake after a rollout: what was watched, and what it found. */
export interface BakeResult {
  /** How long it was to last, in ms. */
  bakeMs: number
  /** baking (under way), passed, regressed (this service tripped it), stopped (another did, or the step ended). */
  status: 'baking' | 'passed' | 'regressed' | 'stopped'
  watchedMs: number
  polls: number
  health?: { url: string; asked: number; ok: number; bad: string[] }
  /** The test-traffic URL's answers, while test traffic went to the new revision. */
  testTraffic?: { url: string; asked: number; ok: number; bad: string[] }
  /**
   * Judged while ECS shifted traffic to the new revision (BLUE_GREEN, LINEAR, CANARY): for how
   * long, and the stages seen, with the production traffic's weight (`PRODUCTION_TRAFFIC_SHIFT 10 %`).
   */
  shift?: { ms: number; stages: string[] }
  /** shift: judged while ECS shifts the traffic (the rollout goes on); bake: after it completed. */
  phase?: 'shift' | 'bake'
  errors: {
    /** False when the container's lines cannot be read: the reason is in `why`. */
    counted: boolean
    why?: string
    /** Error lines of the new revision's tasks, since they started. */
    lines: number
    taskMinutes: number
    /** The old revision's error lines in the minutes before the deploy. */
    before: { lines: number; tasks: number; minutes: number; source?: string; unknown?: string }
    /** The newest error lines of the new tasks (at most 5). */
    last: string[]
  }
  /** New tasks that stopped as failures during the bake. */
  failedTasks: number
  /** Why it regressed: the signal and what tripped it. */
  regression?: string
  /** The judge's verdicts on the load balancer's signals and the alarms (docs/judge.md). */
  judged?: JudgedSignals
}

/** What the judge said of the load balancer's traffic and the alarms, at its last look. */
export interface JudgedSignals {
  /** Why the load balancer's traffic was not read, when it was not. */
  unread?: string
  /** Where each side was read: `targetgroup/green/… against targetgroup/blue/…`. */
  sides?: string
  signals: JudgedSignal[]
  /** The minutes judged, oldest first, for the summary's chart; the old side's since the deploy. */
  minutes: JudgedMinute[]
}

export interface JudgedSignal {
  /** 5xx, latency or alarms. */
  signal: string
  status: 'regressed' | 'passed' | 'too-little'
  /** One sentence: the figures and why. */
  reason: string
  /** Requests, 5xx share and p99 (seconds, the median of the minutes) of each side, if counted. */
  new?: SideFigures
  old?: SideFigures
  /** One-sided p-value of the test, and the confidence it was held to (0.998). */
  p?: number
  confidence?: number
}

export interface SideFigures {
  requests: number
  share?: number
  p99?: number
}

export interface JudgedMinute {
  /** Epoch ms of the minute's start. */
  at: number
  newShare?: number
  oldShare?: number
  newP99?: number
  oldP99?: number
}

/** One service's part of the step. */
export interface ServiceResult {
  service: string
  containerName?: string
  /** The other containers that run (or a deploy repins to) the same image. */
  sameImage?: string[]
  /** What the service ran before this step, once it was read. */
  before?: Revision
  /** What the service runs, or is being moved to, when the step ends (dry run: would run). */
  runs?: Revision
  /** The revision this step rolled out: deploy's new one, or rollback's target. */
  attempted?: Revision
  /** The revision this step registered for the service, if it registered one. */
  registered?: string
  /** The revision this step rolled out and that failed, when it failed. */
  failedTaskDefinitionArn?: string
  /** That rollout did not fail by itself: another deployment replaced it. */
  replaced?: boolean
  /** verify: the digest (and tag) that should run. */
  expected?: { digest?: string; tag?: string }
  change: Change
  verified: boolean
  rolledBack: boolean
  checks: Check[]
  timeline: TimelineEntry[]
  stoppedTasks: StoppedTask[]
  /** Service events that explain a failure, newest first. */
  events: string[]
  logs?: LogExcerpt
  /** Dry-run: the planned task definition as a diff against the current one. */
  plan?: string
  /** The bake after the rollout (deploy with bake-minutes above 0). */
  bake?: BakeResult
}

/** The migration's one-off task: what ran, where, and how it ended. */
export interface MigrationResult {
  /** The argv run, as the container override's command. */
  command: string[]
  container: string
  /** The revision it runs: the new one (in dry-run, the revision it is made from). */
  taskDefinitionArn: string
  /** Launch type or capacity providers, platform version, subnets: as the service has them. */
  where: string
  /** planned (dry-run), running, succeeded, or failed (it did not run, failed, or ran too long). */
  status: 'planned' | 'running' | 'succeeded' | 'failed'
  taskArn?: string
  exitCode?: number
  stoppedReason?: string
  stopCode?: string
  /** Why it failed, in a sentence. */
  failure?: string
  /** ISO 8601 times. */
  startedAt?: string
  stoppedAt?: string
  /** The container's log lines, oldest first (at most MIGRATION_LOG_LINES). */
  logLines: string[]
  /** Cancelled while it ran: what became of the task. */
  cancelled?: string
}

export interface RunResult {
  mode: Mode
  /** succeeded, failed, planned (dry-run), or started (wait: false: not watched, not verified). */
  status: 'succeeded' | 'failed' | 'planned' | 'started'
  region: string
  cluster: string
  /** One entry a service, in the order the service input lists them. */
  services: ServiceResult[]
  audit: Audit
  /** The last lines of a docker build that failed. */
  buildLog?: string[]
  /** The build, when this step built the image. */
  build?: BuildRecord
  /** The migration run before the rollout, when migration-command is given. */
  migration?: MigrationResult
  /** The scan gate's verdict (deploy), or what each rollback target's scan says. */
  scans?: RenderedPart[]
  /** What the cleanup after the deploy removed (dry run: would remove) and kept. */
  cleanup?: RenderedPart
  /** What went wrong and what state each service is in. */
  error?: string
}

/**
 * A part of the run the report layer renders from an engine's own outcome (report/cleanup-scan.ts):
 * its job summary section, and its entry in the `result` output.
 */
export interface RenderedPart {
  section: string[]
  json: object
}

export function newServiceResult(service: string): ServiceResult {
  return {
    service,
    change: 'none',
    verified: false,
    rolledBack: false,
    checks: [],
    timeline: [],
    stoppedTasks: [],
    events: []
  }
}

export function newResult(
  mode: Mode,
  where: { region: string; cluster: string; services: string[] },
  audit: Audit
): RunResult {
  return {
    mode,
    status: 'failed',
    region: where.region,
    cluster: where.cluster,
    services: where.services.map(newServiceResult),
    audit
  }
}

/** The value every service shares, or undefined when they differ. */
function common(values: (string | undefined)[]): string | undefined {
  const first = values[0]
  return values.every(value => value === first) ? first : undefined
}

function serviceJson(service: ServiceResult) {
  return {
    service: service.service,
    containerName: service.containerName ?? null,
    containers: service.containerName ? [service.containerName, ...(service.sameImage ?? [])] : [],
    image: service.runs?.image ?? null,
    digest: service.runs?.digest ?? null,
    tag: service.runs?.tag ?? null,
    taskDefinitionArn: service.runs?.taskDefinitionArn || null,
    previousTaskDefinitionArn: service.before?.taskDefinitionArn ?? null,
    failedTaskDefinitionArn: service.failedTaskDefinitionArn ?? null,
    attempted: service.attempted ?? null,
    expected: service.expected ?? null,
    verified: service.verified,
    rolledBack: service.rolledBack,
    checks: service.checks,
    stoppedTasks: service.stoppedTasks.map(({ logLines: _logLines, ...task }) => task)
  }
}

function migrationJson({ logLines: _logLines, ...migration }: MigrationResult) {
  return migration
}

/**
 * The action's outputs, by output name. With one service they describe it; with several, image,
 * digest and tag are what every service shares (empty when they differ), the revisions are one
 * a line in the order of the services, verified is true when every service was verified and
 * rolled-back when any was rolled back.
 */
export function outputsOf(result: RunResult): Record<string, string> {
  const services = result.services
  const lines = (pick: (s: ServiceResult) => string | undefined) =>
    services.map(s => pick(s) ?? '').join('\n')
  const image = common(services.map(s => s.runs?.image))
  const digest = common(services.map(s => s.runs?.digest))
  const tag = common(services.map(s => s.runs?.tag))
  const verified = services.length > 0 && services.every(s => s.verified)
  const rolledBack = services.some(s => s.rolledBack)
  const only = services.length === 1 ? services[0] : undefined
  return {
    image: image ?? '',
    digest: digest ?? '',
    tag: tag ?? '',
    'task-definition-arn': lines(s => s.runs?.taskDefinitionArn).trim()
      ? lines(s => s.runs?.taskDefinitionArn)
      : '',
    'previous-task-definition-arn': lines(s => s.before?.taskDefinitionArn).trim()
      ? lines(s => s.before?.taskDefinitionArn)
      : '',
    verified: String(verified),
    'rolled-back': String(rolledBack),
    'migration-task-arn': result.migration?.taskArn ?? '',
    'migration-exit-code': result.migration?.exitCode?.toString() ?? '',
    result: JSON.stringify({
      mode: result.mode,
      status: result.status,
      region: result.region,
      cluster: result.cluster,
      ...(only
        ? serviceJson(only)
        : {
            service: services.map(s => s.service).join('\n'),
            image: image ?? null,
            digest: digest ?? null,
            tag: tag ?? null,
            verified,
            rolledBack
          }),
      services: services.map(serviceJson),
      migration: result.migration ? migrationJson(result.migration) : null,
      build: result.build ?? null,
      ...(result.scans ? { scans: result.scans.map(s => s.json) } : {}),
      ...(result.cleanup ? { cleanup: result.cleanup.json } : {}),
      error: result.error ?? null
    })
  }
}
