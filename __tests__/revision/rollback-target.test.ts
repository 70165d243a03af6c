import type { Tag, TaskDefinition } from '@aws-sdk/client-ecs'
import { describe, expect, test } from 'vitest'
import type { RollbackTarget } from '../../src/inputs/inputs.js'
import {
  earlierRevisions,
  existingChoice,
  judgeExisting,
  judgeImage,
  judgePrevious,
  lookupFor,
  neverRan,
  noEarlierRevision,
  refused,
  replacedBy,
  repinChoice,
  targetName,
  type Lookup,
  type Verdict
} from '../../src/revision/rollback-target.js'
import {
  NEW_DIGEST,
  OLD_DIGEST,
  REPOSITORY_URI,
  arn,
  babyshield,
  babyshieldTags
} from '../../test/support/task-definitions.js'

const FAMILY = 'babyshield-backend-task'
const CURRENT = arn(FAMILY, 41)
const THIRD_DIGEST = `sha256:${'c'.repeat(64)}`
const OTHER_ARN = arn('other-family', 3)

/** Revision `revision` of the family, its api container running `image`. */
function revision(
  number: number,
  image: string,
  extra: Partial<TaskDefinition> = {}
): TaskDefinition {
  return {
    ...babyshield,
    taskDefinitionArn: arn(FAMILY, number),
    revision: number,
    containerDefinitions: babyshield.containerDefinitions?.map(c =>
      c.name === 'api' ? { ...c, image } : c
    ),
    ...extra
  }
}

const pinned = (digest: string) => `${REPOSITORY_URI}@${digest}`

test.each<[RollbackTarget, string]>([
  [{ kind: 'previous' }, 'previous'],
  [{ kind: 'revision', revision: 39 }, '39'],
  [{ kind: 'arn', arn: OTHER_ARN }, OTHER_ARN],
  [{ kind: 'digest', digest: OLD_DIGEST }, OLD_DIGEST],
  [{ kind: 'tag', tag: 'production-fixed-20261120' }, 'production-fixed-20261120']
])('targetName(%j) is %s', (target, name) => {
  expect(targetName(target)).toBe(name)
})

test.each<[RollbackTarget, Lookup]>([
  [{ kind: 'previous' }, { kind: 'earlier-revisions', family: FAMILY }],
  [
    { kind: 'revision', revision: 39 },
    { kind: 'task-definition', ref: `${FAMILY}:39` }
  ],
  [
    { kind: 'arn', arn: OTHER_ARN },
    { kind: 'task-definition', ref: OTHER_ARN }
  ],
  [
    { kind: 'digest', digest: OLD_DIGEST },
    { kind: 'image', ref: { digest: OLD_DIGEST } }
  ],
  [
    { kind: 'tag', tag: 'production-fixed-20261120' },
    { kind: 'image', ref: { tag: 'production-fixed-20261120' } }
  ]
])('lookupFor(%j)', (target, lookup) => {
  expect(lookupFor(target, babyshield)).toEqual(lookup)
})

test.each<[string, string[], string[]]>([
  [
    'older revisions, newest first, whatever order they came in',
    [arn(FAMILY, 38), arn(FAMILY, 40), arn(FAMILY, 39)],
    [arn(FAMILY, 40), arn(FAMILY, 39), arn(FAMILY, 38)]
  ],
  [
    'the current revision and newer ones (a failed deploy) are not earlier',
    [arn(FAMILY, 43), arn(FAMILY, 42), arn(FAMILY, 41), arn(FAMILY, 40)],
    [arn(FAMILY, 40)]
  ],
  [
    'another family with the same prefix is ignored',
    [arn(`${FAMILY}-canary`, 12), arn(FAMILY, 9)],
    [arn(FAMILY, 9)]
  ],
  ['nothing older', [arn(FAMILY, 41)], []]
])('earlierRevisions: %s', (_, arns, earlier) => {
  expect(earlierRevisions(arns, CURRENT)).toEqual(earlier)
})

describe('judgePrevious', () => {
  test.each<[string, TaskDefinition, Verdict]>([
    ['another digest', revision(40, pinned(NEW_DIGEST)), { ok: true, digest: NEW_DIGEST }],
    [
      'the same digest (a config-only revision)',
      revision(40, pinned(OLD_DIGEST)),
      { ok: false, reason: `runs the same digest (${OLD_DIGEST})` }
    ],
    [
      'INACTIVE',
      revision(40, pinned(NEW_DIGEST), { status: 'INACTIVE' }),
      { ok: false, reason: 'is INACTIVE (deregistered): ECS does not deploy it' }
    ],
    [
      'not pinned by digest',
      revision(40, `${REPOSITORY_URI}:production-fixed-20261101`),
      {
        ok: false,
        reason: `runs ${REPOSITORY_URI}:production-fixed-20261101 in api, not pinned by digest`
      }
    ],
    [
      'without the container',
      { ...revision(40, pinned(NEW_DIGEST)), containerDefinitions: [{ name: 'web', image: 'x' }] },
      { ok: false, reason: 'has no container api (its containers: web)' }
    ]
  ])('%s', (_, candidate, verdict) => {
    expect(judgePrevious(candidate, 'api', OLD_DIGEST)).toEqual(verdict)
  })

  test('with nothing pinned now, any pinned revision differs', () => {
    expect(judgePrevious(revision(40, pinned(OLD_DIGEST)), 'api', undefined)).toEqual({
      ok: true,
      digest: OLD_DIGEST
    })
  })
})

describe('judgeExisting', () => {
  test.each<[string, TaskDefinition, Verdict]>([
    [
      'an older revision with the same digest is deployed as it is (its config differs)',
      revision(39, pinned(OLD_DIGEST)),
      { ok: true, digest: OLD_DIGEST }
    ],
    [
      'the revision that runs now',
      revision(41, pinned(OLD_DIGEST)),
      {
        ok: false,
        reason: 'is the revision the service runs now: there is nothing to roll back to'
      }
    ],
    [
      'an INACTIVE revision',
      revision(39, pinned(NEW_DIGEST), { status: 'INACTIVE' }),
      { ok: false, reason: 'is INACTIVE (deregistered): ECS does not deploy it' }
    ],
    [
      'an unpinned revision',
      revision(39, `${REPOSITORY_URI}:latest`),
      { ok: false, reason: `runs ${REPOSITORY_URI}:latest in api, not pinned by digest` }
    ],
    [
      'a revision of another family with a container of the same name',
      {
        ...revision(5, pinned(NEW_DIGEST)),
        family: 'babyshield-staging-task',
        taskDefinitionArn:
          'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-staging-task:5'
      },
      {
        ok: false,
        reason:
          "is of family babyshield-staging-task, not babyshield-backend-task, the family the service runs: only a revision of the service's own family is a rollback target"
      }
    ]
  ])('%s', (_, candidate, verdict) => {
    expect(judgeExisting(candidate, 'api', CURRENT)).toEqual(verdict)
  })
})

test.each<[string, string, Verdict]>([
  ['another digest', NEW_DIGEST, { ok: true, digest: NEW_DIGEST }],
  [
    'the digest that runs',
    OLD_DIGEST,
    {
      ok: false,
      reason: `is ${OLD_DIGEST}, which the service runs now: there is nothing to roll back to`
    }
  ]
])('judgeImage: %s', (_, digest, verdict) => {
  expect(judgeImage({ digest, tags: [] }, OLD_DIGEST)).toEqual(verdict)
})

test.each<[string, Parameters<typeof judgeImage>[0], Verdict]>([
  [
    'the build cache, by its tag',
    { digest: NEW_DIGEST, tags: ['build-cache'] },
    {
      ok: false,
      reason:
        'is the build cache (tag build-cache): it holds build layers, not an image ECS can run'
    }
  ],
  [
    'a build cache under another tag, by its media type',
    {
      digest: NEW_DIGEST,
      tags: ['cache-main'],
      artifactMediaType: 'application/vnd.buildkit.cacheconfig.v0'
    },
    {
      ok: false,
      reason:
        'is a build cache (application/vnd.buildkit.cacheconfig.v0): it holds build layers, not an image ECS can run'
    }
  ]
])('judgeImage never rolls back to a cache: %s', (_, image, verdict) => {
  expect(judgeImage(image, OLD_DIGEST)).toEqual(verdict)
})

test('existingChoice reports the revision image and its image-tag audit tag', () => {
  const target = revision(39, pinned(NEW_DIGEST))
  expect(existingChoice(target, babyshieldTags, 'api', NEW_DIGEST, 'why')).toEqual({
    kind: 'existing',
    taskDefinition: target,
    tags: babyshieldTags,
    digest: NEW_DIGEST,
    image: pinned(NEW_DIGEST),
    tag: 'production-fixed-20261120',
    reason: 'why'
  })
})

describe('repinChoice', () => {
  const audit = {
    commit: 'c0ffee',
    actor: 'octocat',
    repository: 'babyshield/api',
    runUrl: 'https://github.com/babyshield/api/actions/runs/9',
    notes: 'recalls feed returns 500s'
  }

  test.each<[string, string | undefined, string[], string]>([
    ['by tag: the tag asked for', 'production-fixed-20261119', ['x'], 'production-fixed-20261119'],
    [
      'by digest: the image tag',
      undefined,
      ['production-fixed-20261118'],
      'production-fixed-20261118'
    ],
    ['by digest: an untagged image', undefined, [], '']
  ])('%s', (_, tag, imageTags, reported) => {
    const choice = repinChoice({
      current: babyshield,
      currentTags: babyshieldTags,
      containerName: 'api',
      repositoryUri: REPOSITORY_URI,
      image: { digest: THIRD_DIGEST, tags: imageTags },
      tag,
      audit,
      reason: 'why'
    })
    expect(choice.kind).toBe('repin')
    if (choice.kind !== 'repin') return
    expect(choice).toMatchObject({
      digest: THIRD_DIGEST,
      image: pinned(THIRD_DIGEST),
      tag: reported
    })
    const registration = choice.registration
    expect(registration.family).toBe(FAMILY)
    expect(registration.containerDefinitions?.map(c => c.image)).toEqual([
      pinned(THIRD_DIGEST),
      babyshield.containerDefinitions?.[1]?.image
    ])
    expect(registration).not.toHaveProperty('taskDefinitionArn')
    expect(registration.tags).toEqual([
      ...(reported ? [{ key: 'deploy:image-tag', value: reported }] : []),
      { key: 'deploy:commit', value: 'c0ffee' },
      { key: 'deploy:actor', value: 'octocat' },
      { key: 'deploy:run', value: 'https://github.com/babyshield/api/actions/runs/9' },
      { key: 'deploy:notes', value: 'recalls feed returns 500s' },
      // The current revision's own image-tag names the image being left: it is not carried over.
      { key: 'team', value: 'platform' }
    ])
  })
})

test.each<[string, string[], string]>([
  [
    'nothing older',
    [],
    `rollback-to 'previous': there is no earlier revision with another digest to roll back to. The service runs ${FAMILY}:41 (api = ${OLD_DIGEST}); ${FAMILY} has no ACTIVE revision older than 41. Nothing was changed.`
  ],
  [
    'all passed over',
    [`${FAMILY}:40 runs the same digest (${OLD_DIGEST})`, `${FAMILY}:39 is INACTIVE`],
    `rollback-to 'previous': there is no earlier revision with another digest to roll back to. The service runs ${FAMILY}:41 (api = ${OLD_DIGEST}); none of the 2 older ACTIVE revisions qualifies: ${FAMILY}:40 runs the same digest (${OLD_DIGEST}); ${FAMILY}:39 is INACTIVE. Nothing was changed.`
  ]
])('noEarlierRevision: %s', (_, skipped, message) => {
  expect(noEarlierRevision(CURRENT, 'api', OLD_DIGEST, skipped)).toBe(message)
})

test('refused says what, why, and that nothing changed', () => {
  expect(
    refused(
      { kind: 'tag', tag: 'production-fixed-20260101' },
      'the image',
      'is not in ECR repository babyshield-backend',
      CURRENT
    )
  ).toBe(
    `rollback-to 'production-fixed-20260101': the image is not in ECR repository babyshield-backend. Nothing was changed; the service runs ${FAMILY}:41.`
  )
})

describe('what deploy:replaces says of the revisions before', () => {
  const replaces = (value: string) => [{ key: 'deploy:replaces', value }]

  test.each<[string, Tag[], string, ReturnType<typeof replacedBy>]>([
    [
      'an older revision of its family',
      replaces(`${FAMILY}:12`),
      arn(FAMILY, 14),
      { revision: 12, by: arn(FAMILY, 14) }
    ],
    [
      'no tag (registered by hand, or before the tag was written)',
      babyshieldTags,
      arn(FAMILY, 14),
      undefined
    ],
    ['another family', replaces('other-family:12'), arn(FAMILY, 14), undefined],
    ['not older than the revision itself', replaces(`${FAMILY}:14`), arn(FAMILY, 14), undefined],
    ['not a revision', replaces(`${FAMILY}:latest`), arn(FAMILY, 14), undefined]
  ])('replacedBy: %s', (_name, tags, of, expected) => {
    expect(replacedBy(tags, of)).toEqual(expected)
  })

  test.each<[number, string | undefined]>([
    [
      13,
      `is newer than ${FAMILY}:12, the revision ${FAMILY}:14 replaced (its deploy:replaces tag): no service ran it before ${FAMILY}:14`
    ],
    [12, undefined],
    [11, undefined]
  ])('neverRan: revision %i, when 14 replaced 12', (revision, reason) => {
    expect(neverRan(arn(FAMILY, revision), { revision: 12, by: arn(FAMILY, 14) })).toBe(reason)
  })

  test('neverRan: nothing is known without a replaced revision', () => {
    expect(neverRan(arn(FAMILY, 13), undefined)).toBeUndefined()
  })
})
