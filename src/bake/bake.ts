// The bake: after ECS calls the rollout done and the checks pass, the new revision is watched for
// bake-minutes more, every poll: its tasks keep running, its error lines stay near the old
// revision's rate, and the health URL keeps answering 2xx. The first regression ends the bake
// and is returned, for the rollout's recovery to take every service back.
import * as core from '@actions/core'
import type { Task } from '@aws-sdk/client-ecs'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import type { Journal } from '../model/journal.js'
import type { Move } from '../model/move.js'
import { shortArn, taskId } from '../model/names.js'
import type { BakeResult, Check } from '../model/result.js'
import { taskFailure } from '../rollout/stopped-tasks.js'
import {
  errorRegression,
  healthRegression,
  minutesSeconds,
  newHealthTally,
  perMinute,
  progressLine,
  tallyHealth,
  baselineRate,
  type BakeRules,
  type Baseline,
  type HealthTally
} from './rules.js'
import { healthFetch } from '../net/proxy.js'
import { askHealth, logTarget, NewErrors } from './signals.js'

/** What a bake needs of the step's policy. */
export interface BakePolicy {
  pollMs: number
  healthCheckUrl: string | undefined
  /** Empty: the container's awslogs-group. */
  logGroup: string | undefined
  bake: BakeRules
}

export interface BakeUnit {
  move: Move
  /** Read before the deploy; undefined when it was not. */
  baseline: Baseline | undefined
  /** Clock time the rollout began: the new tasks' lines are counted from here. */
  since: number
}

export interface Regression {
  /** The service that tripped the bake. */
  service: string
  /** `it regressed M:SS into the M:SS bake: ` and what tripped it. */
  reason: string
}

/** How a bake ended: each unit's bake, in the order given, and the regression if there was one. */
export interface Baked {
  bakes: BakeResult[]
  regression?: Regression
}

/** A progress line at least this often, and whenever a count changes. */
const PROGRESS_EVERY_MS = 30_000

interface Baking {
  unit: BakeUnit
  label: string
  bake: BakeResult
  baseline: Baseline
  errors: NewErrors | undefined
  /** New-revision tasks seen, by ARN, as last described. */
  seen: Map<string, Task>
  running: Set<string>
  stopping: Set<string>
  failed: Task[]
  warned: boolean
}

/** Bakes every unit together, until the first regression or the end of the bake. */
export async function bakeAll(
  deps: Deps,
  policy: BakePolicy,
  units: BakeUnit[],
  journal: Pick<Journal, 'note' | 'baking'>
): Promise<Baked> {
  const rules = policy.bake
  const many = units.length > 1
  const start = deps.clock.now()
  const end = start + rules.bakeMs
  const bakings: Baking[] = []
  for (const unit of units) bakings.push(await begin(deps, policy, unit, many, journal))
  const url = policy.healthCheckUrl
  let health: HealthTally | undefined = url ? newHealthTally() : undefined
  const fetcher = healthFetch(deps.env)
  let printed = -Infinity
  let said = ''
  core.info(
    `Baking ${minutesSeconds(rules.bakeMs)}: every ${policy.pollMs / 1000} s, the new tasks must keep running${url ? `, ${url} answer 2xx` : ''}, and their lines matching ${rules.patterns.join(' or ')} stay under ${rules.ratio}× the rate before the deploy (and ${rules.minErrors} lines).`
  )
  for (;;) {
    const now = deps.clock.now()
    for (const baking of bakings) await look(deps, baking, now)
    if (url && health) {
      const asked = await askHealth(url, deps.clock, Math.min(10_000, policy.pollMs), fetcher)
      for (const { answer, at } of asked) {
        health = tallyHealth(health, answer, new Date(at).toISOString().slice(11, 19))
      }
    }
    const elapsed = deps.clock.now() - start
    let regression: { index: number; reason: string } | undefined
    for (const [index, baking] of bakings.entries()) {
      record(baking, elapsed, health, url)
      journal.baking(baking.unit.move.service, baking.bake)
      const reason = tripped(policy, baking)
      regression ??= reason ? { index, reason } : undefined
    }
    const healthReason = url && health ? healthRegression(url, health) : undefined
    regression ??= healthReason ? { index: 0, reason: healthReason } : undefined
    const lines = bakings.map(b =>
      progressLine(
        b.label,
        elapsed,
        rules.bakeMs,
        { lines: b.bake.errors.lines, counted: !!b.errors },
        b.baseline,
        health
      )
    )
    const text = lines.join('\n')
    const counts = text.replace(/^\S+ \S+ \d+:\d+/gm, '')
    if (
      regression ||
      counts !== said ||
      elapsed - printed >= PROGRESS_EVERY_MS ||
      elapsed >= rules.bakeMs
    ) {
      for (const line of lines) core.info(line)
      printed = elapsed
      said = counts
    }
    if (regression) return regressed(journal, bakings, regression, elapsed, rules.bakeMs)
    if (deps.clock.now() >= end) break
    await deps.clock.sleep(Math.min(policy.pollMs, end - deps.clock.now()))
  }
  for (const baking of bakings) passed(journal, baking)
  return { bakes: bakings.map(b => b.bake) }
}

async function begin(
  deps: Deps,
  policy: BakePolicy,
  unit: BakeUnit,
  many: boolean,
  journal: Pick<Journal, 'note' | 'baking'>
): Promise<Baking> {
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
  const bake: BakeResult = {
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
  }
  journal.baking(move.service, bake)
  if (why) core.warning(`${move.service}: error lines are not counted during the bake: ${why}.`)
  journal.note(move.service, `bake started: ${minutesSeconds(policy.bake.bakeMs)}`)
  return {
    unit,
    label: many ? `bake ${move.service}` : 'bake',
    bake,
    baseline,
    errors,
    seen: new Map(),
    running: new Set(),
    stopping: new Set(),
    failed: [],
    warned: false
  }
}

/** One poll of a service: its new tasks (and those that stopped), and their new error lines. */
async function look(deps: Deps, baking: Baking, now: number): Promise<void> {
  const { move } = baking.unit
  try {
    const arns = await deps.ecs.taskArns(move.service, 'RUNNING')
    const unknown = arns.filter(arn => !baking.seen.has(arn))
    for (const task of unknown.length > 0 ? await deps.ecs.tasks(unknown) : []) {
      if (task.taskArn && task.taskDefinitionArn === move.to.taskDefinitionArn) {
        baking.seen.set(task.taskArn, task)
        baking.running.add(task.taskArn)
      }
    }
    for (const arn of baking.running) {
      if (!arns.includes(arn)) {
        baking.running.delete(arn)
        baking.stopping.add(arn)
      }
    }
    if (baking.stopping.size > 0) {
      for (const task of await deps.ecs.tasks([...baking.stopping])) {
        if (!task.taskArn || task.lastStatus !== 'STOPPED') continue
        baking.stopping.delete(task.taskArn)
        baking.seen.set(task.taskArn, task)
        if (taskFailure(task)) baking.failed.push(task)
      }
    }
    if (baking.errors) await baking.errors.read(deps, [...baking.seen.values()])
  } catch (error) {
    if (!baking.warned) {
      core.warning(
        `${move.service}: a look during the bake failed (${errorText(error)}); the bake goes on.`
      )
      baking.warned = true
    }
  }
  baking.bake.errors.taskMinutes = taskMinutes([...baking.seen.values()], now, baking.unit.since)
}

/** Minutes the tasks have run, together; at least a minute a task, so a start is not a rate. */
function taskMinutes(tasks: Task[], now: number, since: number): number {
  let total = 0
  for (const task of tasks) {
    const from = (task.startedAt ?? task.createdAt)?.getTime() ?? since
    const to = task.stoppedAt?.getTime() ?? now
    total += Math.max(0, to - Math.max(from, since)) / 60_000
  }
  return Math.max(total, tasks.length)
}

function record(
  baking: Baking,
  elapsed: number,
  health: HealthTally | undefined,
  url: string | undefined
): void {
  const bake = baking.bake
  bake.watchedMs = elapsed
  bake.polls += 1
  bake.failedTasks = baking.failed.length
  if (baking.errors) {
    bake.errors.lines = baking.errors.lines
    bake.errors.last = baking.errors.last
  }
  if (url && health) bake.health = { url, asked: health.asked, ok: health.ok, bad: health.bad }
}

/** The service's own regression: a new task that failed, or its error lines. */
function tripped(policy: BakePolicy, baking: Baking): string | undefined {
  const [task] = baking.failed
  if (task) {
    return `task ${taskId(task.taskArn)} of the new revision stopped: ${taskFailure(task) ?? 'stopped'}`
  }
  const errors = baking.bake.errors
  const reason = errorRegression(
    policy.bake,
    { lines: errors.lines, taskMinutes: errors.taskMinutes },
    baking.baseline
  )
  if (!reason) return undefined
  return `${reason}; the last: ${errors.last.slice(-3).join(' | ')}`
}

function regressed(
  journal: Pick<Journal, 'note' | 'baking'>,
  bakings: Baking[],
  regression: { index: number; reason: string },
  elapsed: number,
  bakeMs: number
): Baked {
  const reason = `it regressed ${minutesSeconds(elapsed)} into the ${minutesSeconds(bakeMs)} bake: ${regression.reason}`
  for (const [index, baking] of bakings.entries()) {
    const bake = baking.bake
    bake.status = index === regression.index ? 'regressed' : 'stopped'
    if (index === regression.index) bake.regression = regression.reason
    journal.baking(baking.unit.move.service, bake)
    // The regressed service's timeline gets the failure from the recovery; the others say why they stop.
    if (index !== regression.index) {
      journal.note(baking.unit.move.service, 'bake stopped: another service regressed')
    }
  }
  const service = bakings[regression.index]?.unit.move.service ?? ''
  return { bakes: bakings.map(b => b.bake), regression: { service, reason } }
}

function passed(journal: Pick<Journal, 'note' | 'baking'>, baking: Baking): void {
  const bake = baking.bake
  bake.status = 'passed'
  const detail = passedDetail(bake)
  journal.baking(baking.unit.move.service, bake)
  journal.note(baking.unit.move.service, `bake passed: ${detail}`)
  core.info(`${baking.unit.move.service}: the bake passed: ${detail}.`)
}

/** What a bake that passed watched and found, in a sentence. Pure. */
function passedDetail(bake: BakeResult): string {
  const errors = bake.errors
  const counted = errors.counted
    ? `${errors.lines} error line${errors.lines === 1 ? '' : 's'} in the new tasks over ${errors.taskMinutes.toFixed(1)} task-minutes (${perMinute(errors.lines / Math.max(errors.taskMinutes, 1))}; before the deploy ${errors.before.unknown ? 'not known' : perMinute(baselineRate(errors.before))})`
    : `error lines not counted (${errors.why ?? 'no log stream'})`
  const health = bake.health ? `, ${bake.health.ok} of ${bake.health.asked} health answers 2xx` : ''
  return `watched ${minutesSeconds(bake.watchedMs)} in ${bake.polls} polls: ${counted}${health}, no new task stopped`
}

/**
 * The bake's check for the service: passed, failed with what tripped it (`reason`, given to the
 * service that regressed), or skipped when another service's regression stopped it. Pure.
 */
export function bakeCheck(bake: BakeResult, reason: string | undefined): Check {
  if (bake.status === 'passed') return { name: 'bake', status: 'pass', detail: passedDetail(bake) }
  if (bake.status === 'regressed') {
    return { name: 'bake', status: 'fail', detail: reason ?? bake.regression ?? 'it regressed' }
  }
  return { name: 'bake', status: 'skip', detail: 'stopped: another service of this step regressed' }
}
