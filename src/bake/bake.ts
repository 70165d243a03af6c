// The bake: after ECS calls the rollout done and the checks pass, the new revision is judged for
// what is left of bake-minutes (all of it, unless it was judged while ECS shifted traffic), every
// poll: its tasks keep running, its error lines stay near the old revision's rate, the health URL
// keeps answering 2xx, and the service still runs this step's deployment. The first regression
// ends the bake and is returned, for the recovery to take every service back.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import type { Journal } from '../model/journal.js'
import type { BakeResult, Check } from '../model/result.js'
import { Judgement, type JudgePolicy, type Verdict } from './judgement.js'
import { baselineRate, bakeLabel, minutesSeconds, perMinute } from './rules.js'

export type BakePolicy = JudgePolicy

/** How a bake ended: each unit's bake, in the order given, and what ended it early if anything. */
export interface Baked {
  bakes: (BakeResult | undefined)[]
  /** The regression (or the replacement) that ended it, with `reason` saying when. */
  verdict?: Verdict
}

/**
 * Bakes every unit of the judgement together for `bakeMs` more, until the first regression. The
 * judgement may have looked at them already, while ECS shifted traffic.
 */
export async function bake(
  deps: Deps,
  policy: BakePolicy,
  judgement: Judgement,
  bakeMs: number,
  journal: Pick<Journal, 'note'>
): Promise<Baked> {
  const rules = policy.bake
  const many = judgement.services.length > 1
  const start = deps.clock.now()
  const end = start + bakeMs
  const url = policy.healthCheckUrl
  core.info(
    `Baking ${minutesSeconds(bakeMs)}: every ${policy.pollMs / 1000} s, the new tasks must keep running${url ? `, ${url} answer 2xx` : ''}, and their lines matching ${rules.patterns.join(' or ')} stay under ${rules.ratio}× the rate before the deploy (and ${rules.minErrors} lines)${judged(rules)}.`
  )
  judgement.startBake()
  for (const service of judgement.services) {
    journal.note(service, `bake started: ${minutesSeconds(bakeMs)}`)
  }
  for (;;) {
    const elapsed = deps.clock.now() - start
    const labels = new Map(
      judgement.services.map(service => [
        service,
        bakeLabel(many ? `bake ${service}` : 'bake', elapsed, bakeMs)
      ])
    )
    const verdict = await judgement.look({
      labels,
      testTraffic: false,
      checkPrimary: true,
      last: elapsed >= bakeMs
    })
    if (verdict) {
      const when = `${minutesSeconds(deps.clock.now() - start)} into the ${minutesSeconds(bakeMs)} bake`
      const said: Verdict = {
        ...verdict,
        reason:
          verdict.kind === 'regressed'
            ? `it regressed ${when}: ${verdict.reason}`
            : `${verdict.reason}, ${when}`
      }
      return { bakes: judgement.finish(verdict), verdict: said }
    }
    if (deps.clock.now() >= end) break
    await deps.clock.sleep(Math.min(policy.pollMs, end - deps.clock.now()))
  }
  const bakes = judgement.finish(undefined)
  for (const [i, service] of judgement.services.entries()) {
    const result = bakes[i]
    if (!result) continue
    const detail = passedDetail(result)
    journal.note(service, `bake passed: ${detail}`)
    core.info(`${service}: the bake passed: ${detail}.`)
  }
  return { bakes }
}

/** What the judge watches besides, as the bake's first line says it. Pure. */
function judged(rules: BakePolicy['bake']): string {
  const { traffic, alarms } = rules.judge ?? {}
  const read = [...(traffic?.fiveXx ? ['5xx share'] : []), ...(traffic?.latency ? ['p99'] : [])]
  const said = [
    ...(read.length > 0
      ? [
          `the load balancer's ${read.join(' and ')} are judged against the old revision's every minute`
        ]
      : []),
    ...(alarms && alarms.names.length + alarms.prefixes.length > 0
      ? ['no alarm of bake-alarms may go into ALARM']
      : [])
  ]
  return said.map(part => `; ${part}`).join('')
}

/** What a bake that passed watched and found, in a sentence. Pure. */
function passedDetail(bake: BakeResult): string {
  const errors = bake.errors
  const counted = errors.counted
    ? `${errors.lines} error line${errors.lines === 1 ? '' : 's'} in the new tasks over ${errors.taskMinutes.toFixed(1)} task-minutes (${perMinute(errors.lines / Math.max(errors.taskMinutes, 1))}; before the deploy ${errors.before.unknown ? 'not known' : `${perMinute(baselineRate(errors.before))}${errors.before.source ? ` in ${errors.before.source}` : ''}`})`
    : `error lines not counted (${errors.why ?? 'no log stream'})`
  const health = bake.health ? `, ${bake.health.ok} of ${bake.health.asked} health answers 2xx` : ''
  const test = bake.testTraffic
    ? `, ${bake.testTraffic.ok} of ${bake.testTraffic.asked} test-traffic answers 2xx`
    : ''
  const shift = bake.shift
    ? ` (${minutesSeconds(bake.shift.ms)} of it while ECS shifted the traffic: ${bake.shift.stages.join(', ')})`
    : ''
  return `watched ${minutesSeconds(bake.watchedMs)} in ${bake.polls} polls${shift}: ${counted}${health}${test}, no new task stopped`
}

/**
 * The bake's check for the service: passed, failed with what ended it (`reason`, given to the
 * service that regressed or was replaced), or skipped when another service's regression stopped
 * it. Pure.
 */
export function bakeCheck(
  bake: BakeResult,
  reason: string | undefined,
  stopped = 'another service of this step regressed'
): Check {
  if (bake.status === 'passed') return { name: 'bake', status: 'pass', detail: passedDetail(bake) }
  if (reason !== undefined || bake.status === 'regressed') {
    return { name: 'bake', status: 'fail', detail: reason ?? bake.regression ?? 'it regressed' }
  }
  return { name: 'bake', status: 'skip', detail: `stopped: ${stopped}` }
}
