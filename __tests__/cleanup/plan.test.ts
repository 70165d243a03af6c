import type { TaskDefinition } from '@aws-sdk/client-ecs'
import { describe, expect, test } from 'vitest'
import type { EcrImage } from '../../src/aws/ecr.js'
import { pinsOf, planImages, planRevisions, type Hold, type Pin } from '../../src/cleanup/plan.js'
import { tagRules } from '../../src/cleanup/protected-tags.js'
import { REPOSITORY_URI, arn } from '../../test/support/task-definitions.js'

const API = 'babyshield-backend-task'
const WORKER = 'babyshield-worker-task'
const api = (n: number) => arn(API, n)
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('planRevisions', () => {
  test.each<{
    name: string
    active: string[]
    deployed: number
    keep: number
    holds: Hold[]
    remove: number[]
    kept: Record<number, string[]>
  }>([
    {
      name: 'keep 3 of 12: the nine oldest go, oldest first',
      active: range(1, 12).map(api),
      deployed: 12,
      keep: 3,
      holds: [],
      remove: range(1, 9),
      kept: {
        12: ['one of the newest 3'],
        11: ['one of the newest 3'],
        10: ['one of the newest 3']
      }
    },
    {
      name: 'a revision another service of the family runs stays',
      active: range(1, 6).map(api),
      deployed: 6,
      keep: 2,
      // ECS answers with ARNs; a hold that names the revision as family:revision holds it too.
      holds: [{ arn: `${API}:2`, reason: "ECS service babyshield-canary's PRIMARY deployment" }],
      remove: [1, 3, 4],
      kept: {
        6: ['one of the newest 2'],
        5: ['one of the newest 2'],
        2: ["ECS service babyshield-canary's PRIMARY deployment"]
      }
    },
    {
      name: 'the rollback target stays, however old',
      active: range(1, 12).map(api),
      deployed: 12,
      keep: 1,
      holds: [
        { arn: api(12), reason: "ECS service api's PRIMARY deployment" },
        { arn: api(8), reason: 'what rollback-to: previous would choose for ECS service api' }
      ],
      remove: [1, 2, 3, 4, 5, 6, 7, 9, 10, 11],
      kept: {
        12: ['one of the newest 1', "ECS service api's PRIMARY deployment"],
        8: ['what rollback-to: previous would choose for ECS service api']
      }
    },
    {
      name: "another family's revisions (listed by prefix, or held) are neither removed nor kept",
      active: [...range(1, 4).map(api), arn(`${API}-canary`, 9), arn(WORKER, 2), arn(WORKER, 1)],
      deployed: 4,
      keep: 2,
      holds: [{ arn: arn(WORKER, 1), reason: "ECS service worker's PRIMARY deployment" }],
      remove: [1, 2],
      kept: { 4: ['one of the newest 2'], 3: ['one of the newest 2'] }
    },
    {
      name: 'revisions newer than the deployed one stay and do not count',
      active: range(1, 8).map(api),
      deployed: 6,
      keep: 2,
      holds: [],
      remove: [1, 2, 3, 4],
      kept: {
        8: ['newer than babyshield-backend-task:6, which this step deployed'],
        7: ['newer than babyshield-backend-task:6, which this step deployed'],
        6: ['one of the newest 2'],
        5: ['one of the newest 2']
      }
    },
    {
      name: 'fewer revisions than the count: nothing goes',
      active: [api(3), api(2)],
      deployed: 3,
      keep: 5,
      holds: [],
      remove: [],
      kept: { 3: ['one of the newest 5'], 2: ['one of the newest 5'] }
    },
    {
      name: 'a revision listed twice and held twice for one reason appears once',
      active: [api(3), api(3), api(2), api(1)],
      deployed: 3,
      keep: 1,
      holds: [
        { arn: api(1), reason: 'running task 0a1b (family:babyshield-backend-task)' },
        { arn: api(1), reason: 'running task 0a1b (family:babyshield-backend-task)' }
      ],
      remove: [2],
      kept: {
        3: ['one of the newest 1'],
        1: ['running task 0a1b (family:babyshield-backend-task)']
      }
    }
  ])('$name', ({ active, deployed, keep, holds, remove, kept }) => {
    const plan = planRevisions({ family: API, active, deployed: api(deployed), keep, holds })
    expect(plan.family).toBe(API)
    expect(plan.remove).toEqual(remove.map(api))
    expect(Object.fromEntries(plan.keep.map(k => [k.arn, k.reasons]))).toEqual(
      Object.fromEntries(Object.entries(kept).map(([n, reasons]) => [api(Number(n)), reasons]))
    )
    // Newest first, as the log and the summary list them.
    expect(plan.keep.map(k => k.arn)).toEqual(
      Object.keys(kept)
        .map(Number)
        .sort((a, b) => b - a)
        .map(api)
    )
  })
})

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`
const at = (n: number) => new Date(Date.UTC(2026, 10, 1, 9, 0, n))
function image(
  n: number,
  tags = [`production-fixed-202611${String(n).padStart(2, '0')}`]
): EcrImage {
  return { digest: digest(n), tags, pushedAt: at(n) }
}
const twelve = range(1, 12).map(n => image(n))

describe('planImages', () => {
  test.each<{
    name: string
    images: EcrImage[]
    keep: number
    deployed: number[]
    pins: Pin[]
    protectedTags?: string[]
    remove: number[]
    kept: [number, string[]][]
  }>([
    {
      name: 'keep 3 of 12: the nine oldest go, oldest first',
      images: twelve,
      keep: 3,
      deployed: [12],
      pins: [],
      remove: range(1, 9),
      kept: [
        [12, ['one of the newest 3']],
        [11, ['one of the newest 3']],
        [10, ['one of the newest 3']]
      ]
    },
    {
      name: "a repository shared by two families: the other family's pins stay",
      images: twelve,
      keep: 2,
      deployed: [12],
      pins: [
        {
          digest: digest(4),
          reason: 'babyshield-worker-task:7 (a kept ACTIVE revision) names it in worker'
        },
        {
          digest: digest(9),
          reason:
            "babyshield-worker-task:8 (ECS service worker's PRIMARY deployment) names it in worker"
        }
      ],
      remove: [1, 2, 3, 5, 6, 7, 8, 10],
      kept: [
        [12, ['one of the newest 2']],
        [11, ['one of the newest 2']],
        [
          9,
          ["babyshield-worker-task:8 (ECS service worker's PRIMARY deployment) names it in worker"]
        ],
        [4, ['babyshield-worker-task:7 (a kept ACTIVE revision) names it in worker']]
      ]
    },
    {
      name: 'an image named by tag, and one a running task pulled, stay',
      images: twelve.slice(0, 5),
      keep: 1,
      deployed: [5],
      pins: [
        {
          tag: 'production-fixed-20261102',
          reason: 'sidecar:3 (a kept ACTIVE revision) names it in api'
        },
        { digest: digest(1), reason: 'running task 9f8e (family:migrate)' }
      ],
      remove: [3, 4],
      kept: [
        [5, ['one of the newest 1']],
        [2, ['sidecar:3 (a kept ACTIVE revision) names it in api']],
        [1, ['running task 9f8e (family:migrate)']]
      ]
    },
    {
      name: 'untagged images, build cache tags and protected tags are left alone and do not count',
      images: [
        image(1),
        image(2, []),
        image(3, ['buildcache']),
        image(4, ['cache-main', 'production-fixed-20261104']),
        image(5, ['warm']),
        image(6)
      ],
      keep: 1,
      deployed: [6],
      pins: [],
      protectedTags: ['warm'],
      remove: [1],
      kept: [
        [6, ['one of the newest 1']],
        [5, ['tag warm is protected by this step']],
        [4, ['tag cache-main is a build cache']],
        [3, ['tag buildcache is a build cache']],
        [2, ['untagged: it may be a part of a multi-platform image, a signature or an attestation']]
      ]
    },
    {
      name: 'images pushed after the deployed one stay and do not count',
      images: twelve.slice(0, 6),
      keep: 2,
      deployed: [4],
      pins: [],
      remove: [1, 2],
      kept: [
        [6, ['pushed after the image this step deployed']],
        [5, ['pushed after the image this step deployed']],
        [4, ['one of the newest 2']],
        [3, ['one of the newest 2']]
      ]
    },
    {
      name: 'two deployed images: the newer one bounds "newer"',
      images: twelve.slice(0, 5),
      keep: 2,
      deployed: [3, 4],
      pins: [],
      remove: [1, 2],
      kept: [
        [5, ['pushed after the image this step deployed']],
        [4, ['one of the newest 2']],
        [3, ['one of the newest 2']]
      ]
    },
    {
      name: 'pushed in the same second as the last kept one: its order is unknown, it stays',
      images: [image(1), image(2), { ...image(3), pushedAt: at(2) }, image(4)],
      keep: 2,
      deployed: [4],
      pins: [],
      remove: [1],
      kept: [
        [4, ['one of the newest 2']],
        [2, ['one of the newest 2']],
        [3, ['one of the newest 2']]
      ]
    },
    {
      name: 'the deployed image is not in the repository: nothing goes',
      images: twelve.slice(0, 3),
      keep: 1,
      deployed: [99],
      pins: [],
      remove: [],
      kept: [
        [3, ['the image this step deployed is not in the repository']],
        [2, ['the image this step deployed is not in the repository']],
        [1, ['the image this step deployed is not in the repository']]
      ]
    }
  ])('$name', ({ images, keep, deployed, pins, protectedTags, remove, kept }) => {
    const plan = planImages({
      images,
      keep,
      deployed: deployed.map(digest),
      pins,
      rules: tagRules(protectedTags ?? [])
    })
    expect(plan.remove.map(i => i.digest)).toEqual(remove.map(digest))
    // Newest first, as the log and the summary list them.
    expect(plan.keep.map(k => [k.image.digest, k.reasons])).toEqual(
      kept.map(([n, reasons]) => [digest(n), reasons])
    )
  })
})

describe('pinsOf', () => {
  const revision = (images: Record<string, string>): TaskDefinition => ({
    taskDefinitionArn: arn(API, 7),
    containerDefinitions: Object.entries(images).map(([name, image]) => ({ name, image }))
  })
  const why = "ECS service api's PRIMARY deployment"
  const reason = (container: string) =>
    `babyshield-backend-task:7 (${why}) names it in ${container}`

  test.each<[string, Record<string, string>, Pin[]]>([
    [
      'pinned by digest',
      { api: `${REPOSITORY_URI}@${digest(1)}` },
      [{ digest: digest(1), reason: reason('api') }]
    ],
    ['by tag', { api: `${REPOSITORY_URI}:stable` }, [{ tag: 'stable', reason: reason('api') }]],
    ['by neither: latest', { api: REPOSITORY_URI }, [{ tag: 'latest', reason: reason('api') }]],
    [
      'tag and digest: the digest',
      { api: `${REPOSITORY_URI}:v1@${digest(2)}` },
      [{ digest: digest(2), reason: reason('api') }]
    ],
    [
      'another repository, and a repository whose name starts alike, are not ours',
      {
        envoy: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.27',
        tools: `${REPOSITORY_URI}-tools@${digest(3)}`,
        api: `${REPOSITORY_URI}@${digest(4)}`
      },
      [{ digest: digest(4), reason: reason('api') }]
    ]
  ])('%s', (_, images, pins) => {
    expect(pinsOf(revision(images), REPOSITORY_URI, why)).toEqual(pins)
  })
})
