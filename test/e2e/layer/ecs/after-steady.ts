// Releases that go bad after ECS calls them steady: the scripted outcomes `errors-after-steady`
// (the deployment's running tasks start logging error lines) and `unhealthy-after-steady` (the
// service's stand-in health URL starts answering 503), each `afterSteps` steps after COMPLETED.
import type { ContainerDefinition } from '@aws-sdk/client-ecs'
import { isLive, tasksOf, type SimDeployment, type SimService } from './model.js'
import type { RolloutEffects } from './rollout.js'
import { ERROR_LINES } from './trouble.js'

/** Steps between COMPLETED and the trouble, unless scripted. */
const AFTER_STEPS = 4
/** Steps during which the tasks log errors, unless scripted. */
const ERROR_STEPS = 3

/** One step of a completed deployment whose script goes bad later; changes nothing else. */
export async function afterSteady(
  service: SimService,
  primary: SimDeployment,
  fx: RolloutEffects,
  container: (deployment: SimDeployment) => ContainerDefinition | undefined
): Promise<void> {
  const script = primary.script
  if (script.outcome !== 'errors-after-steady' && script.outcome !== 'unhealthy-after-steady')
    return
  if (primary.deployment.rolloutState !== 'COMPLETED') return
  primary.stepsSinceCompleted = (primary.stepsSinceCompleted ?? 0) + 1
  const late = primary.stepsSinceCompleted - (script.afterSteps ?? AFTER_STEPS)
  if (late < 0) return
  if (script.outcome === 'unhealthy-after-steady') {
    service.unhealthy = true
    return
  }
  if (late >= (script.errorSteps ?? ERROR_STEPS)) return
  const definition = container(primary)
  if (!definition) return
  for (const task of tasksOf(service, primary).filter(
    t => isLive(t) && t.lastStatus === 'RUNNING'
  )) {
    await fx.writeLogs(service.region, task, definition, script.logLines ?? ERROR_LINES)
  }
}
