// After UpdateService: watch the moves (one service, or several as one unit), verify what runs
// once they complete, bake, and take every service back (recovery) when one does not hold. What
// happened to each service is returned for the mode to report; only the journal hears it live.
import * as core from '@actions/core'
import { bakeAll, bakeCheck } from '../bake/bake.js'
import type { Deps } from '../deps.js'
import type { Journal } from '../model/journal.js'
import type { Move } from '../model/move.js'
import { shortArn } from '../model/names.js'
import type { BakeResult, Check } from '../model/result.js'
import { clockTime, watchStarted, type Watched } from '../rollout/watch.js'
import { allPassed, failedChecks, printChecks } from '../verify/checks.js'
import { verifyRunning, type Verification } from '../verify/running.js'
import { recover, type Recovered } from './recovery.js'
import type { RolloutPolicy, Supervised } from './supervised.js'

export type { RolloutPolicy, Supervised }

/** What became of one service's move, in the order it happened. */
export interface ServiceOutcome {
  move: Move
  /** The checks once its rollout completed. */
  verification?: Verification
  /** Its bake, and the bake's check. */
  bake?: { result: BakeResult; check: Check }
  /** Its part of the recovery, when the step went back. */
  recovery?: Recovered
}

/** How the supervision ended: each service's outcome, and the step's error when it failed. */
export interface Supervision {
  services: ServiceOutcome[]
  error?: string
}

/**
 * Watches started moves together, verifies each once they complete, bakes them, and when one
 * fails takes every service back. Never throws for a failed rollout: the error is returned, with
 * what every service runs in it.
 */
export async function supervise(
  deps: Deps,
  policy: RolloutPolicy,
  units: Supervised[],
  journal: Journal
): Promise<Supervision> {
  const many = units.length > 1
  const outcomes: ServiceOutcome[] = units.map(({ move }) => ({ move }))
  const watched = await core.group(many ? 'Watch the rollouts' : 'Watch the rollout', () =>
    watchStarted(
      deps,
      units.map(({ move }) => ({ move, way: 'out' })),
      { ...policy, until: 'first-failure', many, journal }
    )
  )
  warnTransient(units, watched)
  if (watched.some(w => w.outcome.kind !== 'completed')) {
    return recovered(outcomes, await recover(deps, policy, units, watched, journal))
  }
  for (const [i, { move }] of units.entries()) {
    const w = watched[i]
    if (!w) continue
    core.info(
      `Rollout of ${shortArn(move.to.taskDefinitionArn)} completed after ${clockTime(deps.clock.now() - w.startedAt)} (${w.polls} polls).`
    )
  }

  const unverified: string[] = []
  for (const [i, { move }] of units.entries()) {
    const verification = await core.group(many ? `Verify ${move.service}` : 'Verify', () =>
      verifyRunning(
        deps,
        {
          service: move.service,
          taskDefinitionArn: move.to.taskDefinitionArn,
          containerName: move.containerName,
          ...(move.sameImage ? { sameImage: move.sameImage } : {}),
          digest: move.to.digest
        },
        policy
      )
    )
    printChecks(verification.checks)
    const outcome = outcomes[i]
    if (outcome) outcome.verification = verification
    if (!allPassed(verification.checks)) {
      const revision = shortArn(move.to.taskDefinitionArn)
      unverified.push(
        `${many ? `${move.service}: ` : ''}The rollout of ${revision} completed but verification failed: ${failedChecks(verification.checks)}. The service runs ${revision}.`
      )
    }
  }
  if (unverified.length > 0) return { services: outcomes, error: unverified.join(' ') }

  if (policy.bake.bakeMs <= 0) return { services: outcomes }
  const baked = await core.group(many ? 'Bake the new revisions' : 'Bake', () =>
    bakeAll(
      deps,
      policy,
      units.map((unit, i) => ({
        move: unit.move,
        baseline: unit.baseline,
        since: watched[i]?.startedAt ?? deps.clock.now()
      })),
      journal
    )
  )
  const regression = baked.regression
  for (const [i, outcome] of outcomes.entries()) {
    const result = baked.bakes[i]
    if (!result) continue
    const own = regression?.service === outcome.move.service ? regression.reason : undefined
    outcome.bake = { result, check: bakeCheck(result, own) }
  }
  if (!regression) return { services: outcomes }
  // A release that regressed is a failed rollout: every service goes back, verified.
  const failed = watched.map((w, i) =>
    units[i]?.move.service === regression.service
      ? { ...w, outcome: { kind: 'failed' as const, reason: regression.reason } }
      : w
  )
  return recovered(outcomes, await recover(deps, policy, units, failed, journal))
}

/** The outcomes with each service's part of the recovery, and the step's error. */
function recovered(
  outcomes: ServiceOutcome[],
  recovery: { services: Recovered[]; error: string }
): Supervision {
  for (const [i, outcome] of outcomes.entries()) {
    const part = recovery.services[i]
    if (part) outcome.recovery = part
  }
  return { services: outcomes, error: recovery.error }
}

function warnTransient(units: Supervised[], watched: Watched[]): void {
  for (const [i, { move }] of units.entries()) {
    const w = watched[i]
    if (w && w.transientFailures > 0) {
      core.warning(
        `${w.transientFailures} of ${w.polls} polls of ${move.service} were throttled or not answered by ECS; the watch kept polling through them.`
      )
    }
  }
}
