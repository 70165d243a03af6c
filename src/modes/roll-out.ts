// The epilogue deploy and rollback share: record the rollout, point the service at the revision,
// then watch and verify it (unless wait is false).
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import type { RolloutPolicy } from '../inputs/policy.js'
import type { RunResult } from '../result.js'
import { startDeployment } from '../rollout/start.js'
import { superviseRollout } from '../rollout/supervise.js'

export interface RollOut {
  service: string
  revision: string
  /** The revision the service ran before this step. */
  previousRevision: string
  containerName: string
  digest: string
  /** This step registered the revision: it is deregistered when the service certainly did not take it. */
  registered: boolean
  what: 'update' | 'rollback'
  wait: boolean
}

/** Starts the deployment and supervises it; the result says what runs when it returns or throws. */
export async function rollOut(
  deps: Deps,
  policy: RolloutPolicy,
  result: RunResult,
  plan: RollOut
): Promise<void> {
  const { service, revision, previousRevision } = plan
  // A copy: result.taskDefinitionArn names the revision only once ECS has taken the update.
  await deps.onRolloutStart?.({ ...result, taskDefinitionArn: revision })
  const deploymentId = await core.group(`Update service ${service}`, () =>
    startDeployment(deps, {
      service,
      revision,
      ran: previousRevision,
      registered: plan.registered,
      what: plan.what
    })
  )
  result.taskDefinitionArn = revision

  if (!plan.wait) {
    core.info(
      `wait is false: the ${plan.what === 'update' ? 'rollout' : 'rollback'} was started and is not watched or verified.`
    )
  } else {
    await superviseRollout(
      deps,
      // A rollback that fails is reported as it is; rolling it back in turn would hide what happened.
      plan.what === 'rollback' ? { ...policy, rollbackOnFailure: false } : policy,
      result,
      {
        service,
        deploymentId,
        revision,
        previousRevision,
        containerName: plan.containerName,
        digest: plan.digest
      }
    )
  }
  if (plan.what === 'rollback') result.rolledBack = true
  result.status = 'succeeded'
}
