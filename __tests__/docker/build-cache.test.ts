import { describe, expect, test } from 'vitest'
import type { Repository } from '../../src/aws/ecr.js'
import {
  cacheArgs,
  cacheTrouble,
  countCached,
  describeCache,
  exportsCache,
  isCacheLine,
  planCache,
  tagIsMutable,
  type Builder,
  type CachePlan
} from '../../src/docker/build-cache.js'

const URI = '123456789012.dkr.ecr.eu-north-1.amazonaws.com/babyshield-backend'
const RUNNING = `${URI}@sha256:${'a'.repeat(64)}`
const OTHER_RUNNING = `${URI}@sha256:${'b'.repeat(64)}`
const MUTABLE: Repository = { name: 'babyshield-backend', uri: URI, immutableTags: false }
const IMMUTABLE: Repository = { ...MUTABLE, immutableTags: true }

const LEGACY: Builder = { kind: 'legacy' }
const CONTAINER_DRIVER: Builder = { kind: 'buildx', exportsCache: true }
const DOCKER_DRIVER: Builder = { kind: 'buildx', exportsCache: false }

describe('planCache', () => {
  test.each<[string, Parameters<typeof planCache>, CachePlan | undefined]>([
    ['off', [{ kind: 'off' }, MUTABLE, [RUNNING]], undefined],
    [
      'the cache tag of a mutable repository, and the image the service runs',
      [{ kind: 'default' }, MUTABLE, [RUNNING]],
      { ref: `${URI}:build-cache`, writable: true, images: [RUNNING] }
    ],
    [
      'several services: each image once; images of other repositories and unpinned ones left out',
      [
        { kind: 'default' },
        MUTABLE,
        [
          RUNNING,
          undefined,
          'public.ecr.aws/nginx/nginx:1.27',
          RUNNING,
          `${URI}:production-fixed-20261120`,
          `${URI}-worker@sha256:${'c'.repeat(64)}`
        ]
      ],
      {
        ref: `${URI}:build-cache`,
        writable: true,
        images: [RUNNING, `${URI}:production-fixed-20261120`]
      }
    ],
    [
      'a reference given: kept there, and pulled by the legacy builder after the running image',
      [{ kind: 'ref', ref: 'registry.example:5000/cache/backend:main' }, IMMUTABLE, [RUNNING]],
      {
        ref: 'registry.example:5000/cache/backend:main',
        writable: true,
        images: [RUNNING, 'registry.example:5000/cache/backend:main']
      }
    ],
    [
      'an IMMUTABLE repository: the tag cannot move, the cache goes inline',
      [{ kind: 'default' }, IMMUTABLE, [RUNNING]],
      {
        ref: `${URI}:build-cache`,
        writable: false,
        images: [RUNNING],
        why: "the tags of ECR repository babyshield-backend are immutable, so build-cache cannot move to a new cache: the cache goes inline, in the image itself, and is read back from the image the service runs (the final stage only). An exclusion filter 'build-cache' (IMMUTABLE_WITH_EXCLUSION) keeps the whole cache"
      }
    ],
    [
      'IMMUTABLE_WITH_EXCLUSION whose filter matches the cache tag: it may move',
      [{ kind: 'default' }, { ...IMMUTABLE, tagExceptions: ['build-*'] }, []],
      { ref: `${URI}:build-cache`, writable: true, images: [] }
    ],
    [
      'MUTABLE_WITH_EXCLUSION whose filter makes the cache tag immutable',
      [{ kind: 'default' }, { ...MUTABLE, tagExceptions: ['*-cache'] }, []],
      expect.objectContaining({ writable: false }) as CachePlan
    ],
    [
      'a reference of the same repository under another tag of an immutable one',
      [{ kind: 'ref', ref: `${URI}:cache-main` }, IMMUTABLE, []],
      expect.objectContaining({ ref: `${URI}:cache-main`, writable: false }) as CachePlan
    ]
  ])('%s', (_name, args, plan) => {
    expect(planCache(...args)).toEqual(plan)
  })
})

test.each<[Repository, string, boolean]>([
  [MUTABLE, 'build-cache', true],
  [IMMUTABLE, 'build-cache', false],
  [{ ...IMMUTABLE, tagExceptions: ['build-cache'] }, 'build-cache', true],
  [{ ...IMMUTABLE, tagExceptions: ['build-cache'] }, 'build-cache-2', false],
  [{ ...IMMUTABLE, tagExceptions: ['*cache*'] }, 'my-cache-1', true],
  [{ ...IMMUTABLE, tagExceptions: ['build.cache'] }, 'buildxcache', false],
  [{ ...MUTABLE, tagExceptions: ['production-*'] }, 'production-fixed-20261126', false]
])('tagIsMutable %o %s', (repository, tag, mutable) => {
  expect(tagIsMutable(repository, tag)).toBe(mutable)
})

describe('cacheArgs', () => {
  const plan: CachePlan = { ref: `${URI}:build-cache`, writable: true, images: [RUNNING] }
  const immutable: CachePlan = { ...plan, writable: false }
  test.each<[string, CachePlan, Builder, string[], boolean, string[]]>([
    [
      'legacy: the images it pulled',
      plan,
      LEGACY,
      [RUNNING, OTHER_RUNNING],
      true,
      ['--cache-from', RUNNING, '--cache-from', OTHER_RUNNING]
    ],
    ['legacy: nothing pulled, nothing given', plan, LEGACY, [], true, []],
    [
      'buildx that exports: the registry cache, every stage, as ECR takes it',
      plan,
      CONTAINER_DRIVER,
      [],
      true,
      [
        '--cache-from',
        `type=registry,ref=${URI}:build-cache`,
        '--cache-to',
        `type=registry,ref=${URI}:build-cache,mode=max,image-manifest=true,oci-mediatypes=true`
      ]
    ],
    [
      'buildx that exports, once writing failed: read only',
      plan,
      CONTAINER_DRIVER,
      [],
      false,
      ['--cache-from', `type=registry,ref=${URI}:build-cache`]
    ],
    [
      'buildx in an IMMUTABLE repository: inline, reading the cache tag and the running image',
      immutable,
      CONTAINER_DRIVER,
      [],
      true,
      [
        '--cache-from',
        `type=registry,ref=${URI}:build-cache`,
        '--cache-from',
        `type=registry,ref=${RUNNING}`,
        '--cache-to',
        'type=inline'
      ]
    ],
    [
      "buildx's docker driver: inline, whatever the repository",
      plan,
      DOCKER_DRIVER,
      [],
      true,
      [
        '--cache-from',
        `type=registry,ref=${URI}:build-cache`,
        '--cache-from',
        `type=registry,ref=${RUNNING}`,
        '--cache-to',
        'type=inline'
      ]
    ]
  ])('%s', (_name, cache, builder, pulled, write, argv) => {
    expect(cacheArgs(cache, builder, pulled, write)).toEqual(argv)
  })
})

test.each<[CachePlan | undefined, Builder, string[], string | undefined]>([
  [undefined, LEGACY, [], undefined],
  [{ ref: `${URI}:build-cache`, writable: true, images: [RUNNING] }, LEGACY, [], undefined],
  [
    { ref: `${URI}:build-cache`, writable: true, images: [RUNNING] },
    LEGACY,
    [RUNNING],
    `${URI}@sha256:aaaaaaaaaaaa…, pulled for --cache-from`
  ],
  [
    { ref: `${URI}:build-cache`, writable: true, images: [RUNNING] },
    CONTAINER_DRIVER,
    [],
    `registry cache ${URI}:build-cache (mode=max)`
  ],
  [
    { ref: `${URI}:build-cache`, writable: false, images: [RUNNING] },
    CONTAINER_DRIVER,
    [],
    `inline cache in the image, read from ${URI}:build-cache, ${URI}@sha256:aaaaaaaaaaaa…`
  ]
])('describeCache %#', (plan, builder, pulled, text) => {
  expect(describeCache(plan, builder, pulled)).toBe(text)
})

/** A legacy build after a one-line change, as docker build printed it. */
const LEGACY_OUTPUT = `Sending build context to Docker daemon  4.096kB
Step 1/5 : FROM 123456789012.dkr.ecr.eu-north-1.amazonaws.com/base/busybox:static
static: Pulling from base/busybox
Status: Downloaded newer image for 123456789012.dkr.ecr.eu-north-1.amazonaws.com/base/busybox:static
 ---> b25e213f0f39
Step 2/5 : COPY deps.txt /deps.txt
 ---> Using cache
 ---> b5b4bc34c173
Step 3/5 : RUN sleep 2 && cat /deps.txt > /installed
 ---> Using cache
 ---> 1783b32335f6
Step 4/5 : COPY app.txt /app.txt
 ---> 147062cecfc7
Step 5/5 : LABEL org.opencontainers.image.created=2026-11-26T10:00:00.000Z
 ---> Running in 6783011b2573
Removing intermediate container 6783011b2573
 ---> 9e1a32efd497
Successfully built 9e1a32efd497`

/** A two-stage BuildKit build (plain progress) that reused the dependency stage. */
const BUILDKIT_OUTPUT = `#0 building with "builder" instance using docker-container driver

#1 [internal] load build definition from Dockerfile.final
#1 transferring dockerfile: 215B done
#1 DONE 0.0s

#2 [internal] load metadata for docker.io/library/python:3.12-slim
#2 DONE 0.6s

#3 importing cache manifest from ${URI}:build-cache
#3 inferred cache manifest type: application/vnd.oci.image.manifest.v1+json done
#3 DONE 0.4s

#4 [build 1/3] FROM docker.io/library/python:3.12-slim@sha256:${'d'.repeat(64)}
#4 resolve docker.io/library/python:3.12-slim done
#4 CACHED

#5 [build 2/3] COPY requirements.txt .
#5 CACHED

#6 [build 3/3] RUN pip install -r requirements.txt
#6 CACHED

#7 [stage-1 2/3] COPY --from=build /venv /venv
#7 CACHED

#8 [stage-1 3/3] COPY app/ /app/
#8 DONE 0.1s

#8 [stage-1 3/3] COPY app/ /app/
#9 exporting to image
#9 DONE 0.3s

#10 exporting cache to registry
#10 preparing build cache for export
#10 DONE 1.2s`

test.each<[string, string, { steps: number; cached: number }]>([
  ['legacy builder', LEGACY_OUTPUT, { steps: 4, cached: 2 }],
  [
    'BuildKit, FROM and a repeated header counted once or not at all',
    BUILDKIT_OUTPUT,
    { steps: 4, cached: 3 }
  ],
  [
    'legacy builder, nothing cached',
    'Step 1/3 : FROM scratch\n ---> \nStep 2/3 : COPY a /a\n ---> 1\nStep 3/3 : COPY b /b\n ---> 2',
    { steps: 2, cached: 0 }
  ],
  ['no build output', '', { steps: 0, cached: 0 }]
])('countCached: %s', (_name, output, count) => {
  const lines = output.split('\n')
  expect(countCached(lines)).toEqual(count)
  // What DockerCli keeps of a long build is enough to count.
  expect(countCached(lines.filter(isCacheLine))).toEqual(count)
})

describe('cacheTrouble', () => {
  test.each<[string, string, ReturnType<typeof cacheTrouble>]>([
    ['a build that went well', BUILDKIT_OUTPUT, { unread: [], unwritten: undefined }],
    [
      'a first build: the cache is not there yet',
      `#3 importing cache manifest from ${URI}:build-cache\n#3 ERROR: ${URI}:build-cache: not found\n#4 [1/2] FROM x`,
      {
        unread: [
          { ref: `${URI}:build-cache`, reason: `${URI}:build-cache: not found`, missing: true }
        ],
        unwritten: undefined
      }
    ],
    [
      'no permission to read',
      `#3 importing cache manifest from ${URI}:build-cache\n#3 ERROR: failed to authorize: 403 Forbidden`,
      {
        unread: [
          {
            ref: `${URI}:build-cache`,
            reason: 'failed to authorize: 403 Forbidden',
            missing: false
          }
        ],
        unwritten: undefined
      }
    ],
    [
      'the export refused by the registry',
      '#10 exporting cache to registry\n#10 preparing build cache for export\n#10 ERROR: error writing manifest blob: unexpected status: 400 Bad Request\nERROR: failed to solve: error writing manifest blob',
      { unread: [], unwritten: 'error writing manifest blob: unexpected status: 400 Bad Request' }
    ],
    [
      "the docker driver's refusal, before any step",
      'ERROR: failed to build: Cache export is not supported for the docker driver.',
      {
        unread: [],
        unwritten: 'ERROR: failed to build: Cache export is not supported for the docker driver.'
      }
    ]
  ])('%s', (_name, output, trouble) => {
    expect(cacheTrouble(output.split('\n'))).toEqual(trouble)
  })
})

test.each<[string, string, boolean]>([
  ['Name:          builder\nDriver:        docker-container\n', '', true],
  ['Name:   default\nDriver: docker\n', '[["Backing Filesystem","extfs"]]', false],
  ['Name:   default\nDriver: docker\n', '[["driver-type","io.containerd.snapshotter.v1"]]', true],
  ['Name:   k8s\nDriver: kubernetes\n', '', true],
  ['', '', false]
])('exportsCache %j', (inspect, status, exports) => {
  expect(exportsCache(inspect, status)).toBe(exports)
})
