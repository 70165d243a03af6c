// verify: find what should run (the tag's digest in ECR, else the digest the task definition
// pins), then check what runs, check by check. It only reads, so dry-run changes nothing here.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import type { Inputs } from '../inputs/inputs.js'
import { checkPolicy } from '../inputs/policy.js'
import { pinnedDigest, repositoryOf, shortArn } from '../names.js'
import type { Check, RunResult } from '../result.js'
import { AUDIT_TAG, tagOf } from '../revision/audit.js'
import {
  allPassed,
  failedChecks,
  pinCheck,
  reportChecks,
  type Expectation
} from '../verify/checks.js'
import { verifyRunning } from '../verify/running.js'
import { readService } from './service.js'

interface Target {
  expectation: Expectation
  pin: Check
  tag: string
  image: string | undefined
}

export async function verify(inputs: Inputs, deps: Deps, result: RunResult): Promise<void> {
  if (inputs.dryRun) core.info('dry-run: verify only reads, so it runs as usual.')
  const target = await core.group('Find what should run', () => expectation(inputs, deps, result))
  const { expectation: expected } = target
  result.taskDefinitionArn = expected.taskDefinitionArn
  result.previousTaskDefinitionArn = expected.taskDefinitionArn
  result.containerName = expected.containerName
  if (target.tag) result.tag = target.tag
  if (expected.digest) result.digest = expected.digest
  if (target.image) result.image = target.image

  const verification = await core.group('Verify', () =>
    verifyRunning(deps, expected, checkPolicy(inputs))
  )
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
async function expectation(inputs: Inputs, deps: Deps, result: RunResult): Promise<Target> {
  const { current, currentTags, currentArn, container, containerName, repository } =
    await readService(deps, result, {
      name: inputs.service,
      notDone: 'verified',
      containerName: inputs.containerName,
      repository: () =>
        inputs.ecrRepository
          ? deps.ecr.repository(inputs.ecrRepository)
          : Promise.resolve(undefined),
      announce: false
    })
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
    `Service ${inputs.service} runs ${shortArn(currentArn)}; container ${containerName} should run ${digest ?? 'a digest, but the task definition pins none'}${tagged ? ` (tag ${tagged.tag})` : ''}`
  )
  return {
    expectation: {
      service: inputs.service,
      taskDefinitionArn: currentArn,
      containerName,
      digest,
      taskDefinition: current
    },
    pin: pinCheck(container, tagged),
    tag: tagged?.tag ?? tagOf(currentTags, AUDIT_TAG.imageTag) ?? '',
    image: digest && repositoryUri ? `${repositoryUri}@${digest}` : undefined
  }
}
