// What a cancelled step says (the runner stops it with a signal; src/cancel.ts catches it).
// The step must still say what it leaves behind: which revision the service was being moved
// to and what it ran before, because ECS goes on with a started deployment on its own.
import { minutesSeconds } from '../bake/rules.js'
import { capitalized } from '../model/errors.js'
import { shortArn } from '../model/names.js'
import type { RunResult, ServiceResult } from '../model/result.js'

/**
 * The error of a cancelled step, from what the mode had recorded when the signal came and what
 * became of the revisions it registered that no service took (`withdrawn`). Pure.
 */
export function cancelledError(
  signal: string,
  result: RunResult,
  withdrawn: string[] = []
): string {
  const cancelled = `The step was cancelled (${signal})`
  const migration = result.migration
  if (migration?.status === 'running' && migration.taskArn) {
    const runs = result.services.map(
      s => `${s.service} runs ${shortArn(s.before?.taskDefinitionArn)}`
    )
    const left =
      withdrawn.length > 0
        ? withdrawn.join('; ')
        : `the revision${result.services.length > 1 ? 's' : ''} this step registered ${result.services.length > 1 ? 'are' : 'is'} left registered, unused`
    return `${cancelled} while the migration task ${shortArn(migration.taskArn)} was running: ${migration.cancelled ?? 'it was not stopped'}. No service was updated: ${runs.join(', ')}; ${left}. The migration may have changed the database before it stopped: check it before you run it again.`
  }
  const said = beforeWithdrawn(signal, result, withdrawn.length > 0)
  return withdrawn.length > 0 ? `${said} ${capitalized(withdrawn.join('; '))}.` : said
}

/** The error of a cancelled step outside a migration, before what became of unused revisions. */
function beforeWithdrawn(signal: string, result: RunResult, withdrawn: boolean): string {
  const cancelled = `The step was cancelled (${signal})`
  // Judged while ECS still shifts the traffic, a service is still being moved: said below.
  const baking = result.services.filter(
    s => s.bake?.status === 'baking' && s.bake.phase !== 'shift'
  )
  if (baking.length > 0) {
    const each = result.services.map(
      s =>
        `${s.service} runs ${shortArn(s.runs?.taskDefinitionArn)} (it ran ${shortArn(s.before?.taskDefinitionArn)} before this step)`
    )
    const elapsed = baking[0]?.bake?.watchedMs ?? 0
    return `${cancelled} during the bake, ${minutesSeconds(elapsed)} into ${minutesSeconds(baking[0]?.bake?.bakeMs ?? 0)}: the rollout had completed and was verified, and nothing was rolled back: ${each.join('; ')}. Run verify, or rollback to return to what ran before.`
  }
  const [only, ...others] = result.services
  if (only && others.length === 0) return `${cancelled}${serviceState(result, only, withdrawn)}`
  if (result.services.every(s => !s.before?.taskDefinitionArn && s.change === 'none')) {
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
  const before = shortArn(run.before?.taskDefinitionArn)
  const target = shortArn(run.runs?.taskDefinitionArn)
  if (run.change === 'rolling-out') {
    return `was being ${result.mode === 'rollback' ? 'rolled back' : 'moved'} to ${target} (it ran ${before} before this step)`
  }
  if (run.change === 'returning')
    return `was being returned to ${target}, which it ran before this step`
  if (run.before?.taskDefinitionArn) return `was not moved: it runs ${before}`
  return 'was not read yet, nor changed'
}

/** The rest of the sentence for one service: what it was doing when the step was cancelled. */
function serviceState(result: RunResult, run: ServiceResult, withdrawn: boolean): string {
  const service = `ECS service ${run.service}`
  const before = run.before?.taskDefinitionArn
  const target = run.runs?.taskDefinitionArn
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
    const unused = withdrawn ? '' : '; a revision this step registered may be left unused'
    return ` before ECS confirmed an update of ${service}: it ran ${shortArn(before)} before this step and was not moved by it${unused}.`
  }
  return ' before anything was changed.'
}
