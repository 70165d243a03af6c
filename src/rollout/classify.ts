// Pure judgements of DescribeServices answers: where a deployment stands, whether tasks of it
// have stopped since the last poll, and whether the service is busy with another deployment.
import type { Deployment, Service } from '@aws-sdk/client-ecs'
import { shortArn } from '../model/names.js'

/**
 * How many failed tasks of our deployment mean "they keep stopping". ECS's own circuit breaker
 * waits for max(3, half the desired count) failures, and then for its rollback; three is its
 * smallest threshold, so we never judge later than it would and usually much earlier.
 */
export const FAILED_TASKS_LIMIT = 3

export type Observation =
  | { kind: 'in-progress'; progress: string }
  | { kind: 'completed'; progress: string }
  /** ECS marked our rollout FAILED and left it PRIMARY (circuit breaker without rollback). */
  | { kind: 'failed'; progress: string; reason: string }
  /** ECS itself counted FAILED_TASKS_LIMIT failed tasks of our deployment. */
  | { kind: 'tasks-failing'; progress: string; reason: string }
  /** ECS's circuit breaker marked ours FAILED and made a new PRIMARY: its rollback. */
  | {
      kind: 'ecs-rolled-back'
      progress: string
      reason: string
      deploymentId: string
      revision: string
      /** Set when the rollback is the service deployment's own (BLUE_GREEN, LINEAR, CANARY). */
      serviceDeploymentArn?: string
    }
  /** Another deployment, not ECS's rollback of ours, is PRIMARY now. */
  | {
      kind: 'replaced'
      progress: string
      reason: string
      deploymentId: string | undefined
      revision: string | undefined
    }

export interface Watch {
  deploymentId: string
  /** The revision ECS's circuit breaker would return to; names it in messages. */
  previousRevision?: string | undefined
}

/** `1/2 running, 0 pending, 0 failed, IN_PROGRESS` for one deployment. */
export function progressLine(deployment: Deployment): string {
  return `${deployment.runningCount ?? 0}/${deployment.desiredCount ?? 0} running, ${deployment.pendingCount ?? 0} pending, ${deployment.failedTasks ?? 0} failed, ${deployment.rolloutState ?? 'UNKNOWN'}`
}

/** The progress of one deployment, and how many tasks the others still run (draining). */
export function progressOf(deployment: Deployment, all: Deployment[]): string {
  const others = all.filter(d => d.id !== deployment.id)
  if (others.length === 0) return progressLine(deployment)
  const running = others.reduce((sum, d) => sum + (d.runningCount ?? 0), 0)
  return `${progressLine(deployment)}; ${others.length} other deployment${others.length === 1 ? '' : 's'}, ${running} running`
}

/** Events that say ECS failed a deployment and is rolling it back (circuit breaker). */
const ROLLBACK_EVENT = /circuit breaker|rolling back|rolled back|deployment failed/i

/** The event ECS writes when a deployment completes: `(deployment ecs-svc/…) deployment completed.` */
const COMPLETED_EVENT = /deployment completed/i

/** What one DescribeServices answer says about our deployment. Pure. */
export function classify(service: Service, watch: Watch): Observation {
  const deployments = service.deployments ?? []
  const ours = deployments.find(d => d.id === watch.deploymentId)
  const primary = deployments.find(d => d.status === 'PRIMARY')

  if (!ours || (primary && primary.id !== watch.deploymentId)) {
    const progress = primary ? progressOf(primary, deployments) : 'no deployment'
    const theirs = `${primary?.id ?? 'none'} (${shortArn(primary?.taskDefinition)})`
    const ecsRolledBack =
      ours?.rolloutState === 'FAILED' ||
      (service.events ?? []).some(
        e => e.message?.includes(watch.deploymentId) && ROLLBACK_EVENT.test(e.message)
      )
    if (ecsRolledBack && primary?.id) {
      return {
        kind: 'ecs-rolled-back',
        progress,
        reason: `ECS marked deployment ${watch.deploymentId} FAILED${ours?.rolloutStateReason ? ` (${ours.rolloutStateReason})` : ''} and its circuit breaker rolled back to ${shortArn(primary.taskDefinition)} in deployment ${primary.id}`,
        deploymentId: primary.id,
        revision: primary.taskDefinition ?? ''
      }
    }
    const back =
      watch.previousRevision && primary?.taskDefinition === watch.previousRevision
        ? ', which returns the service to the revision it ran before'
        : ''
    // Between two polls our rollout can complete and another deployment take over: say so,
    // but it stays a failure, since this step can no longer verify that its revision runs.
    const completed =
      ours?.rolloutState === 'COMPLETED' ||
      (service.events ?? []).some(
        e => e.message?.includes(watch.deploymentId) && COMPLETED_EVENT.test(e.message)
      )
    const first = completed
      ? `deployment ${watch.deploymentId} completed, then was replaced before this step could verify it by deployment ${theirs}`
      : `deployment ${watch.deploymentId} was replaced by deployment ${theirs}`
    return {
      kind: 'replaced',
      progress,
      reason: `${first}, which this step did not start${back}`,
      deploymentId: primary?.id,
      revision: primary?.taskDefinition
    }
  }

  const progress = progressOf(ours, deployments)
  if (ours.rolloutState === 'FAILED') {
    return {
      kind: 'failed',
      progress,
      reason: `ECS marked the rollout FAILED: ${ours.rolloutStateReason ?? 'no reason given'}`
    }
  }
  if ((ours.failedTasks ?? 0) >= FAILED_TASKS_LIMIT) {
    return {
      kind: 'tasks-failing',
      progress,
      reason: `${ours.failedTasks ?? 0} tasks of deployment ${watch.deploymentId} failed to start or to stay healthy`
    }
  }
  const settled =
    deployments.length === 1 &&
    ours.rolloutState === 'COMPLETED' &&
    (ours.runningCount ?? 0) === (ours.desiredCount ?? 0)
  return settled ? { kind: 'completed', progress } : { kind: 'in-progress', progress }
}

/** Tasks ECS says it started since `since`, from `has started N tasks` service events. Pure. */
export function tasksStartedSince(service: Service, since: number): number {
  let started = 0
  for (const event of service.events ?? []) {
    if ((event.createdAt?.getTime() ?? 0) < since) continue
    const match = /has started (\d+) tasks?/.exec(event.message ?? '')
    if (match) started += Number(match[1])
  }
  return started
}

/** What the answers say about tasks gone missing; compared between polls to decide a look. */
export interface TaskSignals {
  /** ECS's count of consecutively failed tasks (it stops counting once one task ran). */
  failedTasks: number
  /** Tasks started for the service since our deployment began that no longer run or wait. */
  vanished: number
}

export function taskSignals(service: Service, deploymentId: string): TaskSignals {
  const ours = service.deployments?.find(d => d.id === deploymentId)
  if (!ours) return { failedTasks: 0, vanished: 0 }
  const since = ours.createdAt?.getTime() ?? 0
  const present = (ours.runningCount ?? 0) + (ours.pendingCount ?? 0)
  return {
    failedTasks: ours.failedTasks ?? 0,
    vanished: Math.max(0, tasksStartedSince(service, since) - present)
  }
}

/**
 * Stopped tasks cost two API calls to read, so they are read only when the free signals in the
 * DescribeServices answer say a task of ours has stopped since the previous poll. Pure.
 */
export function shouldLookAtStoppedTasks(previous: TaskSignals, now: TaskSignals): boolean {
  return now.failedTasks > previous.failedTasks || now.vanished > previous.vanished
}

/** A deployment ECS is still working on: more than one, or the PRIMARY not settled. Pure. */
export function deploymentInFlight(service: Service): Deployment | undefined {
  const deployments = service.deployments ?? []
  const primary = deployments.find(d => d.status === 'PRIMARY')
  if (deployments.length > 1 || primary?.rolloutState === 'IN_PROGRESS') return primary
  return undefined
}
