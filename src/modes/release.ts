// What deploy and rollback share once they know where each service goes: register the revisions
// that need registering (a failed registration changes nothing: the ones registered before it are
// deregistered), start every move, then watch, verify, bake and, when one fails, take every
// service back. Several services are one unit: when one cannot be updated, those already started
// go back.
import * as core from '@actions/core'
import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs'
import type { Baseline } from '../bake/rules.js'
import type { Deps } from '../deps.js'
import { errorText, NothingChangedError } from '../model/errors.js'
import type { PlannedMove, Revision } from '../model/move.js'
import { shortArn } from '../model/names.js'
import type { Audit, RunResult } from '../model/result.js'
import type { Reporter } from '../report/report.js'
import {
  auditTags,
  auditTagsLeftOut,
  notesCut,
  notesReplaced,
  withReplaces
} from '../revision/audit.js'
import { registerRevision } from '../revision/register.js'
import { earlySuccessOf, strategyOf } from '../rollout/service-deployments.js'
import { deregisterUnused, startMove } from '../rollout/start.js'
import { recover } from '../supervise/recovery.js'
import { supervise, type RolloutPolicy, type Supervised } from '../supervise/supervise.js'
import type { ServiceState } from './service.js'

/** Where one service goes: a revision to register from what it runs, or one that exists. */
export type Target =
  | {
      kind: 'register'
      registration: RegisterTaskDefinitionCommandInput
      /** What the registered revision runs, but for its ARN. */
      runs: Omit<Revision, 'taskDefinitionArn'>
    }
  | { kind: 'existing'; revision: Revision }

/** One service of the step, read, and where it goes. */
export interface Release {
  state: ServiceState
  target: Target
  /** The commit the target was deployed from, when its revision says (a rollback's record names it). */
  commit?: string
  /** The other containers the target runs the same image in; the read service's by default. */
  sameImage?: string[]
  /** The old revision's error lines before the deploy, for the bake. */
  baseline?: Baseline
}

/** A move ready to start: its revision exists. */
export interface Ready {
  planned: PlannedMove
  /** This step registered the revision for this service: deregistered if no service takes it. */
  registered: boolean
  baseline?: Baseline
}

/**
 * What registering a revision made from `replaced` sends: the registration, with the revision it
 * replaces in its tags, which `rollback-to: previous` reads to pass over revisions that never ran.
 */
export function toRegister(
  registration: RegisterTaskDefinitionCommandInput,
  replaced: string
): RegisterTaskDefinitionCommandInput {
  return { ...registration, tags: withReplaces(registration.tags ?? [], replaced) }
}

/**
 * Registers a revision for each release that needs one, of its own family, and tells the reporter.
 * Services that run the very same revision share the one new revision made from it. A failed
 * registration changes nothing: the revisions registered before it are deregistered.
 */
export async function registerAll(
  deps: Deps,
  releases: Release[],
  audit: Audit,
  report: Pick<Reporter, 'registered'>
): Promise<Ready[]> {
  warnAuditTags(releases, audit)
  const made = new Map<string, TaskDefinition>()
  const ready: Ready[] = []
  for (const release of releases) {
    const { state, target } = release
    let revision: Revision
    let registered = false
    if (target.kind === 'existing') {
      revision = target.revision
    } else {
      const shared = made.get(state.currentArn)
      let definition = shared
      if (!definition) {
        try {
          definition = await registerRevision(
            deps,
            toRegister(target.registration, state.currentArn),
            {
              containerName: state.containerName,
              running: state.currentArn
            }
          )
        } catch (error) {
          throw await withoutEarlier(deps, error, [...made.values()])
        }
        made.set(state.currentArn, definition)
        registered = true
      } else {
        core.info(
          `${state.name} runs ${shortArn(state.currentArn)} too: it rolls out ${shortArn(definition.taskDefinitionArn)} as well`
        )
      }
      revision = { taskDefinitionArn: definition.taskDefinitionArn ?? '', ...target.runs }
      report.registered(state.name, revision.taskDefinitionArn)
    }
    ready.push({
      planned: {
        service: state.name,
        containerName: state.containerName,
        sameImage: release.sameImage ?? state.sameImage,
        from: state.before,
        to: revision,
        strategy: strategyOf(state.service),
        ...earlySuccess(state),
        ...(release.commit ? { commit: release.commit } : {})
      },
      registered,
      ...(release.baseline ? { baseline: release.baseline } : {})
    })
  }
  return ready
}

/** Warns when the notes or the audit tags do not fit in a revision's tags. */
function warnAuditTags(releases: Release[], audit: Audit): void {
  const registering = releases.filter(r => r.target.kind === 'register')
  if (registering.length === 0) return
  for (const lost of [notesCut(audit.notes), notesReplaced(audit.notes)]) {
    if (lost) core.warning(lost)
  }
  for (const { state, target } of registering) {
    const tag = target.kind === 'register' ? (target.runs.tag ?? '') : ''
    const added = withReplaces(auditTags(audit, tag), state.currentArn)
    const left = auditTagsLeftOut(state.currentTags, added)
    if (left) core.warning(`${state.name}: ${left}`)
  }
}

/** A failed registration's error, once the revisions registered for the services before are gone. */
async function withoutEarlier(
  deps: Deps,
  error: unknown,
  earlier: TaskDefinition[]
): Promise<unknown> {
  if (earlier.length === 0) return error
  const notes: string[] = []
  for (const td of earlier) notes.push(await deregisterUnused(deps, td.taskDefinitionArn ?? ''))
  const message = error instanceof Error ? error.message : String(error)
  return new NothingChangedError(`${message}; for the services before it, ${notes.join('; ')}`, {
    cause: error
  })
}

/** Deregisters the revisions this step registered, none of which a service took; says how. */
export async function withdraw(deps: Pick<Deps, 'ecs'>, ready: Ready[]): Promise<string[]> {
  const notes: string[] = []
  for (const unit of ready) {
    if (unit.registered) notes.push(await deregisterUnused(deps, unit.planned.to.taskDefinitionArn))
  }
  return notes
}

/**
 * On cancellation: deregisters the revisions this step registered that no service was pointed at
 * (a migration was running, or the step had not reached the update), within `withinMs`, since the
 * step has only moments left. Says what became of each; never throws.
 */
export async function withdrawOnCancel(
  deps: Pick<Deps, 'ecs'>,
  result: RunResult,
  withinMs: number
): Promise<string[]> {
  const offered = new Set(result.services.map(s => s.attempted?.taskDefinitionArn))
  const unused = [...new Set(result.services.map(s => s.registered))].filter(
    (arn): arn is string => !!arn && !offered.has(arn)
  )
  if (unused.length === 0) return []
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<string[]>(resolve => {
    timer = setTimeout(
      () =>
        resolve(
          unused.map(
            arn =>
              `revision ${shortArn(arn)} may be left registered: ECS had not answered its deregistration when the step exited`
          )
        ),
      withinMs
    )
  })
  try {
    return await Promise.race([Promise.all(unused.map(arn => deregisterUnused(deps, arn))), late])
  } finally {
    clearTimeout(timer)
  }
}

export interface RollOutHow {
  what: 'update' | 'rollback'
  wait: boolean
}

/**
 * Starts each move and supervises them; the reporter says what each service runs when this
 * returns or throws.
 */
export async function rollOut(
  deps: Deps,
  policy: RolloutPolicy,
  report: Reporter,
  ready: Ready[],
  how: RollOutHow
): Promise<void> {
  // A rollback that fails is reported as it is; rolling it back in turn would hide what happened.
  const watching: RolloutPolicy =
    how.what === 'rollback'
      ? { ...policy, rollbackOnFailure: false, bake: { ...policy.bake, bakeMs: 0 } }
      : policy
  const started: Supervised[] = []
  for (const [i, unit] of ready.entries()) {
    const { planned } = unit
    report.attempting(planned)
    await deps.onRolloutStart?.(planned)
    let move
    try {
      move = await core.group(`Update service ${planned.service}`, () =>
        startMove(deps, planned, { what: how.what, registered: unit.registered })
      )
    } catch (error) {
      if (started.length === 0) throw error
      const unused = await dropUnused(deps, ready.slice(i + 1), started)
      const headline = `ECS service ${planned.service} could not be updated to ${shortArn(planned.to.taskDefinitionArn)} after ${started.map(s => s.move.service).join(', ')} had started: ${errorText(error).replace(/[.\s]+$/, '')}${unused}`
      const recovery = await recover(deps, watching, started, [], report, headline)
      report.supervised({
        services: started.map(({ move: them }, j) => ({
          move: them,
          ...(recovery.services[j] ? { recovery: recovery.services[j] } : {})
        }))
      })
      throw new Error(recovery.error)
    }
    report.started(move)
    started.push({ move, ...(unit.baseline ? { baseline: unit.baseline } : {}) })
  }

  if (!how.wait) {
    core.info(
      `wait is false: the ${how.what === 'update' ? 'rollout' : 'rollback'} was started and is not watched or verified.`
    )
  } else {
    await watchOver(deps, watching, report, started)
  }
  if (how.what === 'rollback') for (const { move } of started) report.rolledBack(move.service)
}

/** Supervises started moves and reports what became of them; throws the step's error if any. */
export async function watchOver(
  deps: Deps,
  policy: RolloutPolicy,
  report: Reporter,
  started: Supervised[]
): Promise<void> {
  const supervision = await supervise(deps, policy, started, report)
  report.supervised(supervision)
  if (supervision.error !== undefined) throw new Error(supervision.error)
}

/** Deregisters revisions registered for services that were never updated; says how it went. */
async function dropUnused(deps: Deps, later: Ready[], started: Supervised[]): Promise<string> {
  if (later.length === 0) return ''
  const inUse = new Set(started.map(s => s.move.to.taskDefinitionArn))
  const notes: string[] = []
  for (const unit of later) {
    const revision = unit.planned.to.taskDefinitionArn
    const dropped =
      unit.registered && !inUse.has(revision) ? ` (${await deregisterUnused(deps, revision)})` : ''
    notes.push(`${unit.planned.service}${dropped}`)
  }
  return `. Not updated: ${notes.join(', ')}`
}

function earlySuccess(state: ServiceState): { earlySuccess?: { healthyPercent: number } } {
  const criteria = earlySuccessOf(state.service)
  return criteria ? { earlySuccess: criteria } : {}
}
