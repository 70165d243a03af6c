// What one poll sees of a deployment: the service's deployments (DescribeServices), and for a
// BLUE_GREEN, LINEAR or CANARY rollout its service deployment too, which says how it ends. A
// rolling rollout's service deployment, when ECS names one, confirms that it really completed.
import * as core from '@actions/core'
import type { Service, ServiceDeployment, ServiceDeploymentBrief } from '@aws-sdk/client-ecs'
import { transientProblem } from '../aws/clients.js'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import { shortArn } from '../model/names.js'
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
  /**
   * For a rollout of this step: the revision its service deployment must roll out, and the clock
   * time of the update, before which it cannot have been made. A service deployment ECS names
   * that is not so is not followed; this step's own is looked up instead.
   */
  ours?: { revision: string; since: number }
}

/** Where a watch stands with its service deployment between polls. */
export interface Following {
  watch: ServiceDeploymentWatch
  /** False once the API could not be used: the deployments alone are read from then on. */
  usable: boolean
  /** The service deployment followed is known to be this step's (or needs no checking). */
  confirmed?: boolean
}

/** How far ECS's clock may be behind this machine's when a service deployment is dated. */
const CLOCK_SKEW_MS = 60_000

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
    for (const { service, following } of wanted) await confirm(deps, service, following)
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

/**
 * Makes sure the service deployment followed is this step's: the one ECS named (or, when it named
 * none or another, the newest made since the update) whose target revision runs the revision this
 * step started. Until it is found, the watch has none (`not listed yet`).
 */
async function confirm(
  deps: Pick<Deps, 'ecs'>,
  service: string,
  following: Following
): Promise<void> {
  const { watch } = following
  const ours = watch.ours
  if (following.confirmed || watch.expect !== 'rollout' || !ours) {
    following.confirmed = true
    return
  }
  const listed = await deps.ecs.serviceDeploymentsSince(
    service,
    new Date(ours.since - CLOCK_SKEW_MS)
  )
  const named = watch.arn
  // Nothing listed yet (ECS lags behind its own answer): keep what it named, and look again.
  if (listed.length === 0) return
  const candidates = [
    ...listed.filter(d => d.serviceDeploymentArn === named),
    ...listed.filter(d => d.serviceDeploymentArn !== named)
  ]
  const revisions = await revisionsOf(deps, candidates)
  const found = candidates.find(d => {
    const runs = d.targetServiceRevisionArn && revisions?.get(d.targetServiceRevisionArn)
    return runs === undefined || runs === ours.revision
  })
  const arn = found?.serviceDeploymentArn
  if (named && arn !== named) {
    core.info(
      `ECS named the service deployment ${shortArn(named)} for this update of ${service}, but it ${listed.some(d => d.serviceDeploymentArn === named) ? 'rolls out another revision' : 'was made before the update'}: ${arn ? `following ${shortArn(arn)}, which rolls out ${shortArn(ours.revision)}` : `looking for the one that rolls out ${shortArn(ours.revision)}`}.`
    )
  }
  watch.arn = arn
  following.confirmed = arn !== undefined
}

/**
 * The task definition each candidate's target revision runs, or undefined when ECS cannot say
 * (no permission for DescribeServiceRevisions, or no answer): then the newest made since the
 * update is taken, rather than no service deployment at all.
 */
async function revisionsOf(
  deps: Pick<Deps, 'ecs'>,
  candidates: ServiceDeploymentBrief[]
): Promise<Map<string, string> | undefined> {
  const arns = candidates.flatMap(d =>
    d.targetServiceRevisionArn ? [d.targetServiceRevisionArn] : []
  )
  if (arns.length === 0) return new Map()
  try {
    return await deps.ecs.serviceRevisionTaskDefinitions(arns)
  } catch (error) {
    core.info(
      `The service revisions could not be read (${errorText(error)}): the newest service deployment made since the update is taken as this step's.`
    )
    return undefined
  }
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
  if (byDeployments.kind !== 'completed' || !following?.usable) return byDeployments
  // A rolling rollout that looks completed: its service deployment, when this step can tell
  // which is its own, must not say otherwise.
  try {
    await confirm(deps, watch.service, following)
    const arn = following.watch.arn
    if (!arn) return byDeployments
    const [deployment] = await deps.ecs.serviceDeployments([arn])
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
