import { inputsOf, resultFor } from '../../test/support/inputs.js'
import { inBuildWorkspace } from '../../test/support/workspace.js'
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand
} from '@aws-sdk/client-ecr'
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand
} from '@aws-sdk/client-ecs'
import { describe, expect, test, vi } from 'vitest'
import { flat } from '../../test/support/results.js'
import type { Inputs } from '../../src/inputs/inputs.js'
import { deploy } from '../../src/modes/deploy.js'
import type { RunResult } from '../../src/model/result.js'
import {
  NEW_DIGEST,
  OLD_DIGEST,
  REPOSITORY_URI,
  babyshield
} from '../../test/support/task-definitions.js'
import { CLUSTER, SERVICE, deployment, service } from '../../test/support/ecs-answers.js'
import {
  ECR_PASSWORD as PASSWORD,
  NEW,
  OLD,
  deployWorld,
  type WorldOptions
} from '../../test/support/deploy-world.js'

/** The digest of the image another run pushed. */
const OTHER = `sha256:${'e'.repeat(64)}`

inBuildWorkspace()

/** A deploy step's inputs, polled every 5 s. */
const inputs = (overrides: Record<string, string> = {}): Inputs =>
  inputsOf({ 'poll-seconds': '5', ...overrides })
const freshResult = (i: Inputs): RunResult =>
  resultFor(i, {
    commit: 'c0ffee',
    repository: 'babyshield/api',
    runUrl: 'https://github.com/babyshield/api/actions/runs/7'
  })

/** A world where everything goes right: tags, push, registration, a rollout that completes. */
function happyWorld(options: Omit<WorldOptions, 'rollingOut'> = {}) {
  return deployWorld(
    { GITHUB_SHA: 'c0ffee', GITHUB_REPOSITORY: 'babyshield/api' },
    {
      ...options,
      rollingOut: [
        service([
          deployment('ecs-svc/2', NEW, 'PRIMARY', 'IN_PROGRESS', 1),
          deployment('ecs-svc/1', OLD, 'ACTIVE', 'COMPLETED', 1)
        ])
      ]
    }
  )
}

/** What the step printed: workflow commands such as ::warning:: among it. */
function stdout(): string {
  return vi
    .mocked(process.stdout.write)
    .mock.calls.map(c => String(c[0]))
    .join('')
}

describe('deploy', () => {
  test('builds, pushes, pins the digest, rolls out and verifies', async () => {
    const world = happyWorld()
    const i = inputs({ 'deployment-notes': 'recall feed fix' })
    const result = freshResult(i)
    await deploy(i, world.deps, result)

    expect(flat(result)).toMatchObject({
      status: 'succeeded',
      tag: 'production-fixed-20261126',
      digest: NEW_DIGEST,
      image: `${REPOSITORY_URI}@${NEW_DIGEST}`,
      taskDefinitionArn: NEW,
      previousTaskDefinitionArn: OLD,
      verified: true,
      containerName: 'api'
    })
    expect(world.docker.calls).toEqual([
      'login',
      'build',
      `push ${REPOSITORY_URI}:production-fixed-20261126`
    ])
    expect(world.docker.logins[0]).toEqual({
      registry: '123456789012.dkr.ecr.eu-north-1.amazonaws.com',
      username: 'AWS',
      password: PASSWORD
    })
    expect(world.docker.builds[0]).toMatchObject({
      image: `${REPOSITORY_URI}:production-fixed-20261126`,
      dockerfile: 'Dockerfile.final',
      context: '.',
      labels: {
        'org.opencontainers.image.revision': 'c0ffee',
        'org.opencontainers.image.source': 'https://github.com/babyshield/api',
        'org.opencontainers.image.created': '2026-11-26T10:00:00.000Z'
      }
    })

    const registered = world.ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input
    expect(registered?.containerDefinitions?.[0]?.image).toBe(`${REPOSITORY_URI}@${NEW_DIGEST}`)
    expect(registered?.containerDefinitions?.[1]).toEqual(babyshield.containerDefinitions?.[1])
    expect(registered?.tags).toEqual(
      expect.arrayContaining([
        { key: 'deploy:image-tag', value: 'production-fixed-20261126' },
        { key: 'deploy:commit', value: 'c0ffee' },
        { key: 'deploy:actor', value: 'octocat' },
        { key: 'deploy:run', value: 'https://github.com/babyshield/api/actions/runs/7' },
        { key: 'team', value: 'platform' }
      ])
    )
    const update = world.ecsMock.commandCalls(UpdateServiceCommand)[0]?.args[0].input
    expect(update).toEqual({
      cluster: CLUSTER,
      service: SERVICE,
      taskDefinition: NEW,
      forceNewDeployment: true
    })
    expect(flat(result).checks.map(c => [c.name, c.status])).toEqual(
      expect.arrayContaining([
        ['tasks run the expected digest', 'pass'],
        ['tasks run the service revision', 'pass']
      ])
    )
    expect(flat(result).timeline.map(e => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('2/2 running'),
        expect.stringContaining('COMPLETED')
      ])
    )
  })

  test('a second deploy the same day gets -v2', async () => {
    const world = happyWorld({
      existingTags: ['production-fixed-20261126', 'production-fixed-20261125']
    })
    const i = inputs()
    const result = freshResult(i)
    await deploy(i, world.deps, result)
    expect(flat(result).tag).toBe('production-fixed-20261126-v2')
    expect(world.docker.calls).toContain(`push ${REPOSITORY_URI}:production-fixed-20261126-v2`)
  })

  test('a digest ECR does not confirm stops before anything is registered', async () => {
    const world = happyWorld({ ecrDigest: `sha256:${'e'.repeat(64)}` })
    const i = inputs()
    await expect(deploy(i, world.deps, freshResult(i))).rejects.toThrow(
      /differs from the one ECR lists .*\. Nothing was deployed; the service still runs babyshield-backend-task:41\.$/
    )
    expect(world.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
    expect(world.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0)
  })

  test('a given tag that exists in an immutable repository is refused before the build', async () => {
    const world = happyWorld({ immutable: true })
    const i = inputs({ tag: 'production-fixed-20261126' })
    await expect(deploy(i, world.deps, freshResult(i))).rejects.toThrow(
      "tag 'production-fixed-20261126' already exists in ECR repository babyshield-backend, whose tags are immutable"
    )
    expect(world.docker.calls).toEqual([])
  })

  test('a missing Dockerfile is refused before anything changes', async () => {
    const world = happyWorld()
    const i = inputs({ dockerfile: 'backend/Dockerfile.final' })
    await expect(deploy(i, world.deps, freshResult(i))).rejects.toThrow(
      "dockerfile 'backend/Dockerfile.final' was not found"
    )
    expect(world.docker.calls).toEqual([])
    expect(world.ecrMock.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(0)
  })

  test('dry-run plans the revision as a diff and changes nothing', async () => {
    const world = happyWorld()
    const i = inputs({ 'dry-run': 'true' })
    const result = freshResult(i)
    await deploy(i, world.deps, result)
    expect(result.status).toBe('planned')
    expect(flat(result).plan).toContain(`-       "image": "${REPOSITORY_URI}@${OLD_DIGEST}",`)
    expect(flat(result).plan).toContain(
      `+       "image": "${REPOSITORY_URI}@sha256:<digest of the image built>",`
    )
    expect(world.docker.calls).toEqual([])
    expect(world.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
    expect(world.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0)
  })

  test('an image already in ECR is deployed without a build', async () => {
    const world = happyWorld()
    world.ecrMock.on(DescribeImagesCommand, { imageIds: [{ imageDigest: NEW_DIGEST }] }).resolves({
      imageDetails: [{ imageDigest: NEW_DIGEST, imageTags: ['production-fixed-20261120'] }]
    })
    const i = inputs({ image: NEW_DIGEST })
    const result = freshResult(i)
    await deploy(i, world.deps, result)
    expect(world.docker.calls).toEqual([])
    expect(flat(result)).toMatchObject({
      status: 'succeeded',
      tag: 'production-fixed-20261120',
      digest: NEW_DIGEST,
      verified: true
    })
  })

  describe('a failure before anything changes says so, and what the service runs', () => {
    test('a failed docker build', async () => {
      const world = happyWorld()
      world.docker.build = () =>
        Promise.reject(
          new Error('docker build of x failed (exit code 1); see the build output above')
        )
      const i = inputs()
      const result = freshResult(i)
      await expect(deploy(i, world.deps, result)).rejects.toThrow(
        'docker build of x failed (exit code 1); see the build output above. Nothing was deployed; the service still runs babyshield-backend-task:41.'
      )
      expect(world.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
      expect(world.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0)
      expect(flat(result).previousTaskDefinitionArn).toBe(OLD)
    })

    test('an ECR repository that cannot be read: the service was not read either', async () => {
      const world = happyWorld()
      world.ecrMock
        .on(DescribeRepositoriesCommand)
        .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      const i = inputs()
      await expect(deploy(i, world.deps, freshResult(i))).rejects.toThrow(
        'Could not find ECR repository babyshield-backend: ThrottlingException: Rate exceeded. Nothing was deployed; the service was not changed.'
      )
      expect(world.ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(0)
    })

    test('a message that already says so is not said twice', async () => {
      const world = happyWorld()
      world.ecsMock.on(DescribeServicesCommand).resolves({
        services: [{ ...service([]), status: 'DRAINING' }]
      })
      const i = inputs()
      const error = await deploy(i, world.deps, freshResult(i)).catch((e: unknown) => e)
      expect(String(error)).toBe(
        'NothingChangedError: ECS service babyshield-backend-service is DRAINING: nothing was deployed'
      )
    })
  })

  test('an image that is not in ECR is an error before anything changes', async () => {
    const world = happyWorld()
    const notFound = Object.assign(new Error('not found'), { name: 'ImageNotFoundException' })
    world.ecrMock
      .on(DescribeImagesCommand, { imageIds: [{ imageTag: 'production-fixed-20261001' }] })
      .rejects(notFound)
    const i = inputs({ image: 'production-fixed-20261001' })
    await expect(deploy(i, world.deps, freshResult(i))).rejects.toThrow(
      "image 'production-fixed-20261001' is not in ECR repository babyshield-backend. Nothing was deployed; the service still runs babyshield-backend-task:41."
    )
    expect(world.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
  })

  test('a failed UpdateService deregisters the new revision and says the service is unchanged', async () => {
    const world = happyWorld()
    world.ecsMock
      .on(UpdateServiceCommand)
      .rejects(
        Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' })
      )
    // The refused update left the service where it was.
    world.ecsMock.on(DescribeServicesCommand).resolves({
      services: [service([deployment('ecs-svc/1', OLD, 'PRIMARY', 'COMPLETED', 2)])]
    })
    const i = inputs()
    await expect(deploy(i, world.deps, freshResult(i))).rejects.toThrow(
      'Could not update ECS service babyshield-backend-service to ' +
        `${NEW}: AccessDeniedException: User is not authorized. The service still runs babyshield-backend-task:41; revision babyshield-backend-task:42 was deregistered.`
    )
    expect(world.ecsMock.commandCalls(DeregisterTaskDefinitionCommand)[0]?.args[0].input).toEqual({
      taskDefinition: NEW
    })
  })

  test('wait: false starts the rollout and does not watch it', async () => {
    const world = happyWorld()
    const i = inputs({ wait: 'false' })
    const result = freshResult(i)
    await deploy(i, world.deps, result)
    expect(flat(result)).toMatchObject({
      status: 'started',
      verified: false,
      taskDefinitionArn: NEW
    })
    // Preflight, and the check for a deployment in progress.
    expect(world.ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(2)
  })

  test('a service that is not there is an error naming it', async () => {
    const world = happyWorld()
    world.ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [], failures: [{ reason: 'MISSING' }] })
    const i = inputs()
    await expect(deploy(i, world.deps, freshResult(i))).rejects.toThrow(
      'ECS service babyshield-backend-service was not found in cluster babyshield-cluster (MISSING)'
    )
  })

  test('never reports success when ECS put another deployment in PRIMARY', async () => {
    const world = happyWorld()
    world.ecsMock
      .on(DescribeServicesCommand)
      .resolvesOnce({
        services: [service([deployment('ecs-svc/1', OLD, 'PRIMARY', 'COMPLETED', 2)])]
      })
      .resolvesOnce({
        services: [service([deployment('ecs-svc/1', OLD, 'PRIMARY', 'COMPLETED', 2)])]
      })
      .resolves({
        services: [
          service([
            deployment('ecs-svc/3', OLD, 'PRIMARY', 'IN_PROGRESS', 1),
            deployment('ecs-svc/2', NEW, 'ACTIVE', 'FAILED', 0, 2, {
              rolloutStateReason: 'circuit breaker'
            })
          ])
        ]
      })
    const i = inputs({ 'rollback-on-failure': 'false' })
    const result = freshResult(i)
    await expect(deploy(i, world.deps, result)).rejects.toThrow(
      /did not complete|failed|rolled back/i
    )
    expect(result.status).not.toBe('succeeded')
    expect(flat(result).verified).toBe(false)
  })
})

describe('two runs and one automatic tag', () => {
  const TODAY = 'production-fixed-20261126'

  test('a tag another run pushed while this one built: this image is pushed under the next free one', async () => {
    const world = happyWorld()
    // Listed at the start without today's tag; by the push, another run has pushed it.
    world.ecrMock
      .on(DescribeImagesCommand, { filter: { tagStatus: 'TAGGED' } })
      .resolvesOnce({
        imageDetails: [{ imageDigest: OLD_DIGEST, imageTags: ['production-fixed-20261120'] }]
      })
      .resolves({ imageDetails: [{ imageDigest: OTHER, imageTags: [TODAY] }] })
    world.ecrMock
      .on(DescribeImagesCommand, { imageIds: [{ imageTag: TODAY }] })
      .resolves({ imageDetails: [{ imageDigest: OTHER, imageTags: [TODAY] }] })
    const i = inputs()
    const result = freshResult(i)

    await deploy(i, world.deps, result)

    expect(world.docker.calls).toEqual([
      'login',
      'build',
      `tag ${REPOSITORY_URI}:${TODAY} ${REPOSITORY_URI}:${TODAY}-v2`,
      `push ${REPOSITORY_URI}:${TODAY}-v2`
    ])
    expect(stdout()).toContain(
      `::warning::Tag ${TODAY} was pushed by another run while this one built (it points to ${OTHER}): this image is pushed as ${TODAY}-v2 instead.`
    )
    const registered = world.ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input
    expect(registered?.tags).toContainEqual({ key: 'deploy:image-tag', value: `${TODAY}-v2` })
    expect(flat(result)).toMatchObject({
      status: 'succeeded',
      tag: `${TODAY}-v2`,
      digest: NEW_DIGEST
    })
  })

  test('a tag moved by another push just after this one: the image is deployed by digest, and that is said', async () => {
    const world = happyWorld({ ecrDigest: OTHER })
    world.ecrMock
      .on(DescribeImagesCommand, { imageIds: [{ imageDigest: NEW_DIGEST }] })
      .resolves({ imageDetails: [{ imageDigest: NEW_DIGEST, imageTags: [] }] })
    const i = inputs()
    const result = freshResult(i)

    await deploy(i, world.deps, result)

    expect(stdout()).toContain(
      `::warning::Tag ${TODAY} now points to ${OTHER}, pushed by another run just after this one: this step deploys its own image, ${NEW_DIGEST}, by digest, and the revision's deploy:image-tag ${TODAY} no longer names it.`
    )
    expect(flat(result)).toMatchObject({ status: 'succeeded', digest: NEW_DIGEST })
  })

  test('a given tag pushed by another run while this one built, in an immutable repository: nothing is pushed', async () => {
    const world = happyWorld({ immutable: true })
    const given = 'production-hotfix-20261126-issue123'
    world.ecrMock
      .on(DescribeImagesCommand, { filter: { tagStatus: 'TAGGED' } })
      .resolves({ imageDetails: [{ imageDigest: OTHER, imageTags: [given] }] })
    let lookups = 0
    world.ecrMock.on(DescribeImagesCommand, { imageIds: [{ imageTag: given }] }).callsFake(() => {
      lookups += 1
      // Not there when the step began; there by the time it would push.
      if (lookups === 1) {
        throw Object.assign(new Error('not found'), { name: 'ImageNotFoundException' })
      }
      return { imageDetails: [{ imageDigest: OTHER, imageTags: [given] }] }
    })
    const i = inputs({ tag: given })

    await expect(deploy(i, world.deps, freshResult(i))).rejects.toThrow(
      `tag '${given}' was pushed by another run while this one built (it points to ${OTHER}), and the tags of ECR repository babyshield-backend are immutable: nothing was pushed; choose another tag, or leave tag empty for the next free one. Nothing was deployed; the service still runs babyshield-backend-task:41.`
    )
    expect(world.docker.calls).toEqual(['login', 'build'])
  })
})
