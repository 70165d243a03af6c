// What the stages after the build need from the inputs, built once: a stage receives its policy,
// never the whole Inputs.
import type { BakeRules } from '../bake/rules.js'
import type { RecordSettings } from '../github/record.js'
import { WAY_BACK_MINUTES, type Inputs } from './inputs.js'

/** How what runs is checked: after a rollout, after a rollback, and in verify mode. */
export interface CheckPolicy {
  healthCheckUrl: string | undefined
  /** Empty: the container's awslogs-group. */
  logGroup: string | undefined
  logsSinceMinutes: number
}

/** How a started rollout is watched, and what happens when it fails. */
export interface RolloutPolicy extends CheckPolicy {
  timeoutMs: number
  pollMs: number
  rollbackOnFailure: boolean
  /**
   * How long the way back (the rollback after a failure) is watched: its own budget, never less
   * than WAY_BACK_MINUTES, so a rollback after a timeout can finish.
   */
  wayBackMs: number
  /** What the bake after a completed rollout watches for; bakeMs 0: no bake. */
  bake: BakeRules
}

export function checkPolicy(inputs: Inputs): CheckPolicy {
  return {
    healthCheckUrl: inputs.healthCheckUrl,
    logGroup: inputs.logGroup,
    logsSinceMinutes: inputs.logsSinceMinutes
  }
}

export function rolloutPolicy(inputs: Inputs): RolloutPolicy {
  return {
    ...checkPolicy(inputs),
    timeoutMs: inputs.timeoutMinutes * 60_000,
    pollMs: inputs.pollSeconds * 1000,
    rollbackOnFailure: inputs.rollbackOnFailure,
    wayBackMs: Math.max(inputs.timeoutMinutes, WAY_BACK_MINUTES) * 60_000,
    bake: {
      bakeMs: inputs.mode === 'deploy' && inputs.wait ? inputs.bakeMinutes * 60_000 : 0,
      patterns: inputs.bakeErrorPatterns,
      minErrors: inputs.bakeErrorMin,
      ratio: inputs.bakeErrorRatio
    }
  }
}

export function recordSettings(inputs: Inputs): RecordSettings {
  return {
    token: inputs.githubToken,
    environment: inputs.environment,
    mode: inputs.mode,
    dryRun: inputs.dryRun,
    region: inputs.region,
    cluster: inputs.cluster,
    notes: inputs.deploymentNotes
  }
}
