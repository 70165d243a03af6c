// A BLUE_GREEN rollout as ECS's own controller runs it, one stage a step: the new revision is
// scaled up beside the old one, test then production traffic shift to it, it bakes for the
// service's bakeTimeInMinutes (a minute of it lasts `bakeMinuteMs` on the layer's clock) while the
// old revision keeps running, then the old one is cleaned up. The scripted outcome
// `bake-rollback` has an alarm trip during the bake: ECS shifts the traffic back, stops the new
// tasks and ends the service deployment ROLLBACK_SUCCESSFUL on the old revision.
import type { Task } from '@aws-sdk/client-ecs'
import {
  isLive,
  serviceRevisionArn,
  tasksOf,
  type SimDeployment,
  type SimService
} from './model.js'
import type { RolloutEffects } from './rollout.js'

/** The rolling update's own moves, lent to the blue/green walk (rollout.ts owns them). */
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
}

/** The alarm the scripted bake rollback trips. */
export const BAKE_ALARM = 'babyshield-api-5xx'

/** Steps ECS's rollback stays ROLLBACK_IN_PROGRESS (traffic back, old tasks confirmed) before it ends. */
const ROLLBACK_STEPS = 4

/** Moves a blue/green rollout one stage on; false when it rests (baking, or done). */
export async function blueGreenStep(
  service: SimService,
  primary: SimDeployment,
  fx: RolloutEffects,
  moves: Moves
): Promise<boolean> {
  const serviceDeployment = primary.serviceDeployment
  const now = fx.now()
  if (serviceDeployment.status === 'ROLLBACK_IN_PROGRESS') {
    serviceDeployment.rollbackSteps = (serviceDeployment.rollbackSteps ?? 0) + 1
    if (serviceDeployment.rollbackSteps < ROLLBACK_STEPS) return true
    return finishRollback(service, primary, fx)
  }
  if (serviceDeployment.status !== 'IN_PROGRESS') return false
  const desired = primary.deployment.desiredCount ?? 0
  const live = tasksOf(service, primary).filter(isLive)
  switch (serviceDeployment.lifecycleStage) {
    case 'PRE_SCALE_UP':
      serviceDeployment.lifecycleStage = 'SCALE_UP'
      return true
    case 'SCALE_UP': {
      if (live.length < desired) {
        moves.launch(service, primary, desired - live.length, now)
        return true
      }
      const pending = live.find(t => t.lastStatus !== 'RUNNING')
      if (pending) {
        await moves.startTask(service, primary, pending, fx, true)
        return true
      }
      serviceDeployment.lifecycleStage = 'TEST_TRAFFIC_SHIFT'
      return true
    }
    case 'TEST_TRAFFIC_SHIFT':
      serviceDeployment.lifecycleStage = 'PRODUCTION_TRAFFIC_SHIFT'
      serviceDeployment.productionWeight = 100
      return true
    case 'PRODUCTION_TRAFFIC_SHIFT':
      serviceDeployment.lifecycleStage = 'BAKE_TIME'
      serviceDeployment.bakeEndsAt = new Date(now.getTime() + serviceDeployment.bakeMs)
      return true
    case 'BAKE_TIME':
      if (primary.script.outcome === 'bake-rollback') return startRollback(service, primary, now)
      if (now < (serviceDeployment.bakeEndsAt ?? now)) return false
      serviceDeployment.lifecycleStage = 'CLEAN_UP'
      return true
    case 'CLEAN_UP':
      if (service.deployments.length > 1) {
        moves.drainOldDeployments(service, primary, now)
        return true
      }
      moves.complete(service, primary, now)
      return true
    default:
      return false
  }
}

/** An alarm trips during the bake: the traffic goes back, the new tasks stop. */
function startRollback(service: SimService, primary: SimDeployment, now: Date): boolean {
  const serviceDeployment = primary.serviceDeployment
  const reason = `CloudWatch alarm ${BAKE_ALARM} is in ALARM: rolling back to the source revision.`
  const source = serviceDeployment.sourceDeploymentIds[0] ?? ''
  serviceDeployment.status = 'ROLLBACK_IN_PROGRESS'
  serviceDeployment.statusReason = reason
  serviceDeployment.productionWeight = 0
  serviceDeployment.alarms = {
    status: 'TRIGGERED',
    alarmNames: [BAKE_ALARM],
    triggeredAlarmNames: [BAKE_ALARM]
  }
  serviceDeployment.rollback = {
    reason,
    startedAt: now,
    serviceRevisionArn: serviceRevisionArn(service, source)
  }
  primary.deployment.rolloutState = 'FAILED'
  primary.deployment.rolloutStateReason = reason
  service.events.unshift({
    id: `${now.getTime()}-rollback`,
    createdAt: now,
    message: `(service ${service.name}) (deployment ${primary.deployment.id}) rolling back: ${reason}`
  })
  for (const task of tasksOf(service, primary).filter(isLive)) {
    task.desiredStatus = 'STOPPED'
    task.lastStatus = 'STOPPED'
    task.stopCode = 'ServiceSchedulerInitiated'
    task.stoppedReason = `Scaling activity initiated by (deployment ${primary.deployment.id}) rollback`
    task.stoppedAt = now
  }
  return true
}

/** The old revision is the service's again: the service deployment ends ROLLBACK_SUCCESSFUL. */
async function finishRollback(
  service: SimService,
  failed: SimDeployment,
  fx: RolloutEffects
): Promise<boolean> {
  const now = fx.now()
  const [, ...others] = service.deployments
  const back = others[0]
  if (!back) return false
  back.deployment.status = 'PRIMARY'
  service.deployments = others
  failed.serviceDeployment.status = 'ROLLBACK_SUCCESSFUL'
  delete failed.serviceDeployment.lifecycleStage
  failed.serviceDeployment.finishedAt = now
  await fx.setServiceTaskDefinition(service, back.deployment.taskDefinition)
  return true
}
