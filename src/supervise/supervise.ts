// After UpdateService: watch the rollouts (one service, or several as one unit), verify what runs
// once they complete, and recover (explain, roll back every service) when one does not.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import type { RolloutPolicy } from '../inputs/policy.js'
import { shortArn } from '../model/names.js'
import type { ServiceResult } from '../model/result.js'
import { allPassed, failedChecks, reportChecks } from '../verify/checks.js'
import { verifyRunning } from '../verify/running.js'
import { bakeAll } from '../bake/bake.js'
import { recover } from './recovery.js'
import type { StartedRollout, Supervised } from '../rollout/start.js'
import { clockTime, labelOf, watchStarted } from '../rollout/watch.js'

/** Watches and verifies a started rollout; throws, saying what the service runs, when it fails. */
export async function superviseRollout(
  deps: Deps,
  policy: RolloutPolicy,
  result: ServiceResult,
  rollout: StartedRollout
): Promise<void> {
  await superviseRollouts(deps, policy, [{ result, rollout }])
}

/**
 * Watches started rollouts together, then verifies each; when one fails, every service goes back
 * (recover). Throws, saying what every service runs, when the step fails.
 */
export async function superviseRollouts(
  deps: Deps,
  policy: RolloutPolicy,
  units: Supervised[]
): Promise<void> {
  const many = units.length > 1
  const watched = await core.group(many ? 'Watch the rollouts' : 'Watch the rollout', () =>
    watchStarted(
      deps,
      policy,
      units.map(({ result, rollout }) => ({
        timeline: result.timeline,
        request: {
          service: rollout.service,
          deploymentId: rollout.deploymentId,
          revision: rollout.revision,
          previousRevision: rollout.previousRevision,
          label: labelOf('rollout', rollout.service, many),
          ...(rollout.serviceDeployment
            ? {
                serviceDeployment: {
                  ...rollout.serviceDeployment,
                  expect: 'rollout' as const,
                  returnsTo: rollout.previousRevision
                }
              }
            : {})
        }
      })),
      'first-failure'
    )
  )
  for (const [i, { rollout }] of units.entries()) {
    const w = watched[i]
    if (w && w.transientFailures > 0) {
      core.warning(
        `${w.transientFailures} of ${w.polls} polls of ${rollout.service} were throttled or not answered by ECS; the watch kept polling through them.`
      )
    }
  }
  if (watched.some(w => w.outcome.kind !== 'completed')) await recover(deps, policy, units, watched)
  for (const [i, { rollout }] of units.entries()) {
    const w = watched[i]
    if (!w) continue
    core.info(
      `Rollout of ${shortArn(rollout.revision)} completed after ${clockTime(deps.clock.now() - w.startedAt)} (${w.polls} polls).`
    )
  }

  const unverified: string[] = []
  for (const { result, rollout } of units) {
    const verification = await core.group(many ? `Verify ${rollout.service}` : 'Verify', () =>
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
      unverified.push(
        `${many ? `${rollout.service}: ` : ''}The rollout of ${shortArn(rollout.revision)} completed but verification failed: ${failedChecks(result.checks)}. The service runs ${shortArn(rollout.revision)}.`
      )
    }
  }
  if (unverified.length > 0) throw new Error(unverified.join(' '))

  if (policy.bake.bakeMs <= 0) return
  const regression = await core.group(many ? 'Bake the new revisions' : 'Bake', () =>
    bakeAll(
      deps,
      policy,
      units.map((unit, i) => ({
        result: unit.result,
        rollout: unit.rollout,
        baseline: unit.baseline,
        since: watched[i]?.startedAt ?? deps.clock.now()
      }))
    )
  )
  if (!regression) return
  // A release that regressed is a failed rollout: every service goes back, verified.
  await recover(
    deps,
    policy,
    units,
    watched.map((w, i) =>
      i === regression.index ? { ...w, outcome: { kind: 'failed', reason: regression.reason } } : w
    )
  )
}
