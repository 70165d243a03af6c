import { expect, test } from 'vitest'
import { buildLine, cacheImageProblem, cacheTagProblem, cacheTags } from '../../src/model/build.js'

const URI = '123456789012.dkr.ecr.eu-north-1.amazonaws.com/babyshield-backend'

test.each<[string, string, string | undefined]>([
  ['build-cache', 'production-fixed', undefined],
  ['build-cache', 'build', undefined],
  ['cache-main', 'production-fixed', undefined],
  [
    'production-fixed-20261126',
    'production-fixed',
    'starts like an automatic tag (production-fixed-YYYYMMDD)'
  ],
  [
    'production-fixed-20261126-cache',
    'production-fixed',
    'starts like an automatic tag (production-fixed-YYYYMMDD)'
  ],
  ['cache-20261126', 'production-fixed', 'ends in a date stamp (YYYYMMDD, -vN, -issueN)'],
  ['staging-20261126-v3', 'production-fixed', 'ends in a date stamp (YYYYMMDD, -vN, -issueN)'],
  [
    'production-hotfix-20261126-issue12',
    'production-fixed',
    'ends in a date stamp (YYYYMMDD, -vN, -issueN)'
  ],
  ['Latest', 'production-fixed', 'is latest, which reads as a release']
])('cacheTagProblem %s (tag-prefix %s)', (tag, prefix, problem) => {
  expect(cacheTagProblem(tag, prefix)).toBe(problem)
})

test.each<[Parameters<typeof cacheTags>, string[]]>([
  [[{ kind: 'default' }, 'babyshield-backend'], ['build-cache']],
  [[{ kind: 'off' }, 'babyshield-backend'], ['build-cache']],
  [
    [{ kind: 'ref', ref: `${URI}:cache-main` }, 'babyshield-backend'],
    ['build-cache', 'cache-main']
  ],
  [[{ kind: 'ref', ref: `${URI}-cache:main` }, 'babyshield-backend'], ['build-cache']],
  [
    [{ kind: 'ref', ref: 'localhost:5000/babyshield-backend:main' }, 'babyshield-backend'],
    ['build-cache', 'main']
  ]
])('cacheTags %j', (args, tags) => {
  expect(cacheTags(...args)).toEqual(tags)
})

test.each<[Parameters<typeof cacheImageProblem>[0], string | undefined]>([
  [{ tags: ['production-fixed-20261120'] }, undefined],
  [
    { tags: ['build-cache'] },
    'is the build cache (tag build-cache): it holds build layers, not an image ECS can run'
  ],
  [
    { tags: ['cache-main'], artifactMediaType: 'application/vnd.buildkit.cacheconfig.v0' },
    'is a build cache (application/vnd.buildkit.cacheconfig.v0): it holds build layers, not an image ECS can run'
  ],
  [{ tags: [], artifactMediaType: 'application/vnd.oci.image.config.v1+json' }, undefined]
])('cacheImageProblem %j', (image, problem) => {
  expect(cacheImageProblem(image)).toBe(problem)
})

test.each<[Parameters<typeof buildLine>[0], string]>([
  [
    { seconds: 4.2, steps: 4, cached: 3, cache: 'registry cache x:build-cache (mode=max)' },
    '4.2 s, 3 of 4 steps from the cache (registry cache x:build-cache (mode=max))'
  ],
  [{ seconds: 41, steps: 4, cached: 0 }, '41 s, 0 of 4 steps from the cache (no layer cache)'],
  [{ seconds: 3, steps: 4, cached: 4 }, "3 s, 4 of 4 steps from the cache (the builder's own)"]
])('buildLine %j', (build, line) => {
  expect(buildLine(build)).toBe(line)
})
