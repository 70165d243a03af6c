// What the stages after the build need from the inputs, built once: a stage receives its policy,
// never the whole Inputs.
import type { RecordSettings } from '../github/record.js'
import type { Inputs } from './inputs.js'

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
}

/** The shortest watch of a way back, whatever timeout-minutes says. */
export const WAY_BACK_MINUTES = 10

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
    wayBackMs: Math.max(inputs.timeoutMinutes, WAY_BACK_MINUTES) * 60_000
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
