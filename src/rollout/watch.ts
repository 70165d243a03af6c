// Watching a deployment: the polling loop around the pure classification of each answer. Time
// comes from the injectable clock, so tests play minutes in milliseconds.
import * as core from '@actions/core'
import type { Service, ServiceDeployment, Task } from '@aws-sdk/client-ecs'
import { transientProblem } from '../aws/clients.js'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import type { Journal } from '../model/journal.js'
import type { Move } from '../model/move.js'
import { shortArn, taskId } from '../model/names.js'

export { labelOf, type Way, type Watching } from './request.js'
import {
  FAILED_TASKS_LIMIT,
  shouldLookAtStoppedTasks,
  taskSignals,
  type Observation,
  type TaskSignals
} from './classify.js'
import { observe, pollServiceDeployments, type Following } from './observe.js'
import { requestOf, type WatchRequest, type Watching } from './request.js'
import { failingTasks, failureSummary, StoppedTaskReader, taskFailure } from './stopped-tasks.js'

/** How a watch of one or several moves runs. */
export interface WatchOptions {
  timeoutMs: number
  pollMs: number
  until: WatchUntil
  /** Several services are watched: each progress line names its service. */
  many: boolean
  journal: Pick<Journal, 'note'>
  /**
   * Asked after every poll with what each move still watched looks like; a move it names is
   * finished with the outcome given (a regression found while ECS shifts its traffic).
   */
  during?: (seen: Seen[]) => Promise<{ service: string; outcome: RolloutOutcome }[]>
}

/** A move still watched after a poll, and what the poll saw of it. */
export interface Seen {
  move: Move
  service: Service | undefined
  serviceDeployment: ServiceDeployment | undefined
}

/** What classify concluded, once the rollout is no longer in progress. */
type Verdict = Exclude<Observation, { kind: 'in-progress' }>
type WithoutProgress<T> = T extends unknown ? Omit<T, 'progress'> : never

/** How a watch ended: classify's verdict without its progress line, or the watch's own end. */
export type RolloutOutcome =
  | WithoutProgress<Verdict>
  | { kind: 'timeout'; reason: string }
  /** Still rolling out when a watch of several ended at another's failure. */
  | { kind: 'unfinished'; reason: string }
  /** Judged while it rolled out (during ECS's traffic shift), and it regressed. */
  | { kind: 'regressed'; reason: string }
  /** It completed, but the checks of what runs failed (their names and details). */
  | { kind: 'unverified'; reason: string }

export interface Watched {
  outcome: RolloutOutcome
  /** The last DescribeServices answer, when there was one. */
  service: Service | undefined
  /** The last answer about its service deployment, when it was followed. */
  serviceDeployment?: ServiceDeployment
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
  const [answer] = await pollAll(deps, [service])
  if (!answer) throw new Error(`ECS did not answer for service ${service}`)
  return answer
}

/** The services in one DescribeServices call a ten; throttling comes back as a value for each. */
async function pollAll(deps: Pick<Deps, 'ecs'>, services: string[]): Promise<Poll[]> {
  try {
    return (await deps.ecs.services(services)).map(service => ({ service }))
  } catch (error) {
    const problem = transientProblem(error)
    if (!problem) throw error
    return services.map(() => ({ problem, error }))
  }
}

/** Writes a progress line to the log and the service's timeline. */
export function report(
  journal: Pick<Journal, 'note'>,
  service: string,
  line: string,
  elapsedMs: number
): void {
  core.info(`${line}  [${clockTime(elapsedMs)}]`)
  journal.note(service, line)
}

/** `2:05` for 125 000 ms. */
export function clockTime(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

/**
 * When a watch of several deployments ends: at the first that fails (a rollout of several
 * services is one unit, so the others need not be waited for), or once every one has finished.
 */
export type WatchUntil = 'first-failure' | 'all-finished'

/** Where one deployment of a watch stands between polls. */
interface Progress {
  move: Move
  request: WatchRequest
  watched: Watched
  finished: boolean
  last: string
  previous: TaskSignals
  reported: Set<string>
  following: Following | undefined
}

/**
 * Watches moves together, one DescribeServices call a poll for up to ten services. Each is polled
 * every pollMs (no backoff) until its deployment completes, fails, keeps losing tasks, is rolled
 * back or replaced, or time runs out; with `first-failure`, the watch ends at the first that fails
 * and the others are `unfinished`. Throttled polls are counted and waited out; other errors throw.
 */
export async function watchRollouts(
  deps: Pick<Deps, 'ecs' | 'clock'>,
  watches: Watching[],
  options: WatchOptions
): Promise<Watched[]> {
  const startedAt = deps.clock.now()
  const all: Progress[] = watches.map(watch => {
    const request = requestOf(watch, { ...options, since: startedAt })
    return {
      move: watch.move,
      request,
      watched: {
        outcome: { kind: 'unfinished', reason: '' },
        service: undefined,
        startedAt,
        polls: 0,
        transientFailures: 0,
        stoppedTasks: [],
        reader: new StoppedTaskReader()
      },
      finished: false,
      last: '',
      previous: { failedTasks: 0, vanished: 0 },
      reported: new Set<string>(),
      following: request.serviceDeployment
        ? { watch: { ...request.serviceDeployment }, usable: true }
        : undefined
    }
  })

  for (;;) {
    const open = all.filter(w => !w.finished)
    const answers = await pollAll(
      deps,
      open.map(w => w.request.service)
    )
    const polled = await pollServiceDeployments(
      deps,
      open.flatMap(w =>
        w.following ? [{ service: w.request.service, following: w.following }] : []
      )
    )
    const elapsed = deps.clock.now() - startedAt
    for (const [i, progress] of open.entries()) {
      const answer = answers[i]
      const arn = progress.following?.watch.arn
      const followed = arn ? polled.get(arn) : undefined
      if (followed) progress.watched.serviceDeployment = followed
      if (answer) await judge(deps, options.journal, progress, answer, polled, elapsed)
    }
    if (options.during) await interrupt(open, options.during)
    const failed = all.some(w => w.finished && w.watched.outcome.kind !== 'completed')
    if (all.every(w => w.finished) || (options.until === 'first-failure' && failed)) break

    const waits = all.filter(w => !w.finished).map(w => w.request.timeoutMs - elapsed)
    await deps.clock.sleep(Math.min(options.pollMs, ...waits))
  }
  for (const progress of all.filter(w => !w.finished)) {
    progress.watched.outcome = {
      kind: 'unfinished',
      reason: `still rolling out (last seen: ${progress.last || 'no answer from ECS'})`
    }
  }
  return all.map(w => w.watched)
}

/** Judges one deployment's answer of a poll: its progress, its end, its stopped tasks, time. */
async function judge(
  deps: Pick<Deps, 'ecs' | 'clock'>,
  journal: Pick<Journal, 'note'>,
  watching: Progress,
  answer: Poll,
  polled: Map<string, ServiceDeployment>,
  elapsed: number
): Promise<void> {
  const { watched, request } = watching
  watched.polls += 1
  if ('problem' in answer) {
    watched.transientFailures += 1
    core.info(
      `${request.label} poll ${answer.problem === 'throttled' ? 'throttled by ECS' : 'not answered by ECS'} (${errorText(answer.error)}); ${watched.transientFailures} so far, still watching  [${clockTime(elapsed)}]`
    )
  } else {
    watched.service = answer.service
    const observation = await observe(deps, answer.service, request, watching.following, polled)
    if (observation.progress !== watching.last) {
      watching.last = observation.progress
      report(journal, request.service, `${request.label} ${observation.progress}`, elapsed)
    }
    if (observation.kind !== 'in-progress') {
      finish(watching, outcomeOf(observation))
      return
    }

    const signals = taskSignals(answer.service, request.deploymentId)
    const look = shouldLookAtStoppedTasks(watching.previous, signals)
    watching.previous = signals
    if (look) {
      const failing = await lookAtStoppedTasks(
        deps,
        request,
        answer.service,
        watched,
        watching.reported
      )
      if (failing.length >= FAILED_TASKS_LIMIT) {
        finish(watching, {
          kind: 'tasks-failing',
          reason: failureSummary(failing, request.deploymentId)
        })
        return
      }
    }
  }

  if (elapsed >= request.timeoutMs) {
    const throttled =
      watched.transientFailures > 0
        ? `; ${watched.transientFailures} of ${watched.polls} polls were throttled or not answered`
        : ''
    finish(watching, {
      kind: 'timeout',
      reason: `it did not finish within ${minutes(request.timeoutMs)} (last seen: ${watching.last || 'no answer from ECS'}${throttled})`
    })
  }
}

/** Asks `during` about the moves still watched; finishes those it names with its outcome. */
async function interrupt(open: Progress[], during: NonNullable<WatchOptions['during']>) {
  const still = open.filter(w => !w.finished)
  if (still.length === 0) return
  const seen = still.map(w => ({
    move: w.move,
    service: w.watched.service,
    serviceDeployment: w.watched.serviceDeployment
  }))
  for (const { service, outcome } of await during(seen)) {
    const progress = still.find(w => w.move.service === service)
    if (progress) finish(progress, outcome)
  }
}

function finish(watching: Progress, outcome: RolloutOutcome): void {
  watching.watched.outcome = outcome
  watching.finished = true
}

/**
 * Watches moves this step started, out or back. When ECS cannot be asked, throws a message that
 * says where the services stand.
 */
export async function watchStarted(
  deps: Pick<Deps, 'ecs' | 'clock'>,
  watches: Watching[],
  options: WatchOptions
): Promise<Watched[]> {
  try {
    return await watchRollouts(deps, watches, options)
  } catch (error) {
    const where = watches.map(({ move, way }) => {
      const revision = shortArn(move.to.taskDefinitionArn)
      return way === 'out'
        ? `the rollout of ${revision} (deployment ${move.deploymentId}): ${errorText(error)}. The rollout was started and may still be in progress; the service ran ${shortArn(move.from.taskDefinitionArn)} before this step.`
        : `the rollback to ${revision} (deployment ${move.deploymentId}): ${errorText(error)}. The service is pointed at ${revision}.`
    })
    const text =
      where.length === 1
        ? `Could not watch ${where[0] ?? ''}`
        : `Could not watch the deployments of ${watches.map(w => w.move.service).join(', ')}: ${watches.map(({ move }, i) => `${move.service}: ${where[i] ?? ''}`).join(' ')}`
    throw new Error(text, { cause: error })
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

function outcomeOf(verdict: Verdict): RolloutOutcome {
  const { progress: _progress, ...outcome } = verdict
  return outcome
}

export function minutes(ms: number): string {
  const value = ms / 60_000
  return `${value} minute${value === 1 ? '' : 's'}`
}
