// keep-revisions and keep-images on the local stack, through the cleanup's entry function: what
// is left in ECS and ECR is read back and compared with what the rules say, written out here.
import {
  ListTaskDefinitionsCommand,
  UpdateServiceCommand,
  CreateServiceCommand
} from '@aws-sdk/client-ecs'
import { DescribeImagesCommand } from '@aws-sdk/client-ecr'
import { setTimeout as sleep } from 'node:timers/promises'
import { beforeEach, expect, test } from 'vitest'
import { Ecr } from '../../src/aws/ecr.js'
import { Ecs } from '../../src/aws/ecs.js'
import { cleanUp } from '../../src/cleanup/clean-up.js'
import { systemClock } from '../../src/model/clock.js'
import { ecr, ecs, stackControl } from './support/aws.js'
import { pushNewImage, registerRevision, service, waitForSteadyState } from './support/world.js'
import {
  APP_CONTAINER,
  CLUSTER,
  FAMILY,
  REPOSITORY,
  REPOSITORY_URI,
  SERVICE,
  seed,
  seedWorker,
  WORKER_FAMILY,
  type Seeded
} from './seed.js'

const CANARY = 'babyshield-backend-canary'
const deps = { ecr: new Ecr(ecr), ecs: new Ecs(ecs, CLUSTER), clock: systemClock }

let seeded: Seeded
/** Revision n of the family pins image n (1: the seed image). */
const digests = new Map<number, string>()
const arns = new Map<number, string>()

beforeEach(async () => {
  seeded = await seed()
  await seedWorker(seeded)
  digests.clear()
  digests.set(1, seeded.seedImage.digest)
  arns.set(1, seeded.taskDefinitionArn)
  // Revisions 2…6, each pinning an image of its own; ECR's push times are to the second, so
  // the pushes are a second apart and their order is known.
  for (let n = 2; n <= 6; n++) {
    await sleep(1_100)
    const digest = await pushNewImage(`production-fixed-2026120${n}`)
    digests.set(n, digest)
    const arn = await registerRevision(seeded.taskDefinitionArn, `${REPOSITORY_URI}@${digest}`)
    expect(arn).toMatch(new RegExp(`/${FAMILY}:${n}$`))
    arns.set(n, arn)
  }
  // A canary of the same family on revision 2, and the API deployed to revision 6.
  const current = await service()
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: CANARY,
      taskDefinition: arns.get(2),
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: current.networkConfiguration
    })
  )
  await ecs.send(
    new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: arns.get(6) })
  )
  await sleep(1_100)
  await pushNewImage('build-cache')
  await stackControl.settle()
  await waitForSteadyState()
  await waitForSteadyState(30_000, CANARY)
})

async function revisions(family: string, status: 'ACTIVE' | 'INACTIVE'): Promise<number[]> {
  const answer = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status }))
  return (answer.taskDefinitionArns ?? [])
    .map(arn => Number(arn.split(':').pop()))
    .sort((a, b) => a - b)
}

async function imageTags(): Promise<string[]> {
  const answer = await ecr.send(new DescribeImagesCommand({ repositoryName: REPOSITORY }))
  return (answer.imageDetails ?? []).flatMap(i => i.imageTags ?? []).sort()
}

/** The cleanup after the API's deploy of revision 6: keep 2 revisions and 2 images. */
function keepTwo(dryRun: boolean) {
  return cleanUp(
    {
      deployed: [
        {
          service: SERVICE,
          taskDefinitionArn: arns.get(6) ?? '',
          containerName: APP_CONTAINER,
          digest: digests.get(6) ?? ''
        }
      ],
      keepRevisions: 2,
      keepImages: 2,
      repository: { name: REPOSITORY, uri: REPOSITORY_URI, immutableTags: false },
      dryRun
    },
    deps
  )
}

test('keep 2 revisions and 2 images: what runs, would be rolled back to, or is pinned stays', async () => {
  const outcome = await keepTwo(false)
  expect(outcome.warnings).toEqual([])

  // Kept: 6 and 5 (the newest two; 5 is also the API's previous), 2 (the canary runs it) and 1
  // (the canary's previous). Deregistered: 3 and 4.
  expect(await revisions(FAMILY, 'ACTIVE')).toEqual([1, 2, 5, 6])
  expect(await revisions(FAMILY, 'INACTIVE')).toEqual([3, 4])
  // The worker's family, which runs the seed image from the same repository, is not touched.
  expect(await revisions(WORKER_FAMILY, 'ACTIVE')).toEqual([1])

  // Kept: images 6 and 5 (the newest two), 2 and 1 (pinned by kept revisions; 1 also runs in the
  // worker), and the build cache. Deleted: images 3 and 4, the ones only revisions 3 and 4 pinned.
  expect(await imageTags()).toEqual([
    'build-cache',
    'production-fixed-20250601',
    'production-fixed-20261202',
    'production-fixed-20261205',
    'production-fixed-20261206'
  ])
  expect(outcome.images?.deleted.sort()).toEqual([digests.get(3), digests.get(4)].sort())
  expect(outcome.revisions[0]?.deregistered.map(arn => arn.split(':').pop())).toEqual(['3', '4'])
})

test('a dry run reads the same and changes nothing', async () => {
  const outcome = await keepTwo(true)
  expect(outcome.revisions[0]?.plan.remove.map(arn => arn.split(':').pop())).toEqual(['3', '4'])
  expect(outcome.images?.plan.remove.map(i => i.tags)).toEqual([
    ['production-fixed-20261203'],
    ['production-fixed-20261204']
  ])
  expect(await revisions(FAMILY, 'ACTIVE')).toEqual([1, 2, 3, 4, 5, 6])
  expect(await imageTags()).toHaveLength(7)
})
