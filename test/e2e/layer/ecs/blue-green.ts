// A BLUE_GREEN, LINEAR or CANARY rollout as ECS's own controller runs it, one stage a step: the
// new revision is scaled up beside the old one (PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP), test
// traffic shifts to it (TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT), then production traffic in
// the strategy's steps, each one PRE_PRODUCTION_TRAFFIC_SHIFT then PRODUCTION_TRAFFIC_SHIFT
// (BLUE_GREEN: 100 % at once; LINEAR: `stepPercent` more each step, baking `stepBakeTimeInMinutes`
// between steps; CANARY: `canaryPercent`, baking `canaryBakeTimeInMinutes`, then the rest), then
// POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME for `bakeTimeInMinutes` while the old revision keeps
// running, CLEAN_UP and SUCCESSFUL. A minute lasts `bakeMinuteMs` on the layer's clock. PAUSE
// hooks hold the walk at their stage (hooks.ts); a rollback, asked for or scripted
// (`bake-rollback`: an alarm trips during the bake), sends the traffic back (rollback.ts).
import { hookGate, openHooks } from './hooks.js'
import { isLive, tasksOf, type SimDeployment, type SimService, type Stage } from './model.js'
import {
  requestRollback,
  rollbackStep,
  rollbackTakenOn,
  shiftBack,
  type Moves
} from './rollback.js'
import type { RolloutEffects } from './rollout.js'

/** The alarm the scripted bake rollback trips. */
export const BAKE_ALARM = 'babyshield-api-5xx'

function enter(primary: SimDeployment, stage: Stage, now: Date): true {
  const sd = primary.serviceDeployment
  sd.lifecycleStage = stage
  sd.updatedAt = now
  openHooks(sd, now)
  return true
}

/**
 * Whether the stage's PAUSE hooks let the walk go on; a hook that timed out with ROLLBACK asks
 * for the rollback. `next` runs when they do.
 */
function gated(
  service: SimService,
  primary: SimDeployment,
  now: Date,
  next: () => boolean
): boolean {
  const sd = primary.serviceDeployment
  const gate = hookGate(sd, now)
  if ('rollback' in gate) {
    requestRollback(service, sd, gate.rollback, now)
    return true
  }
  return gate.go ? next() : gate.changed
}

/** PRE_PRODUCTION_TRAFFIC_SHIFT → PRODUCTION_TRAFFIC_SHIFT: the next step's weight, its bake begun. */
function shiftProduction(primary: SimDeployment, now: Date): boolean {
  const sd = primary.serviceDeployment
  sd.trafficStep += 1
  sd.productionWeight = sd.trafficSteps[sd.trafficStep] ?? 100
  if (sd.trafficStep < sd.trafficSteps.length - 1) {
    sd.stepBakeEndsAt = new Date(now.getTime() + sd.stepBakeMs)
  } else {
    delete sd.stepBakeEndsAt
  }
  return enter(primary, 'PRODUCTION_TRAFFIC_SHIFT', now)
}

/** Moves a traffic-shifting rollout one stage on; false when it rests (paused, baking, or done). */
export async function blueGreenStep(
  service: SimService,
  primary: SimDeployment,
  fx: RolloutEffects,
  moves: Moves
): Promise<boolean> {
  const sd = primary.serviceDeployment
  const now = fx.now()
  if (sd.status === 'ROLLBACK_REQUESTED') {
    return rollbackTakenOn(sd) ? shiftBack(service, primary, now, moves) : true
  }
  if (sd.status === 'ROLLBACK_IN_PROGRESS') return rollbackStep(service, primary, fx)
  if (sd.status !== 'IN_PROGRESS') return false
  const desired = primary.deployment.desiredCount ?? 0
  const live = tasksOf(service, primary).filter(isLive)
  switch (sd.lifecycleStage) {
    case 'PRE_SCALE_UP':
      return gated(service, primary, now, () => enter(primary, 'SCALE_UP', now))
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
      return enter(primary, 'POST_SCALE_UP', now)
    }
    case 'POST_SCALE_UP':
      return gated(service, primary, now, () => {
        sd.testWeight = 100
        return enter(primary, 'TEST_TRAFFIC_SHIFT', now)
      })
    case 'TEST_TRAFFIC_SHIFT':
      return enter(primary, 'POST_TEST_TRAFFIC_SHIFT', now)
    case 'POST_TEST_TRAFFIC_SHIFT':
      return gated(service, primary, now, () => enter(primary, 'PRE_PRODUCTION_TRAFFIC_SHIFT', now))
    case 'PRE_PRODUCTION_TRAFFIC_SHIFT':
      return gated(service, primary, now, () => shiftProduction(primary, now))
    case 'PRODUCTION_TRAFFIC_SHIFT':
      if (sd.stepBakeEndsAt) {
        if (now < sd.stepBakeEndsAt) return false
        return enter(primary, 'PRE_PRODUCTION_TRAFFIC_SHIFT', now)
      }
      return enter(primary, 'POST_PRODUCTION_TRAFFIC_SHIFT', now)
    case 'POST_PRODUCTION_TRAFFIC_SHIFT':
      return gated(service, primary, now, () => {
        sd.bakeEndsAt = new Date(now.getTime() + sd.bakeMs)
        return enter(primary, 'BAKE_TIME', now)
      })
    case 'BAKE_TIME':
      if (primary.script.outcome === 'bake-rollback') {
        const reason = `CloudWatch alarm ${BAKE_ALARM} is in ALARM: rolling back to the source revision.`
        return shiftBack(service, primary, now, moves, { reason, alarm: BAKE_ALARM })
      }
      if (now < (sd.bakeEndsAt ?? now)) return false
      return enter(primary, 'CLEAN_UP', now)
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
