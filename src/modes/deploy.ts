// deploy: check everything → tag → log in → build → push → confirm the digest → register a
// pinned revision for each service → update the services → watch → verify.
import * as core from '@actions/core'
import type { TaskDefinition } from '@aws-sdk/client-ecs'
import type { Deps } from '../deps.js'
import { BuildError } from '../docker.js'
import { NothingChangedError } from '../errors.js'
import type { Inputs } from '../inputs/inputs.js'
import { rolloutPolicy } from '../inputs/policy.js'
import { shortArn } from '../names.js'
import type { RunResult, ServiceResult } from '../result.js'
import { auditTags, auditTagsLeftOut, notesCut } from '../revision/audit.js'
import { diffJson } from '../revision/diff.js'
import { nextRevision, registrable } from '../revision/next.js'
import { registerRevision } from '../revision/register.js'
import { strategyOf } from '../rollout/service-deployments.js'
import { settleBeforeDeploy } from '../rollout/settle.js'
import { deregisterUnused } from '../rollout/start.js'
import { minutesSeconds, type Baseline } from '../bake/rules.js'
import { logTarget, readBaseline } from '../bake/signals.js'
import type { MigrationPlan } from '../migration/plan.js'
import { buildAndPush, planImage, type ImagePlan, type Pushed } from './image.js'
import { migrateFirst, planMigration, planMigrationOnly } from './migrate.js'
import { rollOut, type RollOut } from './roll-out.js'
import { readService, type ServiceState } from './service.js'
import { beforeAnyChange } from './unchanged.js'

interface Plan extends ImagePlan {
  /** Each service's state, in the order of the results. */
  states: ServiceState[]
  /** The migration to run before any service is updated, when migration-command is given. */
  migration: MigrationPlan | undefined
  /** Each service's error lines before the deploy, for the bake (none without a bake). */
  baselines: (Baseline | undefined)[]
}

const PLACEHOLDER_DIGEST = `sha256:${'0'.repeat(64)}`

export async function deploy(inputs: Inputs, deps: Deps, result: RunResult): Promise<void> {
  const policy = rolloutPolicy(inputs)
  const plan = await beforeAnyChange(result, 'deployed', () =>
    core.group('Preflight: repository, service, task definition, tag', () =>
      preflight(inputs, deps, result)
    )
  )

  if (inputs.dryRun) {
    planOnly(inputs, plan, result)
    return
  }

  const pushed = await beforeAnyChange(result, 'deployed', async (): Promise<Pushed> => {
    for (const [i, state] of plan.states.entries()) {
      await settleBeforeDeploy(deps, policy, state.name, serviceAt(result, i), state.currentArn)
    }
    if (plan.existingDigest) return { digest: plan.existingDigest, tag: plan.tag }
    return await core.group(`Build and push ${plan.repository.name}:${plan.tag}`, () =>
      buildAndPush(inputs, deps, plan).catch((error: unknown) => {
        if (error instanceof BuildError) {
          result.buildLog = error.lines
          core.error(error.lines.join('\n'), { title: 'docker build failed: its last lines' })
        }
        throw error
      })
    )
  })
  const { digest, tag } = pushed
  if (pushed.build) result.build = pushed.build
  plan.tag = tag
  const image = `${plan.repository.uri}@${digest}`
  for (const state of plan.states) {
    if (state.before.digest === digest) {
      core.notice(
        `ECS service ${state.name} already runs ${digest} (${shortArn(state.currentArn)}): the new revision differs only in its audit tags, and the rollout restarts the tasks on the same image.`
      )
    }
  }
  const cut = notesCut(result.audit.notes)
  if (cut) core.warning(cut)
  for (const state of plan.states) {
    const left = auditTagsLeftOut(state.currentTags, auditTags(result, tag))
    if (left) core.warning(`${state.name}: ${left}`)
  }
  const units = await registerAll(deps, result, plan, image, digest)
  if (plan.migration) await migrateFirst(deps, policy, plan.migration, units, result, tag)
  await rollOut(deps, policy, units, { what: 'update', wait: inputs.wait })
  result.status = inputs.wait ? 'succeeded' : 'started'
}

/** Everything that can be checked before anything changes, so bad input changes nothing. */
async function preflight(inputs: Inputs, deps: Deps, result: RunResult): Promise<Plan> {
  const repository = await deps.ecr.repository(inputs.ecrRepository)
  const states: ServiceState[] = []
  for (const [i, name] of inputs.services.entries()) {
    states.push(
      await readService(deps, serviceAt(result, i), {
        name,
        notDone: 'deployed',
        containerName: inputs.containerName,
        repository: () => Promise.resolve(repository),
        announce: true,
        ...(inputs.wait ? { timeoutMinutes: inputs.timeoutMinutes } : {})
      })
    )
  }
  const migration = planMigration(inputs, deps, states)
  const baselines = await baselinesOf(inputs, deps, states)
  const running = states.map(state => state.before.image)
  return { ...(await planImage(inputs, deps, repository, running)), states, migration, baselines }
}

/** The old revisions' error lines in the minutes before now, read once, before anything changes. */
async function baselinesOf(
  inputs: Inputs,
  deps: Deps,
  states: ServiceState[]
): Promise<(Baseline | undefined)[]> {
  const rules = rolloutPolicy(inputs).bake
  if (rules.bakeMs <= 0 || inputs.dryRun) return states.map(() => undefined)
  const baselines: Baseline[] = []
  for (const state of states) {
    const target = logTarget(state.current, state.containerName, inputs.logGroup)
    const tasks = state.service.runningCount ?? state.service.desiredCount ?? 0
    baselines.push(await readBaseline(deps, target, rules, tasks))
  }
  return baselines
}

function serviceAt(result: RunResult, i: number): ServiceResult {
  const service = result.services[i]
  if (!service) throw new Error(`No result for service ${i + 1}`)
  return service
}

/**
 * A pinned revision for each service, of its own family. Services that run the very same
 * revision share the one new revision made from it. A failed registration changes nothing: the
 * revisions registered before it are deregistered.
 */
async function registerAll(
  deps: Deps,
  result: RunResult,
  plan: Plan,
  image: string,
  digest: string
): Promise<RollOut[]> {
  const made = new Map<string, TaskDefinition>()
  const units: RollOut[] = []
  for (const [i, state] of plan.states.entries()) {
    const shared = made.get(state.currentArn)
    let registered = shared
    if (!registered) {
      try {
        registered = await registerRevision(
          deps,
          nextRevision(state.current, state.currentTags, {
            containerName: state.containerName,
            image,
            auditTags: auditTags(result, plan.tag)
          }),
          { containerName: state.containerName, running: state.currentArn }
        )
      } catch (error) {
        throw await withoutEarlier(deps, error, [...made.values()])
      }
      made.set(state.currentArn, registered)
    } else {
      core.info(
        `${state.name} runs ${shortArn(state.currentArn)} too: it rolls out ${shortArn(registered.taskDefinitionArn)} as well`
      )
    }
    units.push({
      result: serviceAt(result, i),
      attempted: {
        taskDefinitionArn: registered.taskDefinitionArn ?? '',
        image,
        digest,
        ...(plan.tag ? { tag: plan.tag } : {})
      },
      before: state.before,
      containerName: state.containerName,
      strategy: strategyOf(state.service),
      registered: !shared,
      ...(plan.baselines[i] ? { baseline: plan.baselines[i] } : {})
    })
  }
  return units
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

function planOnly(inputs: Inputs, plan: Plan, result: RunResult): void {
  const digest = plan.existingDigest ?? PLACEHOLDER_DIGEST
  const image = `${plan.repository.uri}@${digest}`
  for (const [i, state] of plan.states.entries()) {
    const service = serviceAt(result, i)
    const next = nextRevision(state.current, state.currentTags, {
      containerName: state.containerName,
      image,
      auditTags: auditTags(result, plan.tag)
    })
    const diff = diffJson(registrable(state.current, state.currentTags), next).replaceAll(
      PLACEHOLDER_DIGEST,
      'sha256:<digest of the image built>'
    )
    service.plan = diff
    // What would run: the image is known only when it is already in ECR.
    delete service.taskDefinitionArn
    if (plan.existingDigest) {
      service.digest = plan.existingDigest
      service.image = image
    } else {
      delete service.digest
      delete service.image
    }
    if (plan.tag) service.tag = plan.tag
    core.info(
      `dry-run: would ${plan.existingDigest ? 'deploy' : `build ${inputs.dockerfile} as`} ${plan.repository.name}:${plan.tag}, register a new revision of ${state.current.family ?? ''} and update ${state.name}. Nothing was changed.`
    )
    core.info(
      `Planned task definition (diff against ${shortArn(state.current.taskDefinitionArn)}):\n${diff}`
    )
  }
  const [first] = plan.states
  if (plan.migration && first) planMigrationOnly(plan.migration, first, result)
  const bake = rolloutPolicy(inputs).bake
  if (bake.bakeMs > 0) {
    core.info(
      `dry-run: after the rollout, would bake ${minutesSeconds(bake.bakeMs)}: the new tasks must keep running, their lines matching ${bake.patterns.join(' or ')} stay under ${bake.ratio}× the rate before the deploy (and ${bake.minErrors} lines)${inputs.healthCheckUrl ? `, and ${inputs.healthCheckUrl} answer 2xx` : ''}.`
    )
  }
  result.status = 'planned'
}
