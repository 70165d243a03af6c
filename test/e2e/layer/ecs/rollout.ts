// How a service's deployments move, one small change a tick, like ECS's rolling update
// (minimum healthy 100%, maximum 200%): launch the new tasks, see them start one by one, stop
// the old deployment's tasks, mark the deployment COMPLETED. A scripted outcome bends this:
// tasks that crash, a circuit breaker that fails and rolls back, a rollout that never ends.
// BLUE_GREEN, LINEAR and CANARY services walk ECS's stages instead (blue-green.ts).
import { randomUUID } from 'node:crypto'
import type { ContainerDefinition, Task } from '@aws-sdk/client-ecs'
import { afterSteady } from './after-steady.js'
import type { TargetGroupTraffic } from './load-balancer.js'
import { blueGreenStep } from './blue-green.js'
import { drainsSlowly, earlySuccessDue, succeedEarly } from './early-success.js'
import {
  isLive,
  newDeployment,
  newTask,
  serviceRevisionArn,
  taskId,
  tasksOf,
  type SimDeployment,
  type SimService
} from './model.js'
import { canShiftBack, redeployRollback, rollbackTakenOn, type Moves } from './rollback.js'
import { troubleStep } from './trouble.js'

/** The world outside the model: time, the registry, CloudWatch Logs and metrics, moto's service record. */
export interface RolloutEffects {
  now(): Date
  /** The digest `image` runs as, or why it cannot be pulled. */
  resolveDigest(image: string): Promise<{ digest: string } | { error: string }>
  /** Writes the container's lines to its awslogs stream (its awslogs-region, else `region`). */
  writeLogs(
    region: string,
    task: Task,
    container: ContainerDefinition,
    lines: string[]
  ): Promise<void>
  /** Keeps moto's record of the service's task definition in step with ours. */
  setServiceTaskDefinition(service: SimService, taskDefinitionArn: string): Promise<void>
  /** Writes what the target groups took to CloudWatch, as the load balancer does. */
  writeTraffic(region: string, traffic: TargetGroupTraffic[]): Promise<void>
}

const RUNNING_LOG = [
  'INFO  Starting babyshield-backend on port 8000',
  'INFO  Application ready: listening on 0.0.0.0:8000'
]
const SIDECAR_LOG = ['INFO  Everything is ready. Begin running and processing data.']
const CRASH_LOG = [
  'INFO  Starting babyshield-backend on port 8000',
  'INFO  Loading configuration for APP_ENV=production',
  'ERROR Could not connect to the database: connection refused (db.babyshield.internal:5432)',
  'ERROR Startup failed; exiting with status 1'
]
/**
 * Failed tasks before the scripted circuit breaker trips. ECS's own minimum is 3 and it takes
 * minutes; here it trips with the first batch of failures, so that the breaker, not a watcher
 * that gives up after a few stopped tasks, decides how the story ends.
 */
const DEFAULT_FAILURE_THRESHOLD = 2
/** Failed tasks after which ECS says it is "unable to consistently start tasks". */
const UNABLE_TO_START_AFTER = 3

export function say(service: SimService, message: string, now: Date): void {
  service.events.unshift({
    id: randomUUID(),
    createdAt: now,
    message: `(service ${service.name}) ${message}`
  })
  service.events.splice(100)
}

const taskList = (tasks: Task[]): string => tasks.map(t => `(task ${taskId(t)})`).join(' ')

function definitionOf(
  deployment: SimDeployment,
  name: string | undefined
): ContainerDefinition | undefined {
  return deployment.taskDefinition.containerDefinitions?.find(c => c.name === name)
}

/** The container that exits in a crash: scripted, else the app (its image in ECR), else the first essential. */
function crashingContainer(deployment: SimDeployment): string | undefined {
  const containers = deployment.taskDefinition.containerDefinitions ?? []
  const essential = containers.filter(c => c.essential !== false)
  return (
    deployment.script.container ??
    essential.find(c => c.image?.includes('.dkr.ecr.'))?.name ??
    essential[0]?.name ??
    containers[0]?.name
  )
}

export function launch(
  service: SimService,
  deployment: SimDeployment,
  count: number,
  now: Date
): void {
  const tasks = Array.from({ length: count }, () => newTask(service, deployment, now))
  for (const task of tasks) task.lastStatus = 'PENDING'
  service.tasks.push(...tasks)
  say(service, `has started ${count} tasks: ${taskList(tasks)}.`, now)
}

export function stopTask(
  task: Task,
  now: Date,
  stop: { stopCode: Task['stopCode']; stoppedReason: string; exitCodes?: Record<string, number> },
  reasons: Record<string, string> = {}
): void {
  task.desiredStatus = 'STOPPED'
  task.lastStatus = 'STOPPED'
  task.stopCode = stop.stopCode
  task.stoppedReason = stop.stoppedReason
  task.stoppingAt = now
  task.executionStoppedAt = now
  task.stoppedAt = now
  task.version = (task.version ?? 0) + 1
  for (const container of task.containers ?? []) {
    const wasRunning = container.lastStatus === 'RUNNING'
    container.lastStatus = 'STOPPED'
    const exitCode = stop.exitCodes?.[container.name ?? ''] ?? (wasRunning ? 0 : undefined)
    if (exitCode !== undefined) container.exitCode = exitCode
    const reason = reasons[container.name ?? '']
    if (reason) container.reason = reason
    if (container.healthStatus) container.healthStatus = 'UNKNOWN'
  }
}

/**
 * PENDING → RUNNING: the images are pulled (their digests recorded on the containers) and the
 * containers log their start. An image that cannot be pulled fails the task as ECS does.
 */
export async function startTask(
  service: SimService,
  deployment: SimDeployment,
  task: Task,
  fx: RolloutEffects,
  logStart: boolean
): Promise<boolean> {
  const now = fx.now()
  task.pullStartedAt = now
  for (const container of task.containers ?? []) {
    const pulled = await fx.resolveDigest(container.image ?? '')
    if ('error' in pulled) {
      stopTask(task, now, {
        stopCode: 'TaskFailedToStart',
        stoppedReason: `CannotPullContainerError: pull image manifest has been retried 5 time(s): ${pulled.error}`
      })
      deployment.deployment.failedTasks = (deployment.deployment.failedTasks ?? 0) + 1
      return false
    }
    container.imageDigest = pulled.digest
  }
  task.pullStoppedAt = now
  task.startedAt = now
  task.lastStatus = 'RUNNING'
  task.healthStatus = 'HEALTHY'
  task.version = (task.version ?? 0) + 1
  for (const container of task.containers ?? []) {
    container.lastStatus = 'RUNNING'
    container.runtimeId = `${taskId(task)}-${Math.floor(Math.random() * 1e10)}`
    if (container.healthStatus) container.healthStatus = 'HEALTHY'
    const definition = definitionOf(deployment, container.name)
    if (!definition || !logStart) continue
    const isApp = container.name === crashingContainer(deployment)
    const lines = isApp ? [...RUNNING_LOG] : [...SIDECAR_LOG]
    if (isApp && deployment.script.errorLogLine) lines.push(deployment.script.errorLogLine)
    await fx.writeLogs(service.region, task, definition, lines)
  }
  return true
}

async function crash(
  service: SimService,
  deployment: SimDeployment,
  task: Task,
  fx: RolloutEffects
): Promise<void> {
  const name = crashingContainer(deployment) ?? ''
  const script = deployment.script
  const exitCode = script.exitCode ?? 1
  const reason = script.containerReason ?? `Process exited with status ${exitCode}`
  // The container writes its last lines before it exits, so they are in CloudWatch by the
  // time anyone can see the task STOPPED (the API answers while this step awaits).
  const definition = definitionOf(deployment, name)
  if (definition) await fx.writeLogs(service.region, task, definition, script.logLines ?? CRASH_LOG)
  stopTask(
    task,
    fx.now(),
    {
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      exitCodes: { [name]: exitCode }
    },
    reason ? { [name]: reason } : {}
  )
  deployment.deployment.failedTasks = (deployment.deployment.failedTasks ?? 0) + 1
}

/** Stops every task of the deployments that are no longer PRIMARY and forgets those deployments. */
export function drainOldDeployments(service: SimService, primary: SimDeployment, now: Date): void {
  const old = new Set(service.deployments.slice(1).map(d => d.deployment.id))
  const draining = service.tasks.filter(t => isLive(t) && old.has(t.startedBy ?? ''))
  for (const task of draining) {
    stopTask(task, now, {
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: `Scaling activity initiated by (deployment ${primary.deployment.id})`
    })
  }
  if (draining.length > 0)
    say(service, `has stopped ${draining.length} running tasks: ${taskList(draining)}.`, now)
  service.deployments = [primary]
}

/** Stops one task of the deployments that are no longer PRIMARY; forgets them once none runs. */
function drainOneOldTask(service: SimService, primary: SimDeployment, now: Date): void {
  const old = new Set(service.deployments.slice(1).map(d => d.deployment.id))
  const [task, ...rest] = service.tasks.filter(t => isLive(t) && old.has(t.startedBy ?? ''))
  if (task) {
    stopTask(task, now, {
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: `Scaling activity initiated by (deployment ${primary.deployment.id})`
    })
    say(service, `has stopped 1 running tasks: ${taskList([task])}.`, now)
  }
  if (rest.length === 0) service.deployments = [primary]
}

export function complete(service: SimService, primary: SimDeployment, now: Date): void {
  const id = primary.deployment.id
  primary.deployment.rolloutState = 'COMPLETED'
  primary.deployment.rolloutStateReason = `ECS deployment ${id} completed.`
  // A rollback deployment completes its failed one's service deployment as rolled back.
  const serviceDeployment = primary.serviceDeployment
  const rolledBack = serviceDeployment.targetDeploymentId !== id
  serviceDeployment.status = rolledBack ? 'ROLLBACK_SUCCESSFUL' : 'SUCCESSFUL'
  delete serviceDeployment.lifecycleStage
  serviceDeployment.finishedAt = now
  serviceDeployment.updatedAt = now
  service.lastCompleted = { id, taskDefinition: primary.taskDefinition }
  service.saidUnableToStart = false
  say(service, `(deployment ${id}) deployment completed.`, now)
  say(service, 'has reached a steady state.', now)
}

/** The breaker fails the deployment and, like ECS with rollback on, redeploys the last completed one. */
async function tripCircuitBreaker(
  service: SimService,
  failed: SimDeployment,
  fx: RolloutEffects
): Promise<void> {
  const now = fx.now()
  failed.deployment.rolloutState = 'FAILED'
  failed.deployment.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.'
  say(
    service,
    `(deployment ${failed.deployment.id}) deployment failed: tasks failed to start.`,
    now
  )
  const target = service.lastCompleted
  if (!target) return
  failed.deployment.status = 'ACTIVE'
  const serviceDeployment = failed.serviceDeployment
  serviceDeployment.status = 'ROLLBACK_IN_PROGRESS'
  serviceDeployment.updatedAt = now
  serviceDeployment.statusReason = 'ECS deployment circuit breaker: tasks failed to start.'
  serviceDeployment.rollback = {
    reason: 'ECS deployment circuit breaker: tasks failed to start.',
    startedAt: now,
    serviceRevisionArn: serviceRevisionArn(service, target.id)
  }
  const rollback = newDeployment(service, target.taskDefinition, { outcome: 'success' }, now, {
    reason: `ECS deployment circuit breaker: rolling back to deploymentId ${target.id}.`,
    serviceDeployment
  })
  service.deployments.unshift(rollback)
  say(service, `(deployment ${failed.deployment.id}) rolling back to deployment ${target.id}.`, now)
  await fx.setServiceTaskDefinition(service, rollback.deployment.taskDefinition)
}

async function failingStep(
  service: SimService,
  primary: SimDeployment,
  fx: RolloutEffects
): Promise<boolean> {
  const { deployment, script } = primary
  if (deployment.rolloutState !== 'IN_PROGRESS') return false
  const breakerTrips = (): boolean =>
    script.outcome === 'circuit-breaker' &&
    (deployment.failedTasks ?? 0) >= (script.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD)
  if (breakerTrips()) {
    await tripCircuitBreaker(service, primary, fx)
    return true
  }
  const live = tasksOf(service, primary).filter(isLive)
  const running = live.filter(t => t.lastStatus === 'RUNNING')
  if (running.length > 0) {
    for (const task of running) await crash(service, primary, task, fx)
    // The breaker acts on the failure that reaches its threshold, not a step later.
    if (breakerTrips()) {
      await tripCircuitBreaker(service, primary, fx)
    } else if (
      !service.saidUnableToStart &&
      (deployment.failedTasks ?? 0) >= UNABLE_TO_START_AFTER
    ) {
      service.saidUnableToStart = true
      say(
        service,
        'is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.',
        fx.now()
      )
    }
    return true
  }
  if (live.length > 0) {
    for (const task of live) await startTask(service, primary, task, fx, false)
    return true
  }
  launch(service, primary, deployment.desiredCount ?? service.desiredCount, fx.now())
  return true
}

async function healthyStep(
  service: SimService,
  primary: SimDeployment,
  fx: RolloutEffects
): Promise<boolean> {
  const now = fx.now()
  const desired = primary.deployment.desiredCount ?? 0
  const live = tasksOf(service, primary).filter(isLive)
  if (live.length < desired) {
    launch(service, primary, desired - live.length, now)
    return true
  }
  if (live.length > desired) {
    const extra = live.slice(desired)
    for (const task of extra) {
      stopTask(task, now, {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity initiated by (service)'
      })
    }
    say(service, `has stopped ${extra.length} running tasks: ${taskList(extra)}.`, now)
    return true
  }
  const early = earlySuccessDue(service, primary)
  if (early === 'drain-first') {
    drainOldDeployments(service, primary, now)
    return true
  }
  if (early === 'succeed') {
    succeedEarly(service, primary, now, say)
    return true
  }
  const pending = live.filter(t => t.lastStatus !== 'RUNNING')
  if (pending.length > 0) {
    // A stuck rollout keeps at least one task PENDING for ever.
    if (primary.script.outcome === 'stuck' && pending.length === 1) return false
    await startTask(service, primary, pending[0]!, fx, true)
    return true
  }
  if (service.deployments.length > 1) {
    if (drainsSlowly(primary)) drainOneOldTask(service, primary, now)
    else drainOldDeployments(service, primary, now)
    return true
  }
  if (primary.deployment.rolloutState === 'IN_PROGRESS') {
    complete(service, primary, now)
    return true
  }
  if (primary.steadyPending) {
    primary.steadyPending = false
    say(service, 'has reached a steady state.', now)
    return true
  }
  await afterSteady(service, primary, fx, d => definitionOf(d, crashingContainer(d)))
  return false
}

const MOVES: Moves = { launch, startTask, drainOldDeployments, complete, say }

/** Moves the service one step on; false when there was nothing to do. */
export async function step(service: SimService, fx: RolloutEffects): Promise<boolean> {
  const primary = service.deployments[0]
  if (!primary) return false
  const outcome = primary.script.outcome
  const sd = primary.serviceDeployment
  const walks = sd.strategy !== 'ROLLING' && sd.targetDeploymentId === primary.deployment.id
  let changed: boolean
  if (sd.status === 'ROLLBACK_REQUESTED' && !canShiftBack(service, primary)) {
    changed = rollbackTakenOn(sd) ? await redeployRollback(service, primary, fx, MOVES) : true
  } else if (outcome === 'crashloop' || outcome === 'circuit-breaker') {
    changed = await failingStep(service, primary, fx)
  } else if (walks) {
    changed = await blueGreenStep(service, primary, fx, MOVES)
    await troubleStep(service, primary, fx, d => definitionOf(d, crashingContainer(d)))
  } else {
    changed = await healthyStep(service, primary, fx)
  }
  if (changed) primary.deployment.updatedAt = fx.now()
  return changed
}
