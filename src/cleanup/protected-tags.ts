// Tags that keep an image whatever its age: what the image cleanup must never delete although no
// task definition pins it. One rule a line; a new kind of non-release tag adds its rule here.

export interface TagRule {
  /** What the tag is, in the reason an image is kept: `tag buildcache is a build cache`. */
  what: string
  matches(tag: string): boolean
}

/**
 * The build's layer cache lives in the repository under a tag that is never a release
 * (BuildKit's registry cache, or the legacy builder's --cache-from image): `cache`, `buildcache`,
 * and either followed by `-`, `.` or `_` and more (`cache-main`, `buildcache-arm64`).
 */
const BUILD_CACHE = /^(?:build-?)?cache(?:[-._].*)?$/i

export const PROTECTED_TAG_RULES: readonly TagRule[] = [
  { what: 'a build cache', matches: tag => BUILD_CACHE.test(tag) }
]

/** The rules with the step's own protected tags (the cache reference it was given) added. */
export function tagRules(extraTags: string[]): TagRule[] {
  const extra = new Set(extraTags)
  return [
    ...PROTECTED_TAG_RULES,
    ...(extra.size
      ? [{ what: 'protected by this step', matches: (tag: string) => extra.has(tag) }]
      : [])
  ]
}
