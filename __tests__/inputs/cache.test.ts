// The build-cache input, and the cache's tag refused wherever an image to run is named.
import { describe, expect, test } from 'vitest'
import { InputError, parseInputs } from '../../src/inputs/inputs.js'

const REGISTRY = '123456789012.dkr.ecr.eu-north-1.amazonaws.com'
const BASE: Record<string, string> = {
  cluster: 'babyshield-cluster',
  service: 'babyshield-backend-service',
  'ecr-repository': 'babyshield-backend',
  'aws-region': 'eu-north-1'
}

function parse(overrides: Record<string, string>) {
  const values = { ...BASE, ...overrides }
  return parseInputs(name => values[name] ?? '')
}

function problemOf(overrides: Record<string, string>): string {
  try {
    parse(overrides)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).message
  }
  throw new Error('expected the inputs to be refused')
}

describe('build-cache accepts', () => {
  test.each<[string, unknown]>([
    ['', { kind: 'default' }],
    ['true', { kind: 'default' }],
    ['True', { kind: 'default' }],
    ['false', { kind: 'off' }],
    ['FALSE', { kind: 'off' }],
    [
      `${REGISTRY}/babyshield-backend:build-cache-main`,
      { kind: 'ref', ref: `${REGISTRY}/babyshield-backend:build-cache-main` }
    ],
    [
      'registry.example:5000/cache/backend:main',
      { kind: 'ref', ref: 'registry.example:5000/cache/backend:main' }
    ],
    ['localhost:5000/backend:cache', { kind: 'ref', ref: 'localhost:5000/backend:cache' }]
  ])('%j', (value, setting) => {
    expect(parse({ 'build-cache': value }).buildCache).toEqual(setting)
  })
})

const EXPECTED =
  'expected true (the tag build-cache in ecr-repository), false (no cache) or an image reference REGISTRY/REPOSITORY:TAG, e.g. 123456789012.dkr.ecr.eu-north-1.amazonaws.com/babyshield-backend:build-cache-main'

describe('build-cache refuses, naming the input and the expected form', () => {
  test.each<[string, Record<string, string>, string]>([
    [
      'a typo of a boolean',
      { 'build-cache': 'yes' },
      `build-cache 'yes' is not valid: ${EXPECTED}`
    ],
    [
      'a tag without a registry',
      { 'build-cache': 'babyshield-backend:cache' },
      `build-cache 'babyshield-backend:cache' is not valid: ${EXPECTED}`
    ],
    [
      'a reference without a tag',
      { 'build-cache': `${REGISTRY}/babyshield-backend` },
      `build-cache '${REGISTRY}/babyshield-backend' is not valid: ${EXPECTED}`
    ],
    [
      'a digest',
      { 'build-cache': `${REGISTRY}/babyshield-backend@sha256:${'a'.repeat(64)}` },
      'names a digest, which a cache cannot be written to'
    ],
    [
      'upper case in the repository',
      { 'build-cache': `${REGISTRY}/BabyShield:cache` },
      `build-cache '${REGISTRY}/BabyShield:cache' is not valid`
    ],
    [
      'a cache tag that looks like a release',
      { 'build-cache': `${REGISTRY}/babyshield-backend:production-fixed-20261126` },
      `build-cache '${REGISTRY}/babyshield-backend:production-fixed-20261126' has the tag production-fixed-20261126, which starts like an automatic tag (production-fixed-YYYYMMDD): a cache tag must never be taken for a release; expected a tag without a date stamp, e.g. build-cache-main`
    ],
    [
      'a cache tag with a date stamp',
      { 'build-cache': `${REGISTRY}/babyshield-backend:cache-20261126` },
      'has the tag cache-20261126, which ends in a date stamp (YYYYMMDD, -vN, -issueN)'
    ]
  ])('%s', (_name, overrides, message) => {
    expect(problemOf(overrides)).toContain(message)
  })
})

describe('the cache tag is never an image to run', () => {
  test.each<[string, Record<string, string>, string]>([
    [
      'tag',
      { tag: 'build-cache' },
      "tag 'build-cache' is the build cache's tag: it holds build layers, not an image ECS can run, and is never deployed; leave tag empty for the next free production-fixed-YYYYMMDD-vN, or choose another tag"
    ],
    [
      'tag in verify mode',
      { mode: 'verify', tag: 'build-cache' },
      "tag 'build-cache' is the build cache's tag"
    ],
    [
      'image',
      { image: 'build-cache' },
      "image 'build-cache' is the build cache's tag: it holds build layers, not an image ECS can run, and is never deployed; give a release tag or a sha256: digest"
    ],
    [
      'rollback-to',
      { mode: 'rollback', 'rollback-to': 'build-cache' },
      "rollback-to 'build-cache' is the build cache's tag: it holds build layers, not an image ECS can run, and is never deployed or rolled back to; give previous, a revision number, a sha256: digest or a release tag"
    ],
    [
      'rollback-to naming the tag build-cache gives, in the same repository',
      {
        mode: 'rollback',
        'rollback-to': 'cache-main',
        'build-cache': `${REGISTRY}/babyshield-backend:cache-main`
      },
      "rollback-to 'cache-main' is the build cache's tag"
    ],
    [
      'the default cache tag, even with the cache off',
      { 'build-cache': 'false', tag: 'build-cache' },
      "tag 'build-cache' is the build cache's tag"
    ]
  ])('%s', (_name, overrides, message) => {
    expect(problemOf(overrides)).toContain(message)
  })

  test("another repository's cache tag is a tag like any other here", () => {
    const inputs = parse({
      mode: 'rollback',
      'rollback-to': 'cache-main',
      'build-cache': `${REGISTRY}/shared-cache:cache-main`
    })
    expect(inputs.rollbackTo).toEqual({ kind: 'tag', tag: 'cache-main' })
  })
})
