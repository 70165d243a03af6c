// The service's logs in CloudWatch: where a container writes, the recent excerpt and the count
// of its ERROR lines. Logs that cannot be read only warn.
import type { Task, TaskDefinition } from '@aws-sdk/client-ecs'
import type { LogLine } from '../aws/logs.js'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import { taskId } from '../model/names.js'
import type { Check, LogExcerpt } from '../model/result.js'
import type { CheckPolicy, Expectation } from './checks.js'

/** Lines of the recent-log excerpt, and ERROR lines quoted in the check. */
const EXCERPT_LINES = 20
const QUOTED_ERRORS = 3
/** ERROR lines read to count them; more are reported as "at least". */
const COUNTED_ERRORS = 1000

/** The container's awslogs-group, if it logs to CloudWatch. */
export function awslogsGroup(
  taskDefinition: TaskDefinition,
  containerName: string
): string | undefined {
  const container = taskDefinition.containerDefinitions?.find(c => c.name === containerName)
  const config = container?.logConfiguration
  return config?.logDriver === 'awslogs' ? config.options?.['awslogs-group'] : undefined
}

/**
 * The running tasks' streams among a group's lines: their lines are marked with their task, the
 * others (older tasks, other services sharing the group) with `[other]`, and the ERROR lines of
 * the others are counted apart.
 */
export interface Ours {
  streams: Set<string>
  /** ERROR lines of the group outside those streams, in the same minutes. */
  otherErrors: number
}

/**
 * Which lines were read: the streams of the service's running tasks (`ours`), or the whole group
 * because they cannot be named (`whole` says why), when the lines are of any task that logs there.
 */
export type LogScope = { streams: number; ours: Ours } | { whole: string }

/** The excerpt and its check from the group's recent lines and its recent ERROR lines. Pure. */
export function logFindings(
  group: string,
  sinceMinutes: number,
  recent: LogLine[],
  errors: LogLine[],
  /** Undefined: the whole group, which is taken to be the service's. */
  scope?: LogScope
): { check: Check; logs: LogExcerpt } {
  const count = errors.length >= COUNTED_ERRORS ? `at least ${errors.length}` : `${errors.length}`
  const ours = scope && 'ours' in scope ? scope.ours : undefined
  const whole = scope && 'whole' in scope ? scope.whole : undefined
  const where =
    scope && 'streams' in scope
      ? `the ${scope.streams} log stream${scope.streams === 1 ? '' : 's'} of the service's running tasks in ${group}`
      : group
  const window = `${where} in the last ${sinceMinutes} minutes`
  const quoted = errors.slice(-QUOTED_ERRORS).map(e => oneLine(e.message, 200))
  const others = ours?.otherErrors
    ? `; ${ours.otherErrors >= COUNTED_ERRORS ? `at least ${ours.otherErrors}` : ours.otherErrors} more in other streams of the group (older tasks, other services), not counted`
    : ''
  const lines = `ERROR ${errors.length === 1 ? 'line' : 'lines'}`
  const found = whole
    ? `${count} ${lines} in ${window}, of any task or service that logs there, not only this service's (${whole}); the last: ${quoted.join(' | ')}`
    : `${count} ${lines} in ${window}; the last: ${quoted.join(' | ')}${others}`
  return {
    check: {
      name: 'recent ERROR logs',
      status: errors.length === 0 ? 'pass' : 'warn',
      detail:
        errors.length === 0
          ? `no ERROR lines in ${window}${whole ? ` (the whole group: ${whole})` : others}`
          : found
    },
    logs: {
      group,
      lines: recent.map(line => logLine(line, ours)),
      errorCount: errors.length,
      ...(ours ? { marked: true } : {}),
      ...(whole ? { whole } : {})
    }
  }
}

export interface LogStream {
  group: string
  stream: string
  container: string
}

/**
 * The awslogs streams of a task: `<awslogs-stream-prefix>/<container>/<task id>` in the
 * container's `awslogs-group` (or the `log-group` input). Without a prefix the stream is named
 * after the Docker container id, which the task does not say; such containers are skipped. Pure.
 */
export function logStreams(
  taskDefinition: TaskDefinition,
  task: Task,
  logGroup: string | undefined
): LogStream[] {
  const streams: LogStream[] = []
  for (const container of taskDefinition.containerDefinitions ?? []) {
    const config = container.logConfiguration
    const prefix = config?.options?.['awslogs-stream-prefix']
    const group = logGroup ?? config?.options?.['awslogs-group']
    if (config?.logDriver !== 'awslogs' || !prefix || !group || !container.name) continue
    streams.push({
      group,
      stream: `${prefix}/${container.name}/${taskId(task.taskArn)}`,
      container: container.name
    })
  }
  return streams
}

/** Recent log lines and ERROR count; logs that cannot be read only warn. */
export async function recentLogs(
  deps: Deps,
  expected: Expectation,
  policy: CheckPolicy,
  /** The service's running tasks: only their streams are read, not other services' lines. */
  tasks: Task[] = []
): Promise<{ check: Check; logs?: LogExcerpt }> {
  const name = 'recent ERROR logs'
  if (policy.logsSinceMinutes <= 0) {
    return { check: { name, status: 'skip', detail: 'logs-since-minutes is 0' } }
  }
  let group = policy.logGroup
  try {
    const taskDefinition =
      expected.taskDefinition ??
      (await deps.ecs.taskDefinition(expected.taskDefinitionArn)).taskDefinition
    group ??= awslogsGroup(taskDefinition, expected.containerName)
    if (!group) {
      return {
        check: {
          name,
          status: 'skip',
          detail: `container ${expected.containerName} does not log to CloudWatch (no awslogs-group); set log-group to read another group`
        }
      }
    }
    const inGroup = group
    const streams = tasks
      .flatMap(task => logStreams(taskDefinition, task, policy.logGroup))
      .filter(stream => stream.group === inGroup)
      .map(stream => stream.stream)
    const since = deps.clock.now() - policy.logsSinceMinutes * 60_000
    if (streams.length === 0) {
      // Without stream names (no awslogs-stream-prefix, or no task), the whole group is read,
      // and its lines are not called the service's: another service may log there.
      const [recent, errors] = await Promise.all([
        deps.logs.recent({ group, since, limit: EXCERPT_LINES }),
        deps.logs.recent({ group, since, pattern: 'ERROR', limit: COUNTED_ERRORS })
      ])
      const whole =
        tasks.length === 0
          ? 'no running task to name its streams'
          : `container ${expected.containerName} has no awslogs-stream-prefix, so its streams cannot be told from the others`
      return logFindings(group, policy.logsSinceMinutes, recent, errors, { whole })
    }
    // The excerpt is the group's; the running tasks' lines are marked and their ERRORs counted.
    const [recent, errors, everyError] = await Promise.all([
      deps.logs.recent({ group, since, limit: EXCERPT_LINES }),
      deps.logs.recent({ group, since, streams, pattern: 'ERROR', limit: COUNTED_ERRORS }),
      deps.logs.recent({ group, since, pattern: 'ERROR', limit: COUNTED_ERRORS })
    ])
    const ours = new Set(streams)
    const otherErrors = everyError.filter(line => !ours.has(line.stream)).length
    return logFindings(group, policy.logsSinceMinutes, recent, errors, {
      streams: streams.length,
      ours: { streams: ours, otherErrors }
    })
  } catch (error) {
    return {
      check: {
        name,
        status: 'warn',
        detail: `could not read ${group ? `log group ${group}` : 'the log group'}: ${errorText(error)}`
      }
    }
  }
}

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

function logLine(line: LogLine, ours: Ours | undefined): string {
  const time = new Date(line.timestamp).toISOString().slice(11, 19)
  if (!ours) return `${time} ${line.message}`
  const from = ours.streams.has(line.stream)
    ? `task ${(line.stream.split('/').pop() ?? '').slice(0, 8)}`
    : 'other'
  return `${time} [${from}] ${line.message}`
}
