// After a failed rollout: explain it, then put the last good revision back (or follow the
// rollback ECS already started), verify what runs, and fail the step saying so. Several services
// rolled out together are one unit: when one fails, every one this step changed goes back.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import type { RolloutPolicy } from '../inputs/policy.js'
import { shortArn } from '../model/names.js'
import { noteOn, runs, type Check, type Revision } from '../model/result.js'
import { asRevision } from '../revision/next.js'
import { allPassed, failedChecks, reportChecks } from '../verify/checks.js'
import { verifyRunning } from '../verify/running.js'
import { explainFailure, reportFailure } from '../rollout/diagnostics.js'
import type { ServiceDeploymentWatch } from '../rollout/observe.js'
import {
  appliedAllTheSame,
  startUpdate,
  type StartedRollout,
  type Supervised
} from '../rollout/start.js'
import { labelOf, watchStarted, type RolloutOutcome, type Watched } from '../rollout/watch.js'

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
  rollout: Pick<StartedRollout, 'revision' | 'previousRevision'>,
  rollbackOnFailure: boolean
): Recovery {
  if (outcome.kind === 'ecs-rolled-back') {
    return {
      kind: 'follow-ecs-rollback',
      deploymentId: outcome.deploymentId,
      revision: outcome.revision || rollout.previousRevision,
      ...(outcome.serviceDeploymentArn
        ? { serviceDeploymentArn: outcome.serviceDeploymentArn }
        : {})
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

/** One service's way back. */
interface WayBack extends Supervised {
  outcome: RolloutOutcome
  /** `The rollout of REV failed: REASON` for a service whose own rollout failed. */
  failed: string | undefined
  plan: Recovery
  /** The deployment that takes the service back, once started (or ECS's own). */
  back?: {
    deploymentId: string
    revision: string
    label: string
    ecs: boolean
    serviceDeployment?: ServiceDeploymentWatch
  }
  /** What became of the service, ending its part of the step's error. */
  said?: string
}

/** What the recovery needs besides the services. */
interface Context {
  deps: Deps
  policy: RolloutPolicy
  many: boolean
}

/**
 * Explains each failure, takes every service back as planned, verifies them, and throws the
 * step's error. `headline` is the failure when no rollout failed but another service could not
 * even be updated.
 */
export async function recover(
  deps: Deps,
  policy: RolloutPolicy,
  units: Supervised[],
  watched: Watched[],
  headline?: string
): Promise<never> {
  // A headline means another service failed before its rollout even started: name each service.
  const context: Context = { deps, policy, many: units.length > 1 || headline !== undefined }
  const ways: WayBack[] = []
  for (const [i, unit] of units.entries()) {
    const watch = watched[i]
    const outcome: RolloutOutcome = watch?.outcome ?? { kind: 'unfinished', reason: 'started' }
    const own = outcome.kind !== 'completed' && outcome.kind !== 'unfinished'
    const failed = own && watch ? await explain(context, unit, watch) : undefined
    if (!own) {
      noteOn(
        unit.result,
        deps.clock,
        `rollout ${outcome.kind === 'completed' ? 'completed' : 'stopped'}; goes back with the other services`
      )
    }
    ways.push({
      ...unit,
      outcome,
      failed,
      plan: recoveryPlan(outcome, unit.rollout, policy.rollbackOnFailure)
    })
  }

  const moving = ways.filter(way => way.plan.kind !== 'leave')
  for (const way of ways) if (way.plan.kind === 'leave') way.said = await leave(context, way)
  if (moving.length > 0) {
    await core.group(groupTitle(context, moving), async () => {
      for (const way of moving) await start(context, way)
      const started = moving.filter(way => way.back)
      const back = await watchStarted(
        deps,
        { pollMs: policy.pollMs, timeoutMs: policy.wayBackMs },
        started.map(way => ({
          timeline: way.result.timeline,
          request: {
            service: way.rollout.service,
            deploymentId: way.back?.deploymentId ?? '',
            revision: way.back?.revision ?? '',
            label: way.back?.label ?? 'rollback',
            ...(way.back?.serviceDeployment
              ? { serviceDeployment: way.back.serviceDeployment }
              : {})
          }
        })),
        'all-finished'
      )
      for (const [i, way] of started.entries()) {
        const said = notBack(way, back[i]?.outcome)
        if (said !== undefined) way.said = said
      }
    })
    for (const way of moving) {
      if (way.said !== undefined || !way.back) continue
      way.result.rolledBack = true
      const verified = await verifyBack(context, way, way.back.revision)
      way.said = way.back.ecs
        ? `${way.back.serviceDeployment ? 'ECS already rolled the deployment back' : "ECS's circuit breaker already rolled back"}; this step did not start a second rollback: ${verified}`
        : `Rolled back: ${verified}`
    }
  }
  throw new Error(stepError(context, ways, headline))
}

/** Explains a failed rollout in the log, the annotation and the result; returns its headline. */
async function explain(context: Context, unit: Supervised, watched: Watched): Promise<string> {
  const { deps, policy, many } = context
  const { result, rollout } = unit
  const outcome = watched.outcome
  const reason = 'reason' in outcome ? outcome.reason : ''
  result.failedTaskDefinitionArn = rollout.revision
  const failed = `The rollout of ${shortArn(rollout.revision)} ${outcome.kind === 'replaced' ? 'did not finish' : 'failed'}: ${reason}`
  const ours = watched.service?.deployments?.find(d => d.id === rollout.deploymentId)
  await core.group(
    many ? `Why the rollout of ${rollout.service} failed` : 'Why the rollout failed',
    async () => {
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
    }
  )
  noteOn(result, deps.clock, `rollout failed: ${reason}`)
  return failed
}

function groupTitle(context: Context, moving: WayBack[]): string {
  const only = moving[0]
  if (context.many || !only) return 'Take every service back to what it ran before'
  return only.plan.kind === 'follow-ecs-rollback'
    ? `Follow ECS's rollback to ${shortArn(only.plan.revision)}`
    : `Roll back to ${shortArn(only.plan.kind === 'roll-back' ? only.plan.to : '')}`
}

/** A service that stays where it is: says where, and why. */
async function leave(context: Context, way: WayBack): Promise<string> {
  const { result, rollout, plan, outcome } = way
  if (plan.kind !== 'leave') return ''
  if (plan.why === 'replaced') {
    const theirs = outcome.kind === 'replaced' ? outcome : undefined
    if (theirs?.revision) {
      runs(result, await described(context.deps, theirs.revision, rollout.containerName))
    }
    return `This step does not roll back over another deployment: the service now rolls out ${shortArn(theirs?.revision)} (deployment ${theirs?.deploymentId ?? 'unknown'}).`
  }
  if (plan.why === 'no-previous') {
    return `There is no earlier revision to roll back to: the service is left on ${shortArn(rollout.revision)} (deployment ${rollout.deploymentId}).`
  }
  const where =
    way.failed === undefined
      ? `its rollout ${outcome.kind === 'completed' ? 'completed' : 'was still in progress'}: the service is left on deployment ${rollout.deploymentId} (${shortArn(rollout.revision)})`
      : `the service is left on the failed deployment ${rollout.deploymentId} (${shortArn(rollout.revision)})`
  return `rollback-on-failure is false: ${where}. To return to ${shortArn(rollout.previousRevision)}, run this action with mode: rollback, or deploy a fix.`
}

/** Starts a service's way back (or takes up ECS's own); a start that fails ends its part. */
async function start(context: Context, way: WayBack): Promise<void> {
  const { deps, many } = context
  const { result, rollout, plan } = way
  if (plan.kind === 'follow-ecs-rollback') {
    returning(way, plan.revision)
    noteOn(
      result,
      deps.clock,
      `ECS rolls back: deployment ${plan.deploymentId} → ${shortArn(plan.revision)}`
    )
    const strategy = rollout.serviceDeployment?.strategy ?? 'ROLLING'
    way.back = {
      deploymentId: plan.deploymentId,
      revision: plan.revision,
      label: labelOf('ecs rollback', rollout.service, many),
      ecs: true,
      ...(plan.serviceDeploymentArn
        ? {
            serviceDeployment: {
              arn: plan.serviceDeploymentArn,
              strategy,
              expect: 'rollback' as const,
              returnsTo: plan.revision
            }
          }
        : {})
    }
    return
  }
  if (plan.kind !== 'roll-back') return
  const to = plan.to
  const update = await startUpdate(deps, rollout.service, to)
  if (update.kind === 'not-applied') {
    way.said = `The rollback to ${shortArn(to)} could not be started (${update.cause}): the service is left on ${shortArn(rollout.revision)}; run this action with mode: rollback.`
    return
  }
  if (update.kind === 'unknown') {
    way.said = `Could not tell whether the rollback to ${shortArn(to)} was started (${update.cause}; ${update.why}): the service may be left on ${shortArn(rollout.revision)} or moving to ${shortArn(to)}. Check it in the ECS console; if it is still on ${shortArn(rollout.revision)}, run this action with mode: rollback.`
    return
  }
  if (update.kind === 'answer-lost') core.warning(appliedAllTheSame(update, to))
  const { deploymentId } = update
  returning(way, to)
  noteOn(result, deps.clock, `rollback started: deployment ${deploymentId} → ${shortArn(to)}`)
  core.info(`Rollback deployment ${deploymentId} started: ${rollout.service} → ${shortArn(to)}`)
  way.back = {
    deploymentId,
    revision: to,
    label: labelOf('rollback', rollout.service, many),
    ecs: false,
    ...(rollout.serviceDeployment
      ? {
          serviceDeployment: {
            arn: update.serviceDeploymentArn,
            strategy: rollout.serviceDeployment.strategy,
            expect: 'rollout' as const
          }
        }
      : {})
  }
}

/** The service is on its way back to `revision`: the result says so, with what that revision runs. */
function returning(way: WayBack, revision: string): void {
  const before = way.rollout.before
  runs(
    way.result,
    before?.taskDefinitionArn === revision ? before : { taskDefinitionArn: revision }
  )
  way.result.change = 'returning'
}

/** The end of a way back that did not complete, or undefined when it did. */
function notBack(way: WayBack, outcome: RolloutOutcome | undefined): string | undefined {
  if (!way.back || outcome?.kind === 'completed') return undefined
  const reason = outcome && 'reason' in outcome ? outcome.reason : 'it was not watched'
  const { deploymentId, revision } = way.back
  return way.back.ecs
    ? `${way.back.serviceDeployment ? 'ECS is rolling the deployment back' : "ECS's circuit breaker is rolling back"} to ${shortArn(revision)} (deployment ${deploymentId}), and that did not complete either: ${reason}. Check the service in the ECS console.`
    : `The rollback to ${shortArn(revision)} (deployment ${deploymentId}) did not complete either: ${reason}. The service is pointed at ${shortArn(revision)}; check it in the ECS console.`
}

/** The step's error: what failed, then what became of each service. */
function stepError(context: Context, ways: WayBack[], headline: string | undefined): string {
  const only = ways[0]
  if (!context.many && only)
    return `${only.failed ?? headline ?? 'The rollout failed'}. ${only.said ?? ''}`
  const failures = ways
    .filter(way => way.failed !== undefined)
    .map(way => `ECS service ${way.rollout.service}: ${way.failed ?? ''}.`)
  const what = [headline ? `${headline.replace(/[.\s]+$/, '')}.` : '', ...failures]
    .filter(Boolean)
    .join(' ')
  const each = ways.map(way => `${way.rollout.service}: ${way.said ?? ''}`).join(' ')
  return `${what} The services of this step are one unit, so each goes back to what it ran before. ${each}`
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
 * Sets the result's image, digest and tag to what the service runs after this step.
 */
async function verifyBack(context: Context, way: WayBack, revision: string): Promise<string> {
  const { deps, policy } = context
  const { result, rollout } = way
  return core.group(`Verify ${shortArn(revision)}`, async () => {
    try {
      const { taskDefinition, tags } = await deps.ecs.taskDefinition(revision)
      const now = asRevision(taskDefinition, tags, rollout.containerName)
      runs(result, now)
      const { image, digest } = now
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
