// After a failed rollout: explain it, then put the last good revision back (or follow the
// rollback ECS already started), verify what runs, and say so in the step's error. Several
// services rolled out together are one unit: when one fails, every one this step changed goes
// back. Each service's part is returned; the journal hears the way back as it starts.
import * as core from '@actions/core'
import type { ServiceDeployment } from '@aws-sdk/client-ecs'
import type { Deps } from '../deps.js'
import type { Journal } from '../model/journal.js'
import type { Move } from '../model/move.js'
import { shortArn } from '../model/names.js'
import { explainFailure, reportFailure } from '../rollout/diagnostics.js'
import { watchStarted, type RolloutOutcome, type Watched } from '../rollout/watch.js'
import { awaitingPause } from './shift.js'
import type { RolloutPolicy, Supervised } from './supervised.js'
import {
  backSaid,
  leave,
  notBack,
  start,
  verifyBack,
  type Context,
  type Going,
  type Recovered,
  type Recovery
} from './way-back.js'

export type { Recovered, Recovery }

/**
 * What to do about a service's rollout when the step fails: its own that did not complete, or
 * (completed or unfinished) one that goes back because another service's failed. Pure.
 */
export function recoveryPlan(
  outcome: Exclude<RolloutOutcome, { kind: 'completed' }> | { kind: 'completed' },
  move: Pick<Move, 'from' | 'to' | 'strategy'>,
  rollbackOnFailure: boolean,
  serviceDeployment?: ServiceDeployment
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
  const arn = serviceDeployment?.serviceDeploymentArn
  const shifting = ['PENDING', 'IN_PROGRESS'].includes(serviceDeployment?.status ?? '')
  if (move.strategy !== 'ROLLING' && arn && shifting) {
    const hook = awaitingPause(serviceDeployment)
    return hook?.hookId
      ? { kind: 'continue-rollback', serviceDeploymentArn: arn, hookId: hook.hookId, to: previous }
      : { kind: 'stop-rollback', serviceDeploymentArn: arn, to: previous }
  }
  return { kind: 'roll-back', to: previous }
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
    const plan = recoveryPlan(
      outcome,
      unit.move,
      policy.rollbackOnFailure,
      watch?.serviceDeployment
    )
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
          way: part.back?.how === 'update' ? 'back' : 'ecs-back'
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
      going.part.said = backSaid(back, verified)
    }
  }
  return { services: goings.map(going => going.part), error: stepError(context, goings, headline) }
}

/** How a rollout's failure reads, by how its watch ended; `failed` for the others. */
const FAILED_AS: Partial<Record<RolloutOutcome['kind'], string>> = {
  replaced: 'did not finish',
  unverified: 'completed but verification failed'
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
  const failed = `The rollout of ${shortArn(revision)} ${FAILED_AS[outcome.kind] ?? 'failed'}: ${reason}`
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
  const plan = only.plan
  if (plan.kind === 'follow-ecs-rollback')
    return `Follow ECS's rollback to ${shortArn(plan.revision)}`
  return `Roll back to ${shortArn(plan.kind === 'leave' ? '' : plan.to)}`
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
