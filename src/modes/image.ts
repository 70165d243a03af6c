// What a deploy rolls out: an image already in ECR, or one built from the Dockerfile and pushed
// under the tag chosen here, its digest confirmed by ECR.
import * as core from '@actions/core'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Repository } from '../aws/ecr.js'
import type { Deps } from '../deps.js'
import { sourceUrl } from '../github/context.js'
import type { Inputs } from '../inputs/inputs.js'
import { automaticTag, dateStamp } from '../tags.js'

export interface ImagePlan {
  repository: Repository
  tag: string
  /** Set when deploying an image already in ECR: nothing is built. */
  existingDigest: string | undefined
}

/** Finds the image to deploy, or the tag to build it under; changes nothing. */
export async function planImage(
  inputs: Inputs,
  deps: Deps,
  repository: Repository
): Promise<ImagePlan> {
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
    return { repository, tag, existingDigest: found.digest }
  }

  const dockerfile = resolve(inputs.dockerfile)
  if (!existsSync(dockerfile)) {
    throw new Error(
      `dockerfile '${inputs.dockerfile}' was not found (${dockerfile}); paths are relative to the workspace`
    )
  }
  return { repository, tag: await chooseTag(inputs, deps, repository), existingDigest: undefined }
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

/** Logs in, builds with OCI labels, pushes, and returns the digest ECR confirms. */
export async function buildAndPush(
  inputs: Inputs,
  deps: Deps,
  plan: Pick<ImagePlan, 'repository' | 'tag'>
): Promise<string> {
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
