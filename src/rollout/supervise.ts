// After UpdateService: watch the rollout, verify what runs once it completes, and recover
// (explain, roll back) when it does not.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import type { RolloutPolicy } from '../inputs/policy.js'
import { shortArn } from '../names.js'
import type { RunResult } from '../result.js'
import { allPassed, failedChecks, reportChecks } from '../verify/checks.js'
import { verifyRunning } from '../verify/running.js'
import { recover } from './recovery.js'
import type { StartedRollout } from './start.js'
import { clockTime, watchStarted } from './watch.js'

/** Watches and verifies a started rollout; throws, saying what the service runs, when it fails. */
export async function superviseRollout(
  deps: Deps,
  policy: RolloutPolicy,
  result: RunResult,
  rollout: StartedRollout
): Promise<void> {
  const watched = await core.group('Watch the rollout', () =>
    watchStarted(deps, policy, result.timeline, {
      service: rollout.service,
      deploymentId: rollout.deploymentId,
      revision: rollout.revision,
      previousRevision: rollout.previousRevision,
      label: 'rollout'
    })
  )
  const outcome = watched.outcome
  if (watched.transientFailures > 0) {
    core.warning(
      `${watched.transientFailures} of ${watched.polls} polls of ${rollout.service} were throttled or not answered by ECS; the watch kept polling through them.`
    )
  }
  if (outcome.kind !== 'completed')
    await recover(deps, policy, result, rollout, { ...watched, outcome })
  core.info(
    `Rollout of ${shortArn(rollout.revision)} completed after ${clockTime(deps.clock.now() - watched.startedAt)} (${watched.polls} polls).`
  )

  const verification = await core.group('Verify', () =>
    verifyRunning(
      deps,
      {
        service: rollout.service,
        taskDefinitionArn: rollout.revision,
        containerName: rollout.containerName,
        digest: rollout.digest
      },
      policy
    )
  )
  reportChecks(result, verification.checks, verification.logs)
  result.verified = allPassed(result.checks)
  if (!result.verified) {
    throw new Error(
      `The rollout of ${shortArn(rollout.revision)} completed but verification failed: ${failedChecks(result.checks)}. The service runs ${shortArn(rollout.revision)}.`
    )
  }
}
