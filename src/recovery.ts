// After a failed rollout: explain it, then put the last good revision back (or follow the
// rollback ECS already started), verify what runs, and fail the step saying so.
import * as core from '@actions/core'
import type { Deps } from './deps.js'
import { errorText, explainFailure, reportFailure } from './diagnostics.js'
import type { Inputs } from './inputs.js'
import type { Check, RunResult } from './result.js'
import { watchRollout, type RolloutOutcome, type Watched } from './rollout.js'
import type { StartedRollout } from './supervise.js'
import { pinnedDigest } from './task-definition.js'
import { appliedAllTheSame, startUpdate } from './update-service.js'
import { allPassed, failedChecks, reportChecks, shortArn, verifyRunning } from './verification.js'

export type Recovery =
  | { kind: 'roll-back'; to: string }
  /** ECS's circuit breaker is already rolling back: a second rollback would race it. */
  | { kind: 'follow-ecs-rollback'; deploymentId: string; revision: string }
  | { kind: 'leave'; why: 'disabled' | 'replaced' | 'no-previous' }

/** What to do about a rollout that did not complete. Pure. */
export function recoveryPlan(
  outcome: Exclude<RolloutOutcome, { kind: 'completed' }>,
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

/** Explains the failure, recovers as planned, and throws the step's error. */
export async function recover(
  inputs: Inputs,
  deps: Deps,
  result: RunResult,
  rollout: StartedRollout,
  watched: Watched & { outcome: Exclude<RolloutOutcome, { kind: 'completed' }> }
): Promise<never> {
  const outcome = watched.outcome
  result.failedTaskDefinitionArn = rollout.revision
  const failed = `The rollout of ${shortArn(rollout.revision)} ${outcome.kind === 'replaced' ? 'did not finish' : 'failed'}: ${outcome.reason}`
  const ours = watched.service?.deployments?.find(d => d.id === rollout.deploymentId)
  await core.group('Why the rollout failed', async () => {
    const explanation = await explainFailure(deps, {
      service: inputs.service,
      deploymentId: rollout.deploymentId,
      revision: rollout.revision,
      since: ours?.createdAt?.getTime() ?? watched.startedAt,
      logGroup: inputs.logGroup,
      snapshot: watched.service,
      known: watched.stoppedTasks,
      reader: watched.reader
    })
    reportFailure(result, explanation, `Rollout of ${shortArn(rollout.revision)} failed`, failed)
  })
  note(deps, result, `rollout failed: ${outcome.reason}`)

  const plan = recoveryPlan(outcome, rollout, rollout.rollbackOnFailure ?? inputs.rollbackOnFailure)
  switch (plan.kind) {
    case 'leave':
      return leave(plan.why, failed, rollout, outcome, result)
    case 'follow-ecs-rollback':
      return followEcsRollback(inputs, deps, result, rollout, plan, failed)
    case 'roll-back':
      return rollBack(inputs, deps, result, rollout, plan.to, failed)
  }
}

function leave(
  why: 'disabled' | 'replaced' | 'no-previous',
  failed: string,
  rollout: StartedRollout,
  outcome: RolloutOutcome,
  result: RunResult
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
  inputs: Inputs,
  deps: Deps,
  result: RunResult,
  rollout: StartedRollout,
  plan: { deploymentId: string; revision: string },
  failed: string
): Promise<never> {
  result.taskDefinitionArn = plan.revision
  note(deps, result, `ECS rolls back: deployment ${plan.deploymentId} → ${shortArn(plan.revision)}`)
  const back = await core.group(`Follow ECS's rollback to ${shortArn(plan.revision)}`, () =>
    watchBack(inputs, deps, result, plan.deploymentId, plan.revision, 'ecs rollback')
  )
  if (back.outcome.kind !== 'completed') {
    throw new Error(
      `${failed}. ECS's circuit breaker is rolling back to ${shortArn(plan.revision)} (deployment ${plan.deploymentId}), and that did not complete either: ${back.outcome.reason}. Check the service in the ECS console.`
    )
  }
  result.rolledBack = true
  const verified = await verifyBack(inputs, deps, result, rollout, plan.revision)
  throw new Error(
    `${failed}. ECS's circuit breaker already rolled back; this step did not start a second rollback: ${verified}`
  )
}

async function rollBack(
  inputs: Inputs,
  deps: Deps,
  result: RunResult,
  rollout: StartedRollout,
  to: string,
  failed: string
): Promise<never> {
  const back = await core.group(`Roll back to ${shortArn(to)}`, async () => {
    const update = await startUpdate(deps, inputs.service, to)
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
    note(deps, result, `rollback started: deployment ${deploymentId} → ${shortArn(to)}`)
    core.info(`Rollback deployment ${deploymentId} started: ${inputs.service} → ${shortArn(to)}`)
    return {
      deploymentId,
      watched: await watchBack(inputs, deps, result, deploymentId, to, 'rollback')
    }
  })
  if (back.watched.outcome.kind !== 'completed') {
    throw new Error(
      `${failed}. The rollback to ${shortArn(to)} (deployment ${back.deploymentId}) did not complete either: ${back.watched.outcome.reason}. The service is pointed at ${shortArn(to)}; check it in the ECS console.`
    )
  }
  result.rolledBack = true
  const verified = await verifyBack(inputs, deps, result, rollout, to)
  throw new Error(`${failed}. Rolled back: ${verified}`)
}

/** Watches a rollback deployment like any other; a rollback of a rollback is never started. */
async function watchBack(
  inputs: Inputs,
  deps: Deps,
  result: RunResult,
  deploymentId: string,
  revision: string,
  label: string
): Promise<Watched> {
  try {
    return await watchRollout(
      deps,
      {
        service: inputs.service,
        deploymentId,
        revision,
        timeoutMs: inputs.timeoutMinutes * 60_000,
        pollMs: inputs.pollSeconds * 1000,
        label
      },
      result.timeline
    )
  } catch (error) {
    throw new Error(
      `Could not watch the rollback to ${shortArn(revision)} (deployment ${deploymentId}): ${errorText(error)}. The service is pointed at ${shortArn(revision)}.`,
      { cause: error }
    )
  }
}

/**
 * Verifies that the revision put back runs, with the digest it pins, and says what runs now.
 * Sets the result's image and digest to what the service runs after this step.
 */
async function verifyBack(
  inputs: Inputs,
  deps: Deps,
  result: RunResult,
  rollout: StartedRollout,
  revision: string
): Promise<string> {
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
      const verification = await verifyRunning(deps, {
        service: inputs.service,
        taskDefinitionArn: revision,
        containerName: rollout.containerName,
        digest,
        taskDefinition,
        healthCheckUrl: inputs.healthCheckUrl,
        logGroup: inputs.logGroup,
        logsSinceMinutes: inputs.logsSinceMinutes
      })
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

function note(deps: Pick<Deps, 'clock'>, result: RunResult, message: string): void {
  result.timeline.push({ at: new Date(deps.clock.now()).toISOString(), message })
}
