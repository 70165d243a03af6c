// verify: find what should run (the tag's digest in ECR, else the digest the task definition
// pins), then check what runs, check by check. It only reads, so dry-run changes nothing here.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import type { Inputs } from '../inputs.js'
import type { Check, RunResult } from '../result.js'
import { chooseContainer, pinnedDigest, repositoryOf } from '../task-definition.js'
import {
  allPassed,
  failedChecks,
  reportChecks,
  pinCheck,
  shortArn,
  verifyRunning,
  type Expectation
} from '../verification.js'

interface Target {
  expectation: Expectation
  pin: Check
  tag: string
  image: string | undefined
}

export async function verify(inputs: Inputs, deps: Deps, result: RunResult): Promise<void> {
  if (inputs.dryRun) core.info('dry-run: verify only reads, so it runs as usual.')
  const target = await core.group('Find what should run', () => expectation(inputs, deps))
  const { expectation: expected } = target
  result.taskDefinitionArn = expected.taskDefinitionArn
  result.previousTaskDefinitionArn = expected.taskDefinitionArn
  result.containerName = expected.containerName
  if (target.tag) result.tag = target.tag
  if (expected.digest) result.digest = expected.digest
  if (target.image) result.image = target.image

  const verification = await core.group('Verify', () => verifyRunning(deps, expected))
  reportChecks(result, [target.pin, ...verification.checks], verification.logs)
  result.verified = allPassed(result.checks)
  if (!result.verified) {
    throw new Error(
      `Verification of ECS service ${inputs.service} failed: ${failedChecks(result.checks)}. Nothing was changed; the service runs ${shortArn(expected.taskDefinitionArn)}.`
    )
  }
  result.status = 'succeeded'
}

/** The service's revision, the container and the digest it must run; throws when one is missing. */
async function expectation(inputs: Inputs, deps: Deps): Promise<Target> {
  const service = await deps.ecs.service(inputs.service)
  if (service.status === 'INACTIVE') {
    throw new Error(
      `ECS service ${inputs.service} in cluster ${inputs.cluster} is INACTIVE (deleted): there is nothing to verify`
    )
  }
  if (!service.taskDefinition)
    throw new Error(`ECS service ${inputs.service} has no task definition`)
  const { taskDefinition, tags } = await deps.ecs.taskDefinition(service.taskDefinition)
  const repository = inputs.ecrRepository
    ? await deps.ecr.repository(inputs.ecrRepository)
    : undefined
  const container = chooseContainer(taskDefinition, inputs.containerName, repository?.uri)
  const containerName = container.name ?? ''
  const pinned = pinnedDigest(container.image)

  let tagged: { tag: string; digest: string } | undefined
  if (inputs.tag) {
    if (!repository) {
      throw new Error(
        'ecr-repository is required when verify is given a tag: the tag is looked up in that ECR repository'
      )
    }
    const image = await deps.ecr.image(repository.name, { tag: inputs.tag })
    if (!image) {
      throw new Error(
        `tag '${inputs.tag}' is not in ECR repository ${repository.name}: there is no digest to verify against`
      )
    }
    tagged = { tag: inputs.tag, digest: image.digest }
  }
  const digest = tagged?.digest ?? pinned
  const repositoryUri = repository?.uri ?? (container.image ? repositoryOf(container.image) : '')
  core.info(
    `Service ${inputs.service} runs ${shortArn(service.taskDefinition)}; container ${containerName} should run ${digest ?? 'a digest, but the task definition pins none'}${tagged ? ` (tag ${tagged.tag})` : ''}`
  )
  return {
    expectation: {
      service: inputs.service,
      taskDefinitionArn: taskDefinition.taskDefinitionArn ?? service.taskDefinition,
      containerName,
      digest,
      healthCheckUrl: inputs.healthCheckUrl,
      logGroup: inputs.logGroup,
      logsSinceMinutes: inputs.logsSinceMinutes,
      taskDefinition
    },
    pin: pinCheck(container, tagged),
    tag: tagged?.tag ?? tags.find(t => t.key === 'deploy:image-tag')?.value ?? '',
    image: digest && repositoryUri ? `${repositoryUri}@${digest}` : undefined
  }
}
