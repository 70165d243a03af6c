// The epilogue deploy and rollback share: record each rollout, point each service at its
// revision, then watch and verify them together (unless wait is false). Several services are one
// unit: when one cannot be updated, those already started go back.
import * as core from '@actions/core'
import type { Baseline } from '../bake/rules.js'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import type { RolloutPolicy } from '../inputs/policy.js'
import { shortArn } from '../model/names.js'
import { runs, type Revision, type ServiceResult } from '../model/result.js'
import { recover } from '../supervise/recovery.js'
import { deregisterUnused, startDeployment, type Supervised } from '../rollout/start.js'
import type { Strategy } from '../rollout/service-deployments.js'
import { superviseRollouts } from '../supervise/supervise.js'

/** One service to point at a revision. */
export interface RollOut {
  result: ServiceResult
  /** The revision to roll out, described. */
  attempted: Revision
  /** The revision the service ran before this step, described. */
  before: Revision
  containerName: string
  /** How the service deploys: its deployment configuration's strategy. */
  strategy: Strategy
  /** The commit the revision was deployed from, when known: a rollback's GitHub record names it. */
  commit?: string
  /** The old revision's error lines before the deploy, for the bake. */
  baseline?: Baseline
  /**
   * This step registered the revision for this service: it is deregistered when no service took
   * it. False for a second service that shares the revision.
   */
  registered: boolean
}

export interface RollOutHow {
  what: 'update' | 'rollback'
  wait: boolean
}

/** Starts each deployment and supervises them; the results say what runs when it returns or throws. */
export async function rollOut(
  deps: Deps,
  policy: RolloutPolicy,
  units: RollOut[],
  how: RollOutHow
): Promise<void> {
  // A rollback that fails is reported as it is; rolling it back in turn would hide what happened.
  const watching =
    how.what === 'rollback'
      ? { ...policy, rollbackOnFailure: false, bake: { ...policy.bake, bakeMs: 0 } }
      : policy
  const started: Supervised[] = []
  for (const [i, unit] of units.entries()) {
    const { result, attempted, before } = unit
    const service = result.service
    const revision = attempted.taskDefinitionArn
    result.attempted = attempted
    await deps.onRolloutStart?.({
      ...attempted,
      service,
      previousTaskDefinitionArn: before.taskDefinitionArn,
      ...(unit.commit ? { commit: unit.commit } : {})
    })
    let deployment: { deploymentId: string; serviceDeploymentArn?: string }
    try {
      deployment = await core.group(`Update service ${service}`, () =>
        startDeployment(deps, {
          service,
          revision,
          ran: before.taskDefinitionArn,
          registered: unit.registered,
          what: how.what
        })
      )
    } catch (error) {
      if (started.length === 0) throw error
      const unused = await dropUnused(deps, units.slice(i + 1), started)
      return recover(
        deps,
        watching,
        started,
        [],
        `ECS service ${service} could not be updated to ${shortArn(revision)} after ${started.map(s => s.result.service).join(', ')} had started: ${errorText(error).replace(/[.\s]+$/, '')}${unused}`
      )
    }
    result.change = 'rolling-out'
    runs(result, attempted)
    started.push({
      ...(unit.baseline ? { baseline: unit.baseline } : {}),
      result,
      rollout: {
        service,
        deploymentId: deployment.deploymentId,
        revision,
        previousRevision: before.taskDefinitionArn,
        containerName: unit.containerName,
        digest: attempted.digest ?? '',
        before,
        serviceDeployment: { arn: deployment.serviceDeploymentArn, strategy: unit.strategy }
      }
    })
  }

  if (!how.wait) {
    core.info(
      `wait is false: the ${how.what === 'update' ? 'rollout' : 'rollback'} was started and is not watched or verified.`
    )
  } else {
    await superviseRollouts(deps, watching, started)
  }
  if (how.what === 'rollback') for (const { result } of started) result.rolledBack = true
}

/** Deregisters revisions registered for services that were never updated; says how it went. */
async function dropUnused(deps: Deps, later: RollOut[], started: Supervised[]): Promise<string> {
  if (later.length === 0) return ''
  const inUse = new Set(started.map(s => s.rollout.revision))
  const notes: string[] = []
  for (const unit of later) {
    const revision = unit.attempted.taskDefinitionArn
    const dropped =
      unit.registered && !inUse.has(revision) ? ` (${await deregisterUnused(deps, revision)})` : ''
    notes.push(`${unit.result.service}${dropped}`)
  }
  return `. Not updated: ${notes.join(', ')}`
}
