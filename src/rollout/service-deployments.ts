// ECS's own deployment controller deploys by a strategy: ROLLING, or BLUE_GREEN, LINEAR and
// CANARY, which keep both revisions through their bake time and shift traffic in stages. Those
// are watched through the service-deployment API (ListServiceDeployments,
// DescribeServiceDeployments): its status says how a deployment ended, rolled back included, and
// its lifecycle stage where it is. Pure judgements of its answers.
import type {
  DeploymentConfiguration,
  DeploymentLifecycleHook,
  Service,
  ServiceDeployment
} from '@aws-sdk/client-ecs'
import type { Strategy } from '../model/move.js'
import { shortArn } from '../model/names.js'
import type { Observation } from './classify.js'

/** Minutes a rollout needs beyond its bake time, for starting tasks and shifting traffic. */
export const ROLLOUT_MARGIN_MINUTES = 5

/** The service's deployment strategy (ECS's default is ROLLING). */
export function strategyOf(service: Pick<Service, 'deploymentConfiguration'>): Strategy {
  const strategy = service.deploymentConfiguration?.strategy
  return strategy === 'BLUE_GREEN' || strategy === 'LINEAR' || strategy === 'CANARY'
    ? strategy
    : 'ROLLING'
}

/** Whether a strategy's rollouts are judged by the service deployment, not by the deployments. */
export function watchedByServiceDeployment(strategy: Strategy): boolean {
  return strategy !== 'ROLLING'
}

/**
 * ECS's defaults when a strategy's configuration leaves them out (API reference:
 * LinearConfiguration, CanaryConfiguration). `bakeTimeInMinutes` has none documented: 0 here.
 */
const LINEAR_DEFAULTS = { stepPercent: 10, stepBakeTimeInMinutes: 6 }
const CANARY_DEFAULTS = { canaryBakeTimeInMinutes: 10 }

/**
 * The linear steps ECS bakes after: every step but the one that reaches 100 % ("This bake time is
 * not applied after reaching 100 percent traffic"). 25 % → 25, 50, 75 baked, 100 not: 3; 34 % →
 * 34, 68: 2. Counted in tenths, as ECS takes multiples of 0.1, so that 12.5 % is not 7.999… steps.
 */
function bakedLinearSteps(stepPercent: number): number {
  const tenths = Math.round(stepPercent * 10)
  return tenths > 0 ? Math.ceil(1000 / tenths) - 1 : 0
}

/**
 * The time a rollout of this configuration spends baking, in minutes: the bake time after the
 * traffic shift, plus the canary's bake or each linear step's bake before 100 %, with ECS's
 * defaults where the configuration leaves them out. Pure.
 */
export function bakeMinutes(config: DeploymentConfiguration | undefined): number {
  const strategy = strategyOf({ deploymentConfiguration: config })
  if (strategy === 'ROLLING') return 0
  let minutes = config?.bakeTimeInMinutes ?? 0
  if (strategy === 'LINEAR') {
    const linear = config?.linearConfiguration
    const step = linear?.stepPercent ?? LINEAR_DEFAULTS.stepPercent
    const stepBake = linear?.stepBakeTimeInMinutes ?? LINEAR_DEFAULTS.stepBakeTimeInMinutes
    minutes += bakedLinearSteps(step) * stepBake
  }
  if (strategy === 'CANARY') {
    minutes +=
      config?.canaryConfiguration?.canaryBakeTimeInMinutes ??
      CANARY_DEFAULTS.canaryBakeTimeInMinutes
  }
  return minutes
}

/**
 * Whether timeout-minutes leaves room for the service's bake time: a refusal when it cannot
 * (the rollout would time out while baking, and be rolled back for it), a warning when it leaves
 * less than ROLLOUT_MARGIN_MINUTES for the rest. Pure.
 */
export function bakeTimeProblem(
  name: string,
  service: Pick<Service, 'deploymentConfiguration'>,
  timeoutMinutes: number
): { refusal?: string; warning?: string } {
  const strategy = strategyOf(service)
  const bake = bakeMinutes(service.deploymentConfiguration)
  if (bake === 0) return {}
  const needed = bake + ROLLOUT_MARGIN_MINUTES
  const what = `ECS service ${name} deploys by ${strategy} with ${bake} minutes of bake time`
  if (timeoutMinutes <= bake) {
    return {
      refusal: `timeout-minutes ${timeoutMinutes} cannot cover the rollout: ${what}, so the watch would end while it bakes. Set timeout-minutes to at least ${needed} (the bake time and ${ROLLOUT_MARGIN_MINUTES} minutes for the rest)`
    }
  }
  if (timeoutMinutes < needed) {
    return {
      warning: `${what}; timeout-minutes ${timeoutMinutes} leaves ${timeoutMinutes - bake} minutes for starting the tasks and shifting the traffic. ${needed} would be safer.`
    }
  }
  return {}
}

const STAGES: Record<string, string> = {
  RECONCILE_SERVICE: 'reconciling the service',
  PRE_SCALE_UP: 'before scale-up',
  SCALE_UP: 'starting the new revision',
  POST_SCALE_UP: 'new revision started',
  TEST_TRAFFIC_SHIFT: 'shifting test traffic',
  POST_TEST_TRAFFIC_SHIFT: 'test traffic shifted',
  PRODUCTION_TRAFFIC_SHIFT: 'shifting production traffic',
  POST_PRODUCTION_TRAFFIC_SHIFT: 'production traffic shifted',
  BAKE_TIME: 'baking',
  CLEAN_UP: 'cleaning up the old revision'
}

/** `BAKE_TIME (baking): new revision 2/2 running, 100% of production traffic; old 2 running`. */
export function stageLine(deployment: ServiceDeployment): string {
  const stage = deployment.lifecycleStage
  const target = deployment.targetServiceRevision
  const sources = deployment.sourceServiceRevisions ?? []
  const running = `${target?.runningTaskCount ?? 0}/${target?.requestedTaskCount ?? 0} running`
  const traffic =
    target?.requestedProductionTrafficWeight === undefined
      ? ''
      : `, ${target.requestedProductionTrafficWeight}% of production traffic`
  const old = sources.reduce((n, s) => n + (s.runningTaskCount ?? 0), 0)
  const where = stage ? `${stage}${STAGES[stage] ? ` (${STAGES[stage]})` : ''}` : 'no stage yet'
  return `${deployment.status ?? 'UNKNOWN'} ${where}: new revision ${running}${traffic}${sources.length > 0 ? `; old ${old} running` : ''}`
}

/** What ECS says about why a deployment stopped or rolled back: reason, alarms, circuit breaker. */
export function whyItEnded(deployment: ServiceDeployment): string {
  const parts: string[] = []
  if (deployment.statusReason) parts.push(deployment.statusReason)
  if (deployment.rollback?.reason && deployment.rollback.reason !== deployment.statusReason) {
    parts.push(`rollback: ${deployment.rollback.reason}`)
  }
  const alarms = deployment.alarms
  if (alarms?.status === 'TRIGGERED') {
    parts.push(`alarms in ALARM: ${(alarms.triggeredAlarmNames ?? []).join(', ') || 'unnamed'}`)
  }
  const breaker = deployment.deploymentCircuitBreaker
  if (breaker?.status === 'TRIGGERED') {
    parts.push(
      `circuit breaker tripped: ${breaker.failureCount ?? '?'} failed tasks (threshold ${breaker.threshold ?? '?'})`
    )
  }
  return parts.join('; ') || 'ECS gave no reason'
}

/**
 * What one DescribeServiceDeployments answer says about our deployment. `expect` is `rollout`
 * while it rolls out, `rollback` while following ECS's own rollback of it; `returnsTo` names the
 * revision ECS's rollback returns to. Every ROLLBACK_ status of a rollout is a failure. Pure.
 */
export function classifyServiceDeployment(
  deployment: ServiceDeployment | undefined,
  watch: { expect: 'rollout' | 'rollback'; returnsTo: string | undefined }
): Observation {
  if (!deployment) {
    return { kind: 'in-progress', progress: 'the service deployment is not listed yet' }
  }
  const progress = stageLine(deployment)
  const status = deployment.status ?? ''
  const arn = deployment.serviceDeploymentArn ?? ''
  if (watch.expect === 'rollback') {
    if (status === 'ROLLBACK_SUCCESSFUL') return { kind: 'completed', progress }
    if (status === 'ROLLBACK_FAILED') {
      return {
        kind: 'failed',
        progress,
        reason: `ECS's rollback failed: ${whyItEnded(deployment)}`
      }
    }
    return { kind: 'in-progress', progress }
  }
  switch (status) {
    case 'SUCCESSFUL':
      return { kind: 'completed', progress }
    case 'ROLLBACK_REQUESTED':
    case 'ROLLBACK_IN_PROGRESS':
    case 'ROLLBACK_SUCCESSFUL':
      return {
        kind: 'ecs-rolled-back',
        progress,
        reason: `ECS rolled the deployment back (${status}${deployment.lifecycleStage ? `, at ${deployment.lifecycleStage}` : ''}): ${whyItEnded(deployment)}`,
        deploymentId: arn,
        revision: watch.returnsTo ?? '',
        serviceDeploymentArn: arn
      }
    case 'ROLLBACK_FAILED':
      return {
        kind: 'failed',
        progress,
        reason: `ECS tried to roll the deployment back and that failed too (ROLLBACK_FAILED): ${whyItEnded(deployment)}`
      }
    case 'STOP_REQUESTED':
    case 'STOPPED':
      return {
        kind: 'failed',
        progress,
        reason: `ECS stopped the deployment (${status}): ${whyItEnded(deployment)}`
      }
    default:
      return { kind: 'in-progress', progress }
  }
}

/** The service deployment a DescribeServices or UpdateService answer names as current. */
export function currentServiceDeployment(service: Service | undefined): string | undefined {
  return service?.currentServiceDeployment || undefined
}

/** `service-deployment/…/id` → `id`, for messages. */
export function deploymentName(arn: string): string {
  return shortArn(arn)
}

/** ECS's default timeout of a lifecycle hook, in minutes. */
const HOOK_TIMEOUT_MINUTES = 1440

/** The PAUSE lifecycle hooks of the service's deployment configuration. Pure. */
export function pauseHooks(
  service: Pick<Service, 'deploymentConfiguration'>
): DeploymentLifecycleHook[] {
  return (service.deploymentConfiguration?.lifecycleHooks ?? []).filter(
    hook => hook.targetType === 'PAUSE'
  )
}

/**
 * Whether the step can act on the service's PAUSE hooks as asked: a refusal when approving would
 * come after ECS's own timeout action, a warning when the step only waits at them. Pure.
 */
export function pauseProblem(
  name: string,
  service: Pick<Service, 'deploymentConfiguration'>,
  pauses: { approve: boolean; watchMinutes: number },
  timeoutMinutes: number
): { refusal?: string; warning?: string } {
  const hooks = pauseHooks(service)
  if (hooks.length === 0) return {}
  const stages = hooks.flatMap(h => h.lifecycleStages ?? []).join(', ')
  if (!pauses.approve) {
    return {
      warning: `ECS service ${name} pauses its deployments at ${stages} (PAUSE lifecycle hooks) and approve-pauses is false: the step waits there for someone else to continue or roll back, and its watch ends after timeout-minutes ${timeoutMinutes}.`
    }
  }
  for (const hook of hooks) {
    const timeout = hook.timeoutConfiguration?.timeoutInMinutes ?? HOOK_TIMEOUT_MINUTES
    if (pauses.watchMinutes >= timeout) {
      return {
        refusal: `pause-watch-minutes ${pauses.watchMinutes} is not shorter than the timeout of ECS service ${name}'s PAUSE hook at ${(hook.lifecycleStages ?? []).join(', ')} (${timeout} minutes): ECS would ${hook.timeoutConfiguration?.action ?? 'ROLLBACK'} by itself before this step approves. Give a pause-watch-minutes under ${timeout}`
      }
    }
  }
  return {}
}

/**
 * The early success criteria of a rolling service whose old tasks drain after the deployment is
 * called successful (DEFERRED cleanup), or undefined: then the deployment ends with one left. Pure.
 */
export function earlySuccessOf(
  service: Pick<Service, 'deploymentConfiguration'>
): { healthyPercent: number } | undefined {
  const criteria = service.deploymentConfiguration?.earlySuccessCriteria
  if (strategyOf(service) !== 'ROLLING' || !criteria?.enable) return undefined
  if (criteria.sourceServiceRevisionCleanup !== 'DEFERRED') return undefined
  return { healthyPercent: criteria.healthyPercent ?? 100 }
}
