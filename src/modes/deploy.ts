// deploy: check everything → tag → log in → build → push → confirm the digest → register a
// pinned revision → update the service → watch → verify.
import * as core from '@actions/core'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Repository } from '../aws/ecr.js'
import type { Deps } from '../deps.js'
import { sourceUrl } from '../github/context.js'
import type { Inputs } from '../inputs/inputs.js'
import { rolloutPolicy } from '../inputs/policy.js'
import { shortArn } from '../names.js'
import type { RunResult } from '../result.js'
import { auditTags } from '../revision/audit.js'
import { diffJson } from '../revision/diff.js'
import { nextRevision, registrable } from '../revision/next.js'
import { registerRevision } from '../revision/register.js'
import { settleBeforeDeploy } from '../rollout/settle.js'
import { automaticTag, dateStamp } from '../tags.js'
import { rollOut } from './roll-out.js'
import { readService, type ServiceState } from './service.js'
import { beforeAnyChange } from './unchanged.js'

interface Plan extends ServiceState {
  repository: Repository
  tag: string
  /** Set when deploying an image already in ECR: nothing is built. */
  existingDigest: string | undefined
}

const PLACEHOLDER_DIGEST = `sha256:${'0'.repeat(64)}`

export async function deploy(inputs: Inputs, deps: Deps, result: RunResult): Promise<void> {
  const policy = rolloutPolicy(inputs)
  const plan = await beforeAnyChange(result, 'deployed', () =>
    core.group('Preflight: repository, service, task definition, tag', () =>
      preflight(inputs, deps, result)
    )
  )
  result.tag = plan.tag
  result.containerName = plan.containerName
  result.previousTaskDefinitionArn = plan.currentArn

  if (inputs.dryRun) {
    planOnly(inputs, plan, result)
    return
  }

  const digest = await beforeAnyChange(result, 'deployed', async () => {
    await settleBeforeDeploy(deps, policy, inputs.service, result, plan.currentArn)
    return (
      plan.existingDigest ??
      (await core.group(`Build and push ${plan.repository.name}:${plan.tag}`, () =>
        buildAndPush(inputs, deps, plan)
      ))
    )
  })
  const image = `${plan.repository.uri}@${digest}`
  result.digest = digest
  result.image = image

  const registered = await registerRevision(
    deps,
    nextRevision(plan.current, plan.currentTags, {
      containerName: plan.containerName,
      image,
      auditTags: auditTags(result, plan.tag)
    }),
    { containerName: plan.containerName, running: plan.currentArn }
  )
  await rollOut(deps, policy, result, {
    service: inputs.service,
    revision: registered.taskDefinitionArn ?? '',
    previousRevision: plan.currentArn,
    containerName: plan.containerName,
    digest,
    registered: true,
    what: 'update',
    wait: inputs.wait
  })
}

/** Everything that can be checked before anything changes, so bad input changes nothing. */
async function preflight(inputs: Inputs, deps: Deps, result: RunResult): Promise<Plan> {
  const repository = await deps.ecr.repository(inputs.ecrRepository)
  const state = await readService(deps, result, {
    name: inputs.service,
    notDone: 'deployed',
    containerName: inputs.containerName,
    repository: () => Promise.resolve(repository),
    announce: true
  })

  if (inputs.image) {
    const found = await deps.ecr.image(
      repository.name,
      inputs.image.kind === 'tag' ? { tag: inputs.image.tag } : { digest: inputs.image.digest }
    )
    const name = inputs.image.kind === 'tag' ? inputs.image.tag : inputs.image.digest
    if (!found) throw new Error(`image '${name}' is not in ECR repository ${repository.name}`)
    const tag = inputs.image.kind === 'tag' ? inputs.image.tag : (found.tags[0] ?? '')
    core.info(
      `Deploying ${repository.name}${tag ? `:${tag}` : ''} (${found.digest}), already in ECR: nothing is built`
    )
    return { ...state, repository, tag, existingDigest: found.digest }
  }

  const dockerfile = resolve(inputs.dockerfile)
  if (!existsSync(dockerfile)) {
    throw new Error(
      `dockerfile '${inputs.dockerfile}' was not found (${dockerfile}); paths are relative to the workspace`
    )
  }
  const tag = await chooseTag(inputs, deps, repository)
  return { ...state, repository, tag, existingDigest: undefined }
}

async function chooseTag(inputs: Inputs, deps: Deps, repository: Repository): Promise<string> {
  if (inputs.tag) {
    const existing = await deps.ecr.image(repository.name, { tag: inputs.tag })
    if (existing && repository.immutableTags) {
      throw new Error(
        `tag '${inputs.tag}' already exists in ECR repository ${repository.name}, whose tags are immutable: choose another tag, or leave tag empty for the next free ${inputs.tagPrefix}-YYYYMMDD-vN`
      )
    }
    if (existing)
      core.warning(
        `tag '${inputs.tag}' already exists in ${repository.name} (${existing.digest}); the push moves it`
      )
    return inputs.tag
  }
  const now = new Date(deps.clock.now())
  const taken = await deps.ecr.tags(repository.name, `${inputs.tagPrefix}-${dateStamp(now)}`)
  const tag = automaticTag(inputs.tagPrefix, now, taken)
  core.info(`Tag: ${tag}${taken.length ? ` (taken today: ${taken.join(', ')})` : ''}`)
  return tag
}

function planOnly(inputs: Inputs, plan: Plan, result: RunResult): void {
  const digest = plan.existingDigest ?? PLACEHOLDER_DIGEST
  const next = nextRevision(plan.current, plan.currentTags, {
    containerName: plan.containerName,
    image: `${plan.repository.uri}@${digest}`,
    auditTags: auditTags(result, plan.tag)
  })
  const diff = diffJson(registrable(plan.current, plan.currentTags), next).replaceAll(
    PLACEHOLDER_DIGEST,
    'sha256:<digest of the image built>'
  )
  if (plan.existingDigest) {
    result.digest = plan.existingDigest
    result.image = `${plan.repository.uri}@${plan.existingDigest}`
  }
  result.plan = diff
  result.status = 'planned'
  core.info(
    `dry-run: would ${plan.existingDigest ? 'deploy' : `build ${inputs.dockerfile} as`} ${plan.repository.name}:${plan.tag}, register a new revision of ${plan.current.family ?? ''} and update ${inputs.service}. Nothing was changed.`
  )
  core.info(
    `Planned task definition (diff against ${shortArn(plan.current.taskDefinitionArn)}):\n${diff}`
  )
}

async function buildAndPush(inputs: Inputs, deps: Deps, plan: Plan): Promise<string> {
  const login = await deps.ecr.login()
  core.setSecret(login.password)
  await deps.docker.login(login.registry, login.username, login.password)

  const reference = `${plan.repository.uri}:${plan.tag}`
  const labels: Record<string, string> = {
    'org.opencontainers.image.created': new Date(deps.clock.now()).toISOString()
  }
  if (deps.env.GITHUB_SHA) labels['org.opencontainers.image.revision'] = deps.env.GITHUB_SHA
  const source = sourceUrl(deps.env)
  if (source) labels['org.opencontainers.image.source'] = source

  await deps.docker.build({
    image: reference,
    dockerfile: inputs.dockerfile,
    context: inputs.context,
    buildArgs: inputs.buildArgs,
    labels
  })
  const pushed = await deps.docker.push(reference)
  const stored = await deps.ecr.image(plan.repository.name, { tag: plan.tag })
  if (!stored) {
    throw new Error(`ECR does not list ${reference} after the push`)
  }
  if (stored.digest !== pushed) {
    throw new Error(
      `The digest docker push reported (${pushed}) differs from the one ECR lists for ${plan.tag} (${stored.digest})`
    )
  }
  core.info(`Pushed ${reference} = ${pushed}, confirmed by ECR`)
  return pushed
}
