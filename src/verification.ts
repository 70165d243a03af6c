// The checks that say a service really runs what it should. Pure judgements over what ECS,
// the health URL and CloudWatch answered, and one function that gathers the answers.
import * as core from '@actions/core'
import type { ContainerDefinition, Service, Task, TaskDefinition } from '@aws-sdk/client-ecs'
import type { LogLine } from './aws/logs.js'
import type { Deps } from './deps.js'
import { checkHealth } from './health.js'
import type { Check, LogExcerpt, RunResult } from './result.js'
import { pinnedDigest } from './task-definition.js'

export interface Expectation {
  service: string
  /** The revision every running task must run. */
  taskDefinitionArn: string
  containerName: string
  /** `sha256:…` every running task's container must run; undefined when there is none to expect. */
  digest: string | undefined
  healthCheckUrl: string | undefined
  /** Empty: the container's awslogs-group. */
  logGroup: string | undefined
  logsSinceMinutes: number
  /** The revision, when the caller has it already: saves describing it again for its log group. */
  taskDefinition?: TaskDefinition
}

export interface Verification {
  checks: Check[]
  logs?: LogExcerpt
}

/** How many offending tasks a check names before it only counts the rest. */
const NAMED_TASKS = 5
/** Lines of the recent-log excerpt, and ERROR lines quoted in the check. */
const EXCERPT_LINES = 20
const QUOTED_ERRORS = 3
/** ERROR lines read to count them; more are reported as "at least". */
const COUNTED_ERRORS = 1000

export function serviceChecks(service: Service): Check[] {
  const deployments = service.deployments ?? []
  const primary = deployments.find(d => d.status === 'PRIMARY')
  const running = service.runningCount ?? 0
  const desired = service.desiredCount ?? 0
  return [
    {
      name: 'service active',
      status: service.status === 'ACTIVE' ? 'pass' : 'fail',
      detail: `status ${service.status ?? 'unknown'}`
    },
    {
      name: 'one deployment, completed',
      status: deployments.length === 1 && primary?.rolloutState === 'COMPLETED' ? 'pass' : 'fail',
      detail:
        deployments
          .map(d => `${d.status ?? '?'} ${d.rolloutState ?? '?'} ${shortArn(d.taskDefinition)}`)
          .join('; ') || 'no deployments'
    },
    {
      name: 'running = desired',
      status: running === desired ? 'pass' : 'fail',
      detail: `${running} running, ${desired} desired`
    }
  ]
}

/**
 * Every task the service wants running must run the expected revision; every one that is
 * RUNNING must run the expected digest (a task still starting has not reported one yet).
 */
export function taskChecks(tasks: Task[], expected: Expectation): Check[] {
  return [revisionCheck(tasks, expected), digestCheck(tasks, expected)]
}

function revisionCheck(tasks: Task[], expected: Expectation): Check {
  const name = 'tasks run the service revision'
  if (tasks.length === 0) return { name, status: 'fail', detail: 'no running tasks' }
  const wrong = tasks.filter(t => t.taskDefinitionArn !== expected.taskDefinitionArn)
  if (wrong.length === 0) {
    return {
      name,
      status: 'pass',
      detail: `${tasks.length} of ${tasks.length} tasks run ${shortArn(expected.taskDefinitionArn)}`
    }
  }
  return {
    name,
    status: 'fail',
    detail: `${wrong.length} of ${tasks.length} tasks run another revision than ${shortArn(expected.taskDefinitionArn)}: ${named(
      wrong.map(t => `${taskId(t.taskArn)} runs ${shortArn(t.taskDefinitionArn)}`)
    )}`
  }
}

function digestCheck(tasks: Task[], expected: Expectation): Check {
  const name = 'tasks run the expected digest'
  const running = tasks.filter(t => t.lastStatus === 'RUNNING')
  const starting = tasks.length - running.length
  const notChecked = starting > 0 ? ` (${starting} not RUNNING yet, not checked)` : ''
  if (running.length === 0) {
    return { name, status: 'fail', detail: `no running tasks${notChecked}` }
  }
  const digests = running.map(t => ({
    id: taskId(t.taskArn),
    digest: t.containers?.find(c => c.name === expected.containerName)?.imageDigest
  }))
  if (!expected.digest) {
    return {
      name,
      status: 'fail',
      detail: `no expected digest to compare with; ${expected.containerName} runs ${tally(digests.map(d => d.digest ?? 'no reported digest'))}${notChecked}`
    }
  }
  const wrong = digests.filter(d => d.digest !== expected.digest)
  if (wrong.length === 0) {
    return {
      name,
      status: 'pass',
      detail: `${running.length} of ${running.length} running tasks run ${expected.containerName}@${expected.digest}${notChecked}`
    }
  }
  return {
    name,
    status: 'fail',
    detail: `${wrong.length} of ${running.length} running tasks run another image than ${expected.digest} in ${expected.containerName}: ${named(
      wrong.map(d => `${d.id} runs ${d.digest ?? 'no reported digest'}`)
    )}${notChecked}`
  }
}

/**
 * verify mode's own check: the task definition names the image by digest (the runbook's rule),
 * and, when a tag was given, the digest the tag points to.
 */
export function pinCheck(
  container: ContainerDefinition,
  expected: { digest: string; tag: string } | undefined
): Check {
  const name = 'task definition pins the expected digest'
  const containerName = container.name ?? '?'
  const pinned = pinnedDigest(container.image)
  if (!pinned) {
    return {
      name,
      status: 'fail',
      detail: `container ${containerName} runs ${container.image ?? 'no image'}, which is not pinned by digest: production images are named REPOSITORY_URI@sha256:DIGEST`
    }
  }
  if (expected && expected.digest !== pinned) {
    return {
      name,
      status: 'fail',
      detail: `container ${containerName} pins ${pinned}, but tag ${expected.tag} is ${expected.digest}`
    }
  }
  return {
    name,
    status: 'pass',
    detail: `container ${containerName} pins ${pinned}${expected ? ` = tag ${expected.tag}` : ''}`
  }
}

/** The container's awslogs-group, if it logs to CloudWatch. */
export function awslogsGroup(
  taskDefinition: TaskDefinition,
  containerName: string
): string | undefined {
  const container = taskDefinition.containerDefinitions?.find(c => c.name === containerName)
  const config = container?.logConfiguration
  return config?.logDriver === 'awslogs' ? config.options?.['awslogs-group'] : undefined
}

/** The excerpt and its check from the group's recent lines and its recent ERROR lines. Pure. */
export function logFindings(
  group: string,
  sinceMinutes: number,
  recent: LogLine[],
  errors: LogLine[]
): { check: Check; logs: LogExcerpt } {
  const count = errors.length >= COUNTED_ERRORS ? `at least ${errors.length}` : `${errors.length}`
  const window = `${group} in the last ${sinceMinutes} minutes`
  const quoted = errors.slice(-QUOTED_ERRORS).map(e => oneLine(e.message, 200))
  return {
    check: {
      name: 'recent ERROR logs',
      status: errors.length === 0 ? 'pass' : 'warn',
      detail:
        errors.length === 0
          ? `no ERROR lines in ${window}`
          : `${count} ERROR ${errors.length === 1 ? 'line' : 'lines'} in ${window}; the last: ${quoted.join(' | ')}`
    },
    logs: { group, lines: recent.map(logLine), errorCount: errors.length }
  }
}

/** Every check of what runs now, reading the service and all its running tasks. */
export async function verifyRunning(deps: Deps, expected: Expectation): Promise<Verification> {
  const service = await deps.ecs.service(expected.service)
  const tasks = await deps.ecs.tasks(await deps.ecs.taskArns(expected.service, 'RUNNING'))
  // The slow part (a health URL that needs a few attempts) overlaps with reading the logs.
  const [health, logs] = await Promise.all([
    expected.healthCheckUrl
      ? checkHealth(expected.healthCheckUrl, deps.clock)
      : Promise.resolve<Check>({
          name: 'health check',
          status: 'skip',
          detail: 'no health-check-url given'
        }),
    recentLogs(deps, expected)
  ])
  return {
    checks: [...serviceChecks(service), ...taskChecks(tasks, expected), health, logs.check],
    ...(logs.logs ? { logs: logs.logs } : {})
  }
}

/** Recent log lines and ERROR count; logs that cannot be read only warn. */
async function recentLogs(
  deps: Deps,
  expected: Expectation
): Promise<{ check: Check; logs?: LogExcerpt }> {
  const name = 'recent ERROR logs'
  if (expected.logsSinceMinutes <= 0) {
    return { check: { name, status: 'skip', detail: 'logs-since-minutes is 0' } }
  }
  let group = expected.logGroup
  try {
    if (!group) {
      const taskDefinition =
        expected.taskDefinition ??
        (await deps.ecs.taskDefinition(expected.taskDefinitionArn)).taskDefinition
      group = awslogsGroup(taskDefinition, expected.containerName)
    }
    if (!group) {
      return {
        check: {
          name,
          status: 'skip',
          detail: `container ${expected.containerName} does not log to CloudWatch (no awslogs-group); set log-group to read another group`
        }
      }
    }
    const since = deps.clock.now() - expected.logsSinceMinutes * 60_000
    const [recent, errors] = await Promise.all([
      deps.logs.recent({ group, since, limit: EXCERPT_LINES }),
      deps.logs.recent({ group, since, pattern: 'ERROR', limit: COUNTED_ERRORS })
    ])
    return logFindings(group, expected.logsSinceMinutes, recent, errors)
  } catch (error) {
    return {
      check: {
        name,
        status: 'warn',
        detail: `could not read ${group ? `log group ${group}` : 'the log group'}: ${error instanceof Error ? error.message : String(error)}`
      }
    }
  }
}

export function allPassed(checks: Check[]): boolean {
  return checks.length > 0 && checks.every(c => c.status !== 'fail')
}

/** Puts the checks and the log excerpt into the result and prints one line a check. */
export function reportChecks(
  result: RunResult,
  checks: Check[],
  logs: LogExcerpt | undefined
): void {
  result.checks = checks
  if (logs) result.logs = logs
  for (const check of checks)
    core.info(`${check.status.toUpperCase()} ${check.name}: ${check.detail}`)
}

/** `name (detail); name (detail)` of the failed checks. */
export function failedChecks(checks: Check[]): string {
  return checks
    .filter(c => c.status === 'fail')
    .map(c => `${c.name} (${c.detail})`)
    .join('; ')
}

export function shortArn(arn: string | undefined): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : 'unknown'
}

export function taskId(arn: string | undefined): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : 'unknown'
}

function named(items: string[]): string {
  const shown = items.slice(0, NAMED_TASKS).join(', ')
  return items.length > NAMED_TASKS ? `${shown} and ${items.length - NAMED_TASKS} more` : shown
}

/** `sha256:a… (3), sha256:b… (1)` */
function tally(values: string[]): string {
  const counts = new Map<string, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  return [...counts].map(([value, n]) => `${value} (${n})`).join(', ')
}

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

function logLine(line: LogLine): string {
  return `${new Date(line.timestamp).toISOString().slice(11, 19)} ${line.message}`
}
