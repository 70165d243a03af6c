// deploy: check everything → tag → log in → build → push → confirm the digest → register a
// pinned revision for each service → the migration → update the services → watch → verify → bake.
import * as core from '@actions/core'
import { minutesSeconds, type Baseline } from '../bake/rules.js'
import { readTrafficBaseline } from '../bake/load-balancer.js'
import { logTarget, readBaseline } from '../bake/signals.js'
import type { Deps } from '../deps.js'
import { BuildError } from '../docker/docker.js'
import type { Inputs } from '../inputs/inputs.js'
import { rolloutPolicy } from '../inputs/policy.js'
import {
  describePlan,
  migrationTags,
  planMigration,
  type MigrationPlan
} from '../migration/plan.js'
import { capitalized, errorText, NothingChangedError } from '../model/errors.js'
import { shortArn } from '../model/names.js'
import type { MigrationResult, RunResult } from '../model/result.js'
import { stillMigrated } from '../report/migrated.js'
import { Reporter } from '../report/report.js'
import { auditTags } from '../revision/audit.js'
import { diffJson } from '../revision/diff.js'
import { nextRevision, registrable } from '../revision/next.js'
import { settleBeforeDeploy } from '../rollout/settle.js'
import type { RolloutPolicy } from '../supervise/supervise.js'
import { migrationRecord, MigrationError, runMigration } from '../migration/run.js'
import { cleanUpAfterDeploy, cleanUpPlanned } from './cleanup.js'
import { gateDeploy, gatePlanned } from './gate.js'
import { buildAndPush, planImage, type ImagePlan, type Pushed } from './image.js'
import { registerAll, rollOut, toRegister, withdraw, type Ready } from './release.js'
import { pausesOf, pausesToApprove, readService, type ServiceState } from './service.js'
import { beforeAnyChange, nothingChanged } from './unchanged.js'

/** One service of the deploy, as read before anything changed. */
interface ServicePlan {
  state: ServiceState
  /** Its old revision's error lines before the deploy, for the bake (none without a bake). */
  baseline?: Baseline
}

interface Plan extends ImagePlan {
  services: ServicePlan[]
  /** The migration to run before any service is updated, when migration-command is given. */
  migration: MigrationPlan | undefined
}

const PLACEHOLDER_DIGEST = `sha256:${'0'.repeat(64)}`

export async function deploy(inputs: Inputs, deps: Deps, result: RunResult): Promise<void> {
  const report = new Reporter(result, deps.clock)
  const policy = rolloutPolicy(inputs)
  const plan = await beforeAnyChange(result, 'deployed', () =>
    core.group('Preflight: repository, service, task definition, tag', () =>
      preflight(inputs, deps, report)
    )
  )

  if (inputs.dryRun) {
    planOnly(inputs, plan, report)
    await gatePlanned(inputs, deps, report, plan)
    const states = plan.services.map(s => s.state)
    await cleanUpPlanned(inputs, deps, report, { ...plan, states, digest: plan.existingDigest })
    return
  }

  const pushed = await beforeAnyChange(result, 'deployed', async (): Promise<Pushed> => {
    for (const { state } of plan.services) {
      await settleBeforeDeploy(deps, policy, state.name, report, state.currentArn)
    }
    if (plan.existingDigest) return { digest: plan.existingDigest, tag: plan.tag }
    return await core.group(`Build and push ${plan.repository.name}:${plan.tag}`, () =>
      buildAndPush(inputs, deps, plan).catch((error: unknown) => {
        if (error instanceof BuildError) {
          report.buildFailed(error.lines)
          core.error(error.lines.join('\n'), { title: 'docker build failed: its last lines' })
        }
        throw error
      })
    )
  })
  const { digest, tag } = pushed
  if (pushed.build) report.built(pushed.build)
  await beforeAnyChange(result, 'deployed', () => gateDeploy(inputs, deps, report, plan, digest))
  const image = `${plan.repository.uri}@${digest}`
  for (const { state } of plan.services) {
    if (state.before.digest === digest) {
      core.notice(
        `ECS service ${state.name} already runs ${digest} (${shortArn(state.currentArn)}): the new revision differs only in its audit tags, and the rollout restarts the tasks on the same image.`
      )
    }
  }
  const ready = await registerAll(
    deps,
    plan.services.map(({ state, baseline }) => ({
      state,
      target: {
        kind: 'register' as const,
        registration: nextRevision(state.current, state.currentTags, {
          containerName: state.containerName,
          sameImage: state.sameImage,
          image,
          auditTags: auditTags(result.audit, tag)
        }),
        runs: { image, digest, ...(tag ? { tag } : {}) }
      },
      ...(baseline ? { baseline } : {})
    })),
    result.audit,
    report
  )
  if (plan.migration) await migrateFirst(deps, policy, report, plan.migration, ready, tag)
  await rollOut(deps, policy, report, ready, { what: 'update', wait: inputs.wait }).catch(
    (error: unknown) => {
      throw withMigration(error, report.result)
    }
  )
  if (inputs.wait) await cleanUpAfterDeploy(inputs, deps, report, ready, plan.repository)
  report.finished(inputs.wait ? 'succeeded' : 'started')
}

/** Everything that can be checked before anything changes, so bad input changes nothing. */
async function preflight(inputs: Inputs, deps: Deps, report: Reporter): Promise<Plan> {
  const repository = await deps.ecr.repository(inputs.ecrRepository)
  const states: ServiceState[] = []
  for (const name of inputs.services) {
    states.push(
      await readService(deps, report, {
        name,
        notDone: 'deployed',
        containerName: inputs.containerName,
        repository: () => Promise.resolve(repository),
        announce: true,
        ...(inputs.wait ? { timeoutMinutes: inputs.timeoutMinutes, pauses: pausesOf(inputs) } : {})
      })
    )
  }
  pausesToApprove(states, inputs.approvePauses)
  const migration = migrationOf(inputs, deps, states)
  const services: ServicePlan[] = []
  for (const state of states) {
    const baseline = await baselineOf(inputs, deps, state)
    services.push({ state, ...(baseline ? { baseline } : {}) })
  }
  const running = states.map(state => state.before.image)
  return { ...(await planImage(inputs, deps, repository, running)), services, migration }
}

/** The migration, planned on the first service; throws on a container the revision lacks. */
function migrationOf(
  inputs: Inputs,
  deps: Deps,
  states: ServiceState[]
): MigrationPlan | undefined {
  const [first, ...others] = states
  if (!inputs.migrationCommand || !first) return undefined
  const plan = planMigration(
    {
      argv: inputs.migrationCommand,
      container: inputs.migrationContainer,
      timeoutMs: inputs.migrationTimeoutMinutes * 60_000,
      pollMs: inputs.pollSeconds * 1000
    },
    deps.env,
    first
  )
  const repinned = [first.containerName, ...first.sameImage]
  if (!repinned.includes(plan.container)) {
    const image = first.current.containerDefinitions?.find(c => c.name === plan.container)?.image
    throw new Error(
      `migration-container '${plan.container}' runs ${image ?? 'no image'}, not an image of ECR repository ${inputs.ecrRepository}: the migration would not run the code this deploy rolls out. Name a container whose image is in ecr-repository (${repinned.join(', ')}), or leave migration-container empty`
    )
  }
  if (others.length > 0) {
    core.info(
      `The migration runs once, on the new revision of ${first.name}, before any of the ${states.length} services is updated.`
    )
  }
  return plan
}

/**
 * The old revision's error lines in the minutes before now, and where the load balancer counts
 * each revision's requests with the old side's minutes, read once, before anything changes.
 */
async function baselineOf(
  inputs: Inputs,
  deps: Deps,
  state: ServiceState
): Promise<Baseline | undefined> {
  const rules = rolloutPolicy(inputs).bake
  if (rules.bakeMs <= 0 || inputs.dryRun) return undefined
  const target = logTarget(state.current, state.containerName, inputs.logGroup)
  const running = await deps.ecs.tasks(await deps.ecs.taskArns(state.name, 'RUNNING'))
  const tasks = running.filter(t => t.taskDefinitionArn === state.currentArn)
  const lines = await readBaseline(deps, target, rules, { revision: state.currentArn, tasks })
  const { traffic } = rules.judge ?? {}
  if (!traffic || !(traffic.fiveXx || traffic.latency)) return lines
  return { ...lines, traffic: await readTrafficBaseline(deps, state.service) }
}

/**
 * Runs the migration on the first service's new revision. On failure every service is as it was:
 * the revisions registered for this deploy are deregistered (a revision that never ran is no
 * rollback target), and the error says so.
 */
async function migrateFirst(
  deps: Deps,
  policy: RolloutPolicy,
  report: Reporter,
  migration: MigrationPlan,
  ready: Ready[],
  imageTag: string
): Promise<void> {
  const [first] = ready
  if (!first) return
  const revision = first.planned.to.taskDefinitionArn
  const plan = { ...migration, tags: migrationTags(report.result.audit, imageTag) }
  report.migration(migrationRecord(plan, revision))
  try {
    const { taskDefinition } = await deps.ecs.taskDefinition(revision)
    const done = await core.group(`Migration: ${plan.argv.join(' ')}`, () =>
      runMigration(deps, plan, taskDefinition, policy.logGroup, report)
    )
    report.migration(done)
  } catch (error) {
    const ended: MigrationResult =
      error instanceof MigrationError
        ? error.migration
        : {
            ...(report.result.migration ?? migrationRecord(plan, revision)),
            status: 'failed',
            failure: errorText(error)
          }
    report.migration(ended)
    throw await unchangedAfter(deps, error, ready, report.result, ended)
  }
}

/** The step's error, and what a rollback leaves of a migration that ran, when it left one. */
function withMigration(error: unknown, result: RunResult): unknown {
  const stays = stillMigrated(result)
  if (!stays) return error
  return new Error(`${errorText(error).replace(/\s+$/, '')} ${stays}`, { cause: error })
}

/** The migration's failure, once the revisions registered for the deploy are gone. */
async function unchangedAfter(
  deps: Pick<Deps, 'ecs'>,
  error: unknown,
  ready: Ready[],
  result: RunResult,
  migration: MigrationResult
): Promise<NothingChangedError> {
  const dropped = await withdraw(deps, ready)
  const unchanged = nothingChanged(
    error instanceof NothingChangedError ? new Error(error.message) : error,
    'deployed',
    result.services.map(s => ({ service: s.service, revision: s.before?.taskDefinitionArn }))
  ).message
  const notes = [
    dropped.length > 0 ? `${capitalized(dropped.join('; '))}.` : '',
    error instanceof MigrationError && error.ran
      ? 'The migration may have changed the database before it stopped: check it before you run it again.'
      : ''
  ].filter(Boolean)
  if (migration.failure) {
    const last = migration.logLines.slice(-5).map(line => `  | ${line}`)
    core.error([migration.failure, ...last].join('\n'), {
      title: 'Migration failed: nothing was deployed'
    })
  }
  return new NothingChangedError([unchanged, ...notes].join(' '), { cause: error })
}

function planOnly(inputs: Inputs, plan: Plan, report: Reporter): void {
  const digest = plan.existingDigest ?? PLACEHOLDER_DIGEST
  const image = `${plan.repository.uri}@${digest}`
  for (const { state } of plan.services) {
    const next = nextRevision(state.current, state.currentTags, {
      containerName: state.containerName,
      sameImage: state.sameImage,
      image,
      auditTags: auditTags(report.result.audit, plan.tag)
    })
    const diff = diffJson(
      registrable(state.current, state.currentTags),
      toRegister(next, state.currentArn)
    ).replaceAll(PLACEHOLDER_DIGEST, 'sha256:<digest of the image built>')
    // What would run: the image is known only when it is already in ECR.
    report.planned(state.name, diff, {
      taskDefinitionArn: '',
      ...(plan.existingDigest ? { image, digest: plan.existingDigest } : {}),
      ...(plan.tag ? { tag: plan.tag } : {})
    })
    core.info(
      `dry-run: would ${plan.existingDigest ? 'deploy' : `build ${inputs.dockerfile} as`} ${plan.repository.name}:${plan.tag}, register a new revision of ${state.current.family ?? ''} and update ${state.name}. Nothing was changed.`
    )
    core.info(
      `Planned task definition (diff against ${shortArn(state.current.taskDefinitionArn)}):\n${diff}`
    )
  }
  const [first] = plan.services
  if (plan.migration && first) {
    const { state } = first
    report.migration({ ...migrationRecord(plan.migration, state.currentArn), status: 'planned' })
    core.info(
      `dry-run: would run the migration ${describePlan(plan.migration, `the new revision of ${state.current.family ?? shortArn(state.currentArn)}`)}, before any service is updated.`
    )
  }
  const bake = rolloutPolicy(inputs).bake
  if (bake.bakeMs > 0) {
    core.info(
      `dry-run: after the rollout, would bake ${minutesSeconds(bake.bakeMs)}: the new tasks must keep running, their lines matching ${bake.patterns.join(' or ')} stay under ${bake.ratio}× the rate before the deploy (and ${bake.minErrors} lines)${inputs.healthCheckUrl ? `, and ${inputs.healthCheckUrl} answer 2xx` : ''}.`
    )
  }
  report.finished('planned')
}
