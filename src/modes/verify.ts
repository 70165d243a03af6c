// verify: find what should run (the tag's digest in ECR, else the digest the task definition
// pins), then check what runs, check by check, service by service. It only reads, so dry-run
// changes nothing here.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import type { Inputs } from '../inputs/inputs.js'
import { checkPolicy } from '../inputs/policy.js'
import { pinnedDigest, shortArn } from '../model/names.js'
import type { Check, RunResult } from '../model/result.js'
import { Reporter } from '../report/report.js'
import {
  allPassed,
  failedChecks,
  pinCheck,
  printChecks,
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
  const report = new Reporter(result, deps.clock)
  const many = inputs.services.length > 1
  const failures: { name: string; failed: string; runs: string }[] = []
  for (const name of inputs.services) {
    const target = await core.group(
      many ? `Find what ${name} should run` : 'Find what should run',
      () => expectation(inputs, deps, report, name)
    )
    const verification = await core.group(many ? `Verify ${name}` : 'Verify', () =>
      verifyRunning(deps, target.expectation, checkPolicy(inputs))
    )
    const checks = [target.pin, ...verification.checks]
    printChecks(checks)
    report.checked(name, { ...verification, checks })
    if (!allPassed(checks)) {
      const runs = shortArn(target.expectation.taskDefinitionArn)
      failures.push({ name, failed: failedChecks(checks), runs })
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
  report.finished('succeeded')
}

/** The service's revision, the container and the digest it must run; throws when one is missing. */
async function expectation(
  inputs: Inputs,
  deps: Deps,
  report: Reporter,
  name: string
): Promise<Target> {
  const { current, currentArn, container, containerName, sameImage, repository } =
    await readService(deps, report, {
      name,
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
  // The tag names what runs when its digest is the one pinned, even if the revision does not say.
  report.expected(
    name,
    { ...(digest ? { digest } : {}), ...(tagged ? { tag: tagged.tag } : {}) },
    tagged && tagged.digest === pinned ? tagged.tag : undefined
  )
  core.info(
    `Service ${name} runs ${shortArn(currentArn)}; container ${containerName} should run ${digest ?? 'a digest, but the task definition pins none'}${tagged ? ` (tag ${tagged.tag})` : ''}`
  )
  return {
    expectation: {
      service: name,
      taskDefinitionArn: currentArn,
      containerName,
      sameImage,
      digest,
      taskDefinition: current
    },
    pin: pinCheck(container, tagged)
  }
}
