// rollback: choose the target (nothing changes if there is none) → register a pinned revision
// when the target is an image → update the service → watch → verify.
import * as core from '@actions/core'
import type { Tag, TaskDefinition } from '@aws-sdk/client-ecs'
import type { Deps } from '../deps.js'
import type { Inputs } from '../inputs.js'
import { registerRevision } from '../registration.js'
import type { RunResult } from '../result.js'
import {
  earlierRevisions,
  existingChoice,
  judgeExisting,
  judgeImage,
  judgePrevious,
  lookupFor,
  noEarlierRevision,
  refused,
  repinChoice,
  targetName,
  type RollbackChoice
} from '../rollback-target.js'
import { superviseRollout } from '../supervise.js'
import { chooseContainer, diffJson, pinnedDigest, registrable } from '../task-definition.js'
import { beforeAnyChange, NothingChangedError } from '../unchanged.js'
import { startDeployment } from '../update-service.js'
import { shortArn } from '../verification.js'

interface Plan {
  current: TaskDefinition
  currentTags: Tag[]
  containerName: string
  runningDigest: string | undefined
  choice: RollbackChoice
}

export async function rollback(inputs: Inputs, deps: Deps, result: RunResult): Promise<void> {
  const plan = await beforeAnyChange(result, 'rolled back', () =>
    core.group(`Choose the rollback target: ${targetName(inputs.rollbackTo)}`, () =>
      choose(inputs, deps, result)
    )
  )
  const currentArn = plan.current.taskDefinitionArn ?? ''
  const { choice } = plan
  result.previousTaskDefinitionArn = currentArn
  result.containerName = plan.containerName
  result.digest = choice.digest
  result.image = choice.image
  if (choice.tag) result.tag = choice.tag
  const to =
    choice.kind === 'existing'
      ? shortArn(choice.taskDefinition.taskDefinitionArn)
      : `a new revision of ${plan.current.family ?? ''}`
  // Notes on one line: a line of them starting with :: would be read as a workflow command.
  const notes = result.audit.notes.replace(/\s*[\r\n]+\s*/g, ' ')
  const story = `rollback ${shortArn(currentArn)} (${plan.runningDigest ?? 'unpinned image'}) → ${to} (${choice.digest}): ${choice.reason}${notes ? `; notes: ${notes}` : ''}`
  core.info(story)
  result.timeline.push({ at: new Date(deps.clock.now()).toISOString(), message: story })

  if (inputs.dryRun) {
    planOnly(plan, result)
    return
  }

  const target =
    choice.kind === 'existing'
      ? choice.taskDefinition
      : await registerRevision(deps, choice.registration, {
          containerName: plan.containerName,
          running: plan.current.taskDefinitionArn ?? ''
        })
  const revision = target.taskDefinitionArn ?? ''

  // A copy: result.taskDefinitionArn names the revision only once ECS has taken the update.
  await deps.onRolloutStart?.({ ...result, taskDefinitionArn: revision })
  const deploymentId = await core.group(`Update service ${inputs.service}`, () =>
    startDeployment(deps, {
      service: inputs.service,
      revision,
      ran: plan.current.taskDefinitionArn ?? '',
      registered: choice.kind === 'repin',
      what: 'rollback'
    })
  )
  result.taskDefinitionArn = revision

  if (!inputs.wait) {
    core.info('wait is false: the rollback was started and is not watched or verified.')
    result.rolledBack = true
    result.status = 'succeeded'
    return
  }

  await superviseRollout(inputs, deps, result, {
    deploymentId,
    revision,
    previousRevision: currentArn,
    containerName: plan.containerName,
    digest: choice.digest,
    // A rollback that fails is reported as it is; rolling it back in turn would hide what happened.
    rollbackOnFailure: false
  })
  result.rolledBack = true
  result.status = 'succeeded'
}

/** Reads what runs and resolves the target; throws, having changed nothing, when there is none. */
async function choose(inputs: Inputs, deps: Deps, result: RunResult): Promise<Plan> {
  const service = await deps.ecs.service(inputs.service)
  if (service.status !== 'ACTIVE') {
    throw new NothingChangedError(
      `ECS service ${inputs.service} is ${service.status ?? 'not active'}: nothing was rolled back`
    )
  }
  if (!service.taskDefinition)
    throw new Error(`ECS service ${inputs.service} has no task definition`)
  // Known from here on: a step that fails later still reports what the service runs.
  result.previousTaskDefinitionArn = service.taskDefinition
  const { taskDefinition: current, tags: currentTags } = await deps.ecs.taskDefinition(
    service.taskDefinition
  )
  const currentArn = current.taskDefinitionArn ?? service.taskDefinition
  const repository = inputs.ecrRepository
    ? await deps.ecr.repository(inputs.ecrRepository)
    : undefined
  const container = chooseContainer(current, inputs.containerName, repository?.uri)
  const containerName = container.name ?? ''
  const runningDigest = pinnedDigest(container.image)
  core.info(
    `Service ${inputs.service} runs ${shortArn(currentArn)}; container ${containerName} runs ${container.image ?? '?'}`
  )
  const target = inputs.rollbackTo
  const lookup = lookupFor(target, current)
  const plan = (choice: RollbackChoice): Plan => ({
    current,
    currentTags,
    containerName,
    runningDigest,
    choice
  })

  if (lookup.kind === 'earlier-revisions') {
    const skipped: string[] = []
    for (const arn of earlierRevisions(await deps.ecs.revisions(lookup.family), currentArn)) {
      const candidate = await deps.ecs.taskDefinition(arn)
      const verdict = judgePrevious(candidate.taskDefinition, containerName, runningDigest)
      if (verdict.ok) {
        const reason = `previous: the newest earlier revision with another digest${skipped.length ? ` (passed over ${skipped.join('; ')})` : ''}`
        return plan(
          existingChoice(
            candidate.taskDefinition,
            candidate.tags,
            containerName,
            verdict.digest,
            reason
          )
        )
      }
      core.info(`${shortArn(arn)} ${verdict.reason}: passed over`)
      skipped.push(`${shortArn(arn)} ${verdict.reason}`)
    }
    throw new NothingChangedError(
      noEarlierRevision(currentArn, containerName, runningDigest, skipped)
    )
  }

  if (lookup.kind === 'task-definition') {
    let found: Awaited<ReturnType<Deps['ecs']['taskDefinition']>>
    try {
      found = await deps.ecs.taskDefinition(lookup.ref)
    } catch (error) {
      throw new NothingChangedError(
        refused(
          target,
          `task definition ${lookup.ref}`,
          `could not be found (${messageOf(error)})`,
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
    return plan(
      existingChoice(found.taskDefinition, found.tags, containerName, verdict.digest, reason)
    )
  }

  // An image: checked in ECR, then pinned into a new revision of the current task definition.
  if (!repository) {
    throw new NothingChangedError(
      refused(target, 'the image', 'cannot be looked up without ecr-repository', currentArn)
    )
  }
  const image = await deps.ecr.image(repository.name, lookup.ref)
  if (!image) {
    throw new NothingChangedError(
      refused(target, 'the image', `is not in ECR repository ${repository.name}`, currentArn)
    )
  }
  const verdict = judgeImage(image, runningDigest)
  if (!verdict.ok)
    throw new NothingChangedError(refused(target, 'the image', verdict.reason, currentArn))
  return plan(
    repinChoice({
      current,
      currentTags,
      containerName,
      repositoryUri: repository.uri,
      image,
      tag: 'tag' in lookup.ref ? lookup.ref.tag : undefined,
      audit: result.audit,
      reason: `${'tag' in lookup.ref ? `tag ${lookup.ref.tag}` : image.digest} from ${repository.name}, pinned into a new revision`
    })
  )
}

function planOnly(plan: Plan, result: RunResult): void {
  const { choice } = plan
  const before = registrable(plan.current, plan.currentTags)
  const after =
    choice.kind === 'existing'
      ? registrable(choice.taskDefinition, choice.tags)
      : choice.registration
  result.plan = diffJson(before, after)
  if (choice.kind === 'existing')
    result.taskDefinitionArn = choice.taskDefinition.taskDefinitionArn ?? ''
  result.status = 'planned'
  const action =
    choice.kind === 'existing'
      ? `update the service to ${shortArn(choice.taskDefinition.taskDefinitionArn)} as it is`
      : `register a new revision of ${plan.current.family ?? ''} with ${plan.containerName} = ${choice.image} and update the service to it`
  core.info(`dry-run: would ${action}. Nothing was changed.`)
  core.info(
    `Planned task definition (diff against ${shortArn(plan.current.taskDefinitionArn)}):\n${result.plan}`
  )
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
