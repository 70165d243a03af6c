// After UpdateService: watch the rollout, verify what runs once it completes, and recover
// (explain, roll back) when it does not.
import * as core from '@actions/core'
import type { Deps } from './deps.js'
import { errorText } from './diagnostics.js'
import type { Inputs } from './inputs.js'
import { recover } from './recovery.js'
import type { RunResult } from './result.js'
import { clockTime, watchRollout, type Watched } from './rollout.js'
import { allPassed, failedChecks, reportChecks, shortArn, verifyRunning } from './verification.js'

export interface StartedRollout {
  deploymentId: string
  /** The revision the service was pointed at. */
  revision: string
  /** The revision the service ran, COMPLETED, before this step. */
  previousRevision: string
  containerName: string
  /** `sha256:…` the new revision pins. */
  digest: string
  /**
   * Overrides the rollback-on-failure input; false when this rollout is itself a rollback, so
   * a rollback of a rollback is never started.
   */
  rollbackOnFailure?: boolean
}

/** Watches and verifies a started rollout; throws, saying what the service runs, when it fails. */
export async function superviseRollout(
  inputs: Inputs,
  deps: Deps,
  result: RunResult,
  rollout: StartedRollout
): Promise<void> {
  const watched = await core.group('Watch the rollout', () => watch(inputs, deps, result, rollout))
  const outcome = watched.outcome
  if (watched.transientFailures > 0) {
    core.warning(
      `${watched.transientFailures} of ${watched.polls} polls of ${inputs.service} were throttled or not answered by ECS; the watch kept polling through them.`
    )
  }
  if (outcome.kind !== 'completed')
    await recover(inputs, deps, result, rollout, { ...watched, outcome })
  core.info(
    `Rollout of ${shortArn(rollout.revision)} completed after ${clockTime(deps.clock.now() - watched.startedAt)} (${watched.polls} polls).`
  )

  const verification = await core.group('Verify', () =>
    verifyRunning(deps, {
      service: inputs.service,
      taskDefinitionArn: rollout.revision,
      containerName: rollout.containerName,
      digest: rollout.digest,
      healthCheckUrl: inputs.healthCheckUrl,
      logGroup: inputs.logGroup,
      logsSinceMinutes: inputs.logsSinceMinutes
    })
  )
  reportChecks(result, verification.checks, verification.logs)
  result.verified = allPassed(result.checks)
  if (!result.verified) {
    throw new Error(
      `The rollout of ${shortArn(rollout.revision)} completed but verification failed: ${failedChecks(result.checks)}. The service runs ${shortArn(rollout.revision)}.`
    )
  }
}

async function watch(
  inputs: Inputs,
  deps: Deps,
  result: RunResult,
  rollout: StartedRollout
): Promise<Watched> {
  try {
    return await watchRollout(
      deps,
      {
        service: inputs.service,
        deploymentId: rollout.deploymentId,
        revision: rollout.revision,
        previousRevision: rollout.previousRevision,
        timeoutMs: inputs.timeoutMinutes * 60_000,
        pollMs: inputs.pollSeconds * 1000,
        label: 'rollout'
      },
      result.timeline
    )
  } catch (error) {
    throw new Error(
      `Could not watch the rollout of ${shortArn(rollout.revision)} (deployment ${rollout.deploymentId}): ${errorText(error)}. The rollout was started and may still be in progress; the service ran ${shortArn(rollout.previousRevision)} before this step.`,
      { cause: error }
    )
  }
}
