// rollback: choose the target (nothing changes if there is none) → register a pinned revision
// when the target is an image → update the service → watch → verify.
import * as core from '@actions/core'
import type { Repository } from '../aws/ecr.js'
import type { Deps } from '../deps.js'
import { errorText, NothingChangedError } from '../model/errors.js'
import type { Inputs, RollbackTarget } from '../inputs/inputs.js'
import { rolloutPolicy } from '../inputs/policy.js'
import { pinnedDigest, shortArn } from '../model/names.js'
import type { Audit, RunResult } from '../model/result.js'
import { Reporter } from '../report/report.js'
import { AUDIT_TAG, tagOf } from '../revision/audit.js'
import { diffJson } from '../revision/diff.js'
import { pinnedAlike, registrable } from '../revision/next.js'
import { findPrevious } from '../revision/previous.js'
import {
  existingChoice,
  judgeExisting,
  judgeImage,
  lookupFor,
  noEarlierRevision,
  refused,
  repinChoice,
  targetName,
  type Lookup,
  type RollbackChoice
} from '../revision/rollback-target.js'
import { warnRollbackTargets } from './gate.js'
import { registerAll, rollOut, toRegister, type Target } from './release.js'
import { pausesOf, pausesToApprove, readService, type ServiceState } from './service.js'
import { beforeAnyChange } from './unchanged.js'

interface Plan extends ServiceState {
  runningDigest: string | undefined
  choice: RollbackChoice
}

export async function rollback(inputs: Inputs, deps: Deps, result: RunResult): Promise<void> {
  const report = new Reporter(result, deps.clock)
  const many = inputs.services.length > 1
  const plans = await beforeAnyChange(result, 'rolled back', () =>
    core.group(`Choose the rollback target: ${targetName(inputs.rollbackTo)}`, async () => {
      const chosen: Plan[] = []
      for (const name of inputs.services) {
        chosen.push(await choose(inputs, deps, report, name, result.audit, many))
      }
      pausesToApprove(chosen, inputs.approvePauses)
      return chosen
    })
  )
  for (const plan of plans) tell(report, result.audit, plan)
  await warnRollbackTargets(inputs, deps, report, plans)

  if (inputs.dryRun) {
    for (const plan of plans) planOnly(plan, report)
    report.finished('planned')
    return
  }

  const ready = await registerAll(
    deps,
    plans.map(plan => ({
      state: plan,
      target: targetOf(plan.choice),
      ...commitOf(plan.choice),
      ...(plan.choice.kind === 'existing'
        ? { sameImage: pinnedAlike(plan.choice.taskDefinition, plan.containerName) }
        : {})
    })),
    result.audit,
    report
  )
  await rollOut(deps, rolloutPolicy(inputs), report, ready, { what: 'rollback', wait: inputs.wait })
  report.finished(inputs.wait ? 'succeeded' : 'started')
}

/** Where the choice takes the service: the existing revision, or a new one to register. */
function targetOf(choice: RollbackChoice): Target {
  const runs = {
    image: choice.image,
    digest: choice.digest,
    ...(choice.tag ? { tag: choice.tag } : {})
  }
  return choice.kind === 'existing'
    ? {
        kind: 'existing',
        revision: { taskDefinitionArn: choice.taskDefinition.taskDefinitionArn ?? '', ...runs }
      }
    : { kind: 'register', registration: choice.registration, runs }
}

/** The commit an existing revision was deployed from, by its audit tag. */
function commitOf(choice: RollbackChoice): { commit?: string } {
  const commit = choice.kind === 'existing' ? tagOf(choice.tags, AUDIT_TAG.commit) : undefined
  return commit ? { commit } : {}
}

/** The rollback's story in one line, in the log and the service's timeline. */
function tell(report: Reporter, audit: Audit, plan: Plan): void {
  const { choice, currentArn } = plan
  const to =
    choice.kind === 'existing'
      ? shortArn(choice.taskDefinition.taskDefinitionArn)
      : `a new revision of ${plan.current.family ?? ''}`
  // Notes on one line: a line of them starting with :: would be read as a workflow command.
  const notes = audit.notes.replace(/\s*[\r\n]+\s*/g, ' ')
  const story = `rollback ${shortArn(currentArn)} (${plan.runningDigest ?? 'unpinned image'}) → ${to} (${choice.digest}): ${choice.reason}${notes ? `; notes: ${notes}` : ''}`
  core.info(story)
  report.note(plan.name, story)
}

/** Reads what runs and resolves the target; throws, having changed nothing, when there is none. */
async function choose(
  inputs: Inputs,
  deps: Deps,
  report: Reporter,
  name: string,
  audit: Audit,
  many: boolean
): Promise<Plan> {
  const state = await readService(deps, report, {
    name,
    notDone: 'rolled back',
    containerName: inputs.containerName,
    repository: () =>
      inputs.ecrRepository ? deps.ecr.repository(inputs.ecrRepository) : Promise.resolve(undefined),
    announce: true,
    ...(inputs.wait ? { timeoutMinutes: inputs.timeoutMinutes, pauses: pausesOf(inputs) } : {})
  })
  const runningDigest = pinnedDigest(state.container.image)
  const target = inputs.rollbackTo
  const lookup = lookupFor(target, state.current)
  const plan = (choice: RollbackChoice): Plan => ({ ...state, runningDigest, choice })
  try {
    switch (lookup.kind) {
      case 'earlier-revisions':
        return plan(await choosePrevious(deps, state, runningDigest, lookup.family))
      case 'task-definition':
        return plan(await chooseRevision(deps, state, target, lookup.ref))
      case 'image':
        return plan(await chooseImage(deps, state, runningDigest, target, lookup.ref, audit))
    }
  } catch (error) {
    // With several services, say which one has no target.
    if (!many || !(error instanceof NothingChangedError)) throw error
    throw new NothingChangedError(`ECS service ${name}: ${error.message}`, { cause: error })
  }
}

/**
 * `previous`: the newest earlier revision of the family with another digest that a service ran.
 * Each revision this action registered names the one it replaced (`deploy:replaces`): the
 * revisions between the two never ran, and are passed over without being read.
 */
async function choosePrevious(
  deps: Deps,
  state: ServiceState,
  runningDigest: string | undefined,
  family: string
): Promise<RollbackChoice> {
  const { currentArn, containerName } = state
  const { found, skipped } = await findPrevious(
    {
      currentArn,
      currentTags: state.currentTags,
      containerName,
      runningDigest,
      revisions: await deps.ecs.revisions(family)
    },
    deps
  )
  for (const line of skipped) core.info(`${line}: passed over`)
  if (!found) {
    throw new NothingChangedError(
      noEarlierRevision(currentArn, containerName, runningDigest, skipped)
    )
  }
  const reason = `previous: the newest earlier revision with another digest${skipped.length ? ` (passed over ${skipped.join('; ')})` : ''}`
  return existingChoice(found.taskDefinition, found.tags, containerName, found.digest, reason)
}

/** A revision number or ARN: that revision, deployed as it is. */
async function chooseRevision(
  deps: Deps,
  state: ServiceState,
  target: RollbackTarget,
  ref: string
): Promise<RollbackChoice> {
  const { currentArn, containerName } = state
  let found: Awaited<ReturnType<Deps['ecs']['taskDefinition']>>
  try {
    found = await deps.ecs.taskDefinition(ref)
  } catch (error) {
    throw new NothingChangedError(
      refused(
        target,
        `task definition ${ref}`,
        `could not be found (${errorText(error)})`,
        currentArn
      ),
      { cause: error }
    )
  }
  const verdict = judgeExisting(found.taskDefinition, containerName, currentArn)
  if (!verdict.ok) {
    throw new NothingChangedError(
      refused(
        target,
        `task definition ${shortArn(found.taskDefinition.taskDefinitionArn)}`,
        verdict.reason,
        currentArn
      )
    )
  }
  const reason = `revision ${shortArn(found.taskDefinition.taskDefinitionArn)}, deployed as it is`
  return existingChoice(found.taskDefinition, found.tags, containerName, verdict.digest, reason)
}

/** A digest or a tag: checked in ECR, then pinned into a new revision of the current one. */
async function chooseImage(
  deps: Deps,
  state: ServiceState,
  runningDigest: string | undefined,
  target: RollbackTarget,
  ref: Extract<Lookup, { kind: 'image' }>['ref'],
  audit: Audit
): Promise<RollbackChoice> {
  const { currentArn, repository } = state
  const image = await imageIn(deps, repository, ref, target, currentArn)
  const verdict = judgeImage(image, runningDigest)
  if (!verdict.ok) {
    throw new NothingChangedError(refused(target, 'the image', verdict.reason, currentArn))
  }
  const tag = 'tag' in ref ? ref.tag : undefined
  return repinChoice({
    current: state.current,
    currentTags: state.currentTags,
    containerName: state.containerName,
    sameImage: state.sameImage,
    repositoryUri: repository?.uri ?? '',
    image,
    tag,
    audit,
    reason: `${tag ? `tag ${tag}` : image.digest} from ${repository?.name ?? ''}, pinned into a new revision`
  })
}

async function imageIn(
  deps: Deps,
  repository: Repository | undefined,
  ref: Extract<Lookup, { kind: 'image' }>['ref'],
  target: RollbackTarget,
  currentArn: string
) {
  if (!repository) {
    throw new NothingChangedError(
      refused(target, 'the image', 'cannot be looked up without ecr-repository', currentArn)
    )
  }
  const image = await deps.ecr.image(repository.name, ref)
  if (!image) {
    throw new NothingChangedError(
      refused(target, 'the image', `is not in ECR repository ${repository.name}`, currentArn)
    )
  }
  return image
}

function planOnly(plan: Plan, report: Reporter): void {
  const { choice } = plan
  const before = registrable(plan.current, plan.currentTags)
  const after =
    choice.kind === 'existing'
      ? registrable(choice.taskDefinition, choice.tags)
      : toRegister(choice.registration, plan.currentArn)
  const diff = diffJson(before, after)
  // What would run, but for the revision: a dry run moves the service to none, so
  // task-definition-arn stays empty whatever the target, as in a deploy's dry run.
  const target = targetOf(choice)
  const { taskDefinitionArn: _arn, ...wouldRun } =
    target.kind === 'existing' ? target.revision : { taskDefinitionArn: '', ...target.runs }
  report.planned(plan.name, diff, { taskDefinitionArn: '', ...wouldRun })
  const action =
    choice.kind === 'existing'
      ? `update the service to ${shortArn(choice.taskDefinition.taskDefinitionArn)} as it is`
      : `register a new revision of ${plan.current.family ?? ''} with ${plan.containerName} = ${choice.image} and update the service to it`
  core.info(`dry-run: would ${action}. Nothing was changed.`)
  core.info(
    `Planned task definition (diff against ${shortArn(plan.current.taskDefinitionArn)}):\n${diff}`
  )
}
