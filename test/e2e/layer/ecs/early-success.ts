// Early success criteria of a rolling deployment (deploymentConfiguration.earlySuccessCriteria):
// the service deployment is SUCCESSFUL once `healthyPercent` of the desired count (rounded up)
// runs on the new revision, instead of when everything is replaced. With
// sourceServiceRevisionCleanup BLOCKING the old tasks are stopped first; with DEFERRED the
// deployment succeeds at once and the old tasks leave afterwards, one a step, while
// DescribeServices still lists their deployment. The rest of the new tasks start after success.
import type { DeploymentEarlySuccessCriteria } from '@aws-sdk/client-ecs'
import { isLive, tasksOf, type SimDeployment, type SimService } from './model.js'

function criteria(primary: SimDeployment): DeploymentEarlySuccessCriteria | undefined {
  const sd = primary.serviceDeployment
  const early = sd.config.earlySuccessCriteria
  if (sd.strategy !== 'ROLLING' || early?.enable !== true) return undefined
  // A rollback deployment completes its failed one's service deployment the usual way.
  if (sd.targetDeploymentId !== primary.deployment.id || sd.status !== 'IN_PROGRESS')
    return undefined
  return early
}

/** New tasks that must run for early success: healthyPercent of the desired count, rounded up. */
export function healthyNeeded(healthyPercent: number, desiredCount: number): number {
  return Math.ceil((healthyPercent * desiredCount) / 100)
}

/**
 * What early success asks of this step: stop the old tasks first (BLOCKING), declare success, or
 * nothing (not enabled, not met, or already declared).
 */
export function earlySuccessDue(
  service: SimService,
  primary: SimDeployment
): 'drain-first' | 'succeed' | undefined {
  const early = criteria(primary)
  if (!early) return undefined
  const running = tasksOf(service, primary).filter(t => isLive(t) && t.lastStatus === 'RUNNING')
  const needed = healthyNeeded(early.healthyPercent ?? 100, primary.deployment.desiredCount ?? 0)
  if (running.length < needed) return undefined
  const oldLive = service.deployments.slice(1).some(d => tasksOf(service, d).some(t => isLive(t)))
  return early.sourceServiceRevisionCleanup === 'BLOCKING' && oldLive ? 'drain-first' : 'succeed'
}

/** The service deployment is SUCCESSFUL and the deployment COMPLETED; "steady state" comes later. */
export function succeedEarly(
  service: SimService,
  primary: SimDeployment,
  now: Date,
  say: (service: SimService, message: string, now: Date) => void
): void {
  const id = primary.deployment.id
  const sd = primary.serviceDeployment
  sd.status = 'SUCCESSFUL'
  sd.earlySuccess = true
  sd.finishedAt = now
  sd.updatedAt = now
  primary.deployment.rolloutState = 'COMPLETED'
  primary.deployment.rolloutStateReason = `ECS deployment ${id} completed.`
  primary.steadyPending = true
  service.lastCompleted = { id, taskDefinition: primary.taskDefinition }
  service.saidUnableToStart = false
  say(service, `(deployment ${id}) deployment completed.`, now)
}

/** After a DEFERRED early success the old tasks leave one a step, not all at once. */
export function drainsSlowly(primary: SimDeployment): boolean {
  const sd = primary.serviceDeployment
  return (
    sd.earlySuccess === true &&
    sd.config.earlySuccessCriteria?.sourceServiceRevisionCleanup === 'DEFERRED'
  )
}
