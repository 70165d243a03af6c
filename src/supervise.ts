// After UpdateService: watch the rollout, and verify what runs once it completes.
import * as core from '@actions/core'
import type { Deps } from './deps.js'
import type { Inputs } from './inputs.js'
import type { RunResult } from './result.js'
import { watchRollout } from './rollout.js'
import { allPassed, shortArn, verifyRunning } from './verification.js'

export interface StartedRollout {
  deploymentId: string
  /** The revision the service was pointed at. */
  revision: string
  /** The revision the service ran, COMPLETED, before this step. */
  previousRevision: string
  containerName: string
  /** `sha256:…` the new revision pins. */
  digest: string
}

/** Watches and verifies a started rollout; throws, saying what the service runs, when it fails. */
export async function superviseRollout(
  inputs: Inputs,
  deps: Deps,
  result: RunResult,
  rollout: StartedRollout
): Promise<void> {
  const outcome = await core.group('Watch the rollout', () =>
    watchRollout(
      deps,
      {
        service: inputs.service,
        deploymentId: rollout.deploymentId,
        timeoutMs: inputs.timeoutMinutes * 60_000,
        pollMs: inputs.pollSeconds * 1000
      },
      result.timeline
    )
  )
  if (outcome.kind !== 'completed') {
    throw new Error(
      `The rollout of ${shortArn(rollout.revision)} did not complete: ${outcome.reason}. The service may still be moving; it ran ${shortArn(rollout.previousRevision)} before this step.`
    )
  }

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
  result.checks = verification.checks
  if (verification.logs) result.logs = verification.logs
  for (const check of result.checks)
    core.info(`${check.status.toUpperCase()} ${check.name}: ${check.detail}`)
  result.verified = allPassed(result.checks)
  if (!result.verified) {
    throw new Error(
      `The rollout of ${shortArn(rollout.revision)} completed but verification failed: ${result.checks
        .filter(c => c.status === 'fail')
        .map(c => `${c.name} (${c.detail})`)
        .join('; ')}. The service runs ${shortArn(rollout.revision)}.`
    )
  }
}
