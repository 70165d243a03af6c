// Releases that go bad while ECS shifts traffic to them, for the judgement that runs during the
// shift. From a stage (and production weight) of the walk on, the new revision
// - `errors-at-canary` / `errors-at-stage`: its running tasks log error lines every step;
// - `unhealthy-at-canary` / `unhealthy-at-stage`: the service's stand-in health URL answers 503
//   while the new revision takes production traffic;
// - `test-traffic-unhealthy`: the stand-in test-traffic URL answers 503 while it takes test traffic.
// "canary" is the first production step: the canary (CANARY), the first step (LINEAR), the whole
// shift (BLUE_GREEN). A rollback takes the traffic away, and the URLs answer 200 again.
import type { ContainerDefinition } from '@aws-sdk/client-ecs'
import {
  isLive,
  tasksOf,
  testWeightOf,
  type RolloutScript,
  type SimDeployment,
  type SimService,
  type Stage
} from './model.js'
import type { RolloutEffects } from './rollout.js'

type Trouble = 'errors' | 'unhealthy' | 'test-unhealthy'

/** The order of the walk's stages; trouble set for a stage starts there or at any later one. */
const STAGE_ORDER: Stage[] = [
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP'
]

export const ERROR_LINES = [
  'ERROR Unhandled exception in GET /api/v1/recalls: KeyError: recall_severity',
  'ERROR Unhandled exception in GET /api/v1/products: KeyError: recall_severity'
]

function troubleOf(script: RolloutScript): { kind: Trouble; stage: Stage } | undefined {
  switch (script.outcome) {
    case 'errors-at-canary':
      return { kind: 'errors', stage: 'PRODUCTION_TRAFFIC_SHIFT' }
    case 'unhealthy-at-canary':
      return { kind: 'unhealthy', stage: 'PRODUCTION_TRAFFIC_SHIFT' }
    case 'errors-at-stage':
      return { kind: 'errors', stage: script.stage ?? 'PRODUCTION_TRAFFIC_SHIFT' }
    case 'unhealthy-at-stage':
      return { kind: 'unhealthy', stage: script.stage ?? 'PRODUCTION_TRAFFIC_SHIFT' }
    case 'test-traffic-unhealthy':
      return { kind: 'test-unhealthy', stage: script.stage ?? 'TEST_TRAFFIC_SHIFT' }
    default:
      return undefined
  }
}

/** Whether a script names a stage the walk has (checked when the script is queued). */
export function knownStage(stage: string): boolean {
  return (STAGE_ORDER as string[]).includes(stage)
}

/** Starts the scripted trouble once the walk has reached its stage and production weight. */
function noteTrigger(primary: SimDeployment, now: Date): void {
  const trouble = troubleOf(primary.script)
  const sd = primary.serviceDeployment
  if (!trouble || primary.troubleSince || sd.targetDeploymentId !== primary.deployment.id) return
  if (sd.status !== 'IN_PROGRESS' || !sd.lifecycleStage) return
  const reached = STAGE_ORDER.indexOf(sd.lifecycleStage) >= STAGE_ORDER.indexOf(trouble.stage)
  const minimum =
    primary.script.productionWeight ?? (primary.script.outcome.endsWith('-at-canary') ? 0.1 : 0)
  if (reached && sd.productionWeight >= minimum) primary.troubleSince = now
}

/**
 * One step of the new revision's scripted trouble (after the walk's own step): it may begin, and
 * its running tasks log their error lines. Changes nothing the walk waits on.
 */
export async function troubleStep(
  service: SimService,
  primary: SimDeployment,
  fx: RolloutEffects,
  container: (deployment: SimDeployment) => ContainerDefinition | undefined
): Promise<void> {
  noteTrigger(primary, fx.now())
  if (troubleOf(primary.script)?.kind !== 'errors' || !primary.troubleSince) return
  const steps = primary.troubleSteps ?? 0
  if (primary.script.errorSteps !== undefined && steps >= primary.script.errorSteps) return
  const definition = container(primary)
  const running = tasksOf(service, primary).filter(t => isLive(t) && t.lastStatus === 'RUNNING')
  if (!definition || running.length === 0) return
  primary.troubleSteps = steps + 1
  for (const task of running) {
    await fx.writeLogs(service.region, task, definition, primary.script.logLines ?? ERROR_LINES)
  }
}

/**
 * Why the service's stand-in URL (production, or test traffic) fails now, if it does: a revision
 * scripted to fail there has started its trouble and takes that traffic.
 */
export function scriptedFailure(
  service: SimService,
  traffic: 'production' | 'test'
): string | undefined {
  for (const d of service.deployments) {
    const trouble = troubleOf(d.script)
    if (!trouble || !d.troubleSince) continue
    const sd = d.serviceDeployment
    if (sd.targetDeploymentId !== d.deployment.id) continue
    if (traffic === 'production' && trouble.kind === 'unhealthy' && sd.productionWeight > 0) {
      return `scripted: ${d.script.outcome} (${sd.productionWeight}% of production traffic on the new revision)`
    }
    if (traffic === 'test' && trouble.kind === 'test-unhealthy' && testWeightOf(sd) > 0) {
      return `scripted: ${d.script.outcome} (${testWeightOf(sd)}% of test traffic on the new revision)`
    }
  }
  return undefined
}
