// What a build is on record, and the tag that holds its layer cache: a tag of the deploy's own
// ECR repository that is never taken for a release, never deployed and never rolled back to. Pure.
import { repositoryNameOf } from './names.js'

/** What the cache needs to know of an image in ECR (an `EcrImage` of aws/ecr.ts). */
export interface CacheImage {
  tags: string[]
  artifactMediaType?: string
}

/** The image build: how long it took and what came from the layer cache. */
export interface BuildRecord {
  seconds: number
  /** Steps that could come from a cache (FROM aside), and how many did. */
  steps: number
  cached: number
  /** Which cache, in words; undefined: none. */
  cache?: string
}

/** The tag that holds the registry cache in the deploy's ECR repository. */
export const CACHE_TAG = 'build-cache'

/** BuildKit's cache manifest: what ECR lists as the artifact media type of a cache image. */
const CACHE_CONFIG_MEDIA_TYPE = 'application/vnd.buildkit.cacheconfig.v0'

/** The build-cache input: no cache, the repository's own cache tag, or a reference given. */
export type CacheSetting = { kind: 'off' } | { kind: 'default' } | { kind: 'ref'; ref: string }

/** `REGISTRY/REPOSITORY` and the tag of `REGISTRY/REPOSITORY:TAG`. */
export function splitReference(ref: string): { name: string; tag: string | undefined } {
  const slash = ref.indexOf('/')
  const colon = ref.lastIndexOf(':')
  if (colon <= slash) return { name: ref, tag: undefined }
  return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) }
}

/**
 * Why a tag cannot be the cache's, or undefined: it must never be taken for a release, which is
 * `<tag-prefix>-YYYYMMDD[-vN]` or a hotfix's `…-YYYYMMDD-issueN`.
 */
export function cacheTagProblem(tag: string, tagPrefix: string): string | undefined {
  if (tag.toLowerCase() === 'latest') return 'is latest, which reads as a release'
  if (tag.startsWith(`${tagPrefix}-`) && /^\d{8}/.test(tag.slice(tagPrefix.length + 1))) {
    return `starts like an automatic tag (${tagPrefix}-YYYYMMDD)`
  }
  if (/(^|[-_.])\d{8}(-v\d+|-issue\d+)?$/.test(tag)) {
    return 'ends in a date stamp (YYYYMMDD, -vN, -issueN)'
  }
  return undefined
}

/** The tags that name a build cache in the deploy's repository, and so never an image to run. */
export function cacheTags(setting: CacheSetting, repositoryName: string): string[] {
  if (setting.kind !== 'ref') return [CACHE_TAG]
  const { tag } = splitReference(setting.ref)
  const sameRepository = repositoryNameOf(setting.ref) === repositoryName
  return sameRepository && tag && tag !== CACHE_TAG ? [CACHE_TAG, tag] : [CACHE_TAG]
}

/** Why an image found in ECR is a build cache and not a release, or undefined. */
export function cacheImageProblem(image: CacheImage): string | undefined {
  if (image.artifactMediaType === CACHE_CONFIG_MEDIA_TYPE) {
    return `is a build cache (${CACHE_CONFIG_MEDIA_TYPE}): it holds build layers, not an image ECS can run`
  }
  if (image.tags.includes(CACHE_TAG)) {
    return `is the build cache (tag ${CACHE_TAG}): it holds build layers, not an image ECS can run`
  }
  return undefined
}

/** `41.2 s, 3 of 4 steps from the cache (…)`: the build in a line, for the log and the summary. */
export function buildLine(build: BuildRecord): string {
  const which = build.cache ?? (build.cached > 0 ? "the builder's own" : 'no layer cache')
  return `${build.seconds} s, ${build.cached} of ${build.steps} steps from the cache (${which})`
}
