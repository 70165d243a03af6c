// Why a rollout failed: the stopped tasks of our deployment (reasons, exit codes, last log
// lines) and the service's failure events. Pure judgements and rendering, and the few reads
// that gather them; a log that cannot be read only warns.
import * as core from '@actions/core'
import type { Service, ServiceEvent, Task, TaskDefinition } from '@aws-sdk/client-ecs'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import { shortArn, taskId } from '../model/names.js'
import type { StoppedContainer, StoppedTask } from '../model/result.js'
import { logStreams, type LogStream } from '../verify/logs.js'
import { failingTasks, StoppedTaskReader, type StoppedTaskQuery } from './stopped-tasks.js'

/** Tasks shown (and whose logs are read) when a rollout fails. */
export const MAX_STOPPED_TASKS_SHOWN = 3
export const LOG_LINES_PER_TASK = 20
export const MAX_EVENTS_SHOWN = 10

/** Service events that look like failures. */
const FAILURE_EVENT =
  /fail|unhealthy|unable|error|circuit breaker|rolling back|rolled back|insufficient|exceeded|denied|cannot|could not|not found|timed out|throttl/i

/** Events newer than `since` that explain a failure, newest first, as `ISO message`. Pure. */
export function failureEvents(
  events: ServiceEvent[],
  since: number,
  limit = MAX_EVENTS_SHOWN
): string[] {
  return events
    .filter(e => (e.createdAt?.getTime() ?? 0) >= since && FAILURE_EVENT.test(e.message ?? ''))
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
    .slice(0, limit)
    .map(e => `${e.createdAt?.toISOString() ?? '?'} ${e.message ?? ''}`)
}

/** The result's view of a stopped task. Pure. */
export function toStoppedTask(task: Task, logLines: string[]): StoppedTask {
  const stopped: StoppedTask = {
    taskArn: task.taskArn ?? '',
    taskId: taskId(task.taskArn),
    containers: (task.containers ?? []).map(c => {
      const container: StoppedContainer = { name: c.name ?? '?' }
      if (c.exitCode !== undefined) container.exitCode = c.exitCode
      if (c.reason) container.reason = c.reason
      return container
    }),
    logLines
  }
  if (task.taskDefinitionArn) stopped.taskDefinitionArn = task.taskDefinitionArn
  if (task.stoppedReason) stopped.stoppedReason = task.stoppedReason
  if (task.stopCode) stopped.stopCode = task.stopCode
  if (task.stoppedAt) stopped.stoppedAt = task.stoppedAt.toISOString()
  return stopped
}

/** The tasks worth showing: the newest failing ones, else the newest stopped ones. Pure. */
export function tasksToShow(ours: Task[]): Task[] {
  const failing = failingTasks(ours)
  return (failing.length > 0 ? failing : ours).slice(0, MAX_STOPPED_TASKS_SHOWN)
}

export interface Explanation {
  stoppedTasks: StoppedTask[]
  events: string[]
}

export interface ExplainRequest extends StoppedTaskQuery {
  /** The `log-group` input, when given. */
  logGroup: string | undefined
  /** The last DescribeServices answer: its events need no extra call. */
  snapshot: Service | undefined
  /** Stopped tasks already read while watching, used when a fresh read fails. */
  known: Task[]
  reader: StoppedTaskReader
}

/** Gathers the stopped tasks, their log lines and the failure events. Never throws. */
export async function explainFailure(
  deps: Pick<Deps, 'ecs' | 'logs'>,
  request: ExplainRequest
): Promise<Explanation> {
  let ours = request.known
  try {
    ours = await request.reader.read(deps, request)
  } catch (error) {
    core.warning(`Could not read the stopped tasks of ${request.service}: ${errorText(error)}`)
  }

  const definitions = new Map<string, Promise<TaskDefinition | undefined>>()
  const definition = (arn: string): Promise<TaskDefinition | undefined> => {
    let found = definitions.get(arn)
    if (!found) {
      found = deps.ecs.taskDefinition(arn).then(
        d => d.taskDefinition,
        (error: unknown) => {
          core.warning(
            `Could not read ${shortArn(arn)} to find its log streams: ${errorText(error)}`
          )
          return undefined
        }
      )
      definitions.set(arn, found)
    }
    return found
  }

  const stoppedTasks: StoppedTask[] = []
  for (const task of tasksToShow(ours)) {
    const taskDefinition = await definition(task.taskDefinitionArn ?? request.revision)
    const lines = taskDefinition
      ? await lastLogLines(deps, logStreams(taskDefinition, task, request.logGroup), task, request)
      : []
    stoppedTasks.push(toStoppedTask(task, lines))
  }

  let service = request.snapshot
  if (!service) {
    service = await deps.ecs.service(request.service).catch((error: unknown) => {
      core.warning(`Could not read the events of ${request.service}: ${errorText(error)}`)
      return undefined
    })
  }
  return { stoppedTasks, events: failureEvents(service?.events ?? [], request.since) }
}

/** The task's last log lines across its containers' streams, oldest first. */
async function lastLogLines(
  deps: Pick<Deps, 'logs'>,
  streams: LogStream[],
  task: Task,
  request: ExplainRequest
): Promise<string[]> {
  const groups = new Map<string, LogStream[]>()
  for (const stream of streams)
    groups.set(stream.group, [...(groups.get(stream.group) ?? []), stream])
  const containerOf = new Map(streams.map(s => [s.stream, s.container]))
  const lines: { timestamp: number; text: string }[] = []
  for (const [group, inGroup] of groups) {
    try {
      const found = await deps.logs.recent({
        group,
        since: task.createdAt?.getTime() ?? request.since,
        streams: inGroup.map(s => s.stream),
        limit: LOG_LINES_PER_TASK
      })
      for (const line of found) {
        const container =
          streams.length > 1 ? `${containerOf.get(line.stream) ?? line.stream} | ` : ''
        lines.push({ timestamp: line.timestamp, text: `${container}${line.message}` })
      }
    } catch (error) {
      core.warning(
        `Could not read the log lines of task ${taskId(task.taskArn)} from ${group}: ${errorText(error)}`
      )
    }
  }
  return lines
    .sort((a, b) => a.timestamp - b.timestamp)
    .slice(-LOG_LINES_PER_TASK)
    .map(l => l.text)
}

/** The explanation as log lines a person can read. Pure. */
export function explanationLines(explanation: Explanation): string[] {
  const out: string[] = []
  if (explanation.stoppedTasks.length === 0)
    out.push('No stopped task of this deployment was found.')
  for (const task of explanation.stoppedTasks) {
    out.push(
      `task ${task.taskId} (${shortArn(task.taskDefinitionArn)}) stopped${task.stoppedAt ? ` at ${task.stoppedAt}` : ''}: ${task.stoppedReason ?? 'no reason given'}${task.stopCode ? ` [${task.stopCode}]` : ''}`
    )
    for (const c of task.containers) {
      out.push(`  ${c.name}: exit code ${c.exitCode ?? 'none'}${c.reason ? `, ${c.reason}` : ''}`)
    }
    if (task.logLines.length > 0) {
      out.push(`  last ${task.logLines.length} log lines:`)
      out.push(...task.logLines.map(l => `  | ${l}`))
    }
  }
  if (explanation.events.length > 0) {
    out.push('service events:')
    out.push(...explanation.events.map(e => `  ${e}`))
  }
  return out
}

/** The error annotation: the reason, each task in a line, the newest failure events. Pure. */
export function annotationText(reason: string, explanation: Explanation): string {
  const lines = [reason]
  for (const task of explanation.stoppedTasks) {
    const exits = task.containers
      .filter(c => c.exitCode !== undefined || c.reason)
      .map(c => `${c.name} exit ${c.exitCode ?? 'none'}${c.reason ? ` (${c.reason})` : ''}`)
      .join(', ')
    lines.push(
      `task ${task.taskId}: ${task.stoppedReason ?? 'no reason given'}${exits ? `; ${exits}` : ''}`
    )
    const lastLine = task.logLines.at(-1)
    if (lastLine) lines.push(`  last log line: ${lastLine}`)
  }
  lines.push(...explanation.events.slice(0, 3))
  return lines.join('\n')
}

/** Prints the explanation, and an error annotation with its title. */
export function reportFailure(explanation: Explanation, title: string, reason: string): void {
  for (const line of explanationLines(explanation)) core.info(line)
  core.error(annotationText(reason, explanation), { title })
}
