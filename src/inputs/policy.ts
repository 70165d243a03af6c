// What the stages after the build need from the inputs, built once: a stage receives its policy,
// never the whole Inputs.
import type { RecordSettings } from '../github/record.js'
import type { RolloutPolicy } from '../supervise/supervised.js'
import type { CheckPolicy } from '../verify/checks.js'
import { WAY_BACK_MINUTES, type Inputs } from './inputs.js'
import { trafficSettings } from './judge.js'

export type { CheckPolicy, RolloutPolicy }

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
    testTrafficUrl: inputs.testTrafficUrl,
    pauses: { approve: inputs.approvePauses, watchMs: inputs.pauseWatchMinutes * 60_000 },
    bake: {
      bakeMs: inputs.mode === 'deploy' && inputs.wait ? inputs.bakeMinutes * 60_000 : 0,
      patterns: inputs.bakeErrorPatterns,
      minErrors: inputs.bakeErrorMin,
      ratio: inputs.bakeErrorRatio,
      judge: { traffic: trafficSettings(inputs), alarms: inputs.bakeAlarms }
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
