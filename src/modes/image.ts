// What a deploy rolls out: an image already in ECR, or one built from the Dockerfile and pushed
// under the tag chosen here, its digest confirmed by ECR.
import * as core from '@actions/core'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Repository } from '../aws/ecr.js'
import { buildRecord, planCache, type CachePlan } from '../docker/build-cache.js'
import type { Deps } from '../deps.js'
import { sourceUrl } from '../github/context.js'
import type { Inputs } from '../inputs/inputs.js'
import { buildLine, cacheImageProblem, type BuildRecord } from '../model/build.js'
import { automaticTag, dateStamp } from '../model/tags.js'

export interface ImagePlan {
  repository: Repository
  tag: string
  /** The tag was chosen here (`<prefix>-YYYYMMDD`, `-vN`), not given. */
  automatic: boolean
  /** Set when deploying an image already in ECR: nothing is built. */
  existingDigest: string | undefined
  /** The build's layer cache; undefined when nothing is built or build-cache is false. */
  cache?: CachePlan | undefined
  /** When that image was pushed, as ECR says: a young one's scan may not have started. */
  pushedAt?: Date
}

/** What a build and push made: the digest, the tag it was pushed under, and the build. */
export interface Pushed {
  digest: string
  tag: string
  build?: BuildRecord
}

/**
 * Finds the image to deploy, or the tag to build it under and the cache to build it with, from
 * `running`, the images the services run now; changes nothing.
 */
export async function planImage(
  inputs: Inputs,
  deps: Deps,
  repository: Repository,
  running: (string | undefined)[] = []
): Promise<ImagePlan> {
  if (inputs.image) {
    const found = await deps.ecr.image(
      repository.name,
      inputs.image.kind === 'tag' ? { tag: inputs.image.tag } : { digest: inputs.image.digest }
    )
    const name = inputs.image.kind === 'tag' ? inputs.image.tag : inputs.image.digest
    if (!found) throw new Error(`image '${name}' is not in ECR repository ${repository.name}`)
    const cache = cacheImageProblem(found)
    if (cache) throw new Error(`image '${name}' ${cache}: give a release tag or its digest`)
    const tag = inputs.image.kind === 'tag' ? inputs.image.tag : (found.tags[0] ?? '')
    core.info(
      `Deploying ${repository.name}${tag ? `:${tag}` : ''} (${found.digest}), already in ECR: nothing is built`
    )
    return {
      repository,
      tag,
      automatic: false,
      existingDigest: found.digest,
      ...(found.pushedAt ? { pushedAt: found.pushedAt } : {})
    }
  }

  const dockerfile = resolve(inputs.dockerfile)
  if (!existsSync(dockerfile)) {
    throw new Error(
      `dockerfile '${inputs.dockerfile}' was not found (${dockerfile}); paths are relative to the workspace`
    )
  }
  return {
    repository,
    tag: await chooseTag(inputs, deps, repository),
    automatic: !inputs.tag,
    existingDigest: undefined,
    cache: planCache(inputs.buildCache, repository, running)
  }
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

/**
 * Logs in, builds with OCI labels, pushes, and returns the digest ECR confirms with the tag it was
 * pushed under. The tag is looked at again just before the push: another run may have taken it
 * while this one built.
 */
export async function buildAndPush(
  inputs: Inputs,
  deps: Deps,
  plan: Pick<ImagePlan, 'repository' | 'tag' | 'automatic' | 'cache'>
): Promise<Pushed> {
  const login = await deps.ecr.login()
  core.setSecret(login.password)
  await deps.docker.login(login.registry, login.username, login.password)

  const built = `${plan.repository.uri}:${plan.tag}`
  const labels: Record<string, string> = {
    'org.opencontainers.image.created': new Date(deps.clock.now()).toISOString()
  }
  if (deps.env.GITHUB_SHA) labels['org.opencontainers.image.revision'] = deps.env.GITHUB_SHA
  const source = sourceUrl(deps.env)
  if (source) labels['org.opencontainers.image.source'] = source

  const started = deps.clock.now()
  const outcome = await deps.docker.build({
    image: built,
    dockerfile: inputs.dockerfile,
    context: inputs.context,
    buildArgs: inputs.buildArgs,
    labels,
    cache: plan.cache
  })
  const build = buildRecord(outcome, (deps.clock.now() - started) / 1000)
  core.info(`Built in ${buildLine(build)}`)
  const tag = await tagToPush(inputs, deps, plan)
  const reference = `${plan.repository.uri}:${tag}`
  if (tag !== plan.tag) await deps.docker.tag(built, reference)
  const pushed = await deps.docker.push(reference)
  await confirmPush(deps, plan.repository, tag, pushed)
  core.info(`Pushed ${reference} = ${pushed}, confirmed by ECR`)
  return { digest: pushed, tag, build }
}

/**
 * The tag, unless another run pushed it while this one built: then the next free one. A tag given
 * that already existed when the step began was warned about then, and is not looked at again.
 */
async function tagToPush(
  inputs: Inputs,
  deps: Deps,
  plan: Pick<ImagePlan, 'repository' | 'tag' | 'automatic'>
): Promise<string> {
  const { repository, tag } = plan
  // The same listing the tag was chosen from, so the two look at ECR alike.
  if (!(await deps.ecr.tags(repository.name, tag)).includes(tag)) return tag
  const other = (await deps.ecr.image(repository.name, { tag }))?.digest ?? 'another image'
  if (plan.automatic) {
    const now = new Date(deps.clock.now())
    const today = await deps.ecr.tags(repository.name, `${inputs.tagPrefix}-${dateStamp(now)}`)
    const next = automaticTag(inputs.tagPrefix, now, [...today, tag])
    core.warning(
      `Tag ${tag} was pushed by another run while this one built (it points to ${other}): this image is pushed as ${next} instead.`
    )
    return next
  }
  if (repository.immutableTags) {
    throw new Error(
      `tag '${tag}' was pushed by another run while this one built (it points to ${other}), and the tags of ECR repository ${repository.name} are immutable: nothing was pushed; choose another tag, or leave tag empty for the next free one`
    )
  }
  core.warning(
    `tag '${tag}' was pushed by another run while this one built (it points to ${other}); this push moves it to this step's image`
  )
  return tag
}

/**
 * The digest ECR lists for the tag must be the one pushed. When another push moved the tag just
 * after ours, the image is still there by its digest: it is deployed by digest, and the warning
 * says that the tag now names another image.
 */
async function confirmPush(
  deps: Deps,
  repository: Repository,
  tag: string,
  pushed: string
): Promise<void> {
  const reference = `${repository.uri}:${tag}`
  const stored = await deps.ecr.image(repository.name, { tag })
  if (!stored) {
    throw new Error(`ECR does not list ${reference} after the push`)
  }
  if (stored.digest === pushed) return
  const ours = await deps.ecr.image(repository.name, { digest: pushed })
  if (!ours) {
    throw new Error(
      `The digest docker push reported (${pushed}) differs from the one ECR lists for ${tag} (${stored.digest})`
    )
  }
  core.warning(
    `Tag ${tag} now points to ${stored.digest}, pushed by another run just after this one: this step deploys its own image, ${pushed}, by digest, and the revision's deploy:image-tag ${tag} no longer names it.`
  )
}
