// The migration runs first: a one-off task of the new revision, in the service's own network
// configuration, that must exit 0 before any service is updated. Anything else deploys nothing.
import * as core from '@actions/core'
import {
  DeregisterTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type Service
} from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { deploy } from '../../src/modes/deploy.js'
import { outputsOf } from '../../src/model/result.js'
import { renderSummary } from '../../src/report/summary.js'
import { OneOffTasks, type OneOffStory } from '../../test/support/one-off-tasks.js'
import {
  completesAfter,
  digestOf,
  FakeEcs,
  freshRun,
  inputsFor,
  only,
  rev,
  revOf,
  SERVICE,
  settled,
  withImageInEcr,
  type Story
} from '../../test/support/scripted-ecs.js'

vi.mock('@actions/core')

const PLACEMENT: Partial<Service> = {
  launchType: 'FARGATE',
  platformVersion: '1.4.0',
  networkConfiguration: {
    awsvpcConfiguration: {
      subnets: ['subnet-0a1', 'subnet-0b2'],
      securityGroups: ['sg-api'],
      assignPublicIp: 'DISABLED'
    }
  }
}

const ALEMBIC_LOG = [
  'INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.',
  'INFO  [alembic.runtime.migration] Running upgrade 41a2 -> 42b3, add recall severity'
]

function world(story: OneOffStory = {}, serviceFields: Partial<Service> = PLACEMENT) {
  const ecs = withImageInEcr(new FakeEcs(settled(SERVICE, { serviceFields })))
  ecs.deps.env = { GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '2' }
  const tasks = new OneOffTasks(ecs, { logs: ALEMBIC_LOG, ...story })
  return { ecs, tasks }
}

function deployWith(values: Record<string, string> = {}) {
  return {
    inputs: inputsFor({
      image: digestOf(13),
      'migration-command': 'alembic upgrade head',
      ...values
    }),
    result: freshRun()
  }
}

const printed = (): string =>
  vi
    .mocked(core.info)
    .mock.calls.map(c => String(c[0]))
    .join('\n')
const deregistered = (ecs: FakeEcs): string[] =>
  ecs.ecsMock
    .commandCalls(DeregisterTaskDefinitionCommand)
    .map(c => c.args[0].input.taskDefinition ?? '')

beforeEach(() => {
  vi.mocked(core.info).mockClear()
  vi.mocked(core.warning).mockClear()
  vi.mocked(core.error).mockClear()
})

describe('a migration that exits 0', () => {
  test('runs the new revision in the service’s network configuration, then the rollout goes on', async () => {
    const { ecs, tasks } = world()
    const { inputs, result } = deployWith()

    await deploy(inputs, ecs.deps, result)

    expect(result.status).toBe('succeeded')
    expect(tasks.only()).toMatchObject({
      taskDefinition: rev(13),
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0a1', 'subnet-0b2'],
          securityGroups: ['sg-api'],
          assignPublicIp: 'DISABLED'
        }
      },
      overrides: { containerOverrides: [{ name: 'app', command: ['alembic', 'upgrade', 'head'] }] },
      startedBy: 'deploy-action/run-4242-2',
      tags: expect.arrayContaining([
        { key: 'deploy:purpose', value: 'migration' },
        { key: 'deploy:commit', value: 'abc123' }
      ]) as unknown
    })
    expect(tasks.only().clientToken).toMatch(/^[0-9a-f-]{36}$/)
    expect(tasks.only().capacityProviderStrategy).toBeUndefined()
    // Registered, then migrated, then updated: the task started 20 s before the update.
    const ranAt = tasks.started[0]?.at ?? -1
    expect(ecs.registeredAt[0]).toBeLessThanOrEqual(ranAt)
    expect(ecs.updatedAt).toHaveLength(1)
    expect((ecs.updatedAt[0] ?? 0) - ranAt).toBeGreaterThanOrEqual(20)
    expect(ecs.updatedTo()).toEqual([rev(13)])
    expect(result.migration).toMatchObject({
      status: 'succeeded',
      exitCode: 0,
      container: 'app',
      taskDefinitionArn: rev(13),
      logLines: ALEMBIC_LOG,
      stoppedReason: 'Essential container in task exited'
    })
    expect(printed()).toContain(
      'Running the migration: alembic upgrade head in container app of babyshield-backend-task:13, as a one-off task in the network configuration of babyshield-backend-service (FARGATE, platform version 1.4.0, subnets subnet-0a1, subnet-0b2, security groups sg-api, public IP DISABLED), for at most 10 min.'
    )
    expect(printed()).toContain(`  | ${ALEMBIC_LOG[1]}`)
    const outputs = outputsOf(result)
    expect(outputs['migration-exit-code']).toBe('0')
    expect(outputs['migration-task-arn']).toBe(tasks.started[0]?.arn)
    expect(JSON.parse(outputs.result ?? '{}')).toMatchObject({
      migration: { status: 'succeeded', exitCode: 0, command: ['alembic', 'upgrade', 'head'] }
    })
    const summary = renderSummary(result)
    expect(summary).toContain('### Migration')
    expect(summary).toContain('add recall severity')
  })

  test('a service on a capacity provider strategy: the task gets the strategy and no launch type', async () => {
    const strategy = [
      { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 0 },
      { capacityProvider: 'FARGATE', weight: 1, base: 1 }
    ]
    const { ecs, tasks } = world(
      {},
      { ...PLACEMENT, launchType: undefined, capacityProviderStrategy: strategy }
    )
    const { inputs, result } = deployWith()
    await deploy(inputs, ecs.deps, result)
    expect(result.status).toBe('succeeded')
    expect(tasks.only().capacityProviderStrategy).toEqual(strategy)
    expect(tasks.only().launchType).toBeUndefined()
  })

  test('a JSON argv reaches the container as it is', async () => {
    const { ecs, tasks } = world()
    const { inputs, result } = deployWith({
      'migration-command': '["python", "manage.py", "migrate", "--database=main db"]',
      'migration-container': 'app'
    })
    await deploy(inputs, ecs.deps, result)
    expect(tasks.only().overrides?.containerOverrides).toEqual([
      { name: 'app', command: ['python', 'manage.py', 'migrate', '--database=main db'] }
    ])
  })

  test('a sidecar keeps the task running after the migration exits 0: the task is stopped and the rollout goes on', async () => {
    const { ecs, tasks } = world({ sidecar: true })
    const { inputs, result } = deployWith()
    await deploy(inputs, ecs.deps, result)
    expect(result.status).toBe('succeeded')
    expect(tasks.stopReasons()).toEqual([
      "the migration container app exited 0; the task's other containers are stopped"
    ])
    expect(result.migration?.exitCode).toBe(0)
    expect(ecs.updatedTo()).toEqual([rev(13)])
  })

  test('wait: false still waits for the migration before the update', async () => {
    const { ecs, tasks } = world()
    const { inputs, result } = deployWith({ wait: 'false' })
    await deploy(inputs, ecs.deps, result)
    expect(result.status).toBe('started')
    expect((ecs.updatedAt[0] ?? 0) - (tasks.started[0]?.at ?? 0)).toBeGreaterThanOrEqual(20)
  })
})

describe('a migration that fails deploys nothing', () => {
  test('exit 3: the service is never updated, the new revision is deregistered, the logs are shown', async () => {
    const logs = [
      ...ALEMBIC_LOG,
      'ERROR sqlalchemy.exc.ProgrammingError: relation "recalls" does not exist'
    ]
    const { ecs } = world({ exitCode: 3, logs })
    const { inputs, result } = deployWith()

    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)

    expect((error as Error).message).toBe(
      'The migration exited with code 3 (container app, task migration-1: Essential container in task exited [EssentialContainerExited]); its last log line: ERROR sqlalchemy.exc.ProgrammingError: relation "recalls" does not exist. Nothing was deployed; the service still runs babyshield-backend-task:12. Revision babyshield-backend-task:13 was deregistered. The migration may have changed the database before it stopped: check it before you run it again.'
    )
    expect(ecs.updatedTo()).toEqual([])
    expect(deregistered(ecs)).toEqual([rev(13)])
    expect(result.migration).toMatchObject({ status: 'failed', exitCode: 3, logLines: logs })
    expect(only(result)).toMatchObject({ change: 'none', previousTaskDefinitionArn: rev(12) })
    expect(printed()).toContain('  | ERROR sqlalchemy.exc.ProgrammingError')
    expect(vi.mocked(core.error).mock.calls[0]?.[1]).toEqual({
      title: 'Migration failed: nothing was deployed'
    })
    expect(String(vi.mocked(core.error).mock.calls[0]?.[0])).toContain(
      'relation "recalls" does not exist'
    )
    expect(outputsOf(result)['migration-exit-code']).toBe('3')
    const summary = renderSummary({ ...result, status: 'failed', error: (error as Error).message })
    expect(summary).toContain('| Exit code | 3 |')
    expect(summary).toContain('relation &quot;recalls&quot; does not exist')
  })

  test('ECS starts no task: nothing deployed, and nothing ran against the database', async () => {
    const { ecs } = world({ refused: 'RESOURCE:ENI' })
    const { inputs, result } = deployWith()
    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)
    expect((error as Error).message).toBe(
      'The migration task could not be started: RESOURCE:ENI. Nothing was deployed; the service still runs babyshield-backend-task:12. Revision babyshield-backend-task:13 was deregistered.'
    )
    expect(ecs.updatedTo()).toEqual([])
    expect(result.migration?.taskArn).toBeUndefined()
    expect(outputsOf(result)['migration-task-arn']).toBe('')
  })

  test('RunTask refused (access denied): nothing deployed', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: ecs:RunTask'), {
      name: 'AccessDeniedException',
      $fault: 'client'
    })
    const { ecs } = world({ error: denied })
    const { inputs, result } = deployWith()
    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(
      /^The migration task could not be started: .*AccessDeniedException: User is not authorized to perform: ecs:RunTask\. Nothing was deployed; the service still runs babyshield-backend-task:12\./
    )
    expect(ecs.updatedTo()).toEqual([])
  })

  test('the task fails to start (the image cannot be pulled): nothing deployed', async () => {
    const reason = 'CannotPullContainerError: pull image manifest has been retried 5 time(s)'
    const { ecs } = world({ failsToStart: reason })
    const { inputs, result } = deployWith()
    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)
    expect((error as Error).message).toBe(
      `The migration task migration-1 stopped before app ran to its end: ${reason} [TaskFailedToStart]. Nothing was deployed; the service still runs babyshield-backend-task:12. Revision babyshield-backend-task:13 was deregistered.`
    )
    expect(ecs.updatedTo()).toEqual([])
  })

  test('the time limit: the task is stopped, and the step says so', async () => {
    const { ecs, tasks } = world({ exitsAt: 'never' })
    const { inputs, result } = deployWith({ 'migration-timeout-minutes': '2' })
    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)
    expect(tasks.stopReasons()).toEqual(['migration-timeout-minutes (2) reached'])
    expect((error as Error).message).toMatch(
      /^The migration did not finish within migration-timeout-minutes \(2\): task migration-1 was stopped \(migration-timeout-minutes \(2\) reached \[UserInitiated\]\)\. Nothing was deployed; the service still runs babyshield-backend-task:12\./
    )
    expect(ecs.updatedTo()).toEqual([])
    expect(deregistered(ecs)).toEqual([rev(13)])
    // The stop came at the limit: two minutes after the task started.
    const stoppedAt = tasks.started[0]?.stop?.at ?? 0
    expect(stoppedAt - (tasks.started[0]?.at ?? 0)).toBe(120)
    expect(result.migration?.exitCode).toBe(143)
  })

  test('several services: the migration runs once, and its failure leaves every service as it was', async () => {
    const ecs = withImageInEcr(
      new FakeEcs({
        'babyshield-web': settled('babyshield-web', { serviceFields: PLACEMENT }),
        'babyshield-worker': settled('babyshield-worker')
      })
    )
    const tasks = new OneOffTasks(ecs, { exitCode: 1 })
    const inputs = inputsFor({
      image: digestOf(13),
      service: 'babyshield-web,babyshield-worker',
      'migration-command': 'alembic upgrade head'
    })
    const result = freshRun(['babyshield-web', 'babyshield-worker'])
    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)
    expect(tasks.only().taskDefinition).toBe(revOf('babyshield-web', 13))
    expect((error as Error).message).toContain(
      'Nothing was deployed; the services still run what they ran: babyshield-web babyshield-web-task:12, babyshield-worker babyshield-worker-task:12.'
    )
    expect(ecs.updatedTo()).toEqual([])
    expect(deregistered(ecs).sort()).toEqual(
      [revOf('babyshield-web', 13), revOf('babyshield-worker', 13)].sort()
    )
  })
})

describe('a migration that ran, then a rollback', () => {
  /** The new tasks log a burst of ERROR lines at 200 s: the bake rolls the release back. */
  const burst = Array.from({ length: 12 }, (_, i) => ({
    at: 200,
    task: `update-1-${i % 2}`,
    message: `ERROR KeyError: recall_severity #${i + 1}`
  }))

  test('the bake rolls back: the error and the summary say the database stays migrated', async () => {
    const ecs = withImageInEcr(
      new FakeEcs(settled(SERVICE, { serviceFields: PLACEMENT, timedLogs: burst }))
    )
    new OneOffTasks(ecs, { logs: ALEMBIC_LOG })
    const { inputs, result } = deployWith({ 'bake-minutes': '5' })

    const error = (await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)) as Error

    expect(result.migration?.status).toBe('succeeded')
    expect(ecs.updatedTo()).toEqual([rev(13), rev(12)])
    expect(error.message).toMatch(
      /^The rollout of babyshield-backend-task:13 failed: it regressed /
    )
    expect(error.message).toMatch(
      /Rolled back: the service runs babyshield-backend-task:12 \(.*\) again, verified\. The migration ran before the rollout \(exit 0\) and the rollback does not undo it: the database stays migrated while the service runs babyshield-backend-task:12 again, so that revision's code runs against the migrated schema\.$/
    )
    const summary = renderSummary({ ...result, status: 'failed', error: error.message })
    expect(summary).toContain(
      '| Database | The migration ran before the rollout (exit 0) and the rollback does not undo it: the database stays migrated while the service runs babyshield-backend-task:12 again, so that revision&#39;s code runs against the migrated schema. |'
    )
  })

  test('a failed rollout rolled back says it too; without a migration, nothing is said', async () => {
    const crash: Story['afterUpdate'] = (revision, id) =>
      revision === 13
        ? [
            { at: 0, deployments: [{ id, revision, pending: 2, state: 'IN_PROGRESS' }] },
            { at: 10, deployments: [{ id, revision, state: 'FAILED', reason: 'tasks failed' }] }
          ]
        : completesAfter(20)(revision, id)
    for (const migrate of [true, false]) {
      const ecs = withImageInEcr(
        new FakeEcs(settled(SERVICE, { serviceFields: PLACEMENT, afterUpdate: crash }))
      )
      new OneOffTasks(ecs, { logs: ALEMBIC_LOG })
      const { inputs, result } = deployWith(migrate ? {} : { 'migration-command': '' })
      const error = (await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)) as Error
      expect(ecs.updatedTo()).toEqual([rev(13), rev(12)])
      expect(error.message.includes('the database stays migrated')).toBe(migrate)
    }
  })
})

describe('before anything changes', () => {
  test('a migration-container the revision does not have is refused before a revision is registered', async () => {
    const { ecs } = world()
    const { inputs, result } = deployWith({ 'migration-container': 'migrate' })
    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)
    expect((error as Error).message).toBe(
      "migration-container 'migrate' is not a container of babyshield-backend-task:12: expected one of app. Nothing was deployed; the service still runs babyshield-backend-task:12."
    )
    expect(ecs.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
    expect(ecs.ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0)
  })

  test('dry run says what would run, where, and runs nothing', async () => {
    const { ecs } = world()
    const { inputs, result } = deployWith({ 'dry-run': 'true' })
    await deploy(inputs, ecs.deps, result)
    expect(result.status).toBe('planned')
    expect(ecs.ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0)
    expect(ecs.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
    expect(printed()).toContain(
      'dry-run: would run the migration alembic upgrade head in container app of the new revision of babyshield-backend-task, as a one-off task in the network configuration of babyshield-backend-service (FARGATE, platform version 1.4.0, subnets subnet-0a1, subnet-0b2, security groups sg-api, public IP DISABLED), for at most 10 min, before any service is updated.'
    )
    expect(result.migration).toMatchObject({ status: 'planned', taskDefinitionArn: rev(12) })
  })
})
