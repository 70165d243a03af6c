// The judgement of a release, one look at a time: the new revision's tasks keep running, their
// error lines stay near the old revision's rate before the deploy, the health URL answers 2xx, and
// while test traffic goes to the new revision so does the test-traffic URL. The bake runs it after
// a rollout; the supervision runs it while ECS shifts traffic to the new revision. Each service's
// BakeResult says what was seen; the first regression is returned to the caller, who says when.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import type { Journal } from '../model/journal.js'
import type { Move } from '../model/move.js'
import { shortArn, taskId } from '../model/names.js'
import type { BakeResult } from '../model/result.js'
import { healthFetch, type Fetch } from '../net/proxy.js'
import { taskFailure } from '../rollout/stopped-tasks.js'
import { HEALTH_POLICY } from '../verify/health.js'
import {
  errorRegression,
  healthRegression,
  newHealthTally,
  progressCounts,
  tallyHealth,
  type BakeRules,
  type Baseline,
  type HealthTally
} from './rules.js'
import { LoadBalancerSignals } from './load-balancer.js'
import { NewTasks } from './new-tasks.js'
import { askHealth, logTarget, NewErrors } from './signals.js'

/** What a judgement needs of the step's policy. */
export interface JudgePolicy {
  pollMs: number
  healthCheckUrl: string | undefined
  /** Asked while test traffic goes to the new revision (a blue/green test listener). */
  testTrafficUrl?: string | undefined
  /** Empty: the container's awslogs-group. */
  logGroup: string | undefined
  bake: BakeRules
}

/** A move to judge, with the old revision's rate and the time its new tasks are counted from. */
export interface Judged {
  move: Move
  /** Read before the deploy; undefined when it was not. */
  baseline: Baseline | undefined
  /** Clock time the rollout began: the new tasks' lines are counted from here. */
  since: number
}

/** What ended a judgement early: a service's regression, or its deployment replaced by another. */
export type Verdict =
  | { kind: 'regressed'; service: string; reason: string }
  | {
      kind: 'replaced'
      service: string
      reason: string
      deploymentId: string | undefined
      revision: string | undefined
    }

/** One look: which services, each with the start of its progress line, and which URLs. */
export interface Look {
  /** The services to look at now, each with its progress line's label (`bake 2:10 of 5:00`). */
  labels: Map<string, string>
  /** Ask the test-traffic URL as well. */
  testTraffic: boolean
  /** Each service's PRIMARY deployment must still be the move's (after its rollout). */
  checkPrimary: boolean
  /** The last look of a bake: its progress line is printed whatever it says. */
  last?: boolean
  /** Where the release is besides the counts (the traffic shift's stages): a new one prints the line. */
  stage?: string
}

/** A progress line at least this often, and whenever a count changes. */
const PROGRESS_EVERY_MS = 30_000

interface Judging {
  unit: Judged
  bake: BakeResult
  baseline: Baseline
  errors: NewErrors | undefined
  tasks: NewTasks
  /** The load balancer's signals and the alarms, when the judge looks at them. */
  signals: LoadBalancerSignals | undefined
  warned: boolean
  /** Clock time of its first look, when it had one. */
  firstLook?: number
}

export class Judgement {
  private health: HealthTally | undefined
  private testTraffic: HealthTally | undefined
  private readonly fetcher: Fetch
  private printed = -Infinity
  private said = ''

  private constructor(
    private readonly deps: Deps,
    private readonly policy: JudgePolicy,
    private readonly judgings: Judging[],
    private readonly journal: Pick<Journal, 'note' | 'baking'>
  ) {
    this.health = policy.healthCheckUrl ? newHealthTally() : undefined
    this.testTraffic = policy.testTrafficUrl ? newHealthTally() : undefined
    this.fetcher = healthFetch(deps.env)
  }

  /** Finds where each new revision's containers log; nothing is looked at yet. */
  static async begin(
    deps: Deps,
    policy: JudgePolicy,
    units: Judged[],
    journal: Pick<Journal, 'note' | 'baking'>
  ): Promise<Judgement> {
    const judgings: Judging[] = []
    for (const unit of units) judgings.push(await judging(deps, policy, unit))
    return new Judgement(deps, policy, judgings, journal)
  }

  /** The services judged, in the order given. */
  get services(): string[] {
    return this.judgings.map(j => j.unit.move.service)
  }

  /** How long the first service looked at has been judged, in ms (0 before any look). */
  judgedMs(now: number): number {
    const first = Math.min(...this.judgings.map(j => j.firstLook ?? Infinity))
    return Number.isFinite(first) ? now - first : 0
  }

  /** Records a stage of ECS's traffic shift at which the service is judged (`BAKE_TIME 100 %`). */
  noteStage(service: string, stage: string): void {
    const judging = this.judgings.find(j => j.unit.move.service === service)
    if (!judging) return
    judging.bake.phase = 'shift'
    const shift = (judging.bake.shift ??= { ms: 0, stages: [] })
    if (shift.stages.at(-1) !== stage) shift.stages.push(stage)
    shift.ms = this.judgedMs(this.deps.clock.now())
  }

  /** Whether the test-traffic URL has answered 2xx at least once. */
  testTrafficAnswered(): boolean {
    return (this.testTraffic?.ok ?? 0) > 0
  }

  /** The rollouts completed and were verified: from now on, the judgement is the bake's. */
  startBake(): void {
    for (const judging of this.judgings) {
      judging.bake.phase = 'bake'
      this.journal.baking(judging.unit.move.service, judging.bake)
    }
  }

  /** Looks at the services named, and the URLs; returns the first regression or replacement. */
  async look(look: Look): Promise<Verdict | undefined> {
    const { deps, policy } = this
    const now = deps.clock.now()
    const looked = this.judgings.filter(j => look.labels.has(j.unit.move.service))
    for (const judging of looked) {
      judging.firstLook ??= now
      await lookAt(deps, judging, now)
    }
    const replaced = look.checkPrimary ? await this.replacement(looked) : undefined
    const url = policy.healthCheckUrl
    if (url && this.health) this.health = await this.ask(url, this.health)
    const testUrl = look.testTraffic ? policy.testTrafficUrl : undefined
    if (testUrl && this.testTraffic) this.testTraffic = await this.ask(testUrl, this.testTraffic)

    let verdict: Verdict | undefined = replaced
    for (const judging of looked) {
      record(judging, deps.clock.now(), this.health, url, this.testTraffic, policy.testTrafficUrl)
      this.journal.baking(judging.unit.move.service, judging.bake)
      const reason = tripped(policy.bake, judging)
      if (!verdict && reason) {
        verdict = { kind: 'regressed', service: judging.unit.move.service, reason }
      }
    }
    const [first] = looked
    const healthReason = url && this.health ? healthRegression(url, this.health) : undefined
    const testReason =
      testUrl && this.testTraffic ? healthRegression(testUrl, this.testTraffic) : undefined
    const urlReason = healthReason ?? testReason
    if (!verdict && urlReason && first) {
      verdict = { kind: 'regressed', service: first.unit.move.service, reason: urlReason }
    }
    this.print(looked, look, verdict !== undefined || look.last === true)
    return verdict
  }

  /**
   * Ends the judgement: every service passed, or the verdict's service regressed (or was replaced)
   * and the rest stopped. A service never looked at has no bake to end: undefined.
   */
  finish(verdict: Verdict | undefined): (BakeResult | undefined)[] {
    return this.judgings.map(judging => {
      const { bake, unit } = judging
      const service = unit.move.service
      if (verdict && judging.firstLook === undefined) return undefined
      if (!verdict) {
        bake.status = 'passed'
      } else if (verdict.service === service) {
        bake.status = verdict.kind === 'regressed' ? 'regressed' : 'stopped'
        bake.regression = verdict.reason
      } else {
        bake.status = 'stopped'
        this.journal.note(service, 'bake stopped: another service regressed')
      }
      this.journal.baking(service, bake)
      return bake
    })
  }

  /** Ends the judgement early for a reason of the step's (a failed rollout or check). */
  stop(why: string): (BakeResult | undefined)[] {
    return this.judgings.map(judging => {
      if (judging.firstLook === undefined) return undefined
      judging.bake.status = 'stopped'
      this.journal.note(judging.unit.move.service, `bake stopped: ${why}`)
      this.journal.baking(judging.unit.move.service, judging.bake)
      return judging.bake
    })
  }

  /** A service whose PRIMARY deployment is no longer its move's: replaced by someone else's. */
  private async replacement(looked: Judging[]): Promise<Verdict | undefined> {
    if (looked.length === 0) return undefined
    let services
    try {
      services = await this.deps.ecs.services(looked.map(j => j.unit.move.service))
    } catch (error) {
      core.info(
        `The services could not be read during the bake (${errorText(error)}); asking again next poll.`
      )
      return undefined
    }
    for (const [i, judging] of looked.entries()) {
      const { move } = judging.unit
      const primary = services[i]?.deployments?.find(d => d.status === 'PRIMARY')
      if (!primary || primary.id === move.deploymentId) continue
      return {
        kind: 'replaced',
        service: move.service,
        reason: `deployment ${move.deploymentId} was replaced during the bake by deployment ${primary.id ?? 'unknown'} (${shortArn(primary.taskDefinition)}), which this step did not start`,
        deploymentId: primary.id,
        revision: primary.taskDefinition
      }
    }
    return undefined
  }

  private async ask(url: string, tally: HealthTally): Promise<HealthTally> {
    const asked = await askHealth(
      url,
      this.deps.clock,
      HEALTH_POLICY.attemptTimeoutMs,
      this.fetcher
    )
    let next = tally
    for (const { answer, at } of asked) {
      next = tallyHealth(next, answer, new Date(at).toISOString().slice(11, 19))
    }
    return next
  }

  /** Progress lines at least every 30 s, and whenever a count or the stage changes. */
  private print(looked: Judging[], look: Look, now: boolean): void {
    const elapsed = this.judgedMs(this.deps.clock.now())
    const counts = looked.map(j => countsLine(j, this.health, this.testTraffic))
    const said = [look.stage ?? '', ...counts].join('\n')
    if (!now && said === this.said && elapsed - this.printed < PROGRESS_EVERY_MS) return
    looked.forEach((judging, i) => {
      core.info(`${look.labels.get(judging.unit.move.service) ?? 'bake'}: ${counts[i] ?? ''}`)
    })
    this.printed = elapsed
    this.said = said
  }
}

async function judging(deps: Deps, policy: JudgePolicy, unit: Judged): Promise<Judging> {
  const { move } = unit
  const baseline: Baseline = unit.baseline ?? {
    lines: 0,
    tasks: 0,
    minutes: 0,
    unknown: 'not read before the deploy'
  }
  let errors: NewErrors | undefined
  let why: string | undefined
  try {
    const { taskDefinition } = await deps.ecs.taskDefinition(move.to.taskDefinitionArn)
    const target = logTarget(taskDefinition, move.containerName, policy.logGroup)
    if ('why' in target) why = target.why
    else errors = new NewErrors(target, policy.bake.patterns, unit.since)
  } catch (error) {
    why = `${shortArn(move.to.taskDefinitionArn)} could not be read: ${errorText(error)}`
  }
  if (why) core.warning(`${move.service}: error lines are not counted in the bake: ${why}.`)
  return {
    unit,
    bake: {
      bakeMs: policy.bake.bakeMs,
      status: 'baking',
      watchedMs: 0,
      polls: 0,
      errors: {
        counted: !!errors,
        ...(why ? { why } : {}),
        lines: 0,
        taskMinutes: 0,
        before: baseline,
        last: []
      },
      failedTasks: 0
    },
    baseline,
    errors,
    tasks: new NewTasks(move.to.taskDefinitionArn),
    signals: policy.bake.judge
      ? new LoadBalancerSignals(move.service, baseline.traffic, policy.bake.judge, unit.since)
      : undefined,
    warned: false
  }
}

/** One look at a service: its new tasks (and those that stopped), and their new error lines. */
async function lookAt(deps: Deps, judging: Judging, now: number): Promise<void> {
  const { move, since } = judging.unit
  try {
    await judging.tasks.look(deps, move.service)
    if (judging.errors) await judging.errors.read(deps, judging.tasks.all)
    await judging.signals?.look(deps, now)
  } catch (error) {
    if (!judging.warned) {
      core.warning(
        `${move.service}: a look during the bake failed (${errorText(error)}); the bake goes on.`
      )
      judging.warned = true
    }
  }
  judging.bake.errors.taskMinutes = judging.tasks.minutes(now, since)
}

function record(
  judging: Judging,
  now: number,
  health: HealthTally | undefined,
  url: string | undefined,
  testTraffic: HealthTally | undefined,
  testUrl: string | undefined
): void {
  const bake = judging.bake
  bake.watchedMs = now - (judging.firstLook ?? now)
  bake.polls += 1
  bake.failedTasks = judging.tasks.failed.length
  if (judging.errors) {
    bake.errors.lines = judging.errors.lines
    bake.errors.last = judging.errors.last
  }
  if (judging.signals) bake.judged = judging.signals.judged
  if (url && health) bake.health = { url, asked: health.asked, ok: health.ok, bad: health.bad }
  if (testUrl && testTraffic && testTraffic.asked > 0) {
    bake.testTraffic = {
      url: testUrl,
      asked: testTraffic.asked,
      ok: testTraffic.ok,
      bad: testTraffic.bad
    }
  }
}

/** The service's own regression: a new task that failed, or its error lines. */
function tripped(rules: BakeRules, judging: Judging): string | undefined {
  const [task] = judging.tasks.failed
  if (task) {
    return `task ${taskId(task.taskArn)} of the new revision stopped: ${taskFailure(task) ?? 'stopped'}`
  }
  const errors = judging.bake.errors
  const confidence = rules.judge && rules.judge.traffic.confidence / 100
  const found = { lines: errors.lines, taskMinutes: errors.taskMinutes }
  const reason = errorRegression({ ...rules, confidence }, found, judging.baseline)
  if (reason) return `${reason}; the last: ${errors.last.slice(-3).join(' | ')}`
  return judging.signals?.regression()
}

/** `0 error lines in new tasks (before 0.2/task/min), health 12/12 ok`. */
function countsLine(
  judging: Judging,
  health: HealthTally | undefined,
  testTraffic: HealthTally | undefined
): string {
  return progressCounts(
    { lines: judging.bake.errors.lines, counted: !!judging.errors },
    judging.baseline,
    health,
    testTraffic && testTraffic.asked > 0 ? testTraffic : undefined
  )
}
