// The stack itself, without the action: that it behaves like ECR and ECS where the action
// looks. If these fail, the action's e2e failures say nothing about the action.
import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import {
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  type RunTaskCommandInput,
  type Task
} from '@aws-sdk/client-ecs'
import { rm } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { beforeEach, describe, expect, test } from 'vitest'
import { ECR_TOKEN, ECR_USER, REGISTRY_HOST } from './stack/config.js'
import { registryDigest } from './stack/http.js'
import { ecr, ecs, stackControl } from './support/aws.js'
import { buildAndPush, docker, makeBuildContext } from './support/docker.js'
import { tempDir } from './support/temp.js'
import {
  ecrDigest,
  logLines,
  registerRevision,
  pushNewImage,
  service,
  tasks,
  waitForSteadyState
} from './support/world.js'
import {
  APP_CONTAINER,
  CLUSTER,
  LOG_GROUP,
  REPOSITORY,
  REPOSITORY_URI,
  SERVICE,
  seed,
  taskDefinitionInput,
  type Seeded
} from './seed.js'

let seeded: Seeded
beforeEach(async () => {
  seeded = await seed()
})

async function update(taskDefinition: string): Promise<string> {
  const answer = await ecs.send(
    new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition })
  )
  return answer.service?.deployments?.[0]?.id ?? ''
}

async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline)
      throw new Error(`condition not met after ${timeoutMs} ms: ${JSON.stringify(value)}`)
    await sleep(100)
  }
}

const appContainer = (task: Task) => task.containers?.find(c => c.name === APP_CONTAINER)

describe('registry and ECR', () => {
  test('docker login with the ECR token, a build FROM scratch and a push end in ECR with the registry digest', async () => {
    const token = await ecr.send(new GetAuthorizationTokenCommand({}))
    const data = token.authorizationData?.[0]
    expect(new URL(data?.proxyEndpoint ?? '').host).toBe(REGISTRY_HOST)
    expect(Buffer.from(data?.authorizationToken ?? '', 'base64').toString()).toBe(
      `${ECR_USER}:${ECR_TOKEN}`
    )

    const context = await makeBuildContext()
    try {
      const printed = await buildAndPush(context, `${REPOSITORY_URI}:stack-self-test`)
      const stored = await registryDigest(REPOSITORY, 'stack-self-test')
      expect(stored).toBe(printed)
      expect(await ecrDigest('stack-self-test')).toBe(stored)
    } finally {
      await rm(context, { recursive: true, force: true })
    }
  })

  test('a login with a wrong password is refused', async () => {
    const config = await tempDir('docker-config')
    try {
      await expect(
        docker(
          ['login', '--username', ECR_USER, '--password-stdin', REGISTRY_HOST],
          { DOCKER_CONFIG: config },
          'wrong'
        )
      ).rejects.toThrow(/unauthorized|401/i)
    } finally {
      await rm(config, { recursive: true, force: true })
    }
  })
})

describe('the seeded service', () => {
  test('runs two tasks of revision 1 with the seed digest', async () => {
    const current = await service()
    expect(current.taskDefinition).toBe(seeded.taskDefinitionArn)
    expect(current.deployments).toHaveLength(1)
    expect(current.deployments?.[0]).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'COMPLETED',
      runningCount: 2
    })
    expect(current.deploymentConfiguration?.deploymentCircuitBreaker).toEqual({
      enable: true,
      rollback: true
    })
    const running = await tasks()
    expect(running).toHaveLength(2)
    for (const task of running) {
      expect(task.startedBy).toBe(current.deployments?.[0]?.id)
      expect(task.taskDefinitionArn).toBe(seeded.taskDefinitionArn)
      expect(appContainer(task)?.imageDigest).toBe(seeded.seedImage.digest)
    }
  })
})

describe('the ECS layer', () => {
  test('UpdateService rolls a new deployment over and the tasks carry the registry digest', async () => {
    const digest = await pushNewImage('production-fixed-20250602')
    const revision = await registerRevision(
      seeded.taskDefinitionArn,
      `${REPOSITORY_URI}:production-fixed-20250602`
    )
    const began = Date.now()
    const id = await update(revision)
    expect(id).toMatch(/^ecs-svc\/\d{19}$/)

    const during = await service()
    expect(during.deployments?.map(d => [d.status, d.rolloutState])).toEqual([
      ['PRIMARY', 'IN_PROGRESS'],
      ['ACTIVE', 'COMPLETED']
    ])
    const seen = new Set<number>()
    const done = await pollUntil(service, s => {
      const primary = s.deployments?.find(d => d.status === 'PRIMARY')
      seen.add(primary?.runningCount ?? 0)
      return s.deployments?.length === 1 && primary?.rolloutState === 'COMPLETED'
    })
    const seconds = (Date.now() - began) / 1000
    expect(seconds).toBeGreaterThan(1)
    expect(seconds).toBeLessThan(10)
    expect(seen.has(1)).toBe(true)
    expect(done.deployments?.[0]).toMatchObject({
      id,
      runningCount: 2,
      desiredCount: 2,
      pendingCount: 0,
      failedTasks: 0
    })
    expect(done.taskDefinition).toBe(revision)
    const messages = (done.events ?? []).map(e => e.message)
    expect(messages[0]).toBe(`(service ${SERVICE}) has reached a steady state.`)
    expect(messages).toContain(`(service ${SERVICE}) (deployment ${id}) deployment completed.`)
    expect(
      messages.some(m =>
        /^\(service \S+\) has started 2 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/.test(
          m ?? ''
        )
      )
    ).toBe(true)
    expect(messages.some(m => m?.includes('has stopped 2 running tasks'))).toBe(true)

    // The tag in the image reference resolved to what the registry stored.
    const running = await tasks()
    expect(running.map(t => [t.startedBy, appContainer(t)?.imageDigest])).toEqual([
      [id, digest],
      [id, digest]
    ])
    const stopped = await tasks('STOPPED')
    expect(stopped).toHaveLength(2)
    expect(stopped[0]).toMatchObject({
      stopCode: 'ServiceSchedulerInitiated',
      lastStatus: 'STOPPED'
    })
  })

  test('ListTasks pages with maxResults and nextToken', async () => {
    const list = (nextToken?: string) =>
      ecs.send(
        new ListTasksCommand({ cluster: CLUSTER, serviceName: SERVICE, maxResults: 1, nextToken })
      )
    const first = await list()
    expect(first.taskArns).toHaveLength(1)
    const second = await list(first.nextToken)
    expect(second.taskArns).toHaveLength(1)
    expect(second.taskArns?.[0]).not.toBe(first.taskArns?.[0])
    expect(second.nextToken).toBeUndefined()
  })

  test('crashloop: tasks stop with exit code 1, failedTasks rises, log lines are written', async () => {
    await stackControl.nextRollout({ outcome: 'crashloop' })
    const id = await update(
      await registerRevision(seeded.taskDefinitionArn, seeded.seedImage.reference)
    )
    const current = await pollUntil(service, s => (s.deployments?.[0]?.failedTasks ?? 0) >= 4)
    expect(current.deployments?.[0]).toMatchObject({
      id,
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS'
    })
    // The old deployment keeps serving.
    expect(current.deployments?.[1]).toMatchObject({ status: 'ACTIVE', runningCount: 2 })

    const crashed = (await tasks('STOPPED')).filter(t => t.startedBy === id)
    expect(crashed.length).toBeGreaterThanOrEqual(4)
    const task = crashed[0]!
    expect(task).toMatchObject({
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited'
    })
    expect(appContainer(task)).toMatchObject({ exitCode: 1, lastStatus: 'STOPPED' })
    expect(appContainer(task)?.reason).toBeTruthy()
    const taskId = task.taskArn?.split('/').pop() ?? ''
    const lines = await logLines(LOG_GROUP, `ecs/${APP_CONTAINER}/${taskId}`)
    expect(lines.at(-1)).toMatch(/ERROR/)
    expect(lines.length).toBeGreaterThanOrEqual(3)
  })

  test('circuit breaker: the deployment fails and ECS rolls back to the last completed one', async () => {
    const revision = await registerRevision(seeded.taskDefinitionArn, seeded.seedImage.reference)
    await stackControl.nextRollout({ outcome: 'circuit-breaker' })
    const id = await update(revision)
    const rolledBack = await pollUntil(
      service,
      s => s.deployments?.some(d => d.rolloutState === 'FAILED') ?? false
    )
    const [primary, failed] = rolledBack.deployments ?? []
    expect(primary?.taskDefinition).toBe(seeded.taskDefinitionArn)
    expect(primary?.rolloutStateReason).toMatch(
      /^ECS deployment circuit breaker: rolling back to deploymentId ecs-svc\/\d+\.$/
    )
    expect(failed).toMatchObject({
      id,
      status: 'ACTIVE',
      rolloutState: 'FAILED',
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.'
    })
    expect(rolledBack.taskDefinition).toBe(seeded.taskDefinitionArn)
    const steady = await waitForSteadyState()
    expect(steady.taskDefinition).toBe(seeded.taskDefinitionArn)
    expect((steady.events ?? []).map(e => e.message)).toContain(
      `(service ${SERVICE}) (deployment ${id}) deployment failed: tasks failed to start.`
    )
  })

  test('stuck: the rollout stays IN_PROGRESS with a task that never starts', async () => {
    await stackControl.configure({ stepMs: 100 })
    await stackControl.nextRollout({ outcome: 'stuck' })
    const id = await update(
      await registerRevision(seeded.taskDefinitionArn, seeded.seedImage.reference)
    )
    await pollUntil(service, s => s.deployments?.[0]?.runningCount === 1)
    // Nothing may change from here: twenty more steps of waiting are the test.
    await sleep(2000)
    const current = await service()
    expect(current.deployments?.[0]).toMatchObject({
      id,
      rolloutState: 'IN_PROGRESS',
      runningCount: 1,
      pendingCount: 1
    })
    expect(current.deployments).toHaveLength(2)
  })

  test('an image the registry does not have fails the task with CannotPullContainerError', async () => {
    const input = taskDefinitionInput(`${REPOSITORY_URI}:no-such-tag`)
    const registered = await ecs.send(new RegisterTaskDefinitionCommand(input))
    const id = await update(registered.taskDefinition?.taskDefinitionArn ?? '')
    await pollUntil(service, s => (s.deployments?.[0]?.failedTasks ?? 0) >= 1)
    const failed = (await tasks('STOPPED')).filter(t => t.startedBy === id)
    expect(failed[0]).toMatchObject({ stopCode: 'TaskFailedToStart' })
    expect(failed[0]?.stoppedReason).toMatch(/^CannotPullContainerError: .*no-such-tag.*not found/)
  })

  test('RunTask: checked as ECS checks it, run, logged, exited with the scripted code, idempotent by clientToken', async () => {
    const current = await service()
    const run = (fields: Partial<RunTaskCommandInput> = {}) =>
      ecs.send(
        new RunTaskCommand({
          cluster: CLUSTER,
          taskDefinition: seeded.taskDefinitionArn,
          launchType: 'FARGATE',
          networkConfiguration: current.networkConfiguration,
          overrides: { containerOverrides: [{ name: APP_CONTAINER, command: ['migrate'] }] },
          ...fields
        })
      )
    await expect(run({ networkConfiguration: undefined })).rejects.toThrow(
      "Network Configuration must be provided when networkMode 'awsvpc' is specified."
    )
    await expect(
      run({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }] })
    ).rejects.toThrow('Specifying both a launch type and capacity provider strategy')
    await expect(
      run({ overrides: { containerOverrides: [{ name: 'migrate', command: ['x'] }] } })
    ).rejects.toThrow('Override for container named migrate is not a container')

    await stackControl.nextTask({ outcome: 'exit', exitCode: 3, logLines: ['ERROR no table'] })
    const started = await run({ clientToken: 'token-1', startedBy: 'deploy-action/local' })
    const arn = started.tasks?.[0]?.taskArn ?? ''
    expect((await run({ clientToken: 'token-1' })).tasks?.[0]?.taskArn).toBe(arn)
    const describe = async () =>
      (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))).tasks?.[0]
    const stopped = await pollUntil(describe, t => t?.lastStatus === 'STOPPED')
    expect(stopped).toMatchObject({
      startedBy: 'deploy-action/local',
      stopCode: 'EssentialContainerExited',
      taskDefinitionArn: seeded.taskDefinitionArn
    })
    expect(stopped?.containers?.find(c => c.name === APP_CONTAINER)).toMatchObject({
      exitCode: 3,
      imageDigest: seeded.seedImage.digest
    })
    const id = arn.split('/').pop() ?? ''
    expect(await logLines(LOG_GROUP, `ecs/${APP_CONTAINER}/${id}`)).toEqual(['ERROR no table'])

    await stackControl.nextTask({ outcome: 'hang' })
    const hanging = (await run()).tasks?.[0]?.taskArn ?? ''
    const byArn = async () =>
      (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [hanging] }))).tasks?.[0]
    await pollUntil(byArn, t => t?.lastStatus === 'RUNNING')
    await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: hanging, reason: 'time limit' }))
    expect(await byArn()).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'time limit'
    })
    expect((await byArn())?.containers?.find(c => c.name === APP_CONTAINER)?.exitCode).toBe(143)

    await stackControl.nextTask({ outcome: 'refused' })
    expect((await run()).failures).toEqual([{ reason: 'RESOURCE:ENI' }])
  })
})
