// Before a deploy: a deployment already in progress is waited for, never stacked on.
import * as core from '@actions/core'
import type { Service } from '@aws-sdk/client-ecs'
import type { Deps } from '../deps.js'
import { errorText, NothingChangedError } from '../model/errors.js'
import type { Journal } from '../model/journal.js'
import { shortArn } from '../model/names.js'
import { deploymentInFlight, progressOf } from './classify.js'
import { minutes, poll, report } from './watch.js'

/**
 * A deployment already in progress is not stacked on: waits (within timeout-minutes) until the
 * service has one settled deployment, saying so. Throws when it does not settle, or settles
 * somewhere other than the revision the deploy was planned from.
 */
export async function settleBeforeDeploy(
  deps: Pick<Deps, 'ecs' | 'clock'>,
  policy: { timeoutMs: number; pollMs: number },
  name: string,
  journal: Pick<Journal, 'note'>,
  plannedFrom: string
): Promise<void> {
  const first = await deps.ecs.service(name)
  const busy = deploymentInFlight(first)
  if (!busy) {
    const primary = first.deployments?.find(d => d.status === 'PRIMARY')
    if (primary?.rolloutState === 'FAILED') {
      core.warning(
        `The current deployment of ${name} (${primary.id ?? '?'}, ${shortArn(primary.taskDefinition)}) is FAILED: ${primary.rolloutStateReason ?? 'no reason given'}. Deploying over it.`
      )
    }
    return
  }

  const timeoutMs = policy.timeoutMs
  await core.group('Wait for the deployment in progress to settle', async () => {
    core.info(
      `A deployment is already in progress on ${name}: ${busy.id ?? '?'} → ${shortArn(busy.taskDefinition)}, ${progressOf(busy, first.deployments ?? [])}. Waiting for it to settle before deploying (up to ${minutes(timeoutMs)}).`
    )
    const startedAt = deps.clock.now()
    let last = ''
    let service = first
    for (;;) {
      const settling = deploymentInFlight(service)
      const primary = service.deployments?.find(d => d.status === 'PRIMARY')
      const progress = primary ? progressOf(primary, service.deployments ?? []) : 'no deployment'
      const elapsed = deps.clock.now() - startedAt
      if (progress !== last) {
        last = progress
        report(journal, name, `in progress ${progress}`, elapsed)
      }
      if (!settling) {
        settled(name, service, plannedFrom)
        return
      }
      if (elapsed >= timeoutMs) {
        throw new NothingChangedError(
          `A deployment already in progress on ${name} (${settling.id ?? '?'} → ${shortArn(settling.taskDefinition)}) did not settle within ${minutes(timeoutMs)} (last seen: ${progress}): nothing was deployed; this step left the service unchanged`
        )
      }
      await deps.clock.sleep(Math.min(policy.pollMs, timeoutMs - elapsed))
      const answer = await poll(deps, name)
      if ('problem' in answer) {
        core.info(`poll ${answer.problem} (${errorText(answer.error)}); still waiting`)
      } else {
        service = answer.service
      }
    }
  })
}

/** After waiting: the deploy goes ahead only from the revision it was planned from. */
function settled(name: string, service: Service, plannedFrom: string): void {
  const primary = service.deployments?.find(d => d.status === 'PRIMARY')
  const now = primary?.taskDefinition ?? service.taskDefinition
  if (now !== plannedFrom) {
    throw new NothingChangedError(
      `While this step waited, the deployment in progress on ${name} settled on ${shortArn(now)}, not on ${shortArn(plannedFrom)} that this deploy was planned from: nothing was deployed; run the step again`
    )
  }
  if (primary?.rolloutState === 'FAILED') {
    throw new NothingChangedError(
      `The deployment in progress on ${name} ended FAILED on ${shortArn(now)} (${primary.rolloutStateReason ?? 'no reason given'}): nothing was deployed; roll back with mode: rollback, or run the step again to deploy over it`
    )
  }
  core.info(`The deployment in progress settled on ${shortArn(now)}; deploying.`)
}
