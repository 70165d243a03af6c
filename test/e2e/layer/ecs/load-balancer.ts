// The load balancer in front of a service with `loadBalancers`: every step, the requests each of
// its target groups took since the last step, their 5xx answers and their p99, as the Application
// Load Balancer reports them to CloudWatch. A rolling service's revisions share its target group;
// a BLUE_GREEN deployment's new tasks are registered with the target group that is not serving
// production (the alternate of the pair, then back at the next deployment) and take the
// deployment's production weight. Healthy tasks answer 0.5 % of their requests 5xx with a p99 of
// 120 ms; the scripted outcomes `5xx-after-steady` and `slow-after-steady` turn the new revision's
// share or p99 worse `afterSteps` steps after it serves production. Pure but for the state it
// keeps on the service.
import { isLive, type SimDeployment, type SimService, type TrafficState } from './model.js'

export const HEALTHY_5XX = 0.005
export const HEALTHY_P99 = 0.12
const TROUBLED_5XX = 0.1
const TROUBLED_SLOWER = 2
/** Steps after it serves production until a scripted release goes bad, unless scripted. */
const AFTER_STEPS = 4
/** The minutes of history a service with a load balancer gets when the layer first sees it. */
export const HISTORY_MINUTES = 10
/** A pause longer than this (a stopped layer, a slow tick) is not counted as traffic. */
const MOST_COUNTED_MS = 10_000

/** What one target group took over a step (or a minute of history). */
export interface TargetGroupTraffic {
  targetGroupArn: string
  at: Date
  requests: number
  errors: number
  /** Seconds; undefined without requests. */
  p99: number | undefined
}

function pairOf(service: SimService): { primary: string; alternate: string } | undefined {
  const entry = service.loadBalancers.find(lb => lb.targetGroupArn)
  const alternate = entry?.advancedConfiguration?.alternateTargetGroupArn
  return entry?.targetGroupArn && alternate
    ? { primary: entry.targetGroupArn, alternate }
    : undefined
}

/** The service's traffic state, made when first needed; undefined without a target group. */
export function trafficState(service: SimService, now: Date): TrafficState | undefined {
  if (service.traffic) return service.traffic
  const production = service.loadBalancers.find(lb => lb.targetGroupArn)?.targetGroupArn
  if (!production) return undefined
  service.traffic = { countedTo: now.getTime(), production, groups: new Map(), owed: new Map() }
  return service.traffic
}

/** The production traffic weight of the deployment shifting it now, in percent; 0 when none. */
function shiftedWeight(service: SimService, state: TrafficState): number {
  const current = service.serviceDeployments[0]
  if (!current || current.strategy !== 'BLUE_GREEN') return 0
  const target = state.groups.get(current.targetDeploymentId)
  return target && target !== state.production ? current.productionWeight : 0
}

/** Registers new deployments with their target group, and moves production after a blue/green success. */
function assign(service: SimService, state: TrafficState): void {
  const pair = pairOf(service)
  for (const d of service.deployments) {
    if (state.groups.has(d.deployment.id)) continue
    const sd = d.serviceDeployment
    const shifts = pair && sd.strategy === 'BLUE_GREEN' && sd.targetDeploymentId === d.deployment.id
    const other = pair && (state.production === pair.primary ? pair.alternate : pair.primary)
    state.groups.set(d.deployment.id, shifts && other ? other : state.production)
  }
  const current = service.serviceDeployments[0]
  if (current?.strategy === 'BLUE_GREEN' && current.status === 'SUCCESSFUL') {
    state.production = state.groups.get(current.targetDeploymentId) ?? state.production
  }
}

function troubled(d: SimDeployment): boolean {
  const { outcome, afterSteps } = d.script
  if (outcome !== '5xx-after-steady' && outcome !== 'slow-after-steady') return false
  return (d.stepsServing ?? 0) >= (afterSteps ?? AFTER_STEPS)
}

/** The share answered 5xx and the p99 of a deployment's requests now. */
function behaviour(d: SimDeployment): { share: number; p99: number } {
  const bad = troubled(d)
  return {
    share:
      bad && d.script.outcome === '5xx-after-steady'
        ? (d.script.errorShare ?? TROUBLED_5XX)
        : HEALTHY_5XX,
    p99:
      bad && d.script.outcome === 'slow-after-steady'
        ? HEALTHY_P99 * (d.script.latencyFactor ?? TROUBLED_SLOWER)
        : HEALTHY_P99
  }
}

function running(service: SimService, d: SimDeployment): number {
  return service.tasks.filter(
    t => t.startedBy === d.deployment.id && isLive(t) && t.lastStatus === 'RUNNING'
  ).length
}

/** Whole requests and errors out of fractional ones, the rest owed to the next step. */
function settle(
  state: TrafficState,
  group: string,
  requests: number,
  errors: number
): { requests: number; errors: number } {
  const owed = state.owed.get(group) ?? { requests: 0, errors: 0 }
  const totalRequests = owed.requests + requests
  const totalErrors = owed.errors + errors
  const whole = { requests: Math.floor(totalRequests), errors: Math.floor(totalErrors) }
  whole.errors = Math.min(whole.errors, whole.requests)
  state.owed.set(group, {
    requests: totalRequests - whole.requests,
    errors: totalErrors - whole.errors
  })
  return whole
}

/**
 * The traffic of every target group of the service since the last step, at `requestsPerMinute`
 * spread over the target groups by the production weight and, within one, over the deployments
 * by their running tasks.
 */
export function trafficStep(
  service: SimService,
  now: Date,
  requestsPerMinute: number
): TargetGroupTraffic[] {
  const state = trafficState(service, now)
  if (!state) return []
  assign(service, state)
  const elapsed = Math.min(MOST_COUNTED_MS, Math.max(0, now.getTime() - state.countedTo))
  state.countedTo = now.getTime()
  const total = (requestsPerMinute * elapsed) / 60_000
  const weight = shiftedWeight(service, state) / 100
  const byGroup = new Map<string, { deployment: SimDeployment; tasks: number }[]>()
  for (const d of service.deployments) {
    const tasks = running(service, d)
    const group = state.groups.get(d.deployment.id)
    if (!group || tasks === 0) continue
    byGroup.set(group, [...(byGroup.get(group) ?? []), { deployment: d, tasks }])
    // A revision serves production once its rollout completed, or, behind the other target
    // group of a blue/green pair, once production traffic shifted to it.
    const serving =
      group === state.production ? d.deployment.rolloutState === 'COMPLETED' : weight > 0
    if (serving) d.stepsServing = (d.stepsServing ?? 0) + 1
  }
  const answers: TargetGroupTraffic[] = []
  for (const [group, members] of byGroup) {
    const share = group === state.production ? 1 - weight : weight
    const tasks = members.reduce((sum, m) => sum + m.tasks, 0)
    let requests = 0
    let errors = 0
    let p99: number | undefined
    for (const { deployment, tasks: own } of members) {
      const taken = (total * share * own) / tasks
      const { share: bad, p99: slow } = behaviour(deployment)
      requests += taken
      errors += taken * bad
      // A p99 follows the slowest revision that takes a share of the requests.
      if (taken > 0) p99 = Math.max(p99 ?? 0, slow)
    }
    const whole = settle(state, group, requests, errors)
    if (whole.requests > 0) {
      answers.push({ targetGroupArn: group, at: now, ...whole, p99 })
    }
  }
  return answers
}

/**
 * The minutes before the layer first saw the service: its production target group took healthy
 * traffic, so a first deploy has minutes before it to be compared with.
 */
export function history(
  service: SimService,
  now: Date,
  requestsPerMinute: number
): TargetGroupTraffic[] {
  const state = trafficState(service, now)
  if (!state) return []
  const minuteStart = Math.floor(now.getTime() / 60_000) * 60_000
  return Array.from({ length: HISTORY_MINUTES }, (_, i) => {
    const at = new Date(minuteStart - (HISTORY_MINUTES - i) * 60_000 + 30_000)
    const requests = Math.round(requestsPerMinute)
    return {
      targetGroupArn: state.production,
      at,
      requests,
      errors: Math.round(requests * HEALTHY_5XX),
      p99: HEALTHY_P99
    }
  })
}
