// The cleanup after a successful deploy, against mocked ECS and ECR: a cluster of three services
// (the one deployed, a canary of the same family on an old revision, and an unrelated one), a
// migration task still running, twelve revisions and their images.
import * as core from '@actions/core'
import {
  BatchDeleteImageCommand,
  DescribeImagesCommand,
  type ImageDetail
} from '@aws-sdk/client-ecr'
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  type TaskDefinition
} from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { cleanUp, type CleanupRequest } from '../../src/cleanup/clean-up.js'
import { REPOSITORY_URI, arn } from '../../test/support/task-definitions.js'
import { CLUSTER, deployment, service, task } from '../../test/support/ecs-answers.js'
import { mockedDeps } from '../../test/support/fakes.js'

vi.mock('@actions/core')

const FAMILY = 'babyshield-backend-task'
const API = 'babyshield-backend-service'
const CANARY = 'babyshield-backend-canary'
const SEARCH = 'babyshield-search'
const rev = (n: number) => arn(FAMILY, n)
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`
const serviceArn = (name: string) =>
  `arn:aws:ecs:eu-north-1:123456789012:service/${CLUSTER}/${name}`
/** Revisions 10 and 11 were deploys of the image 12 runs again: `previous` passes over them. */
const pinnedBy = (n: number) => digest(n >= 10 ? 12 : n)

function revision(n: number): TaskDefinition {
  return {
    taskDefinitionArn: rev(n),
    family: FAMILY,
    revision: n,
    status: 'ACTIVE',
    containerDefinitions: [
      { name: 'api', image: `${REPOSITORY_URI}@${pinnedBy(n)}` },
      { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.27' }
    ]
  }
}
const SEARCH_REVISION: TaskDefinition = {
  taskDefinitionArn: arn('search-task', 3),
  family: 'search-task',
  status: 'ACTIVE',
  containerDefinitions: [
    { name: 'search', image: `123456789012.dkr.ecr.eu-north-1.amazonaws.com/search@${digest(99)}` }
  ]
}

function ecrImage(
  n: number,
  tags = [`production-fixed-202611${String(n).padStart(2, '0')}`]
): ImageDetail {
  return {
    imageDigest: digest(n),
    imageTags: tags,
    imagePushedAt: new Date(Date.UTC(2026, 10, n, 9))
  }
}

let world: ReturnType<typeof mockedDeps>

beforeEach(() => {
  vi.clearAllMocks()
  world = mockedDeps({ digest: digest(12) })
  const { ecsMock, ecrMock } = world
  ecsMock.on(ListServicesCommand).resolves({ serviceArns: [API, CANARY, SEARCH].map(serviceArn) })
  ecsMock.on(DescribeServicesCommand).resolves({
    services: [
      service([deployment('ecs-svc/1', rev(12), 'PRIMARY', 'COMPLETED', 2)], {
        serviceName: API,
        serviceArn: serviceArn(API)
      }),
      service([deployment('ecs-svc/2', rev(5), 'PRIMARY', 'COMPLETED', 1)], {
        serviceName: CANARY,
        serviceArn: serviceArn(CANARY)
      }),
      service([deployment('ecs-svc/3', arn('search-task', 3), 'PRIMARY', 'COMPLETED', 1)], {
        serviceName: SEARCH,
        serviceArn: serviceArn(SEARCH)
      })
    ]
  })
  ecsMock.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
    if (input.taskDefinition === arn('search-task', 3)) return { taskDefinition: SEARCH_REVISION }
    const n = Number(input.taskDefinition.split(':').pop())
    return { taskDefinition: revision(n), tags: [] }
  })
  ecsMock.on(ListTaskDefinitionsCommand).callsFake((input: { familyPrefix: string }) => ({
    taskDefinitionArns:
      input.familyPrefix === FAMILY
        ? [...Array.from({ length: 12 }, (_, i) => rev(i + 1)), arn(`${FAMILY}-migrate`, 2)]
        : [arn('search-task', 3)]
  }))
  const tasks = [
    task('a1', rev(12), 'api', digest(12), { group: `service:${API}` }),
    task('a2', rev(12), 'api', digest(12), { group: `service:${API}` }),
    task('c1', rev(5), 'api', digest(5), { group: `service:${CANARY}` }),
    task('s1', arn('search-task', 3), 'search', digest(99), { group: `service:${SEARCH}` }),
    // A migration of revision 7 someone started by hand, still running.
    task('m1', rev(7), 'api', digest(7), { group: `family:${FAMILY}` })
  ].map(t => ({
    ...t,
    containers: t.containers?.map(c => ({
      ...c,
      image:
        c.name === 'search'
          ? SEARCH_REVISION.containerDefinitions?.[0]?.image
          : `${REPOSITORY_URI}@${c.imageDigest ?? ''}`
    }))
  }))
  ecsMock.on(ListTasksCommand).resolves({ taskArns: tasks.map(t => t.taskArn ?? '') })
  ecsMock.on(DescribeTasksCommand).resolves({ tasks })
  ecsMock.on(DeregisterTaskDefinitionCommand).resolves({})
  ecrMock.on(DescribeImagesCommand).resolves({
    imageDetails: [
      ...Array.from({ length: 12 }, (_, i) => ecrImage(i + 1)),
      ecrImage(20, []),
      ecrImage(21, ['buildcache'])
    ]
  })
  ecrMock
    .on(BatchDeleteImageCommand)
    .callsFake((input: { imageIds: { imageDigest: string }[] }) => ({
      imageIds: input.imageIds.map(id => ({ ...id, imageTag: 'some-tag' })),
      failures: []
    }))
})

const request = (extra: Partial<CleanupRequest> = {}): CleanupRequest => ({
  deployed: [
    { service: API, taskDefinitionArn: rev(12), containerName: 'api', digest: digest(12) }
  ],
  keepRevisions: 3,
  keepImages: 3,
  repository: { name: 'babyshield-backend', uri: REPOSITORY_URI, immutableTags: false },
  dryRun: false,
  ...extra
})

/** The request with those keep counts left unset: that cleanup is off. */
function without(
  keys: ('keepRevisions' | 'keepImages')[],
  extra: Partial<CleanupRequest> = {}
): CleanupRequest {
  const r = request(extra)
  for (const key of keys) delete r[key]
  return r
}

const deregistered = () =>
  world.ecsMock
    .commandCalls(DeregisterTaskDefinitionCommand)
    .map(c => c.args[0].input.taskDefinition)
const deletedDigests = () =>
  world.ecrMock
    .commandCalls(BatchDeleteImageCommand)
    .flatMap(c => c.args[0].input.imageIds?.map(id => id.imageDigest) ?? [])

describe('cleanUp', () => {
  test('keep 3 of 12: what runs, rolls back, or a running task uses stays; the rest goes', async () => {
    const outcome = await cleanUp(request(), world.deps)

    expect(deregistered()).toEqual([1, 2, 3, 6, 8].map(rev))
    const [revisions] = outcome.revisions
    expect(outcome.revisions).toHaveLength(1)
    expect(revisions?.deregistered).toEqual([1, 2, 3, 6, 8].map(rev))
    expect(revisions?.plan.keep.map(k => [k.arn, k.reasons])).toEqual([
      [
        rev(12),
        [
          'one of the newest 3',
          `ECS service ${API}'s PRIMARY deployment`,
          `running task a1 (service:${API})`,
          `running task a2 (service:${API})`
        ]
      ],
      [rev(11), ['one of the newest 3']],
      [rev(10), ['one of the newest 3']],
      [rev(9), [`what rollback-to: previous would choose for ECS service ${API}`]],
      [rev(7), [`running task m1 (family:${FAMILY})`]],
      [
        rev(5),
        [`ECS service ${CANARY}'s PRIMARY deployment`, `running task c1 (service:${CANARY})`]
      ],
      [rev(4), [`what rollback-to: previous would choose for ECS service ${CANARY}`]]
    ])

    expect(deletedDigests()).toEqual([1, 2, 3, 6, 8].map(digest))
    expect(outcome.images?.deleted).toEqual([1, 2, 3, 6, 8].map(digest))
    expect(outcome.images?.plan.keep.map(k => k.image.digest)).toEqual(
      [21, 20, 12, 11, 10, 9, 7, 5, 4].map(digest)
    )
    expect(outcome.images?.plan.keep.find(k => k.image.digest === digest(9))?.reasons).toEqual([
      `babyshield-backend-task:9 (what rollback-to: previous would choose for ECS service ${API}) names it in api`,
      'babyshield-backend-task:9 (a kept ACTIVE revision) names it in api'
    ])
    expect(outcome.warnings).toEqual([])
    expect(outcome.skipped).toBeUndefined()
    // The family is listed once (what previous walks included); the unrelated one not at all.
    expect(
      world.ecsMock.commandCalls(ListTaskDefinitionsCommand).map(c => c.args[0].input.familyPrefix)
    ).toEqual([FAMILY])
  })

  test('dry run: the same plan, said, and nothing removed', async () => {
    const outcome = await cleanUp(request({ dryRun: true }), world.deps)
    expect(outcome.dryRun).toBe(true)
    expect(outcome.revisions[0]?.plan.remove).toEqual([1, 2, 3, 6, 8].map(rev))
    expect(outcome.revisions[0]?.deregistered).toEqual([])
    expect(outcome.images?.plan.remove.map(i => i.digest)).toEqual([1, 2, 3, 6, 8].map(digest))
    expect(outcome.images?.deleted).toEqual([])
    expect(deregistered()).toEqual([])
    expect(deletedDigests()).toEqual([])
    const lines = vi.mocked(core.info).mock.calls.map(c => c[0])
    expect(lines).toContain('  dry-run: would deregister babyshield-backend-task:1')
    expect(lines).toContain(
      `  dry-run: would delete production-fixed-20261108 (sha256:000000000000)`
    )
  })

  test('a deregistration that fails only warns; its revision stays ACTIVE, and so does its image', async () => {
    world.ecsMock
      .on(DeregisterTaskDefinitionCommand, { taskDefinition: rev(2) })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
    const outcome = await cleanUp(request(), world.deps)
    expect(outcome.revisions[0]?.deregistered).toEqual([1, 3, 6, 8].map(rev))
    expect(outcome.revisions[0]?.failed).toEqual([
      {
        arn: rev(2),
        reason: `Could not deregister task definition ${rev(2)}: ThrottlingException: Rate exceeded`
      }
    ])
    expect(deletedDigests()).toEqual([1, 3, 6, 8].map(digest))
    expect(outcome.warnings).toEqual([
      `Could not deregister babyshield-backend-task:2: Could not deregister task definition ${rev(2)}: ThrottlingException: Rate exceeded`
    ])
    expect(vi.mocked(core.warning)).toHaveBeenCalledTimes(1)
  })

  test('an image ECR refuses to delete only warns', async () => {
    world.ecrMock.on(BatchDeleteImageCommand).resolves({
      imageIds: [1, 2, 6, 8].map(n => ({ imageDigest: digest(n) })),
      failures: [
        {
          imageId: { imageDigest: digest(3) },
          failureCode: 'ImageReferencedByManifestList',
          failureReason: 'Requested image referenced by manifest list'
        }
      ]
    })
    const outcome = await cleanUp(request(), world.deps)
    expect(outcome.images?.deleted).toEqual([1, 2, 6, 8].map(digest))
    expect(outcome.warnings).toEqual([
      `Could not delete image ${digest(3)} of babyshield-backend: ImageReferencedByManifestList: Requested image referenced by manifest list`
    ])
  })

  test('what the cluster uses cannot be read: nothing is removed, and it says why', async () => {
    world.ecsMock.on(ListServicesCommand).rejects(
      Object.assign(new Error('not authorized to perform: ecs:ListServices'), {
        name: 'AccessDeniedException'
      })
    )
    const outcome = await cleanUp(request(), world.deps)
    expect(outcome.skipped).toBe(
      `could not read what the cluster uses: Could not list the services of cluster ${CLUSTER}: AccessDeniedException: not authorized to perform: ecs:ListServices`
    )
    expect(outcome.revisions).toEqual([])
    expect(outcome.images).toBeUndefined()
    expect(deregistered()).toEqual([])
    expect(deletedDigests()).toEqual([])
  })

  test('keep-images alone: every ACTIVE revision stays, and so does every image one pins', async () => {
    const outcome = await cleanUp(without(['keepRevisions'], { keepImages: 1 }), world.deps)
    expect(deregistered()).toEqual([])
    expect(outcome.revisions).toEqual([])
    // Revisions 1…12 pin images 1…9 and 12; only the images no revision pins go.
    expect(deletedDigests()).toEqual([10, 11].map(digest))
  })

  test('keep-revisions alone: no image is listed or deleted', async () => {
    await cleanUp(without(['keepImages']), world.deps)
    expect(deregistered()).toEqual([1, 2, 3, 6, 8].map(rev))
    expect(world.ecrMock.commandCalls(DescribeImagesCommand)).toEqual([])
    expect(deletedDigests()).toEqual([])
  })

  test('an image a running task pulled stays, whatever its task definition names', async () => {
    // A nightly report of another family runs the repository's `nightly` tag, which moved since.
    const report = task('r1', arn('reports-task', 4), 'report', digest(10), {
      group: 'family:reports-task'
    })
    const tasks = [
      task('a1', rev(12), 'api', digest(12)),
      { ...report, containers: [{ ...report.containers?.[0], image: `${REPOSITORY_URI}:nightly` }] }
    ]
    world.ecsMock.on(ListTasksCommand).resolves({ taskArns: tasks.map(t => t.taskArn ?? '') })
    world.ecsMock.on(DescribeTasksCommand).resolves({ tasks })
    const outcome = await cleanUp(request({ keepImages: 1 }), world.deps)
    expect(deletedDigests()).toEqual([1, 2, 3, 6, 7, 8, 11].map(digest))
    expect(outcome.images?.plan.keep.find(k => k.image.digest === digest(10))?.reasons).toEqual([
      'running task r1 (family:reports-task)'
    ])
  })

  test("a revision being deployed or replaced, and a task set's, stay", async () => {
    world.ecsMock.on(ListServicesCommand).resolves({ serviceArns: [API, CANARY].map(serviceArn) })
    world.ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        service(
          [
            deployment('ecs-svc/4', rev(12), 'PRIMARY', 'IN_PROGRESS', 1),
            deployment('ecs-svc/1', rev(2), 'ACTIVE', 'COMPLETED', 2)
          ],
          { serviceName: API, serviceArn: serviceArn(API) }
        ),
        service([], {
          serviceName: CANARY,
          serviceArn: serviceArn(CANARY),
          taskDefinition: rev(6),
          taskSets: [{ id: 'ecs-svc/ts1', taskDefinition: rev(3), status: 'ACTIVE' }]
        })
      ]
    })
    await cleanUp(without(['keepImages']), world.deps)
    // 2: the deployment being replaced; 3: the task set; 6: what the canary runs; 5: its previous.
    expect(deregistered()).toEqual([1, 4, 8].map(rev))
  })

  test(`at most ${100} deregistrations a run, the oldest first; the rest wait for the next deploy`, async () => {
    const many = Array.from({ length: 130 }, (_, i) => rev(i + 1))
    world.ecsMock.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: many })
    world.ecsMock.on(ListServicesCommand).resolves({ serviceArns: [serviceArn(API)] })
    world.ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        service([deployment('ecs-svc/1', rev(130), 'PRIMARY', 'COMPLETED', 2)], {
          serviceName: API,
          serviceArn: serviceArn(API)
        })
      ]
    })
    const outcome = await cleanUp(
      without(['keepImages'], {
        deployed: [
          { service: API, taskDefinitionArn: rev(130), containerName: 'api', digest: digest(12) }
        ]
      }),
      world.deps
    )
    // Kept: 130, 129, 128 (the newest 3), 9 (previous: 10…127 pin digest 12 too), and 12, 7
    // and 5, which tasks of the cluster still run.
    const expected = [1, 2, 3, 4, 6, 8, 10, 11, ...Array.from({ length: 115 }, (_, i) => i + 13)]
    expect(deregistered()).toEqual(expected.slice(0, 100).map(rev))
    expect(outcome.revisions[0]?.deferred).toEqual(expected.slice(100).map(rev))
  })

  test('neither: nothing is read', async () => {
    const outcome = await cleanUp(without(['keepRevisions', 'keepImages']), world.deps)
    expect(outcome).toEqual({ dryRun: false, revisions: [], warnings: [], tookMs: 0 })
    expect(world.ecsMock.calls()).toEqual([])
  })
})
