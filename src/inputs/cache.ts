// The rules of the build-cache input against the others: the cache's tag never looks like a
// release, and no input that names an image to deploy, verify or roll back to names the cache.
import { cacheTagProblem, cacheTags, splitReference, type CacheSetting } from '../model/build.js'
import type { ImageRef, RollbackTarget } from './parse.js'

/** The inputs these rules read, each undefined when it did not parse. */
export interface CacheInputs {
  buildCache?: CacheSetting | undefined
  tagPrefix?: string | undefined
  ecrRepository?: string | undefined
  tag?: string | undefined
  image?: ImageRef | undefined
  rollbackTo?: RollbackTarget | undefined
}

/**
 * A cache tag is never a release: it does not look like one, and no input that names an image to
 * deploy, verify or roll back to may name it.
 */
export function cacheProblems({
  buildCache,
  tagPrefix,
  ecrRepository,
  tag,
  image,
  rollbackTo
}: CacheInputs): string[] {
  if (!buildCache || tagPrefix === undefined) return []
  const problems: string[] = []
  if (buildCache.kind === 'ref') {
    const cacheTag = splitReference(buildCache.ref).tag ?? ''
    const looks = cacheTagProblem(cacheTag, tagPrefix)
    if (looks) {
      problems.push(
        `build-cache '${buildCache.ref}' has the tag ${cacheTag}, which ${looks}: a cache tag must never be taken for a release; expected a tag without a date stamp, e.g. build-cache-main`
      )
    }
  }
  const reserved = cacheTags(buildCache, ecrRepository ?? '')
  const cache = (name: string) =>
    `${name} is the build cache's tag: it holds build layers, not an image ECS can run, and is never deployed`
  if (tag && reserved.includes(tag)) {
    problems.push(
      `${cache(`tag '${tag}'`)}; leave tag empty for the next free ${tagPrefix}-YYYYMMDD-vN, or choose another tag`
    )
  }
  if (image?.kind === 'tag' && reserved.includes(image.tag)) {
    problems.push(`${cache(`image '${image.tag}'`)}; give a release tag or a sha256: digest`)
  }
  if (rollbackTo?.kind === 'tag' && reserved.includes(rollbackTo.tag)) {
    problems.push(
      `${cache(`rollback-to '${rollbackTo.tag}'`)} or rolled back to; give previous, a revision number, a sha256: digest or a release tag`
    )
  }
  return problems
}
