// The checks that say a service really runs what it should: pure judgements over what ECS
// answered, and how they are reported.
import * as core from '@actions/core'
import type { ContainerDefinition, Service, Task, TaskDefinition } from '@aws-sdk/client-ecs'
import { pinnedDigest, shortArn, taskId } from '../model/names.js'
import type { Check } from '../model/result.js'

/** How what runs is checked: after a rollout, after a rollback, and in verify mode. */
export interface CheckPolicy {
  healthCheckUrl: string | undefined
  /** Empty: the container's awslogs-group. */
  logGroup: string | undefined
  logsSinceMinutes: number
}

/** What must run: the revision, and the digest of the chosen container. */
export interface Expectation {
  service: string
  /** The revision every running task must run. */
  taskDefinitionArn: string
  containerName: string
  /** The other containers on the same image: every running task must run the digest in them too. */
  sameImage?: string[]
  /** `sha256:…` every running task's container must run; undefined when there is none to expect. */
  digest: string | undefined
  /** The revision, when the caller has it already: saves describing it again for its log group. */
  taskDefinition?: TaskDefinition
  /**
   * The old revision's tasks may still drain (early success with DEFERRED cleanup): only the
   * expected revision's tasks are checked, and at least this share of the desired count must run.
   */
  draining?: { healthyPercent: number }
}

/** How many offending tasks a check names before it only counts the rest. */
const NAMED_TASKS = 5

export function serviceChecks(service: Service, expected?: Expectation): Check[] {
  const deployments = service.deployments ?? []
  const primary = deployments.find(d => d.status === 'PRIMARY')
  const running = service.runningCount ?? 0
  const desired = service.desiredCount ?? 0
  if (expected?.draining) return drainingChecks(service, expected, expected.draining)
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
 * A rolling deployment ECS called done while the old tasks drain: the service is ACTIVE, its
 * PRIMARY deployment is the expected revision's, and the old deployments are said, not failed.
 */
function drainingChecks(
  service: Service,
  expected: Expectation,
  draining: { healthyPercent: number }
): Check[] {
  const deployments = service.deployments ?? []
  const primary = deployments.find(d => d.status === 'PRIMARY')
  const others = deployments.filter(d => d !== primary)
  const old = others.reduce((n, d) => n + (d.runningCount ?? 0), 0)
  const desired = service.desiredCount ?? 0
  const needed = Math.ceil((desired * draining.healthyPercent) / 100)
  const ours = primary?.runningCount ?? 0
  return [
    {
      name: 'service active',
      status: service.status === 'ACTIVE' ? 'pass' : 'fail',
      detail: `status ${service.status ?? 'unknown'}`
    },
    {
      name: 'the deployment completed, the old one draining',
      status: primary?.taskDefinition === expected.taskDefinitionArn ? 'pass' : 'fail',
      detail: `PRIMARY ${primary?.rolloutState ?? '?'} ${shortArn(primary?.taskDefinition)}; ${others.length} older deployment${others.length === 1 ? '' : 's'} with ${old} task${old === 1 ? '' : 's'} still draining (early success, DEFERRED cleanup)`
    },
    {
      name: `running ≥ ${draining.healthyPercent} % of desired`,
      status: ours >= needed ? 'pass' : 'fail',
      detail: `${ours} of the new revision running, ${desired} desired (at least ${needed})`
    }
  ]
}

/**
 * Every task the service wants running must run the expected revision; every one that is
 * RUNNING must run the expected digest (a task still starting has not reported one yet). A
 * service scaled to 0 has no task to check: both checks say so and are skipped, not failed.
 */
export function taskChecks(tasks: Task[], expected: Expectation, desiredCount?: number): Check[] {
  if (expected.draining) {
    // The old revision's tasks drain by design: the checks are of the new revision's.
    const draining = tasks.filter(t => t.taskDefinitionArn !== expected.taskDefinitionArn)
    const ours = tasks.filter(t => t.taskDefinitionArn === expected.taskDefinitionArn)
    const { draining: _draining, ...settled } = expected
    const checks = taskChecks(ours, settled, desiredCount)
    return draining.length === 0
      ? checks
      : checks.map(check =>
          check.name === 'tasks run the service revision'
            ? {
                ...check,
                detail: `${check.detail}; ${draining.length} of the old revision still draining`
              }
            : check
        )
  }
  if (tasks.length === 0 && desiredCount === 0) {
    const detail = `the service is scaled to 0 (desiredCount 0): no task runs to check; the next task it starts runs ${shortArn(expected.taskDefinitionArn)}`
    return [
      { name: 'tasks run the service revision', status: 'skip', detail },
      { name: 'tasks run the expected digest', status: 'skip', detail }
    ]
  }
  return [revisionCheck(tasks, expected), digestCheck(tasks, expected)]
}

/** The warning for a service scaled to 0: the change is made, but nothing runs it yet. */
export function scaledToZero(service: string): string {
  return `ECS service ${service} is scaled to 0 (desiredCount 0): its revision is changed, but no task runs it until the service scales up, so only the revision can be verified, not running tasks.`
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
  const others = expected.sameImage ?? []
  if (others.length > 0) return sameImageCheck(running, expected, notChecked)
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

/** The digest check when several containers run the image: each of them, in every task. */
function sameImageCheck(running: Task[], expected: Expectation, notChecked: string): Check {
  const name = 'tasks run the expected digest'
  const containers = [expected.containerName, ...(expected.sameImage ?? [])]
  const where = `${containers.slice(0, -1).join(', ')} and ${containers.at(-1) ?? ''}`
  const wrong = running.flatMap(task => {
    const off = containers.flatMap(container => {
      const digest = task.containers?.find(c => c.name === container)?.imageDigest
      return digest === expected.digest ? [] : [`${digest ?? 'no reported digest'} in ${container}`]
    })
    return off.length > 0 ? [`${taskId(task.taskArn)} runs ${off.join(', ')}`] : []
  })
  if (wrong.length === 0) {
    return {
      name,
      status: 'pass',
      detail: `${running.length} of ${running.length} running tasks run ${expected.digest} in ${where}${notChecked}`
    }
  }
  return {
    name,
    status: 'fail',
    detail: `${wrong.length} of ${running.length} running tasks run another image than ${expected.digest} in ${where}: ${named(wrong)}${notChecked}`
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

export function allPassed(checks: Check[]): boolean {
  return checks.length > 0 && checks.every(c => c.status !== 'fail')
}

/** Prints one line a check. */
export function printChecks(checks: Check[]): void {
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
