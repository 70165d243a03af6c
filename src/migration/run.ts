// The migration, run: one task of the new revision with the container's command overridden,
// watched until it stops. Success is exit code 0 of that container; anything else (ECS did not
// start it, it failed to start, it exited non-zero, it ran past its time limit and was stopped)
// is a MigrationError, thrown before any service is touched. Either way the migration's record
// says what ran and how it ended.
import { randomUUID } from 'node:crypto'
import * as core from '@actions/core'
import type { Task, TaskDefinition } from '@aws-sdk/client-ecs'
import { transientProblem } from '../aws/clients.js'
import type { Deps } from '../deps.js'
import { errorText, ReportedError } from '../model/errors.js'
import type { Journal } from '../model/journal.js'
import { shortArn, taskId } from '../model/names.js'
import type { MigrationResult } from '../model/result.js'
import { logStreams } from '../verify/logs.js'
import { describePlan, placementText, type MigrationPlan } from './plan.js'

/** Log lines of the migration kept for the log and the summary: the newest. */
export const MIGRATION_LOG_LINES = 50
/** After StopTask, how long the task is given to reach STOPPED before the step goes on. */
const STOP_WAIT_MS = 120_000
/** A task that runs this long without news gets a line in the log. */
const STILL_RUNNING_EVERY_MS = 60_000

/** A migration that did not succeed; the message says why, and whether it ran at all. */
export class MigrationError extends ReportedError {
  constructor(
    message: string,
    /** It ran (exited, or was stopped while running): it may have changed the database. */
    readonly ran: boolean,
    /** What ran, and how it ended. */
    readonly migration: MigrationResult
  ) {
    super(message)
    this.name = 'MigrationError'
  }
}

interface Running {
  plan: MigrationPlan
  migration: MigrationResult
  taskArn: string
  taskDefinition: TaskDefinition
  logGroup: string | undefined
}

/** The migration's record before its task starts: what runs, on which revision, where. Pure. */
export function migrationRecord(plan: MigrationPlan, revision: string): MigrationResult {
  return {
    command: plan.argv,
    container: plan.container,
    taskDefinitionArn: revision,
    where: placementText(plan.placement),
    status: 'running',
    logLines: []
  }
}

/**
 * Runs the migration on `taskDefinition` (the new revision), waits for it and returns its record;
 * the journal hears of the task once it started, so that a cancelled step can stop it. Throws
 * MigrationError.
 */
export async function runMigration(
  deps: Pick<Deps, 'ecs' | 'logs' | 'clock'>,
  plan: MigrationPlan,
  taskDefinition: TaskDefinition,
  logGroup: string | undefined,
  journal: Pick<Journal, 'migrating'>
): Promise<MigrationResult> {
  const revision = taskDefinition.taskDefinitionArn ?? ''
  const migration = migrationRecord(plan, revision)
  core.info(`Running the migration: ${describePlan(plan, shortArn(revision))}.`)
  const started = await deps.ecs
    .runTask({
      taskDefinition: revision,
      startedBy: plan.startedBy,
      tags: plan.tags,
      // One token for the call and the SDK's retries of it: a lost answer starts no second task.
      clientToken: randomUUID(),
      overrides: { containerOverrides: [{ name: plan.container, command: plan.argv }] },
      ...plan.placement
    })
    .catch((error: unknown) => ({ failure: errorText(error) }))
  if ('failure' in started) {
    return failed(migration, `The migration task could not be started: ${started.failure}`, false)
  }
  const taskArn = started.task.taskArn ?? ''
  migration.taskArn = taskArn
  migration.status = 'running'
  migration.startedAt = new Date(deps.clock.now()).toISOString()
  journal.migrating(structuredClone(migration))
  core.info(
    `Migration task ${taskId(taskArn)} started (startedBy ${plan.startedBy}); waiting for it to stop, polling every ${plan.pollMs / 1000} s.`
  )
  const running: Running = { plan, migration, taskArn, taskDefinition, logGroup }
  const { task, timedOut } = await untilStopped(deps, running, started.task)
  await finish(deps, running, task, timedOut)
  return migration
}

/** Polls the task until it stops, stopping it at the time limit (or once the container exited). */
async function untilStopped(
  deps: Pick<Deps, 'ecs' | 'clock'>,
  running: Running,
  first: Task
): Promise<{ task: Task; timedOut: boolean }> {
  const { plan, taskArn } = running
  const start = deps.clock.now()
  const deadline = start + plan.timeoutMs
  let task = first
  let seen = task.lastStatus
  let quietSince = start
  core.info(`  ${taskId(taskArn)}: ${seen ?? 'PROVISIONING'}`)
  for (;;) {
    if (task.lastStatus === 'STOPPED') return { task, timedOut: false }
    const container = containerOf(task, plan.container)
    if (container?.lastStatus === 'STOPPED' && container.exitCode !== undefined) {
      // The container is done, but another essential container keeps the task alive.
      const reason = `the migration container ${plan.container} exited ${container.exitCode}; the task's other containers are stopped`
      return { task: await stopAndWait(deps, running, task, reason), timedOut: false }
    }
    const now = deps.clock.now()
    if (now >= deadline) {
      const reason = `migration-timeout-minutes (${plan.timeoutMs / 60_000}) reached`
      return { task: await stopAndWait(deps, running, task, reason), timedOut: true }
    }
    await deps.clock.sleep(Math.min(plan.pollMs, deadline - now))
    task = (await look(deps, running)) ?? task
    if (task.lastStatus !== seen) {
      seen = task.lastStatus
      quietSince = deps.clock.now()
      core.info(`  ${taskId(taskArn)}: ${seen ?? 'unknown'}`)
    } else if (deps.clock.now() - quietSince >= STILL_RUNNING_EVERY_MS) {
      quietSince = deps.clock.now()
      core.info(
        `  ${taskId(taskArn)}: still ${seen ?? 'unknown'} after ${Math.round((deps.clock.now() - start) / 1000)} s`
      )
    }
  }
}

/**
 * The task as ECS describes it now. A throttled or unanswered call is waited out (the next
 * poll asks again); a final error stops the task, since it can no longer be watched.
 */
async function look(deps: Pick<Deps, 'ecs'>, running: Running): Promise<Task | undefined> {
  try {
    const [task] = await deps.ecs.tasks([running.taskArn])
    if (task) return task
    throw new Error(`ECS no longer describes task ${taskId(running.taskArn)}`)
  } catch (error) {
    if (transientProblem(error)) {
      core.warning(`Could not describe the migration task (${errorText(error)}); asking again`)
      return undefined
    }
    const { note } = await stop(deps, running.taskArn, 'the deploy step cannot watch it')
    return failed(
      running.migration,
      `The migration task ${taskId(running.taskArn)} could not be watched: ${errorText(error)}; ${note}`,
      true
    )
  }
}

/** Sends StopTask and says how it went. Never throws. */
async function stop(
  deps: Pick<Deps, 'ecs'>,
  taskArn: string,
  reason: string
): Promise<{ stopped: boolean; note: string }> {
  try {
    await deps.ecs.stopTask(taskArn, reason)
    return { stopped: true, note: `task ${taskId(taskArn)} was stopped (${reason})` }
  } catch (error) {
    return {
      stopped: false,
      note: `task ${taskId(taskArn)} could not be stopped (${errorText(error)}): stop it in the ECS console`
    }
  }
}

async function stopAndWait(
  deps: Pick<Deps, 'ecs' | 'clock'>,
  running: Running,
  task: Task,
  reason: string
): Promise<Task> {
  core.info(`  ${taskId(running.taskArn)}: ${reason}: stopping it`)
  const { stopped, note } = await stop(deps, running.taskArn, reason)
  if (!stopped) core.warning(note)
  const until = deps.clock.now() + STOP_WAIT_MS
  let last = task
  while (last.lastStatus !== 'STOPPED' && deps.clock.now() < until) {
    await deps.clock.sleep(running.plan.pollMs)
    last = (await look(deps, running)) ?? last
  }
  return last
}

/** Reads the logs, records the end, and throws unless the container exited 0. */
async function finish(
  deps: Pick<Deps, 'logs' | 'clock'>,
  running: Running,
  task: Task,
  timedOut: boolean
): Promise<void> {
  const { plan, migration } = running
  const container = containerOf(task, plan.container)
  if (container?.exitCode !== undefined) migration.exitCode = container.exitCode
  if (task.stoppedReason) migration.stoppedReason = task.stoppedReason
  if (task.stopCode) migration.stopCode = task.stopCode
  migration.stoppedAt = (task.stoppedAt ? task.stoppedAt : new Date(deps.clock.now())).toISOString()
  migration.logLines = await migrationLogs(deps, running, task)
  const id = taskId(running.taskArn)
  const lines = migration.logLines
  core.info(
    lines.length > 0
      ? `Migration task ${id} logged (last ${lines.length} lines):\n${lines.map(l => `  | ${l}`).join('\n')}`
      : `Migration task ${id}: no log lines were found for container ${plan.container}.`
  )
  const ended = `${task.stoppedReason ?? 'no stop reason given'}${task.stopCode ? ` [${task.stopCode}]` : ''}`
  if (timedOut) {
    return failed(
      migration,
      `The migration did not finish within migration-timeout-minutes (${plan.timeoutMs / 60_000}): task ${id} was stopped (${task.lastStatus === 'STOPPED' ? ended : 'StopTask sent; ECS had not stopped it yet'})`,
      true
    )
  }
  if (container?.exitCode === 0) {
    migration.status = 'succeeded'
    core.info(`Migration task ${id}: ${plan.container} exited 0. The rollout goes on.`)
    return
  }
  if (task.stopCode === 'TaskFailedToStart' || container?.exitCode === undefined) {
    return failed(
      migration,
      `The migration task ${id} stopped before ${plan.container} ran to its end: ${ended}${container?.reason ? `; ${plan.container}: ${container.reason}` : ''}`,
      task.stopCode !== 'TaskFailedToStart'
    )
  }
  const last = lines.at(-1)
  return failed(
    migration,
    `The migration exited with code ${container.exitCode} (container ${plan.container}, task ${id}: ${ended})${last ? `; its last log line: ${last}` : ''}`,
    true
  )
}

function failed(migration: MigrationResult, message: string, ran: boolean): never {
  migration.status = 'failed'
  migration.failure = message
  throw new MigrationError(message, ran, migration)
}

function containerOf(task: Task, name: string) {
  return task.containers?.find(c => c.name === name)
}

/**
 * The container's own log stream, newest MIGRATION_LOG_LINES lines. CloudWatch may take a moment
 * to show the last lines of a task that just stopped: an empty stream is read once more.
 */
async function migrationLogs(
  deps: Pick<Deps, 'logs' | 'clock'>,
  running: Running,
  task: Task
): Promise<string[]> {
  const stream = logStreams(running.taskDefinition, task, running.logGroup).find(
    s => s.container === running.plan.container
  )
  if (!stream) {
    core.info(
      `Container ${running.plan.container} does not log to CloudWatch with an awslogs-stream-prefix: its output cannot be shown.`
    )
    return []
  }
  const since = task.createdAt?.getTime() ?? deps.clock.now() - running.plan.timeoutMs
  const read = () =>
    deps.logs.recent({
      group: stream.group,
      since,
      streams: [stream.stream],
      limit: MIGRATION_LOG_LINES
    })
  try {
    let lines = await read()
    if (lines.length === 0) {
      await deps.clock.sleep(Math.min(running.plan.pollMs, 5000))
      lines = await read()
    }
    return lines.map(l => l.message)
  } catch (error) {
    core.warning(
      `Could not read the migration's log stream ${stream.group}/${stream.stream}: ${errorText(error)}`
    )
    return []
  }
}

/** On cancellation: stops the migration task if it runs; says what became of it. */
export async function stopMigrationOnCancel(
  deps: Pick<Deps, 'ecs'>,
  migration: MigrationResult | undefined
): Promise<string | undefined> {
  if (migration?.status !== 'running' || !migration.taskArn) return undefined
  return (await stop(deps, migration.taskArn, 'the deploy step was cancelled')).note
}
