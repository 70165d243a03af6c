// ECS's rollback of a service deployment, however asked for: StopServiceDeployment (ROLLBACK),
// ContinueServiceDeployment (ROLLBACK), a PAUSE hook's timeout action, an alarm during the bake.
// For a strategy that shifts traffic, the old revision still runs: the traffic goes back to it at
// once, the new tasks stop, and after a few steps the old deployment is PRIMARY again. A rolling
// deployment (or one whose old tasks are already gone) is rolled back by a new deployment of the
// last completed revision, as the circuit breaker does.
import type { Task } from '@aws-sdk/client-ecs'
import {
  isLive,
  newDeployment,
  serviceRevisionArn,
  tasksOf,
  type SimDeployment,
  type SimService,
  type SimServiceDeployment
} from './model.js'
import type { RolloutEffects } from './rollout.js'

/** The rolling update's own moves, lent to the traffic-shifting walk (rollout.ts owns them). */
export interface Moves {
  launch(service: SimService, deployment: SimDeployment, count: number, now: Date): void
  startTask(
    service: SimService,
    deployment: SimDeployment,
    task: Task,
    fx: RolloutEffects,
    logStart: boolean
  ): Promise<boolean>
  drainOldDeployments(service: SimService, primary: SimDeployment, now: Date): void
  complete(service: SimService, primary: SimDeployment, now: Date): void
  say(service: SimService, message: string, now: Date): void
}

/** Steps ECS's rollback stays ROLLBACK_IN_PROGRESS (traffic back, old tasks confirmed) before it ends. */
const ROLLBACK_STEPS = 4

/** Rollback is asked for: ROLLBACK_REQUESTED now, taken on at the service's next step. */
export function requestRollback(
  service: SimService,
  sd: SimServiceDeployment,
  reason: string,
  now: Date
): void {
  sd.status = 'ROLLBACK_REQUESTED'
  sd.statusReason = reason
  sd.updatedAt = now
  sd.rollback = {
    reason,
    startedAt: now,
    serviceRevisionArn: serviceRevisionArn(service, sd.sourceDeploymentIds[0] ?? '')
  }
}

/**
 * Whether ECS takes a requested rollback on at this step: a request stays ROLLBACK_REQUESTED for
 * the step after it (between one and two steps), long enough to be seen, as ECS's own takes a moment.
 */
export function rollbackTakenOn(sd: SimServiceDeployment): boolean {
  sd.rollbackRequestSteps = (sd.rollbackRequestSteps ?? 0) + 1
  return sd.rollbackRequestSteps >= 2
}

/** The old revision still runs beside the new one: the walk can send the traffic back to it. */
export function canShiftBack(service: SimService, primary: SimDeployment): boolean {
  const sd = primary.serviceDeployment
  return (
    sd.strategy !== 'ROLLING' &&
    sd.targetDeploymentId === primary.deployment.id &&
    service.deployments.length > 1
  )
}

/**
 * The traffic goes back to the old revision and the new tasks stop: ROLLBACK_IN_PROGRESS. The
 * stage stays where the deployment was stopped; `alarm` names the alarm that asked for it.
 */
export function shiftBack(
  service: SimService,
  primary: SimDeployment,
  now: Date,
  moves: Moves,
  why: { reason?: string; alarm?: string } = {}
): boolean {
  const sd = primary.serviceDeployment
  const reason = why.reason ?? sd.statusReason ?? 'Rolling back to the source revision.'
  if (sd.status !== 'ROLLBACK_REQUESTED') requestRollback(service, sd, reason, now)
  sd.status = 'ROLLBACK_IN_PROGRESS'
  sd.productionWeight = 0
  sd.testWeight = 0
  delete sd.stepBakeEndsAt
  if (why.alarm) {
    sd.alarms = { status: 'TRIGGERED', alarmNames: [why.alarm], triggeredAlarmNames: [why.alarm] }
  }
  primary.deployment.rolloutState = 'FAILED'
  primary.deployment.rolloutStateReason = reason
  moves.say(service, `(deployment ${primary.deployment.id}) rolling back: ${reason}`, now)
  for (const task of tasksOf(service, primary).filter(isLive)) {
    task.desiredStatus = 'STOPPED'
    task.lastStatus = 'STOPPED'
    task.stopCode = 'ServiceSchedulerInitiated'
    task.stoppedReason = `Scaling activity initiated by (deployment ${primary.deployment.id}) rollback`
    task.stoppedAt = now
  }
  return true
}

/** One step of a rollback in progress; it ends ROLLBACK_SUCCESSFUL with the old revision PRIMARY. */
export async function rollbackStep(
  service: SimService,
  failed: SimDeployment,
  fx: RolloutEffects
): Promise<boolean> {
  const sd = failed.serviceDeployment
  sd.rollbackSteps = (sd.rollbackSteps ?? 0) + 1
  if (sd.rollbackSteps < ROLLBACK_STEPS) return true
  const now = fx.now()
  const [, ...others] = service.deployments
  const back = others[0]
  if (!back) return false
  back.deployment.status = 'PRIMARY'
  service.deployments = others
  sd.status = 'ROLLBACK_SUCCESSFUL'
  delete sd.lifecycleStage
  sd.finishedAt = now
  sd.updatedAt = now
  await fx.setServiceTaskDefinition(service, back.deployment.taskDefinition)
  return true
}

/**
 * Rollback by a new deployment of the last completed revision (rolling deployments, or a walk
 * whose old tasks are already cleaned up); it completes the service deployment as
 * ROLLBACK_SUCCESSFUL (rollout.ts `complete`).
 */
export async function redeployRollback(
  service: SimService,
  failed: SimDeployment,
  fx: RolloutEffects,
  moves: Moves
): Promise<boolean> {
  const now = fx.now()
  const sd = failed.serviceDeployment
  const target = service.lastCompleted
  if (!target || target.id === failed.deployment.id) return false
  const reason = sd.statusReason ?? 'Rolling back to the source revision.'
  sd.status = 'ROLLBACK_IN_PROGRESS'
  sd.updatedAt = now
  sd.productionWeight = 0
  sd.testWeight = 0
  sd.rollback = {
    reason,
    startedAt: now,
    serviceRevisionArn: serviceRevisionArn(service, target.id)
  }
  failed.deployment.status = 'ACTIVE'
  failed.deployment.rolloutState = 'FAILED'
  failed.deployment.rolloutStateReason = reason
  const rollback = newDeployment(service, target.taskDefinition, { outcome: 'success' }, now, {
    reason: `ECS deployment rolling back to deploymentId ${target.id}: ${reason}`,
    serviceDeployment: sd
  })
  for (const d of service.deployments) d.deployment.status = 'ACTIVE'
  service.deployments.unshift(rollback)
  moves.say(
    service,
    `(deployment ${failed.deployment.id}) rolling back to deployment ${target.id}.`,
    now
  )
  await fx.setServiceTaskDefinition(service, rollback.deployment.taskDefinition)
  return true
}
