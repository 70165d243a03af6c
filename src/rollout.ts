// Watching a deployment: a pure classification of each DescribeServices answer, and the
// polling loop around it. Time comes from the injectable clock, so tests play minutes in
// milliseconds.
import * as core from '@actions/core'
import type { Deployment, Service, Task } from '@aws-sdk/client-ecs'
import type { Deps } from './deps.js'
import {
  errorText,
  failingTasks,
  failureSummary,
  StoppedTaskReader,
  taskFailure
} from './diagnostics.js'
import type { Inputs } from './inputs.js'
import type { RunResult, TimelineEntry } from './result.js'
import { NothingChangedError } from './unchanged.js'
import { shortArn, taskId } from './verification.js'

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
function progressOf(deployment: Deployment, all: Deployment[]): string {
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

/** A poll that failed in a way worth waiting out, or undefined when the failure is final. Pure. */
export function transientProblem(error: unknown): 'throttled' | 'unavailable' | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const fault = e as {
      name?: unknown
      code?: unknown
      $retryable?: { throttling?: boolean }
      $metadata?: { httpStatusCode?: number }
      cause?: unknown
    }
    const name = typeof fault.name === 'string' ? fault.name : ''
    const code = typeof fault.code === 'string' ? fault.code : ''
    if (THROTTLING.has(name) || THROTTLING.has(code) || fault.$retryable?.throttling) {
      return 'throttled'
    }
    const status = fault.$metadata?.httpStatusCode ?? 0
    if (status >= 500 || UNAVAILABLE.has(name) || UNAVAILABLE.has(code)) return 'unavailable'
    e = fault.cause
  }
  return undefined
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException'
])
const UNAVAILABLE = new Set([
  'ServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN'
])

export interface WatchRequest extends Watch {
  service: string
  /** The revision our deployment runs; stopped tasks of it are ours. */
  revision: string
  timeoutMs: number
  pollMs: number
  /** First word of each progress line: `rollout`, `rollback`, … */
  label: string
}

export type RolloutOutcome =
  | { kind: 'completed' }
  | { kind: 'failed'; reason: string }
  | { kind: 'tasks-failing'; reason: string }
  | { kind: 'ecs-rolled-back'; reason: string; deploymentId: string; revision: string }
  | {
      kind: 'replaced'
      reason: string
      deploymentId: string | undefined
      revision: string | undefined
    }
  | { kind: 'timeout'; reason: string }

export interface Watched {
  outcome: RolloutOutcome
  /** The last DescribeServices answer, when there was one. */
  service: Service | undefined
  /** Clock time the watch began. */
  startedAt: number
  polls: number
  /** Polls that ECS throttled or could not answer, waited out. */
  transientFailures: number
  /** Stopped tasks of our deployment read while watching, newest first. */
  stoppedTasks: Task[]
  /** The reader, so an explanation re-reads only what is new. */
  reader: StoppedTaskReader
}

type Poll = { service: Service } | { problem: 'throttled' | 'unavailable'; error: unknown }

/** One DescribeServices; throttling and outages come back as a value, anything else throws. */
async function poll(deps: Pick<Deps, 'ecs'>, service: string): Promise<Poll> {
  try {
    return { service: await deps.ecs.service(service) }
  } catch (error) {
    const problem = transientProblem(error)
    if (!problem) throw error
    return { problem, error }
  }
}

/** Writes a progress line to the log and the result's timeline. */
function report(
  deps: Pick<Deps, 'clock'>,
  timeline: TimelineEntry[],
  line: string,
  elapsedMs: number
): void {
  core.info(`${line}  [${clockTime(elapsedMs)}]`)
  timeline.push({ at: new Date(deps.clock.now()).toISOString(), message: line })
}

/** `2:05` for 125 000 ms. */
export function clockTime(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

/**
 * Polls every pollMs (no backoff) until our deployment completes, fails, keeps losing tasks,
 * is rolled back or replaced, or time runs out. Throttled polls are counted and waited out;
 * other errors throw.
 */
export async function watchRollout(
  deps: Pick<Deps, 'ecs' | 'clock'>,
  request: WatchRequest,
  timeline: TimelineEntry[],
  reader: StoppedTaskReader = new StoppedTaskReader()
): Promise<Watched> {
  const startedAt = deps.clock.now()
  const watched: Watched = {
    outcome: { kind: 'timeout', reason: '' },
    service: undefined,
    startedAt,
    polls: 0,
    transientFailures: 0,
    stoppedTasks: [],
    reader
  }
  let last = ''
  let previous: TaskSignals = { failedTasks: 0, vanished: 0 }
  const reported = new Set<string>()

  for (;;) {
    const answer = await poll(deps, request.service)
    watched.polls += 1
    const elapsed = deps.clock.now() - startedAt
    if ('problem' in answer) {
      watched.transientFailures += 1
      core.info(
        `${request.label} poll ${answer.problem === 'throttled' ? 'throttled by ECS' : 'not answered by ECS'} (${errorText(answer.error)}); ${watched.transientFailures} so far, still watching  [${clockTime(elapsed)}]`
      )
    } else {
      watched.service = answer.service
      const observation = classify(answer.service, request)
      if (observation.progress !== last) {
        last = observation.progress
        report(deps, timeline, `${request.label} ${observation.progress}`, elapsed)
      }
      if (observation.kind !== 'in-progress') {
        watched.outcome = outcomeOf(observation)
        return watched
      }

      const signals = taskSignals(answer.service, request.deploymentId)
      const look = shouldLookAtStoppedTasks(previous, signals)
      previous = signals
      if (look) {
        const failing = await lookAtStoppedTasks(deps, request, answer.service, watched, reported)
        if (failing.length >= FAILED_TASKS_LIMIT) {
          watched.outcome = {
            kind: 'tasks-failing',
            reason: failureSummary(failing, request.deploymentId)
          }
          return watched
        }
      }
    }

    if (elapsed >= request.timeoutMs) {
      const throttled =
        watched.transientFailures > 0
          ? `; ${watched.transientFailures} of ${watched.polls} polls were throttled or not answered`
          : ''
      watched.outcome = {
        kind: 'timeout',
        reason: `it did not finish within ${minutes(request.timeoutMs)} (last seen: ${last || 'no answer from ECS'}${throttled})`
      }
      return watched
    }
    await deps.clock.sleep(Math.min(request.pollMs, request.timeoutMs - elapsed))
  }
}

/** Reads the stopped tasks of our deployment, reports new ones, and returns the failing ones. */
async function lookAtStoppedTasks(
  deps: Pick<Deps, 'ecs' | 'clock'>,
  request: WatchRequest,
  service: Service,
  watched: Watched,
  reported: Set<string>
): Promise<Task[]> {
  const ours = service.deployments?.find(d => d.id === request.deploymentId)
  try {
    watched.stoppedTasks = await watched.reader.read(deps, {
      service: request.service,
      deploymentId: request.deploymentId,
      revision: request.revision,
      since: ours?.createdAt?.getTime() ?? watched.startedAt
    })
  } catch (error) {
    // The next look, or the explanation of a failure, reads them again.
    core.info(`Could not read the stopped tasks of ${request.service}: ${errorText(error)}`)
    return failingTasks(watched.stoppedTasks)
  }
  const failing = failingTasks(watched.stoppedTasks)
  for (const task of [...failing].reverse()) {
    if (reported.has(task.taskArn ?? '')) continue
    reported.add(task.taskArn ?? '')
    core.info(
      `${request.label} task ${taskId(task.taskArn)} stopped: ${taskFailure(task) ?? 'no reason given'} (failed task ${reported.size}; the rollout fails at ${FAILED_TASKS_LIMIT})`
    )
  }
  return failing
}

function outcomeOf(observation: Exclude<Observation, { kind: 'in-progress' }>): RolloutOutcome {
  switch (observation.kind) {
    case 'completed':
      return { kind: 'completed' }
    case 'failed':
    case 'tasks-failing':
      return { kind: observation.kind, reason: observation.reason }
    case 'ecs-rolled-back':
      return {
        kind: 'ecs-rolled-back',
        reason: observation.reason,
        deploymentId: observation.deploymentId,
        revision: observation.revision
      }
    case 'replaced':
      return {
        kind: 'replaced',
        reason: observation.reason,
        deploymentId: observation.deploymentId,
        revision: observation.revision
      }
  }
}

function minutes(ms: number): string {
  const value = ms / 60_000
  return `${value} minute${value === 1 ? '' : 's'}`
}

/** A deployment ECS is still working on: more than one, or the PRIMARY not settled. Pure. */
export function deploymentInFlight(service: Service): Deployment | undefined {
  const deployments = service.deployments ?? []
  const primary = deployments.find(d => d.status === 'PRIMARY')
  if (deployments.length > 1 || primary?.rolloutState === 'IN_PROGRESS') return primary
  return undefined
}

/**
 * A deployment already in progress is not stacked on: waits (within timeout-minutes) until the
 * service has one settled deployment, saying so. Throws when it does not settle, or settles
 * somewhere other than the revision the deploy was planned from.
 */
export async function settleBeforeDeploy(
  inputs: Pick<Inputs, 'service' | 'timeoutMinutes' | 'pollSeconds'>,
  deps: Pick<Deps, 'ecs' | 'clock'>,
  result: Pick<RunResult, 'timeline'>,
  plannedFrom: string
): Promise<void> {
  const first = await deps.ecs.service(inputs.service)
  const busy = deploymentInFlight(first)
  if (!busy) {
    const primary = first.deployments?.find(d => d.status === 'PRIMARY')
    if (primary?.rolloutState === 'FAILED') {
      core.warning(
        `The current deployment of ${inputs.service} (${primary.id ?? '?'}, ${shortArn(primary.taskDefinition)}) is FAILED: ${primary.rolloutStateReason ?? 'no reason given'}. Deploying over it.`
      )
    }
    return
  }

  const timeoutMs = inputs.timeoutMinutes * 60_000
  await core.group('Wait for the deployment in progress to settle', async () => {
    core.info(
      `A deployment is already in progress on ${inputs.service}: ${busy.id ?? '?'} → ${shortArn(busy.taskDefinition)}, ${progressOf(busy, first.deployments ?? [])}. Waiting for it to settle before deploying (up to ${minutes(timeoutMs)}).`
    )
    const startedAt = deps.clock.now()
    let last = ''
    let service = first
    for (;;) {
      const settling = deploymentInFlight(service)
      const primary = service.deployments?.find(d => d.status === 'PRIMARY')
      const progress = primary ? progressOf(primary, service.deployments ?? []) : 'no deployment'
      const elapsed = deps.clock.now() - startedAt
      if (progress !== last) {
        last = progress
        report(deps, result.timeline, `in progress ${progress}`, elapsed)
      }
      if (!settling) {
        settled(inputs.service, service, plannedFrom)
        return
      }
      if (elapsed >= timeoutMs) {
        throw new NothingChangedError(
          `A deployment already in progress on ${inputs.service} (${settling.id ?? '?'} → ${shortArn(settling.taskDefinition)}) did not settle within ${minutes(timeoutMs)} (last seen: ${progress}): nothing was deployed; this step left the service unchanged`
        )
      }
      await deps.clock.sleep(Math.min(inputs.pollSeconds * 1000, timeoutMs - elapsed))
      const answer = await poll(deps, inputs.service)
      if ('problem' in answer) {
        core.info(`poll ${answer.problem} (${errorText(answer.error)}); still waiting`)
      } else {
        service = answer.service
      }
    }
  })
}

/** After waiting: the deploy goes ahead only from the revision it was planned from. */
function settled(name: string, service: Service, plannedFrom: string): void {
  const primary = service.deployments?.find(d => d.status === 'PRIMARY')
  const now = primary?.taskDefinition ?? service.taskDefinition
  if (now !== plannedFrom) {
    throw new NothingChangedError(
      `While this step waited, the deployment in progress on ${name} settled on ${shortArn(now)}, not on ${shortArn(plannedFrom)} that this deploy was planned from: nothing was deployed; run the step again`
    )
  }
  if (primary?.rolloutState === 'FAILED') {
    throw new NothingChangedError(
      `The deployment in progress on ${name} ended FAILED on ${shortArn(now)} (${primary.rolloutStateReason ?? 'no reason given'}): nothing was deployed; roll back with mode: rollback, or run the step again to deploy over it`
    )
  }
  core.info(`The deployment in progress settled on ${shortArn(now)}; deploying.`)
}
