// Watching a deployment: a pure classification of each DescribeServices answer, and the
// polling loop around it with an injectable clock.
import * as core from '@actions/core'
import type { Deployment, Service } from '@aws-sdk/client-ecs'
import type { Deps } from './deps.js'
import type { TimelineEntry } from './result.js'

export type Observation =
  | { kind: 'in-progress'; progress: string }
  | { kind: 'completed'; progress: string }
  | { kind: 'failed'; progress: string; reason: string }
  | { kind: 'replaced'; progress: string; reason: string }

/** `1/2 running, 0 pending, 0 failed, IN_PROGRESS` for one deployment. */
export function progressLine(deployment: Deployment): string {
  return `${deployment.runningCount ?? 0}/${deployment.desiredCount ?? 0} running, ${deployment.pendingCount ?? 0} pending, ${deployment.failedTasks ?? 0} failed, ${deployment.rolloutState ?? 'UNKNOWN'}`
}

/** What one DescribeServices answer says about our deployment. Pure. */
export function classify(service: Service, deploymentId: string): Observation {
  const deployments = service.deployments ?? []
  const ours = deployments.find(d => d.id === deploymentId)
  const primary = deployments.find(d => d.status === 'PRIMARY')
  if (!ours) {
    return {
      kind: 'replaced',
      progress: primary ? progressLine(primary) : 'no deployment',
      reason: `deployment ${deploymentId} is gone from the service; the PRIMARY deployment is now ${primary?.id ?? 'none'} (${primary?.taskDefinition ?? 'unknown revision'})`
    }
  }
  const progress = progressLine(ours)
  if (ours.rolloutState === 'FAILED') {
    return {
      kind: 'failed',
      progress,
      reason: `ECS marked the rollout FAILED: ${ours.rolloutStateReason ?? 'no reason given'}`
    }
  }
  if (primary && primary.id !== deploymentId) {
    return {
      kind: 'replaced',
      progress,
      reason: `the PRIMARY deployment is no longer ours: ${primary.id ?? '?'} runs ${primary.taskDefinition ?? 'an unknown revision'}`
    }
  }
  const settled =
    deployments.length === 1 &&
    ours.rolloutState === 'COMPLETED' &&
    (ours.runningCount ?? 0) === (ours.desiredCount ?? 0)
  return settled ? { kind: 'completed', progress } : { kind: 'in-progress', progress }
}

export interface WatchRequest {
  service: string
  deploymentId: string
  timeoutMs: number
  pollMs: number
}

export type RolloutOutcome =
  | { kind: 'completed' }
  | { kind: 'failed'; reason: string }
  | { kind: 'replaced'; reason: string }
  | { kind: 'timeout'; reason: string }

/** Polls every pollMs until the deployment settles, fails, is replaced, or time runs out. */
export async function watchRollout(
  deps: Pick<Deps, 'ecs' | 'clock'>,
  request: WatchRequest,
  timeline: TimelineEntry[]
): Promise<RolloutOutcome> {
  const started = deps.clock.now()
  let last = ''
  for (;;) {
    const observation = classify(await deps.ecs.service(request.service), request.deploymentId)
    if (observation.progress !== last) {
      last = observation.progress
      const line = `rollout ${observation.progress}`
      core.info(line)
      timeline.push({ at: new Date(deps.clock.now()).toISOString(), message: line })
    }
    if (observation.kind === 'completed') return { kind: 'completed' }
    if (observation.kind === 'failed' || observation.kind === 'replaced') return observation
    if (deps.clock.now() - started >= request.timeoutMs) {
      return {
        kind: 'timeout',
        reason: `the rollout did not finish within ${request.timeoutMs / 60000} minutes (${observation.progress})`
      }
    }
    await deps.clock.sleep(request.pollMs)
  }
}
