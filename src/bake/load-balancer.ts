// What the load balancer and the team's alarms say of a release, for the judge: where each
// revision's requests are counted (read once, before anything changes, with the minutes before
// the deploy), and, a minute at a time while the release is judged, the new and old target
// groups' minutes and the alarms, each signal judged new against old (docs/judge.md).
import * as core from '@actions/core'
import type { Service } from '@aws-sdk/client-ecs'
import type { TargetGroupDimensions } from '../aws/cloudwatch.js'
import { serviceTraffic, sidesOf } from '../aws/target-groups.js'
import type { Deps } from '../deps.js'
import { judgeAlarms, type AlarmSelector } from '../judge/alarms.js'
import {
  endedMinutes,
  judgeTraffic,
  trafficRules,
  type TrafficMinute,
  type TrafficSettings
} from '../judge/traffic.js'
import type { Verdict } from '../judge/verdict.js'
import { errorText } from '../model/errors.js'
import type { JudgedMinute, JudgedSignal, JudgedSignals } from '../model/result.js'

/** What the judge is told by the inputs: the traffic's settings, and the alarms to watch. */
export interface JudgeRules {
  traffic: TrafficSettings
  alarms: AlarmSelector
}

/** The minutes before the deploy the old side's traffic is read over. */
export const BEFORE_MINUTES = 10
const MINUTE = 60_000

/** Where the traffic of a service is read, as found before the deploy; `why` when it cannot be. */
export type TrafficBaseline =
  | { why: string }
  | {
      /** The new revision's target groups, and the old revision's (the same ones for rolling). */
      fresh: TargetGroupDimensions[]
      old: TargetGroupDimensions[]
      shared: boolean
      /** The old side's minutes before the deploy. */
      before: TrafficMinute[]
    }

/** Several target groups' minutes as one: requests and 5xx summed, the highest p99. Pure. */
export function mergeMinutes(lists: readonly TrafficMinute[][]): TrafficMinute[] {
  const merged = new Map<number, TrafficMinute>()
  for (const minute of lists.flat()) {
    const seen = merged.get(minute.at)
    if (!seen) {
      merged.set(minute.at, { ...minute })
      continue
    }
    seen.requests += minute.requests
    seen.errors += minute.errors
    const p99 = [seen.p99, minute.p99].filter((v): v is number => v !== undefined)
    seen.p99 = p99.length > 0 ? Math.max(...p99) : undefined
  }
  return [...merged.values()].sort((a, b) => a.at - b.at)
}

async function dimensionsOf(
  deps: Pick<Deps, 'elbv2'>,
  arns: string[]
): Promise<Map<string, TargetGroupDimensions>> {
  const found = new Map<string, TargetGroupDimensions>()
  for (const group of await deps.elbv2.targetGroups(arns)) {
    const loadBalancer = group.loadBalancers.find(lb => lb.dimension)?.dimension
    if (group.dimension && loadBalancer) {
      found.set(group.arn, { targetGroup: group.dimension, loadBalancer })
    }
  }
  return found
}

/**
 * Where the service's revisions take their requests, and the old side's minutes before now. A
 * service without a load balancer, or whose sides cannot be told, gets why; so does a read that
 * fails (the bake goes on with what it has).
 */
export async function readTrafficBaseline(
  deps: Pick<Deps, 'elbv2' | 'cloudwatch' | 'clock'>,
  service: Pick<Service, 'serviceName' | 'loadBalancers' | 'deploymentConfiguration'>
): Promise<TrafficBaseline> {
  const traffic = serviceTraffic(service)
  if (traffic.kind === 'none') return { why: traffic.why }
  const now = deps.clock.now()
  const since = now - BEFORE_MINUTES * MINUTE
  try {
    const arns =
      traffic.kind === 'shared'
        ? traffic.targetGroups
        : traffic.pairs.flatMap(pair => [pair.primary, pair.alternate])
    const dimensions = await dimensionsOf(deps, arns)
    const missing = arns.filter(arn => !dimensions.has(arn))
    if (missing.length > 0) {
      return { why: `${missing.join(', ')} sends no load balancer's traffic to read` }
    }
    const dims = (list: string[]) => list.flatMap(arn => dimensions.get(arn) ?? [])
    const minutes = await deps.cloudwatch.trafficMinutes(dims(arns), since, now)
    const byArn = new Map(arns.map((arn, i) => [arn, endedMinutes(minutes[i] ?? [], now)]))
    if (traffic.kind === 'shared') {
      const targets = dims(traffic.targetGroups)
      return {
        fresh: targets,
        old: targets,
        shared: true,
        before: mergeMinutes([...byArn.values()])
      }
    }
    const requests = new Map(
      [...byArn].map(([arn, list]) => [arn, list.reduce((sum, m) => sum + m.requests, 0)])
    )
    const fresh: string[] = []
    const old: string[] = []
    for (const pair of traffic.pairs) {
      const sides = sidesOf(pair, requests)
      if ('why' in sides) return { why: sides.why }
      fresh.push(sides.fresh)
      old.push(sides.old)
    }
    return {
      fresh: dims(fresh),
      old: dims(old),
      shared: false,
      before: mergeMinutes(old.map(arn => byArn.get(arn) ?? []))
    }
  } catch (error) {
    return { why: `the load balancer could not be read before the deploy: ${errorText(error)}` }
  }
}

function share(minute: TrafficMinute | undefined): number | undefined {
  return minute && minute.requests > 0 ? minute.errors / minute.requests : undefined
}

/** The judge's verdict as the run's result keeps it. Pure. */
export function judgedSignal(verdict: Verdict): JudgedSignal {
  const base = { signal: verdict.signal, status: verdict.status, reason: verdict.reason }
  switch (verdict.signal) {
    case '5xx':
    case 'error lines': {
      const f = verdict.figures
      return {
        ...base,
        new: { requests: f.new.exposure, share: f.new.rate },
        old: { requests: f.old.exposure, share: f.old.rate },
        p: f.p,
        confidence: f.rule.confidence
      }
    }
    case 'latency': {
      const f = verdict.figures
      const p99 = (median: number) => (Number.isFinite(median) ? { p99: median } : {})
      return {
        ...base,
        new: { requests: f.new.requests, ...p99(f.new.median) },
        old: { requests: f.old.requests, ...p99(f.old.median) },
        p: f.p,
        confidence: f.rule.confidence
      }
    }
    default:
      return base
  }
}

/** The minutes of the chart: each side's 5xx share and p99, minute by minute. Pure. */
export function chartMinutes(
  fresh: readonly TrafficMinute[],
  old: readonly TrafficMinute[]
): JudgedMinute[] {
  const starts = [...new Set([...fresh, ...old].map(m => m.at))].sort((a, b) => a - b)
  return starts.map(at => {
    const n = fresh.find(m => m.at === at)
    const o = old.find(m => m.at === at)
    const minute: JudgedMinute = { at }
    const newShare = share(n)
    const oldShare = share(o)
    if (newShare !== undefined) minute.newShare = newShare
    if (oldShare !== undefined) minute.oldShare = oldShare
    if (n?.p99 !== undefined) minute.newP99 = n.p99
    if (o?.p99 !== undefined) minute.oldP99 = o.p99
    return minute
  })
}

/**
 * A rolling service's old minutes for the chart: the last of those before the deploy, one for each
 * new minute and shown beside it. Pure.
 */
export function lastOf(
  before: readonly TrafficMinute[],
  fresh: readonly TrafficMinute[]
): TrafficMinute[] {
  if (fresh.length === 0) return []
  const last = before.slice(-fresh.length)
  const offset = fresh.length - last.length
  return last.map((minute, i) => ({ ...minute, at: fresh[i + offset]?.at ?? minute.at }))
}

/**
 * One service's load balancer signals and alarms, looked at once a minute while it is judged.
 * The new side counts from the first whole minute after the first look; the old side is the
 * minutes before the deploy, and for a pair of target groups its own minutes since then too.
 */
export class LoadBalancerSignals {
  readonly judged: JudgedSignals
  private verdicts: Verdict[] = []
  private readAt = -Infinity
  private from: number | undefined
  private warned = false

  constructor(
    private readonly service: string,
    private readonly baseline: TrafficBaseline | undefined,
    private readonly rules: JudgeRules,
    /** Clock time the deploy began: an alarm in ALARM since then is the release's. */
    private readonly since: number
  ) {
    const unread = !baseline ? 'not read before the deploy' : 'why' in baseline ? baseline.why : ''
    this.judged = { signals: [], minutes: [], ...(unread ? { unread } : {}) }
    const judgesTraffic = rules.traffic.fiveXx || rules.traffic.latency
    if (judgesTraffic && unread) {
      core.info(`${service}: the load balancer's 5xx share and p99 are not judged: ${unread}.`)
    }
  }

  /** The first regression among the verdicts of the last look. */
  regression(): string | undefined {
    return this.verdicts.find(v => v.status === 'regressed')?.reason
  }

  /** Reads and judges again when a minute has passed since the last read. */
  async look(deps: Pick<Deps, 'cloudwatch'>, now: number): Promise<void> {
    if (now - this.readAt < MINUTE) return
    this.readAt = now
    this.from ??= Math.ceil(now / MINUTE) * MINUTE
    try {
      const verdicts: Verdict[] = []
      const { traffic, alarms } = this.rules
      const baseline = this.baseline
      if (baseline && !('why' in baseline) && (traffic.fiveXx || traffic.latency)) {
        const read = await deps.cloudwatch.trafficMinutes(
          baseline.shared ? baseline.fresh : [...baseline.fresh, ...baseline.old],
          this.from,
          now
        )
        const n = baseline.fresh.length
        const fresh = endedMinutes(mergeMinutes(read.slice(0, n)), now)
        const during = baseline.shared ? [] : endedMinutes(mergeMinutes(read.slice(n)), now)
        verdicts.push(
          ...judgeTraffic(fresh, [...baseline.before, ...during], trafficRules(traffic))
        )
        this.judged.minutes = chartMinutes(
          fresh,
          baseline.shared ? lastOf(baseline.before, fresh) : during
        )
      }
      if (alarms.names.length > 0 || alarms.prefixes.length > 0) {
        verdicts.push(judgeAlarms(await deps.cloudwatch.alarms(alarms), alarms, this.since))
      }
      // Each signal is said when its verdict changes; the summary has the last of each.
      for (const verdict of verdicts) {
        const before = this.verdicts.find(v => v.signal === verdict.signal)
        if (before?.status !== verdict.status) core.info(`${this.service}: ${verdict.reason}.`)
      }
      this.verdicts = verdicts
      this.judged.signals = verdicts.map(judgedSignal)
    } catch (error) {
      if (!this.warned) {
        core.warning(
          `${this.service}: the load balancer or the alarms could not be read (${errorText(error)}); the bake goes on with what it has.`
        )
        this.warned = true
      }
    }
  }
}
