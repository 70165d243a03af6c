// After a failed rollout: explain it, then put the last good revision back (or follow the
// rollback ECS already started), verify what runs, and say so in the step's error. Several
// services rolled out together are one unit: when one fails, every one this step changed goes
// back. Each service's part is returned; the journal hears the way back as it starts.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import type { Journal } from '../model/journal.js'
import type { Move, Revision } from '../model/move.js'
import { shortArn } from '../model/names.js'
import type { Check } from '../model/result.js'
import { asRevision } from '../revision/next.js'
import { explainFailure, reportFailure, type Explanation } from '../rollout/diagnostics.js'
import { appliedAllTheSame, moveOf, startUpdate } from '../rollout/start.js'
import { watchStarted, type RolloutOutcome, type Watched } from '../rollout/watch.js'
import { allPassed, failedChecks, printChecks } from '../verify/checks.js'
import { verifyRunning, type Verification } from '../verify/running.js'
import type { RolloutPolicy, Supervised } from './supervised.js'

export type Recovery =
  | { kind: 'roll-back'; to: string }
  /** ECS is already rolling back (its circuit breaker, or a blue/green rollback): a second would race it. */
  | {
      kind: 'follow-ecs-rollback'
      deploymentId: string
      revision: string
      /** ECS's rollback is the service deployment's own: it is followed there. */
      serviceDeploymentArn?: string
    }
  | { kind: 'leave'; why: 'disabled' | 'replaced' | 'no-previous' }

/**
 * What to do about a service's rollout when the step fails: its own that did not complete, or
 * (completed or unfinished) one that goes back because another service's failed. Pure.
 */
export function recoveryPlan(
  outcome: Exclude<RolloutOutcome, { kind: 'completed' }> | { kind: 'completed' },
  move: Pick<Move, 'from' | 'to'>,
  rollbackOnFailure: boolean
): Recovery {
  const previous = move.from.taskDefinitionArn
  if (outcome.kind === 'ecs-rolled-back') {
    return {
      kind: 'follow-ecs-rollback',
      deploymentId: outcome.deploymentId,
      revision: outcome.revision || previous,
      ...(outcome.serviceDeploymentArn
        ? { serviceDeploymentArn: outcome.serviceDeploymentArn }
        : {})
    }
  }
  // Someone else's deployment owns the service now; rolling back would fight it.
  if (outcome.kind === 'replaced') return { kind: 'leave', why: 'replaced' }
  if (!rollbackOnFailure) return { kind: 'leave', why: 'disabled' }
  if (!previous || previous === move.to.taskDefinitionArn) {
    return { kind: 'leave', why: 'no-previous' }
  }
  return { kind: 'roll-back', to: previous }
}

/** One service's part of a recovery. */
export interface Recovered {
  /** Its own rollout failed: the revision, and why (stopped tasks, events). */
  failure?: { revision: string; explanation: Explanation; replaced?: true }
  /** The move that takes it back: ECS's own rollback, followed, or this step's update. */
  back?: { move: Move; ecs: boolean }
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
interface Going {
  unit: Supervised
  outcome: RolloutOutcome
  /** `The rollout of REV failed: REASON` for a service whose own rollout failed. */
  failed: string | undefined
  plan: Recovery
  part: Recovered
}

/** What the recovery needs besides the services. */
interface Context {
  deps: Deps
  policy: RolloutPolicy
  journal: Journal
  many: boolean
}

/**
 * Explains each failure, takes every service back as planned, verifies them, and returns each
 * service's part and the step's error. `headline` is the failure when no rollout failed but
 * another service could not even be updated.
 */
export async function recover(
  deps: Deps,
  policy: RolloutPolicy,
  units: Supervised[],
  watched: Watched[],
  journal: Journal,
  headline?: string
): Promise<{ services: Recovered[]; error: string }> {
  // A headline means another service failed before its rollout even started: name each service.
  const context: Context = { deps, policy, journal, many: units.length > 1 || !!headline }
  const goings: Going[] = []
  for (const [i, unit] of units.entries()) {
    const watch = watched[i]
    const outcome: RolloutOutcome = watch?.outcome ?? { kind: 'unfinished', reason: 'started' }
    const own = outcome.kind !== 'completed' && outcome.kind !== 'unfinished'
    const part: Recovered = { rolledBack: false, said: '' }
    const failed = own && watch ? await explain(context, unit.move, watch, part) : undefined
    if (!own) {
      journal.note(
        unit.move.service,
        `rollout ${outcome.kind === 'completed' ? 'completed' : 'stopped'}; goes back with the other services`
      )
    }
    const plan = recoveryPlan(outcome, unit.move, policy.rollbackOnFailure)
    goings.push({ unit, outcome, failed, plan, part })
  }

  const moving = goings.filter(going => going.plan.kind !== 'leave')
  for (const going of goings) if (going.plan.kind === 'leave') await leave(context, going)
  if (moving.length > 0) {
    await core.group(groupTitle(context, moving), async () => {
      for (const going of moving) await start(context, going)
      const started = moving.filter(going => going.part.back)
      const back = await watchStarted(
        deps,
        started.map(({ part }) => ({
          move: part.back?.move as Move,
          way: part.back?.ecs ? 'ecs-back' : 'back'
        })),
        {
          pollMs: policy.pollMs,
          timeoutMs: policy.wayBackMs,
          until: 'all-finished',
          many: context.many,
          journal
        }
      )
      for (const [i, going] of started.entries()) {
        const said = notBack(going, back[i]?.outcome)
        if (said !== undefined) going.part.said = said
      }
    })
    for (const going of moving) {
      const back = going.part.back
      if (going.part.said || !back) continue
      going.part.rolledBack = true
      const verified = await verifyBack(context, going, back.move.to.taskDefinitionArn)
      going.part.said = back.ecs
        ? `${back.move.serviceDeploymentArn ? 'ECS already rolled the deployment back' : "ECS's circuit breaker already rolled back"}; this step did not start a second rollback: ${verified}`
        : `Rolled back: ${verified}`
    }
  }
  return { services: goings.map(going => going.part), error: stepError(context, goings, headline) }
}

/** Explains a failed rollout in the log and the annotation; returns its headline. */
async function explain(
  context: Context,
  move: Move,
  watched: Watched,
  part: Recovered
): Promise<string> {
  const { deps, policy, many } = context
  const outcome = watched.outcome
  const reason = 'reason' in outcome ? outcome.reason : ''
  const revision = move.to.taskDefinitionArn
  const failed = `The rollout of ${shortArn(revision)} ${outcome.kind === 'replaced' ? 'did not finish' : 'failed'}: ${reason}`
  const ours = watched.service?.deployments?.find(d => d.id === move.deploymentId)
  await core.group(
    many ? `Why the rollout of ${move.service} failed` : 'Why the rollout failed',
    async () => {
      const explanation = await explainFailure(deps, {
        service: move.service,
        deploymentId: move.deploymentId,
        revision,
        since: ours?.createdAt?.getTime() ?? watched.startedAt,
        logGroup: policy.logGroup,
        snapshot: watched.service,
        known: watched.stoppedTasks,
        reader: watched.reader
      })
      part.failure = {
        revision,
        explanation,
        ...(outcome.kind === 'replaced' ? { replaced: true as const } : {})
      }
      reportFailure(explanation, `Rollout of ${shortArn(revision)} failed`, failed)
    }
  )
  context.journal.note(move.service, `rollout failed: ${reason}`)
  return failed
}

function groupTitle(context: Context, moving: Going[]): string {
  const only = moving[0]
  if (context.many || !only) return 'Take every service back to what it ran before'
  return only.plan.kind === 'follow-ecs-rollback'
    ? `Follow ECS's rollback to ${shortArn(only.plan.revision)}`
    : `Roll back to ${shortArn(only.plan.kind === 'roll-back' ? only.plan.to : '')}`
}

/** A service that stays where it is: says where, and why. */
async function leave(context: Context, going: Going): Promise<void> {
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
async function start(context: Context, going: Going): Promise<void> {
  const { deps, journal } = context
  const { unit, plan, part } = going
  const { move } = unit
  const stuck = shortArn(move.to.taskDefinitionArn)
  if (plan.kind === 'follow-ecs-rollback') {
    const to =
      move.from.taskDefinitionArn === plan.revision
        ? move.from
        : { taskDefinitionArn: plan.revision }
    part.back = { move: backMove(move, to, plan), ecs: true }
    journal.returning(move.service, to)
    journal.note(
      move.service,
      `ECS rolls back: deployment ${plan.deploymentId} → ${shortArn(plan.revision)}`
    )
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
  part.back = { move: backMove(move, to, update), ecs: false }
  journal.returning(move.service, to)
  journal.note(
    move.service,
    `rollback started: deployment ${update.deploymentId} → ${shortArn(plan.to)}`
  )
  core.info(
    `Rollback deployment ${update.deploymentId} started: ${move.service} → ${shortArn(plan.to)}`
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
function notBack(going: Going, outcome: RolloutOutcome | undefined): string | undefined {
  const back = going.part.back
  if (!back || outcome?.kind === 'completed') return undefined
  const reason = outcome && 'reason' in outcome ? outcome.reason : 'it was not watched'
  const { deploymentId, to } = back.move
  const revision = shortArn(to.taskDefinitionArn)
  return back.ecs
    ? `${back.move.serviceDeploymentArn ? 'ECS is rolling the deployment back' : "ECS's circuit breaker is rolling back"} to ${revision} (deployment ${deploymentId}), and that did not complete either: ${reason}. Check the service in the ECS console.`
    : `The rollback to ${revision} (deployment ${deploymentId}) did not complete either: ${reason}. The service is pointed at ${revision}; check it in the ECS console.`
}

/** The step's error: what failed, then what became of each service. */
function stepError(context: Context, goings: Going[], headline: string | undefined): string {
  const only = goings[0]
  if (!context.many && only) {
    return `${ended(only.failed ?? headline ?? 'The rollout failed')}. ${only.part.said}`
  }
  const failures = goings
    .filter(going => going.failed !== undefined)
    .map(going => `ECS service ${going.unit.move.service}: ${ended(going.failed ?? '')}.`)
  const what = [headline ? `${headline.replace(/[.\s]+$/, '')}.` : '', ...failures]
    .filter(Boolean)
    .join(' ')
  const each = goings.map(going => `${going.unit.move.service}: ${going.part.said}`).join(' ')
  return `${what} The services of this step are one unit, so each goes back to what it ran before. ${each}`
}

/** A reason without its own full stop (ECS's often has one), to end a sentence with one. */
function ended(reason: string): string {
  return reason.replace(/[.\s]+$/, '')
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
async function verifyBack(context: Context, going: Going, revision: string): Promise<string> {
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
