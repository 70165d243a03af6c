// Watching a deployment: the polling loop around the pure classification of each answer. Time
// comes from the injectable clock, so tests play minutes in milliseconds.
import * as core from '@actions/core'
import type { Service, Task } from '@aws-sdk/client-ecs'
import { transientProblem } from '../aws/clients.js'
import type { Deps } from '../deps.js'
import type { RolloutPolicy } from '../inputs/policy.js'
import { errorText } from '../errors.js'
import { noteOn, type TimelineEntry } from '../result.js'
import { shortArn, taskId } from '../names.js'
import {
  classify,
  FAILED_TASKS_LIMIT,
  shouldLookAtStoppedTasks,
  taskSignals,
  type Observation,
  type TaskSignals,
  type Watch
} from './classify.js'
import { failingTasks, failureSummary, StoppedTaskReader, taskFailure } from './stopped-tasks.js'

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

export type Poll = { service: Service } | { problem: 'throttled' | 'unavailable'; error: unknown }

/** One DescribeServices; throttling and outages come back as a value, anything else throws. */
export async function poll(deps: Pick<Deps, 'ecs'>, service: string): Promise<Poll> {
  try {
    return { service: await deps.ecs.service(service) }
  } catch (error) {
    const problem = transientProblem(error)
    if (!problem) throw error
    return { problem, error }
  }
}

/** Writes a progress line to the log and the result's timeline. */
export function report(
  deps: Pick<Deps, 'clock'>,
  timeline: TimelineEntry[],
  line: string,
  elapsedMs: number
): void {
  core.info(`${line}  [${clockTime(elapsedMs)}]`)
  noteOn({ timeline }, deps.clock, line)
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

/**
 * Watches a deployment this step started, on its way out (`previousRevision` given: the revision
 * the service ran before) or back (the rollback after a failure). When ECS cannot be asked, throws
 * a message that says where the service stands.
 */
export async function watchStarted(
  deps: Pick<Deps, 'ecs' | 'clock'>,
  policy: Pick<RolloutPolicy, 'timeoutMs' | 'pollMs'>,
  timeline: TimelineEntry[],
  watching: Omit<WatchRequest, 'timeoutMs' | 'pollMs'>
): Promise<Watched> {
  try {
    return await watchRollout(
      deps,
      { ...watching, timeoutMs: policy.timeoutMs, pollMs: policy.pollMs },
      timeline
    )
  } catch (error) {
    const { deploymentId, revision, previousRevision } = watching
    const where = previousRevision
      ? `the rollout of ${shortArn(revision)} (deployment ${deploymentId}): ${errorText(error)}. The rollout was started and may still be in progress; the service ran ${shortArn(previousRevision)} before this step.`
      : `the rollback to ${shortArn(revision)} (deployment ${deploymentId}): ${errorText(error)}. The service is pointed at ${shortArn(revision)}.`
    throw new Error(`Could not watch ${where}`, { cause: error })
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

export function minutes(ms: number): string {
  const value = ms / 60_000
  return `${value} minute${value === 1 ? '' : 's'}`
}
