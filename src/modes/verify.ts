// verify: find what should run (the tag's digest in ECR, else the digest the task definition
// pins), then check what runs, check by check, service by service. It only reads, so dry-run
// changes nothing here.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import type { Inputs } from '../inputs/inputs.js'
import { checkPolicy } from '../inputs/policy.js'
import { pinnedDigest, shortArn } from '../model/names.js'
import type { Check, RunResult, ServiceResult } from '../model/result.js'
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
}

export async function verify(inputs: Inputs, deps: Deps, result: RunResult): Promise<void> {
  if (inputs.dryRun) core.info('dry-run: verify only reads, so it runs as usual.')
  const many = inputs.services.length > 1
  const failures: { name: string; failed: string; runs: string }[] = []
  for (const [i, name] of inputs.services.entries()) {
    const service = result.services[i]
    if (!service) continue
    const target = await core.group(
      many ? `Find what ${name} should run` : 'Find what should run',
      () => expectation(inputs, deps, service, name)
    )
    const verification = await core.group(many ? `Verify ${name}` : 'Verify', () =>
      verifyRunning(deps, target.expectation, checkPolicy(inputs))
    )
    reportChecks(service, [target.pin, ...verification.checks], verification.logs)
    service.verified = allPassed(service.checks)
    if (!service.verified) {
      const runs = shortArn(target.expectation.taskDefinitionArn)
      failures.push({ name, failed: failedChecks(service.checks), runs })
    }
  }
  const [first] = failures
  if (first && !many) {
    throw new Error(
      `Verification of ECS service ${first.name} failed: ${first.failed}. Nothing was changed; the service runs ${first.runs}.`
    )
  }
  if (failures.length > 0) {
    const each = failures.map(f => `${f.name} (runs ${f.runs}): ${f.failed}`).join('. ')
    throw new Error(
      `Verification of ECS services ${failures.map(f => f.name).join(', ')} failed: ${each}. Nothing was changed.`
    )
  }
  result.status = 'succeeded'
}

/** The service's revision, the container and the digest it must run; throws when one is missing. */
async function expectation(
  inputs: Inputs,
  deps: Deps,
  service: ServiceResult,
  name: string
): Promise<Target> {
  const { current, currentArn, container, containerName, repository } = await readService(
    deps,
    service,
    {
      name,
      notDone: 'verified',
      containerName: inputs.containerName,
      repository: () =>
        inputs.ecrRepository
          ? deps.ecr.repository(inputs.ecrRepository)
          : Promise.resolve(undefined),
      announce: false
    }
  )
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
  // The tag names what runs when its digest is the one pinned, even if the revision does not say.
  if (tagged && tagged.digest === pinned && !service.tag) service.tag = tagged.tag
  service.expected = { ...(digest ? { digest } : {}), ...(tagged ? { tag: tagged.tag } : {}) }
  core.info(
    `Service ${name} runs ${shortArn(currentArn)}; container ${containerName} should run ${digest ?? 'a digest, but the task definition pins none'}${tagged ? ` (tag ${tagged.tag})` : ''}`
  )
  return {
    expectation: {
      service: name,
      taskDefinitionArn: currentArn,
      containerName,
      digest,
      taskDefinition: current
    },
    pin: pinCheck(container, tagged)
  }
}
