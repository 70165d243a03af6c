// What the watch of one move needs, derived from the move once: which deployment and service
// deployment are followed, the revisions it names, and the first word of its progress lines.
import type { Move } from '../model/move.js'
import { shortArn } from '../model/names.js'
import type { Watch } from './classify.js'
import type { ServiceDeploymentWatch } from './observe.js'

/**
 * Which way a watched move goes: `out`, this step's rollout; `back`, this step's update back to
 * what ran before; `ecs-back`, ECS's own rollback of this step's rollout, followed.
 */
export type Way = 'out' | 'back' | 'ecs-back'

/** A move to watch, and which way it goes. */
export interface Watching {
  move: Move
  way: Way
}

/** What one deployment's watch needs, derived from its move once. */
export interface WatchRequest extends Watch {
  service: string
  /** The revision our deployment runs; stopped tasks of it are ours. */
  revision: string
  timeoutMs: number
  pollMs: number
  /** First word of each progress line: `rollout`, `rollback`, … */
  label: string
  /** The service deployment to follow (BLUE_GREEN, LINEAR, CANARY), or to confirm (ROLLING). */
  serviceDeployment?: ServiceDeploymentWatch
}

const WORD: Record<Way, string> = { out: 'rollout', back: 'rollback', 'ecs-back': 'ecs rollback' }

export function requestOf(
  { move, way }: Watching,
  options: { timeoutMs: number; pollMs: number; many: boolean; since: number }
): WatchRequest {
  const followed = serviceDeploymentOf(move, way, options.since)
  return {
    service: move.service,
    deploymentId: move.deploymentId,
    revision: move.to.taskDefinitionArn,
    ...(way === 'out' ? { previousRevision: move.from.taskDefinitionArn } : {}),
    timeoutMs: options.timeoutMs,
    pollMs: options.pollMs,
    label: labelOf(WORD[way], move.service, options.many),
    ...(followed ? { serviceDeployment: followed } : {})
  }
}

/**
 * The service deployment a move is followed or confirmed by: its own on the way out (ECS's
 * rollback of it returns to `from`) and on an update back; ECS's rollback only when ECS named it.
 */
function serviceDeploymentOf(
  move: Move,
  way: Way,
  since: number
): ServiceDeploymentWatch | undefined {
  const arn = move.serviceDeploymentArn
  if (way === 'out') {
    return {
      arn,
      strategy: move.strategy,
      expect: 'rollout',
      returnsTo: move.from.taskDefinitionArn,
      ours: { revision: move.to.taskDefinitionArn, since },
      ...(move.earlySuccess ? { everyPoll: true } : {})
    }
  }
  if (way === 'back') {
    return {
      arn,
      strategy: move.strategy,
      expect: 'rollout',
      ours: { revision: move.to.taskDefinitionArn, since }
    }
  }
  return arn
    ? { arn, strategy: move.strategy, expect: 'rollback', returnsTo: move.to.taskDefinitionArn }
    : undefined
}

/** The first word of a progress line: the service's name follows when several are watched. */
export function labelOf(word: string, service: string, many: boolean): string {
  return many ? `${word} ${shortArn(service)}` : word
}
