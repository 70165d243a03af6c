// What supervision takes: the started moves with their bake's baseline, and the policy that says
// how they are watched, verified, baked and taken back.
import type { BakePolicy } from '../bake/bake.js'
import type { Baseline } from '../bake/rules.js'
import type { Move } from '../model/move.js'
import type { CheckPolicy } from '../verify/checks.js'

/** How started moves are watched, verified and baked, and what happens when one fails. */
export interface RolloutPolicy extends CheckPolicy, BakePolicy {
  timeoutMs: number
  pollMs: number
  rollbackOnFailure: boolean
  /**
   * How long the way back (the rollback after a failure) is watched: its own budget, so a
   * rollback after a timeout can finish.
   */
  wayBackMs: number
  /** What the step does when ECS pauses a deployment at a PAUSE lifecycle hook. */
  pauses: PausePolicy
}

/**
 * approve: continue the deployment (ContinueServiceDeployment CONTINUE) once its stage was watched
 * watchMs without a regression; otherwise the step only waits, saying it waits on someone else.
 */
export interface PausePolicy {
  approve: boolean
  watchMs: number
}

/** A started move, and what its bake compares the new revision with. */
export interface Supervised {
  move: Move
  /** The old revision's error lines before the deploy, read for the bake. */
  baseline?: Baseline
}
