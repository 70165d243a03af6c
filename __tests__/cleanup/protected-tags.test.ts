import { expect, test } from 'vitest'
import { tagRules } from '../../src/cleanup/protected-tags.js'

test.each<[string, string[], string | undefined]>([
  ['cache', [], 'a build cache'],
  ['buildcache', [], 'a build cache'],
  ['build-cache', [], 'a build cache'],
  ['BuildCache', [], 'a build cache'],
  ['cache-main', [], 'a build cache'],
  ['buildcache.arm64', [], 'a build cache'],
  ['cache_v2', [], 'a build cache'],
  ['cached', [], undefined],
  ['mycache', [], undefined],
  ['production-fixed-20261120', [], undefined],
  ['production-fixed-20261120-cache', [], undefined],
  ['warm-layers', ['warm-layers'], 'protected by this step'],
  ['warm-layers-2', ['warm-layers'], undefined]
])('%s (protected tags %j): %s', (tag, extra, what) => {
  expect(tagRules(extra).find(rule => rule.matches(tag))?.what).toBe(what)
})
