// After UpdateService: watch the moves (one service, or several as one unit) — judging a release
// already while ECS shifts traffic to it —, verify what runs once they complete, bake what is left
// of the bake, and take every service back (recovery) when one does not hold. What happened to
// each service is returned for the mode to report; only the journal hears it live.
import * as core from '@actions/core'
import { bake, bakeCheck } from '../bake/bake.js'
import { Judgement, type Verdict } from '../bake/judgement.js'
import type { Deps } from '../deps.js'
import type { Journal } from '../model/journal.js'
import type { Move } from '../model/move.js'
import { shortArn } from '../model/names.js'
import type { BakeResult, Check } from '../model/result.js'
import { clockTime, watchStarted, type RolloutOutcome, type Watched } from '../rollout/watch.js'
import { allPassed, failedChecks, printChecks } from '../verify/checks.js'
import { verifyRunning, type Verification } from '../verify/running.js'
import { recover, type Recovered } from './recovery.js'
import { ShiftWatch } from './shift.js'
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
 * Watches started moves together (judging those whose traffic ECS shifts), verifies each once
 * they complete, bakes them, and when one fails takes every service back. Never throws for a
 * failed rollout: the error is returned, with what every service runs in it.
 */
export async function supervise(
  deps: Deps,
  policy: RolloutPolicy,
  units: Supervised[],
  journal: Journal
): Promise<Supervision> {
  const many = units.length > 1
  const outcomes: ServiceOutcome[] = units.map(({ move }) => ({ move }))
  const startedAt = deps.clock.now()
  const judgement =
    policy.bake.bakeMs > 0
      ? await Judgement.begin(
          deps,
          policy,
          units.map(({ move, baseline }) => ({ move, baseline, since: startedAt })),
          journal
        )
      : undefined
  const shift = new ShiftWatch(deps, policy, judgement, journal, many)
  const watched = await core.group(many ? 'Watch the rollouts' : 'Watch the rollout', () =>
    watchStarted(
      deps,
      units.map(({ move }) => ({ move, way: 'out' })),
      { ...policy, until: 'first-failure', many, journal, during: shift.during }
    )
  )
  warnTransient(units, watched)
  if (watched.some(w => w.outcome.kind !== 'completed')) {
    if (judgement && shift.verdict) {
      judged(outcomes, judgement.finish(shift.verdict), shift.verdict)
    } else if (judgement) {
      judged(outcomes, judgement.stop(ROLLOUT_FAILED), undefined, ROLLOUT_FAILED)
    }
    return recovered(outcomes, await recover(deps, policy, units, watched, journal))
  }
  for (const [i, { move }] of units.entries()) {
    const w = watched[i]
    if (!w) continue
    core.info(
      `Rollout of ${shortArn(move.to.taskDefinitionArn)} completed after ${clockTime(deps.clock.now() - w.startedAt)} (${w.polls} polls).`
    )
  }

  const unverified = await verifyAll(deps, policy, units, outcomes)
  if (unverified.some(failure => failure !== undefined)) {
    // A release whose checks fail once it runs is a failed rollout, as one the bake finds bad is.
    const failed = watched.map((w, i): Watched => {
      const reason = unverified[i]
      return reason ? { ...w, outcome: { kind: 'unverified', reason } } : w
    })
    if (judgement) judged(outcomes, judgement.stop(CHECK_FAILED), undefined, CHECK_FAILED)
    return recovered(outcomes, await recover(deps, policy, units, failed, journal))
  }

  if (!judgement) return { services: outcomes }
  const left = Math.max(0, policy.bake.bakeMs - judgement.judgedMs(deps.clock.now()))
  if (left < policy.pollMs) {
    core.info(
      `The bake was judged while ECS shifted the traffic (${clockTime(judgement.judgedMs(deps.clock.now()))} of ${clockTime(policy.bake.bakeMs)}): nothing of it is left to run.`
    )
    judged(outcomes, judgement.finish(undefined), undefined)
    return { services: outcomes }
  }
  const baked = await core.group(many ? 'Bake the new revisions' : 'Bake', () =>
    bake(deps, policy, judgement, left, journal)
  )
  judged(outcomes, baked.bakes, baked.verdict)
  const verdict = baked.verdict
  if (!verdict) return { services: outcomes }
  // A release that regressed is a failed rollout: every service goes back, verified. One whose
  // deployment was replaced during the bake is left to whoever replaced it.
  const failed = watched.map((w, i): Watched => {
    if (units[i]?.move.service !== verdict.service) return w
    const outcome: RolloutOutcome =
      verdict.kind === 'replaced'
        ? {
            kind: 'replaced',
            reason: verdict.reason,
            deploymentId: verdict.deploymentId,
            revision: verdict.revision
          }
        : { kind: 'failed', reason: verdict.reason }
    return { ...w, outcome }
  })
  return recovered(outcomes, await recover(deps, policy, units, failed, journal))
}

/** Verifies each service once every rollout completed; returns each one's failure, if any. */
async function verifyAll(
  deps: Deps,
  policy: RolloutPolicy,
  units: Supervised[],
  outcomes: ServiceOutcome[]
): Promise<(string | undefined)[]> {
  const many = units.length > 1
  const failures: (string | undefined)[] = []
  for (const [i, { move }] of units.entries()) {
    const verification = await core.group(many ? `Verify ${move.service}` : 'Verify', () =>
      verifyRunning(
        deps,
        {
          service: move.service,
          taskDefinitionArn: move.to.taskDefinitionArn,
          containerName: move.containerName,
          ...(move.sameImage ? { sameImage: move.sameImage } : {}),
          digest: move.to.digest,
          ...(move.earlySuccess ? { draining: move.earlySuccess } : {})
        },
        policy
      )
    )
    printChecks(verification.checks)
    const outcome = outcomes[i]
    if (outcome) outcome.verification = verification
    failures.push(allPassed(verification.checks) ? undefined : failedChecks(verification.checks))
  }
  return failures
}

/** Each service's bake, and its check; the verdict's service fails it, with the verdict's reason. */
function judged(
  outcomes: ServiceOutcome[],
  bakes: (BakeResult | undefined)[],
  verdict: Verdict | undefined,
  stopped?: string
): void {
  for (const [i, outcome] of outcomes.entries()) {
    const result = bakes[i]
    if (!result) continue
    const own = verdict?.service === outcome.move.service ? verdict.reason : undefined
    outcome.bake = { result, check: bakeCheck(result, own, stopped) }
  }
}

/** Why a bake that had begun during the traffic shift stopped before its end. */
const ROLLOUT_FAILED = 'a rollout of this step failed'
const CHECK_FAILED = 'a check of what runs failed'

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
