// The bake: after ECS calls the rollout done and the checks pass, the new revision is watched for
// bake-minutes more, every poll: its tasks keep running, its error lines stay near the old
// revision's rate, and the health URL keeps answering 2xx. The first regression ends the bake
// and is returned, for the rollout's recovery to take every service back.
import * as core from '@actions/core'
import type { Task } from '@aws-sdk/client-ecs'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import type { RolloutPolicy } from '../inputs/policy.js'
import { shortArn, taskId } from '../model/names.js'
import { noteOn, type BakeResult, type ServiceResult } from '../model/result.js'
import { taskFailure } from '../rollout/stopped-tasks.js'
import type { StartedRollout } from '../rollout/start.js'
import {
  errorRegression,
  healthRegression,
  minutesSeconds,
  newHealthTally,
  perMinute,
  progressLine,
  tallyHealth,
  baselineRate,
  type Baseline,
  type HealthTally
} from './rules.js'
import { healthFetch } from '../net/proxy.js'
import { askHealth, logTarget, NewErrors } from './signals.js'

export interface BakeUnit {
  result: ServiceResult
  rollout: StartedRollout
  /** Read before the deploy; undefined when it was not. */
  baseline: Baseline | undefined
  /** Clock time the rollout began: the new tasks' lines are counted from here. */
  since: number
}

export interface Regression {
  /** The unit that tripped the bake. */
  index: number
  /** What tripped it, in a sentence that follows "it regressed M:SS into the bake: ". */
  reason: string
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

/** Bakes every unit together; returns the first regression, or undefined when the bake passed. */
export async function bakeAll(
  deps: Deps,
  policy: RolloutPolicy,
  units: BakeUnit[]
): Promise<Regression | undefined> {
  const rules = policy.bake
  const many = units.length > 1
  const start = deps.clock.now()
  const end = start + rules.bakeMs
  const bakings: Baking[] = []
  for (const unit of units) bakings.push(await begin(deps, policy, unit, many))
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
    let regression: Regression | undefined
    for (const [index, baking] of bakings.entries()) {
      record(baking, elapsed, health, url)
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
    if (regression) return regressed(deps, bakings, regression, elapsed, rules.bakeMs)
    if (deps.clock.now() >= end) break
    await deps.clock.sleep(Math.min(policy.pollMs, end - deps.clock.now()))
  }
  for (const baking of bakings) passed(deps, baking)
  return undefined
}

async function begin(
  deps: Deps,
  policy: RolloutPolicy,
  unit: BakeUnit,
  many: boolean
): Promise<Baking> {
  const { result, rollout } = unit
  const baseline: Baseline = unit.baseline ?? {
    lines: 0,
    tasks: 0,
    minutes: 0,
    unknown: 'not read before the deploy'
  }
  let errors: NewErrors | undefined
  let why: string | undefined
  try {
    const { taskDefinition } = await deps.ecs.taskDefinition(rollout.revision)
    const target = logTarget(taskDefinition, rollout.containerName, policy.logGroup)
    if ('why' in target) why = target.why
    else errors = new NewErrors(target, policy.bake.patterns, unit.since)
  } catch (error) {
    why = `${shortArn(rollout.revision)} could not be read: ${errorText(error)}`
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
  result.bake = bake
  if (why) core.warning(`${rollout.service}: error lines are not counted during the bake: ${why}.`)
  noteOn(result, deps.clock, `bake started: ${minutesSeconds(policy.bake.bakeMs)}`)
  return {
    unit,
    label: many ? `bake ${rollout.service}` : 'bake',
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
  const { rollout } = baking.unit
  try {
    const arns = await deps.ecs.taskArns(rollout.service, 'RUNNING')
    const unknown = arns.filter(arn => !baking.seen.has(arn))
    for (const task of unknown.length > 0 ? await deps.ecs.tasks(unknown) : []) {
      if (task.taskArn && task.taskDefinitionArn === rollout.revision) {
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
        `${rollout.service}: a look during the bake failed (${errorText(error)}); the bake goes on.`
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
function tripped(policy: RolloutPolicy, baking: Baking): string | undefined {
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
  deps: Deps,
  bakings: Baking[],
  regression: Regression,
  elapsed: number,
  bakeMs: number
): Regression {
  const reason = `it regressed ${minutesSeconds(elapsed)} into the ${minutesSeconds(bakeMs)} bake: ${regression.reason}`
  for (const [index, baking] of bakings.entries()) {
    const bake = baking.bake
    bake.status = index === regression.index ? 'regressed' : 'stopped'
    if (index === regression.index) bake.regression = regression.reason
    baking.unit.result.verified = false
    baking.unit.result.checks.push({
      name: 'bake',
      status: index === regression.index ? 'fail' : 'skip',
      detail:
        index === regression.index ? reason : `stopped: another service of this step regressed`
    })
    // The regressed service's timeline gets the failure from the recovery; the others say why they stop.
    if (index !== regression.index) {
      noteOn(baking.unit.result, deps.clock, 'bake stopped: another service regressed')
    }
  }
  return { index: regression.index, reason }
}

function passed(deps: Deps, baking: Baking): void {
  const bake = baking.bake
  bake.status = 'passed'
  const errors = bake.errors
  const counted = errors.counted
    ? `${errors.lines} error line${errors.lines === 1 ? '' : 's'} in the new tasks over ${errors.taskMinutes.toFixed(1)} task-minutes (${perMinute(errors.lines / Math.max(errors.taskMinutes, 1))}; before the deploy ${errors.before.unknown ? 'not known' : perMinute(baselineRate(errors.before))})`
    : `error lines not counted (${errors.why ?? 'no log stream'})`
  const health = bake.health ? `, ${bake.health.ok} of ${bake.health.asked} health answers 2xx` : ''
  const detail = `watched ${minutesSeconds(bake.watchedMs)} in ${bake.polls} polls: ${counted}${health}, no new task stopped`
  baking.unit.result.checks.push({ name: 'bake', status: 'pass', detail })
  noteOn(baking.unit.result, deps.clock, `bake passed: ${detail}`)
  core.info(`${baking.unit.rollout.service}: the bake passed: ${detail}.`)
}
