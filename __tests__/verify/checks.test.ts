import type { ContainerDefinition, Service, Task } from '@aws-sdk/client-ecs'
import { describe, expect, test } from 'vitest'
import type { Check } from '../../src/model/result.js'
import {
  allPassed,
  failedChecks,
  pinCheck,
  serviceChecks,
  taskChecks,
  type Expectation
} from '../../src/verify/checks.js'
import { NEW_DIGEST, OLD_DIGEST, REPOSITORY_URI, arn } from '../../test/support/task-definitions.js'
import { deployment, service, task } from '../../test/support/ecs-answers.js'

const REV = arn('babyshield-backend-task', 42)
const OLD_REV = arn('babyshield-backend-task', 41)

const expected: Expectation = {
  service: 'babyshield-backend-service',
  taskDefinitionArn: REV,
  containerName: 'api',
  digest: NEW_DIGEST
}

const statusOf = (checks: Check[]) => Object.fromEntries(checks.map(c => [c.name, c.status]))
const detailOf = (checks: Check[], name: string) => checks.find(c => c.name === name)?.detail

describe('serviceChecks', () => {
  test.each<[string, Service, Record<string, string>]>([
    [
      'settled',
      service([deployment('d2', REV, 'PRIMARY', 'COMPLETED', 2)]),
      { 'service active': 'pass', 'one deployment, completed': 'pass', 'running = desired': 'pass' }
    ],
    [
      'still rolling',
      service([
        deployment('d2', REV, 'PRIMARY', 'IN_PROGRESS', 1),
        deployment('d1', OLD_REV, 'ACTIVE', 'COMPLETED', 1)
      ]),
      { 'service active': 'pass', 'one deployment, completed': 'fail', 'running = desired': 'pass' }
    ],
    [
      'one deployment, short of tasks',
      service([deployment('d2', REV, 'PRIMARY', 'COMPLETED', 1)], { runningCount: 1 }),
      { 'service active': 'pass', 'one deployment, completed': 'pass', 'running = desired': 'fail' }
    ],
    [
      'draining',
      service([deployment('d2', REV, 'PRIMARY', 'COMPLETED', 2)], { status: 'DRAINING' }),
      { 'service active': 'fail', 'one deployment, completed': 'pass', 'running = desired': 'pass' }
    ],
    [
      'no deployments at all',
      { status: 'ACTIVE', deployments: [], runningCount: 0, desiredCount: 0 },
      { 'service active': 'pass', 'one deployment, completed': 'fail', 'running = desired': 'pass' }
    ]
  ])('%s', (_, answer, statuses) => {
    expect(statusOf(serviceChecks(answer))).toEqual(statuses)
  })

  test('the deployment check names each deployment as evidence', () => {
    const checks = serviceChecks(
      service([
        deployment('d2', REV, 'PRIMARY', 'IN_PROGRESS', 1),
        deployment('d1', OLD_REV, 'ACTIVE', 'COMPLETED', 1)
      ])
    )
    expect(detailOf(checks, 'one deployment, completed')).toBe(
      'PRIMARY IN_PROGRESS babyshield-backend-task:42; ACTIVE COMPLETED babyshield-backend-task:41'
    )
  })
})

describe('taskChecks', () => {
  const ok = (id: string) => task(id, REV, 'api', NEW_DIGEST)
  test.each<[string, Task[], Partial<Expectation>, string, string, string, string]>([
    [
      'all right',
      [ok('t1'), ok('t2')],
      {},
      'pass',
      '2 of 2 tasks run babyshield-backend-task:42',
      'pass',
      `2 of 2 running tasks run api@${NEW_DIGEST}`
    ],
    ['no tasks', [], {}, 'fail', 'no running tasks', 'fail', 'no running tasks'],
    [
      'an old task left',
      [ok('t1'), task('t9', OLD_REV, 'api', OLD_DIGEST)],
      {},
      'fail',
      '1 of 2 tasks run another revision than babyshield-backend-task:42: t9 runs babyshield-backend-task:41',
      'fail',
      `1 of 2 running tasks run another image than ${NEW_DIGEST} in api: t9 runs ${OLD_DIGEST}`
    ],
    [
      'a task still starting is not judged by its digest',
      [ok('t1'), task('t2', REV, 'api', '', { lastStatus: 'PENDING', containers: [] })],
      {},
      'pass',
      '2 of 2 tasks run babyshield-backend-task:42',
      'pass',
      `1 of 1 running tasks run api@${NEW_DIGEST} (1 not RUNNING yet, not checked)`
    ],
    [
      'the digest of another container does not count',
      [task('t1', REV, 'envoy', NEW_DIGEST)],
      {},
      'pass',
      '1 of 1 tasks run babyshield-backend-task:42',
      'fail',
      `1 of 1 running tasks run another image than ${NEW_DIGEST} in api: t1 runs no reported digest`
    ],
    [
      'no expected digest',
      [ok('t1'), ok('t2'), task('t3', REV, 'api', OLD_DIGEST)],
      { digest: undefined },
      'pass',
      '3 of 3 tasks run babyshield-backend-task:42',
      'fail',
      `no expected digest to compare with; api runs ${NEW_DIGEST} (2), ${OLD_DIGEST} (1)`
    ]
  ])('%s', (_, tasks, change, revision, revisionDetail, digest, digestDetail) => {
    expect(taskChecks(tasks, { ...expected, ...change })).toEqual([
      { name: 'tasks run the service revision', status: revision, detail: revisionDetail },
      { name: 'tasks run the expected digest', status: digest, detail: digestDetail }
    ])
  })

  describe('with other containers on the same image', () => {
    /** A task whose api and migrate containers report these digests. */
    const both = (id: string, api: string, migrate: string | undefined): Task => ({
      ...task(id, REV, 'api', api),
      containers: [
        { name: 'api', imageDigest: api },
        { name: 'migrate', ...(migrate ? { imageDigest: migrate } : {}) },
        { name: 'envoy', imageDigest: OLD_DIGEST }
      ]
    })
    const withMigrate = { ...expected, sameImage: ['migrate'] }

    test.each<[string, Task[], Check['status'], string]>([
      [
        'every one runs the digest',
        [both('t1', NEW_DIGEST, NEW_DIGEST), both('t2', NEW_DIGEST, NEW_DIGEST)],
        'pass',
        `2 of 2 running tasks run ${NEW_DIGEST} in api and migrate`
      ],
      [
        'migrate kept the old digest in one task',
        [both('t1', NEW_DIGEST, NEW_DIGEST), both('t2', NEW_DIGEST, OLD_DIGEST)],
        'fail',
        `1 of 2 running tasks run another image than ${NEW_DIGEST} in api and migrate: t2 runs ${OLD_DIGEST} in migrate`
      ],
      [
        'neither container reports the digest',
        [both('t1', OLD_DIGEST, undefined)],
        'fail',
        `1 of 1 running tasks run another image than ${NEW_DIGEST} in api and migrate: t1 runs ${OLD_DIGEST} in api, no reported digest in migrate`
      ]
    ])('%s', (_name, tasks, status, detail) => {
      expect(taskChecks(tasks, withMigrate)[1]).toEqual({
        name: 'tasks run the expected digest',
        status,
        detail
      })
    })
  })

  test('many wrong tasks: five are named, the rest counted', () => {
    const tasks = Array.from({ length: 12 }, (_, i) => task(`t${i}`, OLD_REV, 'api', OLD_DIGEST))
    const [revision] = taskChecks(tasks, expected)
    expect(revision?.detail).toBe(
      '12 of 12 tasks run another revision than babyshield-backend-task:42: t0 runs babyshield-backend-task:41, t1 runs babyshield-backend-task:41, t2 runs babyshield-backend-task:41, t3 runs babyshield-backend-task:41, t4 runs babyshield-backend-task:41 and 7 more'
    )
  })
})

describe('pinCheck', () => {
  const api = (image: string): ContainerDefinition => ({ name: 'api', image })
  test.each<
    [string, ContainerDefinition, { digest: string; tag: string } | undefined, string, string]
  >([
    [
      'pinned, no tag',
      api(`${REPOSITORY_URI}@${NEW_DIGEST}`),
      undefined,
      'pass',
      `container api pins ${NEW_DIGEST}`
    ],
    [
      'pinned to the tag',
      api(`${REPOSITORY_URI}@${NEW_DIGEST}`),
      { digest: NEW_DIGEST, tag: 'production-fixed-20261126' },
      'pass',
      `container api pins ${NEW_DIGEST} = tag production-fixed-20261126`
    ],
    [
      'pinned to another digest than the tag',
      api(`${REPOSITORY_URI}@${OLD_DIGEST}`),
      { digest: NEW_DIGEST, tag: 'production-fixed-20261126' },
      'fail',
      `container api pins ${OLD_DIGEST}, but tag production-fixed-20261126 is ${NEW_DIGEST}`
    ],
    [
      'a tag, not a digest',
      api(`${REPOSITORY_URI}:production-fixed-20261101`),
      undefined,
      'fail',
      `container api runs ${REPOSITORY_URI}:production-fixed-20261101, which is not pinned by digest: production images are named REPOSITORY_URI@sha256:DIGEST`
    ]
  ])('%s', (_, container, tag, status, detail) => {
    expect(pinCheck(container, tag)).toEqual({
      name: 'task definition pins the expected digest',
      status,
      detail
    })
  })
})

test.each<[Check['status'][], boolean]>([
  [['pass', 'pass'], true],
  [['pass', 'warn', 'skip'], true],
  [['pass', 'fail'], false],
  [[], false]
])('allPassed(%j) is %s', (statuses, passed) => {
  expect(allPassed(statuses.map(status => ({ name: 'c', status, detail: '' })))).toBe(passed)
})

test('failedChecks names each failed check with its evidence', () => {
  expect(
    failedChecks([
      { name: 'a', status: 'pass', detail: 'fine' },
      { name: 'b', status: 'fail', detail: 'why b' },
      { name: 'c', status: 'warn', detail: 'meh' },
      { name: 'd', status: 'fail', detail: 'why d' }
    ])
  ).toBe('b (why b); d (why d)')
})

test('a service scaled to 0 has no task to check: the task checks are skipped and say why', () => {
  const checks = taskChecks([], expected, 0)
  expect(checks.map(c => [c.name, c.status])).toEqual([
    ['tasks run the service revision', 'skip'],
    ['tasks run the expected digest', 'skip']
  ])
  expect(checks[0]?.detail).toBe(
    'the service is scaled to 0 (desiredCount 0): no task runs to check; the next task it starts runs babyshield-backend-task:42'
  )
  // Tasks that should run but do not are still a failure.
  expect(taskChecks([], expected, 2).map(c => c.status)).toEqual(['fail', 'fail'])
})
