// After a failed rollout: explain it, then put the last good revision back (or follow the
// rollback ECS already started), verify what runs, and fail the step saying so.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import { errorText } from '../errors.js'
import type { RolloutPolicy } from '../inputs/policy.js'
import { pinnedDigest, shortArn } from '../names.js'
import { noteOn, type Check, type RunResult } from '../result.js'
import { allPassed, failedChecks, reportChecks } from '../verify/checks.js'
import { verifyRunning } from '../verify/running.js'
import { explainFailure, reportFailure } from './diagnostics.js'
import { appliedAllTheSame, startUpdate, type StartedRollout } from './start.js'
import { watchStarted, type RolloutOutcome, type Watched } from './watch.js'

export type Recovery =
  | { kind: 'roll-back'; to: string }
  /** ECS's circuit breaker is already rolling back: a second rollback would race it. */
  | { kind: 'follow-ecs-rollback'; deploymentId: string; revision: string }
  | { kind: 'leave'; why: 'disabled' | 'replaced' | 'no-previous' }

type Failed = Exclude<RolloutOutcome, { kind: 'completed' }>

/** What to do about a rollout that did not complete. Pure. */
export function recoveryPlan(
  outcome: Failed,
  rollout: Pick<StartedRollout, 'revision' | 'previousRevision'>,
  rollbackOnFailure: boolean
): Recovery {
  if (outcome.kind === 'ecs-rolled-back') {
    return {
      kind: 'follow-ecs-rollback',
      deploymentId: outcome.deploymentId,
      revision: outcome.revision
    }
  }
  // Someone else's deployment owns the service now; rolling back would fight it.
  if (outcome.kind === 'replaced') return { kind: 'leave', why: 'replaced' }
  if (!rollbackOnFailure) return { kind: 'leave', why: 'disabled' }
  if (!rollout.previousRevision || rollout.previousRevision === rollout.revision) {
    return { kind: 'leave', why: 'no-previous' }
  }
  return { kind: 'roll-back', to: rollout.previousRevision }
}

/** The check verifyRunning names for the digest; replaced when there is no digest to check. */
const DIGEST_CHECK = 'tasks run the expected digest'

/** What every step of the way back shares: where it runs, and what failed. */
interface WayBack {
  deps: Deps
  policy: RolloutPolicy
  result: RunResult
  rollout: StartedRollout
  /** `The rollout of REV failed: REASON`: the start of the step's error. */
  failed: string
}

/** Explains the failure, recovers as planned, and throws the step's error. */
export async function recover(
  deps: Deps,
  policy: RolloutPolicy,
  result: RunResult,
  rollout: StartedRollout,
  watched: Watched & { outcome: Failed }
): Promise<never> {
  const outcome = watched.outcome
  result.failedTaskDefinitionArn = rollout.revision
  const failed = `The rollout of ${shortArn(rollout.revision)} ${outcome.kind === 'replaced' ? 'did not finish' : 'failed'}: ${outcome.reason}`
  const ours = watched.service?.deployments?.find(d => d.id === rollout.deploymentId)
  await core.group('Why the rollout failed', async () => {
    const explanation = await explainFailure(deps, {
      service: rollout.service,
      deploymentId: rollout.deploymentId,
      revision: rollout.revision,
      since: ours?.createdAt?.getTime() ?? watched.startedAt,
      logGroup: policy.logGroup,
      snapshot: watched.service,
      known: watched.stoppedTasks,
      reader: watched.reader
    })
    reportFailure(result, explanation, `Rollout of ${shortArn(rollout.revision)} failed`, failed)
  })
  noteOn(result, deps.clock, `rollout failed: ${outcome.reason}`)

  const way: WayBack = { deps, policy, result, rollout, failed }
  const plan = recoveryPlan(outcome, rollout, policy.rollbackOnFailure)
  switch (plan.kind) {
    case 'leave':
      return leave(way, plan.why, outcome)
    case 'follow-ecs-rollback':
      return followEcsRollback(way, plan)
    case 'roll-back':
      return rollBack(way, plan.to)
  }
}

function leave(
  { result, rollout, failed }: WayBack,
  why: 'disabled' | 'replaced' | 'no-previous',
  outcome: RolloutOutcome
): never {
  if (why === 'replaced') {
    const theirs = outcome.kind === 'replaced' ? outcome : undefined
    if (theirs?.revision) result.taskDefinitionArn = theirs.revision
    throw new Error(
      `${failed}. This step does not roll back over another deployment: the service now rolls out ${shortArn(theirs?.revision)} (deployment ${theirs?.deploymentId ?? 'unknown'}).`
    )
  }
  if (why === 'no-previous') {
    throw new Error(
      `${failed}. There is no earlier revision to roll back to: the service is left on ${shortArn(rollout.revision)} (deployment ${rollout.deploymentId}).`
    )
  }
  throw new Error(
    `${failed}. rollback-on-failure is false: the service is left on the failed deployment ${rollout.deploymentId} (${shortArn(rollout.revision)}). To return to ${shortArn(rollout.previousRevision)}, run this action with mode: rollback, or deploy a fix.`
  )
}

async function followEcsRollback(
  way: WayBack,
  plan: { deploymentId: string; revision: string }
): Promise<never> {
  const { deps, result, failed } = way
  result.taskDefinitionArn = plan.revision
  noteOn(
    result,
    deps.clock,
    `ECS rolls back: deployment ${plan.deploymentId} → ${shortArn(plan.revision)}`
  )
  const back = await core.group(`Follow ECS's rollback to ${shortArn(plan.revision)}`, () =>
    watchBack(way, plan.deploymentId, plan.revision, 'ecs rollback')
  )
  if (back.outcome.kind !== 'completed') {
    throw new Error(
      `${failed}. ECS's circuit breaker is rolling back to ${shortArn(plan.revision)} (deployment ${plan.deploymentId}), and that did not complete either: ${back.outcome.reason}. Check the service in the ECS console.`
    )
  }
  result.rolledBack = true
  const verified = await verifyBack(way, plan.revision)
  throw new Error(
    `${failed}. ECS's circuit breaker already rolled back; this step did not start a second rollback: ${verified}`
  )
}

async function rollBack(way: WayBack, to: string): Promise<never> {
  const { deps, result, rollout, failed } = way
  const back = await core.group(`Roll back to ${shortArn(to)}`, async () => {
    const update = await startUpdate(deps, rollout.service, to)
    if (update.kind === 'not-applied') {
      throw new Error(
        `${failed}. The rollback to ${shortArn(to)} could not be started (${update.cause}): the service is left on ${shortArn(rollout.revision)}; run this action with mode: rollback.`,
        { cause: update.error }
      )
    }
    if (update.kind === 'unknown') {
      throw new Error(
        `${failed}. Could not tell whether the rollback to ${shortArn(to)} was started (${update.cause}; ${update.why}): the service may be left on ${shortArn(rollout.revision)} or moving to ${shortArn(to)}. Check it in the ECS console; if it is still on ${shortArn(rollout.revision)}, run this action with mode: rollback.`,
        { cause: update.error }
      )
    }
    if (update.kind === 'answer-lost') core.warning(appliedAllTheSame(update, to))
    const { deploymentId } = update
    result.taskDefinitionArn = to
    noteOn(result, deps.clock, `rollback started: deployment ${deploymentId} → ${shortArn(to)}`)
    core.info(`Rollback deployment ${deploymentId} started: ${rollout.service} → ${shortArn(to)}`)
    return { deploymentId, watched: await watchBack(way, deploymentId, to, 'rollback') }
  })
  if (back.watched.outcome.kind !== 'completed') {
    throw new Error(
      `${failed}. The rollback to ${shortArn(to)} (deployment ${back.deploymentId}) did not complete either: ${back.watched.outcome.reason}. The service is pointed at ${shortArn(to)}; check it in the ECS console.`
    )
  }
  result.rolledBack = true
  const verified = await verifyBack(way, to)
  throw new Error(`${failed}. Rolled back: ${verified}`)
}

/** Watches a rollback deployment like any other; a rollback of a rollback is never started. */
function watchBack(
  { deps, policy, result, rollout }: WayBack,
  deploymentId: string,
  revision: string,
  label: string
): Promise<Watched> {
  return watchStarted(deps, policy, result.timeline, {
    service: rollout.service,
    deploymentId,
    revision,
    label
  })
}

/**
 * Verifies that the revision put back runs, with the digest it pins, and says what runs now.
 * Sets the result's image and digest to what the service runs after this step.
 */
async function verifyBack(way: WayBack, revision: string): Promise<string> {
  const { deps, policy, result, rollout } = way
  return core.group(`Verify ${shortArn(revision)}`, async () => {
    try {
      const { taskDefinition } = await deps.ecs.taskDefinition(revision)
      const image = taskDefinition.containerDefinitions?.find(
        c => c.name === rollout.containerName
      )?.image
      const digest = pinnedDigest(image)
      if (image) result.image = image
      if (digest) result.digest = digest
      else delete result.digest
      const verification = await verifyRunning(
        deps,
        {
          service: rollout.service,
          taskDefinitionArn: revision,
          containerName: rollout.containerName,
          digest,
          taskDefinition
        },
        policy
      )
      const checks = verification.checks.map(check =>
        digest || check.name !== DIGEST_CHECK ? check : unpinned(check, revision, image)
      )
      reportChecks(
        result,
        checks.map(c => ({ ...c, name: `after rollback: ${c.name}` })),
        verification.logs
      )
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
