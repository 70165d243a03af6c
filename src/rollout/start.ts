// Pointing the service at a revision. UpdateService can be applied while its answer is lost (a
// dropped connection on the last attempt), so a failed call is judged by what the service shows,
// never assumed to have changed nothing.
import * as core from '@actions/core'
import type { Service } from '@aws-sdk/client-ecs'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import type { Move, PlannedMove } from '../model/move.js'
import { shortArn } from '../model/names.js'
import { currentServiceDeployment } from './service-deployments.js'

export type ServiceUpdate =
  /** ECS answered with the deployment it started. */
  | { kind: 'applied'; deploymentId: string; serviceDeploymentArn?: string }
  /** The answer was lost or had no deployment, but the service shows the update's deployment. */
  | { kind: 'answer-lost'; deploymentId: string; cause: string; serviceDeploymentArn?: string }
  /** The service still points elsewhere: nothing changed. */
  | { kind: 'not-applied'; cause: string; error: unknown }
  /** Neither the answer nor the service says: the service may be moving to the revision. */
  | { kind: 'unknown'; cause: string; why: string; error: unknown }

/** An UpdateService that did not answer with a deployment to watch. */
export interface UnclearUpdate {
  cause: string
  error: unknown
  /** ECS answered, so it took the update; only the deployment is missing. */
  accepted: boolean
}

/** The service read after an unclear update, or why it could not be read. */
export type Look = { service: Service } | { error: string }

/** The deployment UpdateService's answer says it started. Pure. */
export function startedDeployment(answer: Service): string | undefined {
  return answer.deployments?.find(d => d.status === 'PRIMARY')?.id || undefined
}

/** What an unclear update did to the service, judged by the service read afterwards. Pure. */
export function judgeUpdate(revision: string, update: UnclearUpdate, look: Look): ServiceUpdate {
  const { cause, error } = update
  if ('error' in look) return { kind: 'unknown', cause, why: look.error, error }
  const primary = look.service.deployments?.find(d => d.status === 'PRIMARY')
  if (primary?.id && primary.taskDefinition === revision) {
    const serviceDeploymentArn = currentServiceDeployment(look.service)
    return {
      kind: 'answer-lost',
      deploymentId: primary.id,
      cause,
      ...(serviceDeploymentArn ? { serviceDeploymentArn } : {})
    }
  }
  if (update.accepted) {
    return {
      kind: 'unknown',
      cause,
      why: `ECS accepted it, but the service's PRIMARY deployment ${primary?.id ?? '(none)'} runs ${shortArn(primary?.taskDefinition)}`,
      error
    }
  }
  if (look.service.taskDefinition === revision) {
    return {
      kind: 'unknown',
      cause,
      why: `the service points at ${shortArn(revision)} but shows no PRIMARY deployment of it`,
      error
    }
  }
  return { kind: 'not-applied', cause, error }
}

/** Points the service at the revision and says which deployment, if any, to watch. */
export async function startUpdate(
  deps: Pick<Deps, 'ecs'>,
  service: string,
  revision: string
): Promise<ServiceUpdate> {
  let unclear: UnclearUpdate
  try {
    const answer = await deps.ecs.update(service, revision)
    const deploymentId = startedDeployment(answer)
    const serviceDeploymentArn = currentServiceDeployment(answer)
    if (deploymentId) {
      return {
        kind: 'applied',
        deploymentId,
        ...(serviceDeploymentArn ? { serviceDeploymentArn } : {})
      }
    }
    const error = new Error(`ECS answered the update of ${service} without a PRIMARY deployment`)
    unclear = { cause: error.message, error, accepted: true }
  } catch (error) {
    unclear = { cause: errorText(error), error, accepted: false }
  }
  let look: Look
  try {
    look = { service: await deps.ecs.service(service) }
  } catch (error) {
    look = { error: errorText(error) }
  }
  return judgeUpdate(revision, unclear, look)
}

/** The warning for an update ECS applied although its answer was lost. */
export function appliedAllTheSame(
  update: { deploymentId: string; cause: string },
  revision: string
): string {
  return `${update.cause}. ECS applied the update all the same: deployment ${update.deploymentId} rolls out ${shortArn(revision)}; watching it.`
}

/** Deregisters a revision the service never took; says how that went, never throws. */
export async function deregisterUnused(deps: Pick<Deps, 'ecs'>, revision: string): Promise<string> {
  try {
    await deps.ecs.deregister(revision)
    return `revision ${shortArn(revision)} was deregistered`
  } catch (error) {
    return `revision ${shortArn(revision)} could not be deregistered (${errorText(error)})`
  }
}

/** How a move is started: what the step does, and whether it registered the revision. */
export interface StartHow {
  what: 'update' | 'rollback'
  /** This step registered `to`: it is deregistered when the service certainly did not take it. */
  registered: boolean
}

/**
 * Points the service at the move's revision and returns the move under way; throws, saying what
 * the service runs, when there is no deployment to watch. Shared by deploy and rollback, so both
 * treat a lost answer alike.
 */
export async function startMove(
  deps: Pick<Deps, 'ecs'>,
  planned: PlannedMove,
  how: StartHow
): Promise<Move> {
  const { service } = planned
  const revision = planned.to.taskDefinitionArn
  const update = await startUpdate(deps, service, revision)
  const ran = shortArn(planned.from.taskDefinitionArn)
  switch (update.kind) {
    case 'applied':
      core.info(`Deployment ${update.deploymentId} started: ${service} → ${shortArn(revision)}`)
      return moveOf(planned, update)
    case 'answer-lost':
      core.warning(appliedAllTheSame(update, revision))
      return moveOf(planned, update)
    case 'unknown':
      throw new Error(
        `${sentence(update.cause)} Could not tell whether ECS applied the ${how.what} (${update.why}): the service ran ${ran} before this step and may be moving to ${shortArn(revision)}${how.registered ? ', which was left registered' : ''}.`,
        { cause: update.error }
      )
    case 'not-applied': {
      const cleanup = how.registered ? `; ${await deregisterUnused(deps, revision)}` : ''
      const nothing =
        how.what === 'rollback' ? 'Nothing was rolled back: the service' : 'The service'
      throw new Error(`${sentence(update.cause)} ${nothing} still runs ${ran}${cleanup}.`, {
        cause: update.error
      })
    }
  }
}

/** The move under way, made once from the plan and the deployment ECS started. */
export function moveOf(
  planned: PlannedMove,
  update: { deploymentId: string; serviceDeploymentArn?: string }
): Move {
  const { deploymentId, serviceDeploymentArn } = update
  return { ...planned, deploymentId, ...(serviceDeploymentArn ? { serviceDeploymentArn } : {}) }
}

/** A cause as a sentence: one full stop at its end. */
function sentence(text: string): string {
  return `${text.replace(/[.\s]+$/, '')}.`
}
