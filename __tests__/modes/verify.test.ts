import { inputsOf, resultFor } from '../../test/support/inputs.js'
import { DescribeImagesCommand } from '@aws-sdk/client-ecr'
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type TaskDefinition
} from '@aws-sdk/client-ecs'
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { flat } from '../../test/support/results.js'
import type { Inputs } from '../../src/inputs/inputs.js'
import { verify } from '../../src/modes/verify.js'
import { renderSummary } from '../../src/report/summary.js'
import type { RunResult } from '../../src/model/result.js'
import {
  NEW_DIGEST,
  OLD_DIGEST,
  REPOSITORY_URI,
  babyshield
} from '../../test/support/task-definitions.js'
import { CLUSTER, SERVICE, service } from '../../test/support/ecs-answers.js'
import { CURRENT, verifyWorld } from '../../test/support/verify-rollback-world.js'

const HEALTH_URL = 'https://api.babyshield.example/healthz'

beforeEach(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
})

afterEach(() => {
  vi.unstubAllGlobals()
})

/** A verify step's inputs. */
const inputs = (overrides: Record<string, string> = {}): Inputs =>
  inputsOf({ mode: 'verify', ...overrides })
const freshResult = (i: Inputs): RunResult => resultFor(i)

describe('verify', () => {
  test('a service that runs what its task definition pins is verified, check by check', async () => {
    const w = verifyWorld()
    const i = inputs()
    const result = freshResult(i)
    await verify(i, w.deps, result)

    expect(flat(result)).toMatchObject({
      status: 'succeeded',
      verified: true,
      tag: 'production-fixed-20261120',
      digest: OLD_DIGEST,
      image: `${REPOSITORY_URI}@${OLD_DIGEST}`,
      taskDefinitionArn: CURRENT,
      previousTaskDefinitionArn: CURRENT,
      containerName: 'api',
      rolledBack: false
    })
    expect(flat(result).checks).toEqual([
      {
        name: 'task definition pins the expected digest',
        status: 'pass',
        detail: `container api pins ${OLD_DIGEST}`
      },
      { name: 'service active', status: 'pass', detail: 'status ACTIVE' },
      {
        name: 'one deployment, completed',
        status: 'pass',
        detail: 'PRIMARY COMPLETED babyshield-backend-task:41'
      },
      { name: 'running = desired', status: 'pass', detail: '2 running, 2 desired' },
      {
        name: 'tasks run the service revision',
        status: 'pass',
        detail: '2 of 2 tasks run babyshield-backend-task:41'
      },
      {
        name: 'tasks run the expected digest',
        status: 'pass',
        detail: `2 of 2 running tasks run api@${OLD_DIGEST}`
      },
      { name: 'health check', status: 'skip', detail: 'no health-check-url given' },
      {
        name: 'recent ERROR logs',
        status: 'pass',
        detail:
          "no ERROR lines in the 2 log streams of the service's running tasks in /ecs/babyshield-backend in the last 10 minutes"
      }
    ])
    expect(flat(result).logs).toEqual({
      group: '/ecs/babyshield-backend',
      lines: [],
      errorCount: 0,
      marked: true
    })
    // verify runs after every deploy: its calls stay few (logs: the excerpt, the running tasks' ERRORs, the group's ERRORs).
    expect(w.ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(2)
    expect(w.ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1)
    expect(w.ecsMock.commandCalls(ListTasksCommand)).toHaveLength(1)
    expect(w.ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(1)
    expect(w.logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(3)
  })

  test("with a tag, the tag's digest in ECR is what must run", async () => {
    const w = verifyWorld()
    const i = inputs({ tag: 'production-fixed-20261120' })
    const result = freshResult(i)
    await verify(i, w.deps, result)
    expect(flat(result)).toMatchObject({ verified: true, tag: 'production-fixed-20261120' })
    expect(flat(result).checks[0]?.detail).toBe(
      `container api pins ${OLD_DIGEST} = tag production-fixed-20261120`
    )
  })

  test('a tag whose digest does not run fails the step, naming the failed checks', async () => {
    const w = verifyWorld()
    const i = inputs({ tag: 'production-fixed-20261126' })
    const result = freshResult(i)
    await expect(verify(i, w.deps, result)).rejects.toThrow(
      `Verification of ECS service ${SERVICE} failed: task definition pins the expected digest (container api pins ${OLD_DIGEST}, but tag production-fixed-20261126 is ${NEW_DIGEST}); tasks run the expected digest (2 of 2 running tasks run another image than ${NEW_DIGEST} in api: t0 runs ${OLD_DIGEST}, t1 runs ${OLD_DIGEST}). Nothing was changed; the service runs babyshield-backend-task:41.`
    )
    // The outputs say what runs; what should have run is the result's `expected`.
    expect(flat(result)).toMatchObject({
      verified: false,
      digest: OLD_DIGEST,
      image: `${REPOSITORY_URI}@${OLD_DIGEST}`,
      tag: 'production-fixed-20261120',
      expected: { digest: NEW_DIGEST, tag: 'production-fixed-20261126' }
    })
  })

  test('one task of 150 with the wrong digest is found: every page of tasks is read', async () => {
    const wrong = `sha256:${'c'.repeat(64)}`
    const w = verifyWorld({ count: 150, digestOf: i => (i === 137 ? wrong : OLD_DIGEST) })
    const i = inputs()
    const result = freshResult(i)
    await expect(verify(i, w.deps, result)).rejects.toThrow('tasks run the expected digest')
    expect(flat(result).verified).toBe(false)
    expect(flat(result).checks.find(c => c.name === 'tasks run the expected digest')).toEqual({
      name: 'tasks run the expected digest',
      status: 'fail',
      detail: `1 of 150 running tasks run another image than ${OLD_DIGEST} in api: t137 runs ${wrong}`
    })
    expect(flat(result).checks.find(c => c.name === 'tasks run the service revision')?.status).toBe(
      'pass'
    )
    expect(w.ecsMock.commandCalls(ListTasksCommand).map(c => c.args[0].input.nextToken)).toEqual([
      undefined,
      '1'
    ])
    expect(
      w.ecsMock.commandCalls(DescribeTasksCommand).map(c => c.args[0].input.tasks?.length)
    ).toEqual([100, 50])
  })

  test('a health URL that fails, then answers 200, passes; the attempts are shown', async () => {
    const w = verifyWorld()
    const fetcher = vi
      .fn()
      .mockResolvedValueOnce(new Response('starting', { status: 503 }))
      .mockResolvedValueOnce(new Response('ok', { status: 200 }))
    vi.stubGlobal('fetch', fetcher)
    const i = inputs({ 'health-check-url': HEALTH_URL })
    const result = freshResult(i)
    await verify(i, w.deps, result)
    expect(flat(result).verified).toBe(true)
    expect(flat(result).checks.find(c => c.name === 'health check')).toEqual({
      name: 'health check',
      status: 'pass',
      detail: `GET ${HEALTH_URL} answered 200 (attempt 1: 503, attempt 2: 200)`
    })
    expect(w.clock.sleeps).toEqual([2_000])
  })

  test('a health URL that never answers 2xx fails the step within the time budget', async () => {
    const w = verifyWorld()
    const started = w.clock.now()
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.resolve(new Response('down', { status: 502 })))
    )
    const i = inputs({ 'health-check-url': HEALTH_URL })
    const result = freshResult(i)
    await expect(verify(i, w.deps, result)).rejects.toThrow(
      `health check (GET ${HEALTH_URL} did not answer 2xx in 6 attempts over 46 s`
    )
    expect(flat(result).verified).toBe(false)
    expect(w.clock.now() - started).toBeLessThanOrEqual(60_000)
  })

  test('ERROR lines of other streams (an older task) are counted apart and do not warn', async () => {
    const w = verifyWorld()
    const at = Date.parse('2026-11-26T09:59:00Z')
    w.logsMock
      .on(FilterLogEventsCommand)
      .callsFake((input: { filterPattern?: string; logStreamNames?: string[] }) => {
        const lines = [
          { timestamp: at, logStreamName: 'ecs/api/t0', message: 'INFO ready' },
          {
            timestamp: at + 1,
            logStreamName: 'ecs/api/0ld7a5k',
            message: 'ERROR shutting down: pool closed'
          }
        ]
        return {
          events: lines.filter(
            l =>
              (!input.filterPattern || l.message.includes(input.filterPattern)) &&
              (!input.logStreamNames || input.logStreamNames.includes(l.logStreamName))
          )
        }
      })
    const i = inputs()
    const result = freshResult(i)
    await verify(i, w.deps, result)
    expect(flat(result).checks.at(-1)).toEqual({
      name: 'recent ERROR logs',
      status: 'pass',
      detail:
        "no ERROR lines in the 2 log streams of the service's running tasks in /ecs/babyshield-backend in the last 10 minutes; 1 more in other streams of the group (older tasks, other services), not counted"
    })
    expect(flat(result).logs?.lines).toEqual([
      '09:59:00 [task t0] INFO ready',
      '09:59:00 [other] ERROR shutting down: pool closed'
    ])
  })

  test('recent ERROR lines warn and are shown, without failing the step', async () => {
    const w = verifyWorld()
    w.logsMock.on(FilterLogEventsCommand, { filterPattern: 'ERROR' }).resolves({
      events: [
        {
          timestamp: Date.parse('2026-11-26T09:59:00Z'),
          logStreamName: 'ecs/api/t0',
          message: 'ERROR recall feed timeout'
        }
      ]
    })
    const i = inputs()
    const result = freshResult(i)
    await verify(i, w.deps, result)
    expect(flat(result).verified).toBe(true)
    expect(flat(result).checks.at(-1)).toEqual({
      name: 'recent ERROR logs',
      status: 'warn',
      detail:
        "1 ERROR line in the 2 log streams of the service's running tasks in /ecs/babyshield-backend in the last 10 minutes; the last: ERROR recall feed timeout"
    })
    expect(flat(result).logs?.errorCount).toBe(1)
  })

  test('a container with no awslogs-stream-prefix: the group’s ERROR lines are not called its own', async () => {
    const worker: TaskDefinition = {
      ...babyshield,
      containerDefinitions: babyshield.containerDefinitions?.map(c =>
        c.name === 'api'
          ? {
              ...c,
              logConfiguration: {
                logDriver: 'awslogs',
                options: { 'awslogs-group': '/ecs/babyshield-backend' }
              }
            }
          : c
      )
    }
    const w = verifyWorld({ taskDefinition: worker })
    // The web service logs to the same group, under its own prefix.
    w.logsMock.on(FilterLogEventsCommand).resolves({
      events: [
        {
          timestamp: Date.parse('2026-11-26T09:59:00Z'),
          logStreamName: 'web/web/5e1f',
          message: 'ERROR web: recall feed timeout'
        }
      ]
    })
    const i = inputs()
    const result = freshResult(i)
    await verify(i, w.deps, result)
    expect(flat(result).checks.at(-1)).toEqual({
      name: 'recent ERROR logs',
      status: 'warn',
      detail:
        "1 ERROR line in /ecs/babyshield-backend in the last 10 minutes, of any task or service that logs there, not only this service's (container api has no awslogs-stream-prefix, so its streams cannot be told from the others); the last: ERROR web: recall feed timeout"
    })
    const summary = renderSummary(result)
    expect(summary).toContain(
      '### Recent logs: /ecs/babyshield-backend (1 ERROR lines in the whole group)'
    )
    expect(summary).toContain(
      'The whole group, of any task or service that logs there: container api has no awslogs-stream-prefix, so its streams cannot be told from the others.'
    )
  })

  test('a task definition that does not pin a digest is a failed check that says so', async () => {
    const unpinned: TaskDefinition = {
      ...babyshield,
      containerDefinitions: babyshield.containerDefinitions?.map(c =>
        c.name === 'api' ? { ...c, image: `${REPOSITORY_URI}:production-fixed-20261120` } : c
      )
    }
    const w = verifyWorld({ taskDefinition: unpinned })
    const i = inputs()
    const result = freshResult(i)
    await expect(verify(i, w.deps, result)).rejects.toThrow(
      `task definition pins the expected digest (container api runs ${REPOSITORY_URI}:production-fixed-20261120, which is not pinned by digest`
    )
    expect(flat(result).checks.find(c => c.name === 'tasks run the expected digest')?.detail).toBe(
      `no expected digest to compare with; api runs ${OLD_DIGEST} (2)`
    )
    expect(flat(result).digest).toBeUndefined()
  })

  test('a tag that is not in ECR is an error, not verified: false', async () => {
    const w = verifyWorld()
    w.ecrMock
      .on(DescribeImagesCommand, { imageIds: [{ imageTag: 'production-fixed-20260101' }] })
      .rejects(Object.assign(new Error('not found'), { name: 'ImageNotFoundException' }))
    const i = inputs({ tag: 'production-fixed-20260101' })
    const result = freshResult(i)
    await expect(verify(i, w.deps, result)).rejects.toThrow(
      "tag 'production-fixed-20260101' is not in ECR repository babyshield-backend: there is no digest to verify against"
    )
    expect(flat(result).checks).toEqual([])
    expect(w.ecsMock.commandCalls(ListTasksCommand)).toHaveLength(0)
  })

  test('a service that does not exist is an error naming it', async () => {
    const w = verifyWorld()
    w.ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [], failures: [{ reason: 'MISSING' }] })
    const i = inputs()
    await expect(verify(i, w.deps, freshResult(i))).rejects.toThrow(
      `ECS service ${SERVICE} was not found in cluster ${CLUSTER} (MISSING)`
    )
  })

  test('a deleted (INACTIVE) service is an error, not a list of failed checks', async () => {
    const w = verifyWorld()
    w.ecsMock.on(DescribeServicesCommand).resolves({
      services: [service([], { status: 'INACTIVE', taskDefinition: CURRENT })]
    })
    const i = inputs()
    await expect(verify(i, w.deps, freshResult(i))).rejects.toThrow(
      `ECS service ${SERVICE} in cluster ${CLUSTER} is INACTIVE (deleted): there is nothing to verify`
    )
  })

  test('a task definition without the named container is an error', async () => {
    const w = verifyWorld()
    const i = inputs({ 'container-name': 'worker' })
    await expect(verify(i, w.deps, freshResult(i))).rejects.toThrow(
      "container-name 'worker' is not in task definition babyshield-backend-task: its containers are api, envoy"
    )
  })

  test('dry-run: verify only reads, so it runs as usual', async () => {
    const w = verifyWorld()
    const i = inputs({ 'dry-run': 'true' })
    const result = freshResult(i)
    await verify(i, w.deps, result)
    expect(flat(result)).toMatchObject({ status: 'succeeded', verified: true })
    expect(flat(result).plan).toBeUndefined()
  })
})
