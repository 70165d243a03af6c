import { inputsOf, resultFor } from '../../test/support/inputs.js'
import { DescribeImagesCommand } from '@aws-sdk/client-ecr'
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand
} from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { flat } from '../../test/support/results.js'
import type { Inputs } from '../../src/inputs/inputs.js'
import { rollback } from '../../src/modes/rollback.js'
import { outputsOf, type RunResult } from '../../src/model/result.js'
import {
  NEW_DIGEST,
  OLD_DIGEST,
  REPOSITORY_URI,
  arn,
  babyshield
} from '../../test/support/task-definitions.js'
import { CLUSTER, SERVICE, deployment, service } from '../../test/support/ecs-answers.js'
import {
  FAMILY,
  REGISTERED,
  THIRD_DIGEST,
  revision,
  rollbackWorld
} from '../../test/support/verify-rollback-world.js'

beforeEach(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
})

/** A rollback step's inputs, with notes for its audit trail. */
const inputs = (overrides: Record<string, string> = {}): Inputs =>
  inputsOf({ mode: 'rollback', 'deployment-notes': 'recall feed answers 500', ...overrides })
const freshResult = (i: Inputs): RunResult =>
  resultFor(i, {
    commit: 'c0ffee',
    repository: 'babyshield/api',
    runUrl: 'https://github.com/babyshield/api/actions/runs/9',
    notes: i.deploymentNotes
  })

const described = (w: ReturnType<typeof rollbackWorld>) =>
  w.ecsMock.commandCalls(DescribeTaskDefinitionCommand).map(c => c.args[0].input.taskDefinition)

describe('rollback to an existing revision: deployed as it is', () => {
  test('previous: the newest earlier revision with another digest, skipping same-digest and INACTIVE ones', async () => {
    const w = rollbackWorld({ arn: arn(FAMILY, 38), digest: NEW_DIGEST })
    const i = inputs()
    const result = freshResult(i)
    await rollback(i, w.deps, result)

    expect(flat(result)).toMatchObject({
      status: 'succeeded',
      rolledBack: true,
      verified: true,
      previousTaskDefinitionArn: arn(FAMILY, 41),
      taskDefinitionArn: arn(FAMILY, 38),
      digest: NEW_DIGEST,
      image: `${REPOSITORY_URI}@${NEW_DIGEST}`,
      containerName: 'api'
    })
    // 43 and 42 are newer than what runs; 37 is never looked at.
    expect(described(w).slice(0, 4)).toEqual([
      arn(FAMILY, 41),
      arn(FAMILY, 40),
      arn(FAMILY, 39),
      arn(FAMILY, 38)
    ])
    expect(described(w)).not.toContain(arn(FAMILY, 37))
    expect(w.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
    expect(w.ecsMock.commandCalls(UpdateServiceCommand).map(c => c.args[0].input)).toEqual([
      {
        cluster: CLUSTER,
        service: SERVICE,
        taskDefinition: arn(FAMILY, 38),
        forceNewDeployment: true
      }
    ])
    expect(w.ecsMock.commandCalls(ListTaskDefinitionsCommand)[0]?.args[0].input).toMatchObject({
      familyPrefix: FAMILY,
      status: 'ACTIVE',
      sort: 'DESC'
    })
    expect(flat(result).timeline[0]?.message).toBe(
      `rollback ${FAMILY}:41 (${OLD_DIGEST}) → ${FAMILY}:38 (${NEW_DIGEST}): previous: the newest earlier revision with another digest (passed over ${FAMILY}:40 runs the same digest (${OLD_DIGEST}); ${FAMILY}:39 is INACTIVE (deregistered): ECS does not deploy it); notes: recall feed answers 500`
    )
    expect(flat(result).checks.find(c => c.name === 'tasks run the expected digest')?.status).toBe(
      'pass'
    )
  })

  test('a revision number of the family', async () => {
    const w = rollbackWorld({ arn: arn(FAMILY, 40), digest: OLD_DIGEST })
    const i = inputs({ 'rollback-to': '40' })
    const result = freshResult(i)
    await rollback(i, w.deps, result)
    expect(flat(result)).toMatchObject({
      rolledBack: true,
      verified: true,
      taskDefinitionArn: arn(FAMILY, 40)
    })
    expect(described(w).slice(0, 2)).toEqual([arn(FAMILY, 41), `${FAMILY}:40`])
    expect(w.ecsMock.commandCalls(ListTaskDefinitionsCommand)).toHaveLength(0)
    expect(w.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
    expect(w.ecsMock.commandCalls(UpdateServiceCommand)[0]?.args[0].input.taskDefinition).toBe(
      arn(FAMILY, 40)
    )
  })

  test('a task definition ARN', async () => {
    const w = rollbackWorld({ arn: arn(FAMILY, 37), digest: `sha256:${'d'.repeat(64)}` })
    const i = inputs({ 'rollback-to': arn(FAMILY, 37) })
    const result = freshResult(i)
    await rollback(i, w.deps, result)
    expect(flat(result)).toMatchObject({
      rolledBack: true,
      verified: true,
      taskDefinitionArn: arn(FAMILY, 37)
    })
    expect(w.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
    expect(w.ecsMock.commandCalls(UpdateServiceCommand)[0]?.args[0].input.taskDefinition).toBe(
      arn(FAMILY, 37)
    )
  })
})

describe('rollback to an image: pinned into a new revision', () => {
  test.each([
    ['a sha256: digest', THIRD_DIGEST],
    ['a tag', 'production-fixed-20261119']
  ])('%s', async (_, target) => {
    const w = rollbackWorld({ arn: REGISTERED, digest: THIRD_DIGEST })
    const i = inputs({ 'rollback-to': target })
    const result = freshResult(i)
    await rollback(i, w.deps, result)

    expect(flat(result)).toMatchObject({
      status: 'succeeded',
      rolledBack: true,
      verified: true,
      previousTaskDefinitionArn: arn(FAMILY, 41),
      taskDefinitionArn: REGISTERED,
      digest: THIRD_DIGEST,
      image: `${REPOSITORY_URI}@${THIRD_DIGEST}`,
      tag: 'production-fixed-20261119'
    })
    const registered = w.ecsMock.commandCalls(RegisterTaskDefinitionCommand)
    expect(registered).toHaveLength(1)
    const input = registered[0]?.args[0].input
    expect(input?.family).toBe(FAMILY)
    expect(input?.containerDefinitions?.map(c => c.image)).toEqual([
      `${REPOSITORY_URI}@${THIRD_DIGEST}`,
      babyshield.containerDefinitions?.[1]?.image
    ])
    expect(input?.tags).toEqual(
      expect.arrayContaining([
        { key: 'deploy:image-tag', value: 'production-fixed-20261119' },
        { key: 'deploy:notes', value: 'recall feed answers 500' },
        { key: 'deploy:actor', value: 'octocat' }
      ])
    )
    expect(w.ecsMock.commandCalls(UpdateServiceCommand)[0]?.args[0].input.taskDefinition).toBe(
      REGISTERED
    )
  })

  test('a failed UpdateService deregisters the revision it registered', async () => {
    const w = rollbackWorld({ arn: REGISTERED, digest: THIRD_DIGEST })
    w.ecsMock
      .on(UpdateServiceCommand)
      .rejects(
        Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' })
      )
    // The refused update left the service where it was.
    w.ecsMock.on(DescribeServicesCommand).resolves({
      services: [service([deployment('ecs-svc/1', arn(FAMILY, 41), 'PRIMARY', 'COMPLETED', 2)])]
    })
    const i = inputs({ 'rollback-to': THIRD_DIGEST })
    const result = freshResult(i)
    await expect(rollback(i, w.deps, result)).rejects.toThrow(
      `Could not update ECS service ${SERVICE} to ${REGISTERED}: AccessDeniedException: User is not authorized. Nothing was rolled back: the service still runs ${FAMILY}:41; revision ${FAMILY}:44 was deregistered.`
    )
    expect(w.ecsMock.commandCalls(DeregisterTaskDefinitionCommand)[0]?.args[0].input).toEqual({
      taskDefinition: REGISTERED
    })
    expect(flat(result).rolledBack).toBe(false)
  })
})

describe('nothing changes when there is no target', () => {
  const nothingChanged = (w: ReturnType<typeof rollbackWorld>) => {
    expect(w.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
    expect(w.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0)
  }

  test('the revisions cannot be listed: the error says nothing was rolled back, and what runs', async () => {
    const w = rollbackWorld({ arn: '', digest: '' }, [revision(41, OLD_DIGEST)])
    w.ecsMock
      .on(ListTaskDefinitionsCommand)
      .rejects(
        Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' })
      )
    const i = inputs()
    await expect(rollback(i, w.deps, freshResult(i))).rejects.toThrow(
      `Could not list the revisions of task definition family ${FAMILY}: AccessDeniedException: User is not authorized. Nothing was rolled back; the service still runs ${FAMILY}:41.`
    )
    nothingChanged(w)
  })

  test('previous with no earlier revision of another digest', async () => {
    const w = rollbackWorld({ arn: '', digest: '' }, [
      revision(41, OLD_DIGEST),
      revision(40, OLD_DIGEST),
      revision(39, THIRD_DIGEST, { status: 'INACTIVE' })
    ])
    const i = inputs()
    await expect(rollback(i, w.deps, freshResult(i))).rejects.toThrow(
      `rollback-to 'previous': there is no earlier revision with another digest to roll back to. The service runs ${FAMILY}:41 (api = ${OLD_DIGEST}); none of the 2 older ACTIVE revisions qualifies: ${FAMILY}:40 runs the same digest (${OLD_DIGEST}); ${FAMILY}:39 is INACTIVE (deregistered): ECS does not deploy it. Nothing was changed.`
    )
    nothingChanged(w)
  })

  test('previous on the first revision of a family', async () => {
    const w = rollbackWorld({ arn: '', digest: '' }, [revision(41, OLD_DIGEST)])
    const i = inputs()
    await expect(rollback(i, w.deps, freshResult(i))).rejects.toThrow(
      `${FAMILY} has no ACTIVE revision older than 41. Nothing was changed.`
    )
    nothingChanged(w)
  })

  test.each([
    [
      'a revision that does not exist',
      '12',
      `rollback-to '12': task definition ${FAMILY}:12 could not be found (Could not describe task definition ${FAMILY}:12: ClientException: Unable to describe task definition.). Nothing was changed; the service runs ${FAMILY}:41.`
    ],
    [
      'an INACTIVE revision',
      '39',
      `rollback-to '39': task definition ${FAMILY}:39 is INACTIVE (deregistered): ECS does not deploy it. Nothing was changed; the service runs ${FAMILY}:41.`
    ],
    [
      'the revision that runs now',
      '41',
      `rollback-to '41': task definition ${FAMILY}:41 is the revision the service runs now: there is nothing to roll back to. Nothing was changed; the service runs ${FAMILY}:41.`
    ],
    [
      'a tag that is not in ECR',
      'production-fixed-20260101',
      `rollback-to 'production-fixed-20260101': the image is not in ECR repository babyshield-backend. Nothing was changed; the service runs ${FAMILY}:41.`
    ],
    [
      'a digest that is not in ECR',
      `sha256:${'e'.repeat(64)}`,
      `rollback-to 'sha256:${'e'.repeat(64)}': the image is not in ECR repository babyshield-backend. Nothing was changed; the service runs ${FAMILY}:41.`
    ]
  ])('%s', async (_, target, message) => {
    const w = rollbackWorld({ arn: '', digest: '' })
    const i = inputs({ 'rollback-to': target })
    const result = freshResult(i)
    await expect(rollback(i, w.deps, result)).rejects.toThrow(message)
    nothingChanged(w)
    expect(flat(result).rolledBack).toBe(false)
  })

  test('a digest that already runs', async () => {
    const w = rollbackWorld({ arn: '', digest: '' })
    w.ecrMock
      .on(DescribeImagesCommand, { imageIds: [{ imageDigest: OLD_DIGEST }] })
      .resolves({ imageDetails: [{ imageDigest: OLD_DIGEST, imageTags: [] }] })
    const i = inputs({ 'rollback-to': OLD_DIGEST })
    await expect(rollback(i, w.deps, freshResult(i))).rejects.toThrow(
      `rollback-to '${OLD_DIGEST}': the image is ${OLD_DIGEST}, which the service runs now: there is nothing to roll back to. Nothing was changed`
    )
    nothingChanged(w)
  })
})

describe('dry-run shows the target and the diff, and changes nothing', () => {
  test('previous: the diff against the earlier revision', async () => {
    const w = rollbackWorld({ arn: arn(FAMILY, 38), digest: NEW_DIGEST })
    const i = inputs({ 'dry-run': 'true' })
    const result = freshResult(i)
    await rollback(i, w.deps, result)
    expect(flat(result)).toMatchObject({
      status: 'planned',
      rolledBack: false,
      verified: false,
      previousTaskDefinitionArn: arn(FAMILY, 41),
      digest: NEW_DIGEST
    })
    // The service is moved to no revision: none is named, as for a tag target or a deploy.
    expect(flat(result).taskDefinitionArn).toBeUndefined()
    expect(outputsOf(result)['task-definition-arn']).toBe('')
    expect(flat(result).plan).toContain('-   "memory": "2048",')
    expect(flat(result).plan).toContain('+   "memory": "4096",')
    expect(flat(result).plan).toContain(`-       "image": "${REPOSITORY_URI}@${OLD_DIGEST}",`)
    expect(flat(result).plan).toContain(`+       "image": "${REPOSITORY_URI}@${NEW_DIGEST}",`)
    expect(w.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
    expect(w.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0)
  })

  test('a tag: the planned new revision', async () => {
    const w = rollbackWorld({ arn: REGISTERED, digest: THIRD_DIGEST })
    const i = inputs({ 'dry-run': 'true', 'rollback-to': 'production-fixed-20261119' })
    const result = freshResult(i)
    await rollback(i, w.deps, result)
    expect(result.status).toBe('planned')
    expect(flat(result).taskDefinitionArn).toBeUndefined()
    expect(flat(result).plan).toContain(`+       "image": "${REPOSITORY_URI}@${THIRD_DIGEST}",`)
    expect(flat(result).plan).toContain('"value": "production-fixed-20261119"')
    expect(w.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
    expect(w.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0)
  })
})

describe('after UpdateService', () => {
  test('a rollback whose rollout fails is reported, never rolled back again', async () => {
    const w = rollbackWorld({ arn: arn(FAMILY, 38), digest: NEW_DIGEST })
    w.ecsMock
      .on(DescribeServicesCommand)
      .resolvesOnce({
        services: [service([deployment('ecs-svc/1', arn(FAMILY, 41), 'PRIMARY', 'COMPLETED', 2)])]
      })
      .resolves({
        services: [
          service([
            deployment('ecs-svc/9', arn(FAMILY, 38), 'PRIMARY', 'FAILED', 0, 2, {
              rolloutStateReason: 'tasks failed to start'
            }),
            deployment('ecs-svc/1', arn(FAMILY, 41), 'ACTIVE', 'COMPLETED', 2)
          ])
        ]
      })
    const i = inputs({ 'rollback-on-failure': 'true' })
    const result = freshResult(i)
    await expect(rollback(i, w.deps, result)).rejects.toThrow(
      `The rollout of ${FAMILY}:38 failed: ECS marked the rollout FAILED: tasks failed to start.`
    )
    expect(w.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1)
    expect(flat(result)).toMatchObject({
      rolledBack: false,
      verified: false,
      taskDefinitionArn: arn(FAMILY, 38)
    })
  })

  test('wait: false starts the rollback and does not watch it', async () => {
    const w = rollbackWorld({ arn: arn(FAMILY, 38), digest: NEW_DIGEST })
    const i = inputs({ wait: 'false' })
    const result = freshResult(i)
    await rollback(i, w.deps, result)
    expect(flat(result)).toMatchObject({ status: 'started', rolledBack: true, verified: false })
    expect(w.ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(1)
  })
})
