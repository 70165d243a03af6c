// One service's way back after a failed rollout, step by step: staying where it is (and saying
// why), taking up ECS's own rollback, asking ECS for one (stopping a deployment that still
// shifts traffic, or rolling back at its paused hook), or updating it back to what it ran; then,
// once back, verifying what it runs. recovery.ts decides which and runs them together.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import type { Journal } from '../model/journal.js'
import type { Move, Revision } from '../model/move.js'
import { shortArn } from '../model/names.js'
import type { Check } from '../model/result.js'
import { asRevision } from '../revision/next.js'
import type { Explanation } from '../rollout/diagnostics.js'
import { appliedAllTheSame, moveOf, startUpdate } from '../rollout/start.js'
import type { RolloutOutcome } from '../rollout/watch.js'
import { allPassed, failedChecks, printChecks } from '../verify/checks.js'
import { verifyRunning, type Verification } from '../verify/running.js'
import type { RolloutPolicy, Supervised } from './supervised.js'

export type Recovery =
  | { kind: 'roll-back'; to: string }
  /** A BLUE_GREEN, LINEAR or CANARY deployment still shifting: ECS itself sends the traffic back. */
  | { kind: 'stop-rollback'; serviceDeploymentArn: string; to: string }
  /** Paused at a PAUSE hook: ContinueServiceDeployment ROLLBACK there. */
  | { kind: 'continue-rollback'; serviceDeploymentArn: string; hookId: string; to: string }
  /** ECS is already rolling back (its circuit breaker, or a blue/green rollback): a second would race it. */
  | {
      kind: 'follow-ecs-rollback'
      deploymentId: string
      revision: string
      /** ECS's rollback is the service deployment's own: it is followed there. */
      serviceDeploymentArn?: string
    }
  | { kind: 'leave'; why: 'disabled' | 'replaced' | 'no-previous' }

/** One service's part of a recovery. */
export interface Recovered {
  /** Its own rollout failed: the revision, and why (stopped tasks, events). */
  failure?: { revision: string; explanation: Explanation; replaced?: true }
  /**
   * The move that takes it back and how: ECS's own rollback, followed (`ecs`); this step's update
   * back (`update`); or ECS's rollback that this step asked for by stopping the service
   * deployment (`stop`) or at its paused hook (`continue`).
   */
  back?: { move: Move; how: 'ecs' | 'update' | 'stop' | 'continue' }
  /** The checks of the revision put back, once it was. */
  verification?: Verification
  /** What it runs now, when that is no longer the move's `to`. */
  runs?: Revision
  rolledBack: boolean
  /** What became of it, ending its part of the step's error. */
  said: string
}

/** The check verifyRunning names for the digest; replaced when there is no digest to check. */
const DIGEST_CHECK = 'tasks run the expected digest'

/** One service on its way back, while the recovery runs. */
export interface Going {
  unit: Supervised
  outcome: RolloutOutcome
  /** `The rollout of REV failed: REASON` for a service whose own rollout failed. */
  failed: string | undefined
  plan: Recovery
  part: Recovered
}

/** What the recovery needs besides the services. */
export interface Context {
  deps: Deps
  policy: RolloutPolicy
  journal: Journal
  many: boolean
}

/** A service that stays where it is: says where, and why. */
export async function leave(context: Context, going: Going): Promise<void> {
  const { unit, plan, outcome, part } = going
  const { move } = unit
  if (plan.kind !== 'leave') return
  const revision = shortArn(move.to.taskDefinitionArn)
  if (plan.why === 'replaced') {
    const theirs = outcome.kind === 'replaced' ? outcome : undefined
    if (theirs?.revision) {
      part.runs = await described(context.deps, theirs.revision, move.containerName)
    }
    part.said = `This step does not roll back over another deployment: the service now rolls out ${shortArn(theirs?.revision)} (deployment ${theirs?.deploymentId ?? 'unknown'}).`
    return
  }
  if (plan.why === 'no-previous') {
    part.said = `There is no earlier revision to roll back to: the service is left on ${revision} (deployment ${move.deploymentId}).`
    return
  }
  const where =
    going.failed === undefined
      ? `its rollout ${outcome.kind === 'completed' ? 'completed' : 'was still in progress'}: the service is left on deployment ${move.deploymentId} (${revision})`
      : `the service is left on the failed deployment ${move.deploymentId} (${revision})`
  part.said = `rollback-on-failure is false: ${where}. To return to ${shortArn(move.from.taskDefinitionArn)}, run this action with mode: rollback, or deploy a fix.`
}

/** Starts a service's way back (or takes up ECS's own); a start that fails ends its part. */
export async function start(context: Context, going: Going): Promise<void> {
  const { deps, journal } = context
  const { unit, plan, part } = going
  const { move } = unit
  const stuck = shortArn(move.to.taskDefinitionArn)
  if (plan.kind === 'follow-ecs-rollback') {
    const to =
      move.from.taskDefinitionArn === plan.revision
        ? move.from
        : { taskDefinitionArn: plan.revision }
    part.back = { move: backMove(move, to, plan), how: 'ecs' }
    journal.returning(move.service, to)
    journal.note(
      move.service,
      `ECS rolls back: deployment ${plan.deploymentId} → ${shortArn(plan.revision)}`
    )
    return
  }
  if (plan.kind === 'stop-rollback' || plan.kind === 'continue-rollback') {
    await stopShift(context, going, plan)
    return
  }
  if (plan.kind !== 'roll-back') return
  const to = move.from.taskDefinitionArn === plan.to ? move.from : { taskDefinitionArn: plan.to }
  const update = await startUpdate(deps, move.service, plan.to)
  if (update.kind === 'not-applied') {
    part.said = `The rollback to ${shortArn(plan.to)} could not be started (${update.cause}): the service is left on ${stuck}; run this action with mode: rollback.`
    return
  }
  if (update.kind === 'unknown') {
    part.said = `Could not tell whether the rollback to ${shortArn(plan.to)} was started (${update.cause}; ${update.why}): the service may be left on ${stuck} or moving to ${shortArn(plan.to)}. Check it in the ECS console; if it is still on ${stuck}, run this action with mode: rollback.`
    return
  }
  if (update.kind === 'answer-lost') core.warning(appliedAllTheSame(update, plan.to))
  part.back = { move: backMove(move, to, update), how: 'update' }
  journal.returning(move.service, to)
  journal.note(
    move.service,
    `rollback started: deployment ${update.deploymentId} → ${shortArn(plan.to)}`
  )
  core.info(
    `Rollback deployment ${update.deploymentId} started: ${move.service} → ${shortArn(plan.to)}`
  )
}

/**
 * Asks ECS to roll back a deployment that still shifts traffic: StopServiceDeployment ROLLBACK,
 * or ContinueServiceDeployment ROLLBACK at the hook it is paused at. ECS sends the traffic back
 * to the old revision, which still runs; its rollback is then followed to ROLLBACK_SUCCESSFUL.
 */
async function stopShift(
  context: Context,
  going: Going,
  plan: Extract<Recovery, { kind: 'stop-rollback' | 'continue-rollback' }>
): Promise<void> {
  const { deps, journal } = context
  const { move } = going.unit
  const arn = plan.serviceDeploymentArn
  const call =
    plan.kind === 'stop-rollback'
      ? 'StopServiceDeployment ROLLBACK'
      : `ContinueServiceDeployment ROLLBACK at hook ${plan.hookId}`
  try {
    if (plan.kind === 'stop-rollback') await deps.ecs.stopServiceDeployment(arn)
    else await deps.ecs.continueServiceDeployment(arn, plan.hookId, 'ROLLBACK')
  } catch (error) {
    going.part.said = `The rollback could not be asked of ECS (${call}: ${errorText(error)}): the service deployment ${shortArn(arn)} may still be shifting traffic to ${shortArn(move.to.taskDefinitionArn)}. Stop it in the ECS console, or run this action with mode: rollback.`
    return
  }
  const to = move.from.taskDefinitionArn === plan.to ? move.from : { taskDefinitionArn: plan.to }
  const how = plan.kind === 'stop-rollback' ? 'stop' : 'continue'
  going.part.back = {
    move: backMove(move, to, { deploymentId: arn, serviceDeploymentArn: arn }),
    how
  }
  journal.returning(move.service, to)
  journal.note(move.service, `${call}: ECS sends the traffic back to ${shortArn(plan.to)}`)
  core.info(
    `${move.service}: ${call} (${shortArn(arn)}): ECS sends the traffic back to ${shortArn(plan.to)}.`
  )
}

/** The move that takes a service from the revision this step rolled out back to `to`. */
function backMove(
  move: Move,
  to: Revision,
  deployment: { deploymentId: string; serviceDeploymentArn?: string }
): Move {
  const { commit: _commit, ...planned } = move
  return moveOf({ ...planned, from: move.to, to }, deployment)
}

/** The end of a way back that did not complete, or undefined when it did. */
export function notBack(going: Going, outcome: RolloutOutcome | undefined): string | undefined {
  const back = going.part.back
  if (!back || outcome?.kind === 'completed') return undefined
  const reason = outcome && 'reason' in outcome ? outcome.reason : 'it was not watched'
  const { deploymentId, to } = back.move
  const revision = shortArn(to.taskDefinitionArn)
  return back.how !== 'update'
    ? `${back.move.serviceDeploymentArn ? 'ECS is rolling the deployment back' : "ECS's circuit breaker is rolling back"} to ${revision} (deployment ${deploymentId}), and that did not complete either: ${reason}. Check the service in the ECS console.`
    : `The rollback to ${revision} (deployment ${deploymentId}) did not complete either: ${reason}. The service is pointed at ${revision}; check it in the ECS console.`
}

/** What became of a service taken back, once its way back completed. */
export function backSaid(back: NonNullable<Recovered['back']>, verified: string): string {
  switch (back.how) {
    case 'ecs':
      return `${back.move.serviceDeploymentArn ? 'ECS already rolled the deployment back' : "ECS's circuit breaker already rolled back"}; this step did not start a second rollback: ${verified}`
    case 'stop':
      return `Stopped the service deployment (StopServiceDeployment ROLLBACK): ECS sent the traffic back: ${verified}`
    case 'continue':
      return `Rolled back at its paused hook (ContinueServiceDeployment ROLLBACK): ECS sent the traffic back: ${verified}`
    case 'update':
      return `Rolled back: ${verified}`
  }
}

/** The revision's image, digest and tag for the chosen container; just the ARN when unreadable. */
async function described(deps: Deps, arn: string, containerName: string): Promise<Revision> {
  try {
    const { taskDefinition, tags } = await deps.ecs.taskDefinition(arn)
    return asRevision(taskDefinition, tags, containerName)
  } catch (error) {
    core.warning(`Could not read ${shortArn(arn)} to say what it runs: ${errorText(error)}`)
    return { taskDefinitionArn: arn }
  }
}

/**
 * Verifies that the revision put back runs, with the digest it pins, and says what runs now.
 * Records what the service runs after this step, with its image, digest and tag.
 */
export async function verifyBack(
  context: Context,
  going: Going,
  revision: string
): Promise<string> {
  const { deps, policy } = context
  const { move } = going.unit
  const { part } = going
  return core.group(`Verify ${shortArn(revision)}`, async () => {
    try {
      const { taskDefinition, tags } = await deps.ecs.taskDefinition(revision)
      const now = asRevision(taskDefinition, tags, move.containerName)
      part.runs = now
      const { image, digest } = now
      const verification = await verifyRunning(
        deps,
        {
          service: move.service,
          taskDefinitionArn: revision,
          containerName: move.containerName,
          digest,
          taskDefinition
        },
        policy
      )
      const checks = verification.checks.map(check =>
        digest || check.name !== DIGEST_CHECK ? check : unpinned(check, revision, image)
      )
      const named = checks.map(c => ({ ...c, name: `after rollback: ${c.name}` }))
      printChecks(named)
      part.verification = { ...verification, checks: named }
      const what = `${shortArn(revision)}${image ? ` (${image})` : ''}`
      if (allPassed(checks)) return `the service runs ${what} again, verified.`
      return `the service was returned to ${what}, but its verification failed: ${failedChecks(checks)}.`
    } catch (error) {
      return `the service was returned to ${shortArn(revision)}, but it could not be verified: ${errorText(error)}.`
    }
  })
}

function unpinned(check: Check, revision: string, image: string | undefined): Check {
  return {
    name: check.name,
    status: 'warn',
    detail: `${shortArn(revision)} names its image ${image ? `as ${image}` : 'without a digest'}, not by digest, so no digest is expected: ${check.detail}`
  }
}
