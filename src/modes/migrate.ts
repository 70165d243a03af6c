// deploy's migration step: planned in the preflight (so a container the revision does not have
// is refused before anything changes), run after the new revisions are registered and before any
// service is updated. A migration that fails leaves every service as it was, and deregisters
// the revisions this step registered for it: a revision that never ran is no rollback target.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import { errorText, NothingChangedError } from '../model/errors.js'
import type { Inputs } from '../inputs/inputs.js'
import type { RolloutPolicy } from '../inputs/policy.js'
import { MigrationError, runMigration } from '../migration/run.js'
import {
  containerProblem,
  describePlan,
  migrationTags,
  placementOf,
  placementText,
  startedByOf,
  type MigrationPlan
} from '../migration/plan.js'
import { shortArn } from '../model/names.js'
import type { RunResult } from '../model/result.js'
import { deregisterUnused } from '../rollout/start.js'
import type { RollOut } from './roll-out.js'
import type { ServiceState } from './service.js'
import { nothingChanged } from './unchanged.js'

/** The migration of this deploy, or undefined without migration-command. Throws on a bad container. */
export function planMigration(
  inputs: Inputs,
  deps: Pick<Deps, 'env'>,
  states: ServiceState[]
): MigrationPlan | undefined {
  const argv = inputs.migrationCommand
  const [first, ...others] = states
  if (!argv || !first) return undefined
  const container = inputs.migrationContainer ?? first.containerName
  const problem = containerProblem(first.current, container)
  if (problem) throw new Error(problem)
  if (container !== first.containerName) {
    const image = first.current.containerDefinitions?.find(c => c.name === container)?.image
    core.warning(
      `migration-container ${container} is not the container this deploy repins (${first.containerName}): the migration runs its own image, ${image ?? 'unknown'}, not the one being deployed.`
    )
  }
  if (others.length > 0) {
    core.info(
      `The migration runs once, on the new revision of ${first.name}, before any of the ${states.length} services is updated.`
    )
  }
  return {
    argv,
    container,
    placement: placementOf(first.service),
    startedBy: startedByOf(deps.env),
    tags: [],
    timeoutMs: inputs.migrationTimeoutMinutes * 60_000,
    pollMs: inputs.pollSeconds * 1000,
    service: first.name
  }
}

/** Dry run: what would run, where; the result shows it as planned. */
export function planMigrationOnly(
  plan: MigrationPlan,
  state: ServiceState,
  result: RunResult
): void {
  result.migration = {
    command: plan.argv,
    container: plan.container,
    taskDefinitionArn: state.currentArn,
    where: placementText(plan.placement),
    status: 'planned',
    logLines: []
  }
  core.info(
    `dry-run: would run the migration ${describePlan(plan, `the new revision of ${state.current.family ?? shortArn(state.currentArn)}`)}, before any service is updated.`
  )
}

/**
 * Runs the migration on the first unit's new revision. On failure every service is as it was:
 * the revisions registered for this deploy are deregistered, and the error says so.
 */
export async function migrateFirst(
  deps: Deps,
  policy: RolloutPolicy,
  plan: MigrationPlan,
  units: RollOut[],
  result: RunResult,
  imageTag: string
): Promise<void> {
  const [first] = units
  if (!first) return
  const revision = first.attempted.taskDefinitionArn
  plan.tags = migrationTags(result.audit, imageTag)
  const migration = {
    command: plan.argv,
    container: plan.container,
    taskDefinitionArn: revision,
    where: placementText(plan.placement),
    status: 'running' as const,
    logLines: []
  }
  result.migration = migration
  try {
    const { taskDefinition } = await deps.ecs.taskDefinition(revision)
    await core.group(`Migration: ${plan.argv.join(' ')}`, () =>
      runMigration(deps, plan, taskDefinition, migration, policy.logGroup)
    )
  } catch (error) {
    if (result.migration.status !== 'failed') {
      result.migration.status = 'failed'
      result.migration.failure = errorText(error)
    }
    throw await unchangedAfter(deps, error, units, result)
  }
}

/** The migration's failure, once the revisions registered for the deploy are gone. */
async function unchangedAfter(
  deps: Pick<Deps, 'ecs'>,
  error: unknown,
  units: RollOut[],
  result: RunResult
): Promise<NothingChangedError> {
  const dropped: string[] = []
  for (const unit of units) {
    if (unit.registered)
      dropped.push(await deregisterUnused(deps, unit.attempted.taskDefinitionArn))
  }
  const unchanged = nothingChanged(
    error instanceof NothingChangedError ? new Error(error.message) : error,
    'deployed',
    result.services.map(s => ({ service: s.service, revision: s.previousTaskDefinitionArn }))
  ).message
  const notes = [
    dropped.length > 0 ? `${capitalized(dropped.join('; '))}.` : '',
    error instanceof MigrationError && error.ran
      ? 'The migration may have changed the database before it stopped: check it before you run it again.'
      : ''
  ].filter(Boolean)
  const migration = result.migration
  if (migration?.failure) {
    const last = migration.logLines.slice(-5).map(line => `  | ${line}`)
    core.error([migration.failure, ...last].join('\n'), {
      title: 'Migration failed: nothing was deployed'
    })
  }
  return new NothingChangedError([unchanged, ...notes].join(' '), { cause: error })
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
