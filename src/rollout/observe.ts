// What one poll sees of a deployment: the service's deployments (DescribeServices), and for a
// BLUE_GREEN, LINEAR or CANARY rollout its service deployment too, which says how it ends. A
// rolling rollout's service deployment, when ECS names one, confirms that it really completed.
import * as core from '@actions/core'
import type { Service, ServiceDeployment } from '@aws-sdk/client-ecs'
import { transientProblem } from '../aws/clients.js'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import { classify, type Observation, type Watch } from './classify.js'
import type { Strategy } from '../model/move.js'
import { classifyServiceDeployment, watchedByServiceDeployment } from './service-deployments.js'

/** The service deployment a watch follows, and how. */
export interface ServiceDeploymentWatch {
  /** Undefined until known: looked up among the service's active deployments on the first poll. */
  arn: string | undefined
  strategy: Strategy
  /** `rollback`: following ECS's own rollback of the deployment, which ends ROLLBACK_SUCCESSFUL. */
  expect: 'rollout' | 'rollback'
  /** The revision ECS's rollback returns to. */
  returnsTo?: string
  /** Read every poll even for a rolling rollout: its end is the service deployment's word. */
  everyPoll?: boolean
}

/** Where a watch stands with its service deployment between polls. */
export interface Following {
  watch: ServiceDeploymentWatch
  /** False once the API could not be used: the deployments alone are read from then on. */
  usable: boolean
}

/** Whether the poll reads the service deployment every time (not only to confirm). */
export function followsEveryPoll(following: Following | undefined): boolean {
  if (!following?.usable) return false
  return (
    watchedByServiceDeployment(following.watch.strategy) ||
    following.watch.expect === 'rollback' ||
    following.watch.everyPoll === true
  )
}

/**
 * The service deployments of the watches that read them every poll, in one call a twenty, found
 * first when not known yet. A transient failure leaves the poll without them (the deployments
 * view still counts the poll); any other stops following them, with a warning.
 */
export async function pollServiceDeployments(
  deps: Pick<Deps, 'ecs'>,
  watches: { service: string; following: Following }[]
): Promise<Map<string, ServiceDeployment>> {
  const found = new Map<string, ServiceDeployment>()
  const wanted = watches.filter(w => followsEveryPoll(w.following))
  if (wanted.length === 0) return found
  try {
    for (const { service, following } of wanted) {
      following.watch.arn ??= (await deps.ecs.activeServiceDeployments(service))[0]
    }
    const arns = wanted.flatMap(w => (w.following.watch.arn ? [w.following.watch.arn] : []))
    for (const deployment of arns.length > 0 ? await deps.ecs.serviceDeployments(arns) : []) {
      if (deployment.serviceDeploymentArn) found.set(deployment.serviceDeploymentArn, deployment)
    }
  } catch (error) {
    if (!transientProblem(error)) {
      for (const { service, following } of wanted) stopFollowing(service, following, error)
    }
  }
  return found
}

function stopFollowing(service: string, following: Following, error: unknown): void {
  following.usable = false
  core.warning(
    `Could not read the service deployment of ${service} (${errorText(error)}): its ${following.watch.strategy} rollout is watched through its deployments alone, which cannot tell a bake from its end as surely.`
  )
}

/** What the poll says of our deployment, from the service and, when followed, its service deployment. */
export async function observe(
  deps: Pick<Deps, 'ecs'>,
  service: Service,
  watch: Watch & { service: string },
  following: Following | undefined,
  polled: Map<string, ServiceDeployment>
): Promise<Observation> {
  const byDeployments = classify(service, watch)
  if (following && followsEveryPoll(following)) {
    const arn = following.watch.arn
    const seen = classifyServiceDeployment(arn ? polled.get(arn) : undefined, {
      expect: following.watch.expect,
      returnsTo: following.watch.returnsTo
    })
    // A stopped deployment may have been replaced by someone else's: the deployments say whose.
    if (seen.kind === 'failed' && byDeployments.kind === 'replaced') return byDeployments
    return seen
  }
  if (byDeployments.kind !== 'completed' || !following?.usable || !following.watch.arn) {
    return byDeployments
  }
  // A rolling rollout that looks completed: its service deployment must not say otherwise.
  try {
    const [deployment] = await deps.ecs.serviceDeployments([following.watch.arn])
    const seen = classifyServiceDeployment(deployment, {
      expect: 'rollout',
      returnsTo: following.watch.returnsTo
    })
    if (seen.kind === 'failed' || seen.kind === 'ecs-rolled-back') return seen
  } catch (error) {
    if (!transientProblem(error)) {
      following.usable = false
      core.info(
        `The service deployment of ${watch.service} could not be read to confirm the rollout (${errorText(error)}); its deployments say it completed.`
      )
    }
  }
  return byDeployments
}
