// A cancelled workflow stops the action with a signal (the runner sends SIGINT, then SIGTERM).
// The step must still say what it leaves behind: which revision the service was being moved
// to and what it ran before, because ECS goes on with a started deployment on its own.
import { minutesSeconds } from '../bake/rules.js'
import { shortArn } from '../model/names.js'
import type { RunResult, ServiceResult } from '../model/result.js'

export const CANCEL_SIGNALS = ['SIGINT', 'SIGTERM'] as const
export type CancelSignal = (typeof CANCEL_SIGNALS)[number]

/** The longest the step spends reporting a cancellation before it exits anyway. */
export const REPORT_TIMEOUT_MS = 5000

/** The error of a cancelled step, from what the mode had recorded when the signal came. Pure. */
export function cancelledError(signal: CancelSignal, result: RunResult): string {
  const cancelled = `The step was cancelled (${signal})`
  const migration = result.migration
  if (migration?.status === 'running' && migration.taskArn) {
    const runs = result.services.map(
      s => `${s.service} runs ${shortArn(s.previousTaskDefinitionArn)}`
    )
    return `${cancelled} while the migration task ${shortArn(migration.taskArn)} was running: ${migration.cancelled ?? 'it was not stopped'}. No service was updated: ${runs.join(', ')}; the revision${result.services.length > 1 ? 's' : ''} this step registered ${result.services.length > 1 ? 'are' : 'is'} left registered, unused. The migration may have changed the database before it stopped: check it before you run it again.`
  }
  const baking = result.services.filter(s => s.bake?.status === 'baking')
  if (baking.length > 0) {
    const each = result.services.map(
      s =>
        `${s.service} runs ${shortArn(s.taskDefinitionArn)} (it ran ${shortArn(s.previousTaskDefinitionArn)} before this step)`
    )
    const elapsed = baking[0]?.bake?.watchedMs ?? 0
    return `${cancelled} during the bake, ${minutesSeconds(elapsed)} into ${minutesSeconds(baking[0]?.bake?.bakeMs ?? 0)}: the rollout had completed and was verified, and nothing was rolled back: ${each.join('; ')}. Run verify, or rollback to return to what ran before.`
  }
  const [only, ...others] = result.services
  if (only && others.length === 0) return `${cancelled}${serviceState(result, only)}`
  if (result.services.every(s => !s.previousTaskDefinitionArn && s.change === 'none')) {
    return `${cancelled} before anything was changed.`
  }
  if (result.mode === 'verify') return `${cancelled} during verify: nothing was changed.`
  const each = result.services.map(s => `${s.service} ${whereItStands(result, s)}`)
  const moving = result.services.some(s => s.change !== 'none')
  const advice = moving
    ? ' ECS goes on with the deployments started without this step, and nothing more is rolled back: check the services, then run verify, or rollback to return to what they ran.'
    : ''
  return `${cancelled}: ${each.join('; ')}.${advice}`
}

/** Where one of several services stands when the step is cancelled. Pure. */
function whereItStands(result: RunResult, run: ServiceResult): string {
  const before = shortArn(run.previousTaskDefinitionArn)
  const target = shortArn(run.taskDefinitionArn)
  if (run.change === 'rolling-out') {
    return `was being ${result.mode === 'rollback' ? 'rolled back' : 'moved'} to ${target} (it ran ${before} before this step)`
  }
  if (run.change === 'returning')
    return `was being returned to ${target}, which it ran before this step`
  if (run.previousTaskDefinitionArn) return `was not moved: it runs ${before}`
  return 'was not read yet, nor changed'
}

/** The rest of the sentence for one service: what it was doing when the step was cancelled. */
function serviceState(result: RunResult, run: ServiceResult): string {
  const service = `ECS service ${run.service}`
  const before = run.previousTaskDefinitionArn
  const target = run.taskDefinitionArn
  if (result.mode === 'verify') {
    return ` during verify: nothing was changed; ${service} runs ${shortArn(target ?? before)}.`
  }
  if (run.change === 'rolling-out') {
    const what = result.mode === 'rollback' ? 'rolled back' : 'moved'
    return ` while ${service} was being ${what} to ${shortArn(target)}; it ran ${shortArn(before)} before this step. ECS goes on with that deployment without this step, and nothing was rolled back: check the service, then run verify, or rollback to return to ${shortArn(before)}.`
  }
  if (run.change === 'returning') {
    // A failed rollout being rolled back: the service is on its way back to where it was.
    return ` while ${service} was being returned to ${shortArn(target)}, the revision it ran before this step. ECS goes on with that deployment without this step: check the service, then run verify.`
  }
  if (before) {
    return ` before ECS confirmed an update of ${service}: it ran ${shortArn(before)} before this step and was not moved by it; a revision this step registered may be left unused.`
  }
  return ' before anything was changed.'
}

/** The part of `process` this needs, so tests can give a stand-in. */
export interface SignalSource {
  on(signal: CancelSignal, listener: () => void): unknown
  removeListener(signal: CancelSignal, listener: () => void): unknown
  exit(code: number): never
}

/**
 * On the first SIGINT or SIGTERM, runs `report` (bounded by REPORT_TIMEOUT_MS), then exits 1.
 * Later signals are swallowed, so the runner's SIGTERM after its SIGINT does not cut the
 * report short. Returns a function that removes the handlers, for when the step ends normally.
 */
export function onCancel(
  report: (signal: CancelSignal) => Promise<void>,
  source: SignalSource = process,
  timeoutMs = REPORT_TIMEOUT_MS
): () => void {
  let cancelled = false
  const listeners = CANCEL_SIGNALS.map(signal => {
    const listener = (): void => {
      if (cancelled) return
      cancelled = true
      let timer: NodeJS.Timeout | undefined
      const deadline = new Promise<void>(resolve => {
        timer = setTimeout(resolve, timeoutMs)
      })
      void Promise.race([report(signal).catch(() => undefined), deadline]).then(() => {
        clearTimeout(timer)
        source.exit(1)
      })
    }
    source.on(signal, listener)
    return { signal, listener }
  })
  return () => {
    for (const { signal, listener } of listeners) source.removeListener(signal, listener)
  }
}
