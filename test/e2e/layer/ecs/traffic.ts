// How ECS's own controller shifts traffic for a strategy, from the deployment configuration
// alone: the production weights of its steps, the bake between them, whether test traffic has a
// listener of its own, and what ECS refuses in a configuration. Pure.
import type { DeploymentConfiguration, LoadBalancer } from '@aws-sdk/client-ecs'

export type Strategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY'

/** ECS's defaults (API reference: LinearConfiguration, CanaryConfiguration). */
export const LINEAR_DEFAULTS = { stepPercent: 10, stepBakeTimeInMinutes: 6 }
export const CANARY_DEFAULTS = { canaryPercent: 5, canaryBakeTimeInMinutes: 10 }
/** DeploymentLifecycleHookTimeoutConfiguration's defaults. */
export const HOOK_TIMEOUT_DEFAULTS = { timeoutInMinutes: 1440, action: 'ROLLBACK' as const }

export function strategyOf(config: DeploymentConfiguration | undefined): Strategy {
  const strategy = config?.strategy
  return strategy === 'BLUE_GREEN' || strategy === 'LINEAR' || strategy === 'CANARY'
    ? strategy
    : 'ROLLING'
}

/** Weights are multiples of 0.1 in ECS's answers; sums of them must not drift (0.30000000000000004). */
function tenth(value: number): number {
  return Math.round(value * 10) / 10
}

/**
 * The production weight of the new revision after each step of the shift: BLUE_GREEN all at once,
 * LINEAR `stepPercent` more each step until 100, CANARY `canaryPercent` then the rest.
 */
export function trafficSteps(config: DeploymentConfiguration | undefined): number[] {
  switch (strategyOf(config)) {
    case 'LINEAR': {
      const step = config?.linearConfiguration?.stepPercent ?? LINEAR_DEFAULTS.stepPercent
      const steps: number[] = []
      for (let k = 1; tenth(k * step) < 100; k++) steps.push(tenth(k * step))
      return [...steps, 100]
    }
    case 'CANARY': {
      const canary = config?.canaryConfiguration?.canaryPercent ?? CANARY_DEFAULTS.canaryPercent
      return canary >= 100 ? [100] : [tenth(canary), 100]
    }
    case 'BLUE_GREEN':
      return [100]
    default:
      return []
  }
}

/** Minutes ECS waits after each production step but the last (not after 100 %). */
export function stepBakeMinutes(config: DeploymentConfiguration | undefined): number {
  switch (strategyOf(config)) {
    case 'LINEAR':
      return (
        config?.linearConfiguration?.stepBakeTimeInMinutes ?? LINEAR_DEFAULTS.stepBakeTimeInMinutes
      )
    case 'CANARY':
      return (
        config?.canaryConfiguration?.canaryBakeTimeInMinutes ??
        CANARY_DEFAULTS.canaryBakeTimeInMinutes
      )
    default:
      return 0
  }
}

/** Whether a load balancer of the service routes test traffic by a rule of its own. */
export function hasTestListener(loadBalancers: LoadBalancer[] | undefined): boolean {
  return (loadBalancers ?? []).some(lb => Boolean(lb.advancedConfiguration?.testListenerRule))
}

/** Stages at which a PAUSE hook is refused (they are for AWS_LAMBDA hooks only). */
const NO_PAUSE_AT = ['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT']

const within = (value: number | undefined, low: number, high: number): boolean =>
  value === undefined || (value >= low && value <= high)

/**
 * What ECS refuses (InvalidParameterException) in a deployment configuration, by the limits the
 * API reference gives; undefined when it takes it. The wording is the layer's.
 */
export function configurationProblem(config: DeploymentConfiguration): string | undefined {
  const strategy = strategyOf(config)
  if (!within(config.linearConfiguration?.stepPercent, 3, 100)) {
    return 'linearConfiguration.stepPercent must be between 3.0 and 100.0.'
  }
  if (!within(config.linearConfiguration?.stepBakeTimeInMinutes, 0, 1440)) {
    return 'linearConfiguration.stepBakeTimeInMinutes must be between 0 and 1440.'
  }
  if (!within(config.canaryConfiguration?.canaryPercent, 0.1, 100)) {
    return 'canaryConfiguration.canaryPercent must be between 0.1 and 100.0.'
  }
  if (!within(config.canaryConfiguration?.canaryBakeTimeInMinutes, 0, 1440)) {
    return 'canaryConfiguration.canaryBakeTimeInMinutes must be between 0 and 1440.'
  }
  for (const hook of config.lifecycleHooks ?? []) {
    if (hook.targetType !== 'PAUSE') continue
    const refused = (hook.lifecycleStages ?? []).find(s => NO_PAUSE_AT.includes(s))
    if (refused) {
      return `PAUSE hooks cannot be configured at the ${refused} lifecycle stage; it is only valid for AWS_LAMBDA hooks.`
    }
    if (!within(hook.timeoutConfiguration?.timeoutInMinutes, 1, 20160)) {
      return 'timeoutConfiguration.timeoutInMinutes must be between 1 and 20160.'
    }
  }
  const early = config.earlySuccessCriteria
  if (early?.enable === true) {
    if (strategy !== 'ROLLING') {
      return `earlySuccessCriteria can only be used with the ROLLING deployment strategy, not ${strategy}.`
    }
    const floor = config.minimumHealthyPercent ?? 100
    const healthy = early.healthyPercent
    if (healthy === undefined || !Number.isInteger(healthy) || healthy < floor || healthy > 100) {
      return `earlySuccessCriteria.healthyPercent must be an integer between the minimumHealthyPercent (${floor}) and 100.`
    }
    if (
      early.sourceServiceRevisionCleanup !== 'BLOCKING' &&
      early.sourceServiceRevisionCleanup !== 'DEFERRED'
    ) {
      return 'earlySuccessCriteria.sourceServiceRevisionCleanup must be BLOCKING or DEFERRED.'
    }
  }
  return undefined
}
