import type { TaskDefinition } from '@aws-sdk/client-ecs'
import { describe, expect, test } from 'vitest'
import {
  chooseContainer,
  nextRevision,
  pinnedAlike,
  sameImageContainers
} from '../../src/revision/next.js'
import {
  NEW_DIGEST,
  OLD_DIGEST,
  REPOSITORY_URI,
  babyshield,
  babyshieldTags,
  ec2Worker,
  single
} from '../../test/support/task-definitions.js'

const NEW_IMAGE = `${REPOSITORY_URI}@${NEW_DIGEST}`
const AUDIT = [
  { key: 'deploy:image-tag', value: 'production-fixed-20261126' },
  { key: 'deploy:commit', value: 'abc123' }
]

/**
 * The fields of a DescribeTaskDefinition answer that ECS sets itself and RegisterTaskDefinition
 * does not take (the RegisterTaskDefinition and TaskDefinition shapes of the ECS API reference):
 * this test's own list, not the code's.
 */
const SET_BY_ECS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt'
]

describe('nextRevision', () => {
  test.each<[string, TaskDefinition, string]>([
    ['two containers on Fargate', babyshield, 'api'],
    ['EC2 with placement constraints and a docker volume', ec2Worker, 'worker'],
    ['a single container', single, 'app']
  ])(
    '%s: only the image of %s changes, every other field survives',
    (_name, current, container) => {
      const next = nextRevision(current, [], {
        containerName: container,
        image: NEW_IMAGE,
        auditTags: AUDIT
      })

      // Field by field: each one the current revision has survives unchanged, but for those ECS
      // sets itself, the chosen container's image and the tags.
      const actual = next as unknown as Record<string, unknown>
      for (const [field, value] of Object.entries(current)) {
        if (SET_BY_ECS.includes(field)) {
          expect(actual, `${field} is set by ECS`).not.toHaveProperty(field)
        } else if (field === 'containerDefinitions') {
          const containers = (value as { name: string; image: string }[]).map(c =>
            c.name === container ? { ...c, image: NEW_IMAGE } : c
          )
          expect(actual[field], field).toEqual(containers)
        } else {
          expect(actual[field], field).toEqual(value)
        }
      }
      expect(next.tags).toEqual(AUDIT)
      const added = Object.keys(actual).filter(field => !(field in current))
      expect(added).toEqual(['tags'])
    }
  )

  test('read-only fields are dropped and nothing else', () => {
    const next = nextRevision(babyshield, babyshieldTags, {
      containerName: 'api',
      image: NEW_IMAGE,
      auditTags: AUDIT
    }) as unknown as Record<string, unknown>
    for (const field of SET_BY_ECS) expect(next).not.toHaveProperty(field)
    for (const field of Object.keys(babyshield)) {
      if (!SET_BY_ECS.includes(field)) expect(next).toHaveProperty(field)
    }
  })

  test('environment entries with empty values, secrets and the sidecar are kept exactly', () => {
    const next = nextRevision(babyshield, [], {
      containerName: 'api',
      image: NEW_IMAGE,
      auditTags: []
    })
    const api = next.containerDefinitions?.find(c => c.name === 'api')
    expect(api?.environment).toEqual([
      { name: 'APP_ENV', value: 'production' },
      { name: 'FEATURE_FLAGS', value: '' }
    ])
    expect(api?.secrets).toEqual(babyshield.containerDefinitions?.[0]?.secrets)
    expect(next.containerDefinitions?.[1]).toEqual(babyshield.containerDefinitions?.[1])
    expect(next.tags).toBeUndefined()
  })

  test('a field this code does not know survives', () => {
    const future = { ...single, someFutureField: { nested: [1, 2] } } as TaskDefinition
    const next = nextRevision(future, [], { containerName: 'app', image: NEW_IMAGE, auditTags: [] })
    expect(next).toHaveProperty('someFutureField', { nested: [1, 2] })
  })

  test('the current revision is not modified', () => {
    const before = structuredClone(babyshield)
    nextRevision(babyshield, babyshieldTags, {
      containerName: 'api',
      image: NEW_IMAGE,
      auditTags: AUDIT
    })
    expect(babyshield).toEqual(before)
  })

  test("an earlier run's audit tags are not inherited", () => {
    const next = nextRevision(
      babyshield,
      [...babyshieldTags, { key: 'deploy:notes', value: 'an earlier deploy' }],
      { containerName: 'api', image: NEW_IMAGE, auditTags: AUDIT }
    )
    expect(next.tags?.map(t => t.key)).toEqual(['deploy:image-tag', 'deploy:commit', 'team'])
  })

  test('existing tags are kept, audit tags replace those with the same key', () => {
    const next = nextRevision(babyshield, babyshieldTags, {
      containerName: 'api',
      image: NEW_IMAGE,
      auditTags: AUDIT
    })
    expect(next.tags).toEqual([...AUDIT, { key: 'team', value: 'platform' }])
  })

  test.each([
    `${REPOSITORY_URI}:production-fixed-20261126`,
    `${REPOSITORY_URI}:latest`,
    REPOSITORY_URI
  ])('refuses an image not pinned by digest: %s', image => {
    expect(() =>
      nextRevision(babyshield, [], { containerName: 'api', image, auditTags: [] })
    ).toThrow(/pinned by digest/)
  })

  test('refuses a container that is not there', () => {
    expect(() =>
      nextRevision(babyshield, [], { containerName: 'web', image: NEW_IMAGE, auditTags: [] })
    ).toThrow("container 'web' is not in task definition babyshield-backend-task")
  })
})

describe('chooseContainer', () => {
  test.each<[string, TaskDefinition, string | undefined, string | undefined, string]>([
    ['named', babyshield, 'envoy', REPOSITORY_URI, 'envoy'],
    ['by repository, pinned by digest', babyshield, undefined, REPOSITORY_URI, 'api'],
    ['by repository, by tag', ec2Worker, undefined, REPOSITORY_URI, 'worker'],
    ['the only one, from another registry', single, undefined, REPOSITORY_URI, 'app'],
    ['the only one, no repository', single, undefined, undefined, 'app']
  ])('%s', (_name, td, wanted, repository, expected) => {
    expect(chooseContainer(td, wanted, repository).name).toBe(expected)
  })

  test.each<[string, TaskDefinition, string | undefined, string | undefined, string]>([
    [
      'a named container that is not there',
      babyshield,
      'web',
      REPOSITORY_URI,
      "container-name 'web' is not in task definition babyshield-backend-task: its containers are api, envoy"
    ],
    [
      'no container from the repository among several',
      babyshield,
      undefined,
      'x.dkr.ecr.eu-north-1.amazonaws.com/other',
      'set container-name to one of api, envoy'
    ],
    [
      'two containers from the repository',
      {
        ...babyshield,
        containerDefinitions: [
          { name: 'a', image: `${REPOSITORY_URI}:1` },
          { name: 'b', image: `${REPOSITORY_URI}@${OLD_DIGEST}` }
        ]
      },
      undefined,
      REPOSITORY_URI,
      'Several containers of babyshield-backend-task run images from'
    ]
  ])('%s is an error that lists the choices', (_name, td, wanted, repository, message) => {
    expect(() => chooseContainer(td, wanted, repository)).toThrow(message)
  })
})

/** babyshield with a migrate container on the repository's image, pinned to an older digest. */
const withMigrate: TaskDefinition = {
  ...babyshield,
  containerDefinitions: [
    ...(babyshield.containerDefinitions ?? []),
    { name: 'migrate', image: `${REPOSITORY_URI}@${OLD_DIGEST.replace('a', 'f')}` }
  ]
}
const api = (td: TaskDefinition) => td.containerDefinitions?.find(c => c.name === 'api') ?? {}

describe('sameImageContainers', () => {
  test.each<[string, TaskDefinition, string, string | undefined, string[]]>([
    [
      'a migrate container on the repository, on another digest',
      withMigrate,
      'api',
      REPOSITORY_URI,
      ['migrate']
    ],
    ['the sidecar of another registry is not one', babyshield, 'api', REPOSITORY_URI, []],
    [
      'without a repository: the chosen container’s own',
      withMigrate,
      'api',
      undefined,
      ['migrate']
    ],
    [
      'a named container from elsewhere: the repository’s containers',
      withMigrate,
      'envoy',
      REPOSITORY_URI,
      ['api', 'migrate']
    ]
  ])('%s', (_name, td, chosen, repository, expected) => {
    const container = td.containerDefinitions?.find(c => c.name === chosen) ?? {}
    expect(sameImageContainers(td, container, repository)).toEqual(expected)
  })
})

test.each<[string, TaskDefinition, string[]]>([
  ['another digest of the repository is not the same image', withMigrate, []],
  [
    'the very same image is',
    {
      ...withMigrate,
      containerDefinitions: withMigrate.containerDefinitions?.map(c =>
        c.name === 'migrate' ? { ...c, image: api(babyshield).image } : c
      )
    },
    ['migrate']
  ]
])('pinnedAlike: %s', (_name, td, expected) => {
  expect(pinnedAlike(td, 'api')).toEqual(expected)
})

describe('nextRevision with containers on the same image', () => {
  test('repins each of them, and nothing else', () => {
    const next = nextRevision(withMigrate, [], {
      containerName: 'api',
      sameImage: ['migrate'],
      image: NEW_IMAGE,
      auditTags: []
    })
    expect(next.containerDefinitions?.map(c => [c.name, c.image])).toEqual([
      ['api', NEW_IMAGE],
      ['envoy', babyshield.containerDefinitions?.[1]?.image],
      ['migrate', NEW_IMAGE]
    ])
  })

  test('refuses one that is not there', () => {
    expect(() =>
      nextRevision(babyshield, [], {
        containerName: 'api',
        sameImage: ['migrate'],
        image: NEW_IMAGE,
        auditTags: []
      })
    ).toThrow("container 'migrate' is not in task definition babyshield-backend-task")
  })
})
