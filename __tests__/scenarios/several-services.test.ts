// An API and its workers shipped from one image as one unit: one image, a revision of each
// service's own family, every rollout watched together, and all of them back when one fails.
import * as core from '@actions/core'
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand
} from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { deploy } from '../../src/modes/deploy.js'
import { rollback } from '../../src/modes/rollback.js'
import { verify } from '../../src/modes/verify.js'
import { outputsOf } from '../../src/model/result.js'
import { renderSummary } from '../../src/report/summary.js'
import {
  completesAfter,
  digestOf,
  FakeEcs,
  freshRun,
  inputsFor,
  REPOSITORY_URI,
  revOf,
  settled,
  withImageInEcr,
  type Step,
  type Story
} from '../../test/support/scripted-ecs.js'
import { serviceIn } from '../../test/support/results.js'

vi.mock('@actions/core')

const WEB = 'babyshield-web'
const WORKER = 'babyshield-worker'
const SCHEDULER = 'babyshield-scheduler'

const steady = settled

/** The rollout of revision 13 crash loops: three tasks exit 1; a rollback back to 12 completes. */
function crashLoops(name: string): Story {
  const old = { id: `ecs-svc/${name}-old`, revision: 12, running: 2, state: 'COMPLETED' as const }
  return steady(name, {
    afterUpdate: (revision, id) => {
      if (revision !== 13) return completesAfter(20)(revision, id)
      const crash = (task: string, at: number): Step => ({
        at,
        deployments: [{ id, revision: 13, pending: 2, state: 'IN_PROGRESS' }, old],
        stopped: [{ id: task, deploymentId: id, revision: 13, exitCode: 1, ranFor: 5 }],
        events: [`(service ${name}) has started 1 tasks: (task ${task}).`]
      })
      return [
        {
          at: 0,
          deployments: [{ id, revision: 13, pending: 2, state: 'IN_PROGRESS' }, old],
          events: [`(service ${name}) has started 2 tasks: (task w1) (task w2).`]
        },
        crash('w1', 10),
        crash('w2', 12),
        crash('w3', 25)
      ]
    },
    logs: { w3: ['Starting worker', 'KeyError: QUEUE_URL'] }
  })
}

function deployOf(services: string[], values: Record<string, string> = {}) {
  return {
    inputs: inputsFor({ image: digestOf(13), service: services.join('\n'), ...values }),
    result: freshRun(services)
  }
}

beforeEach(() => {
  vi.mocked(core.info).mockClear()
  vi.mocked(core.warning).mockClear()
})

describe('several services from one image', () => {
  test('two services: each gets a revision of its own family, both rollouts are watched together and verified', async () => {
    const ecs = withImageInEcr(new FakeEcs({ [WEB]: steady(WEB), [WORKER]: steady(WORKER) }))
    const { inputs, result } = deployOf([WEB, WORKER])

    await deploy(inputs, ecs.deps, result)

    expect(result.status).toBe('succeeded')
    for (const name of [WEB, WORKER]) {
      expect(serviceIn(result, name)).toMatchObject({
        previousTaskDefinitionArn: revOf(name, 12),
        taskDefinitionArn: revOf(name, 13),
        digest: digestOf(13),
        verified: true,
        rolledBack: false
      })
      expect(ecs.updatedTo(name)).toEqual([revOf(name, 13)])
    }
    // Both services in every DescribeServices call of the watch: one call a poll, not one a service.
    const watchCalls = ecs.ecsMock
      .commandCalls(DescribeServicesCommand)
      .filter(call => call.args[0].input.services?.length === 2)
    expect(watchCalls.length).toBeGreaterThanOrEqual(4)
    // Each service's progress lines carry its name.
    const lines = vi.mocked(core.info).mock.calls.map(c => String(c[0]))
    expect(lines.some(l => l.startsWith(`rollout ${WEB} 2/2 running`))).toBe(true)
    expect(lines.some(l => l.startsWith(`rollout ${WORKER} 2/2 running`))).toBe(true)
    expect(serviceIn(result, WEB).timeline.every(e => !e.message.includes(WORKER))).toBe(true)

    const outputs = outputsOf(result)
    expect(outputs.digest).toBe(digestOf(13))
    expect(outputs.verified).toBe('true')
    expect(outputs['rolled-back']).toBe('false')
    expect(outputs['task-definition-arn']).toBe(`${revOf(WEB, 13)}\n${revOf(WORKER, 13)}`)
    const json = JSON.parse(outputs.result ?? '{}') as { services: { service: string }[] }
    expect(json.services.map(s => s.service)).toEqual([WEB, WORKER])
  })

  test('five services all succeed, and a poll of five services is one DescribeServices call', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'].map(n => `babyshield-${n}`)
    const ecs = withImageInEcr(
      new FakeEcs(Object.fromEntries(names.map(name => [name, steady(name)])))
    )
    const { inputs, result } = deployOf(names)
    await deploy(inputs, ecs.deps, result)
    expect(result.status).toBe('succeeded')
    expect(result.services.every(s => s.verified)).toBe(true)
    const sizes = ecs.ecsMock
      .commandCalls(DescribeServicesCommand)
      .map(call => call.args[0].input.services?.length)
    // The watch asks for all five at once, every poll.
    expect(sizes.filter(n => n === 5).length).toBeGreaterThanOrEqual(4)
    expect(sizes.every(n => n === 1 || n === 5)).toBe(true)
  })

  test('one crash loops: every service goes back to what it ran before, verified, and the step names the worker', async () => {
    const ecs = withImageInEcr(
      new FakeEcs({
        [WEB]: steady(WEB),
        [WORKER]: crashLoops(WORKER),
        [SCHEDULER]: steady(SCHEDULER)
      })
    )
    const { inputs, result } = deployOf([WEB, WORKER, SCHEDULER])

    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(Error)
    const message = (error as Error).message
    expect(message).toContain(
      `ECS service ${WORKER}: The rollout of babyshield-worker-task:13 failed: 3 tasks of deployment ecs-svc/${WORKER}-update-1 failed`
    )
    expect(message).toContain('each goes back to what it ran before')
    for (const name of [WEB, WORKER, SCHEDULER]) {
      expect(message).toContain(
        `${name}: Rolled back: the service runs ${name}-task:12 (${REPOSITORY_URI}@${digestOf(12)}) again, verified.`
      )
      expect(ecs.updatedTo(name)).toEqual([revOf(name, 13), revOf(name, 12)])
      expect(serviceIn(result, name)).toMatchObject({
        taskDefinitionArn: revOf(name, 12),
        digest: digestOf(12),
        rolledBack: true
      })
    }
    expect(serviceIn(result, WORKER).failedTaskDefinitionArn).toBe(revOf(WORKER, 13))
    expect(serviceIn(result, WEB).failedTaskDefinitionArn).toBeUndefined()
    expect(serviceIn(result, WEB).attempted?.taskDefinitionArn).toBe(revOf(WEB, 13))
    // Why the worker failed: its stopped tasks and their last log lines.
    expect(serviceIn(result, WORKER).stoppedTasks[0]?.logLines).toEqual([
      'Starting worker',
      'KeyError: QUEUE_URL'
    ])
    expect(serviceIn(result, WEB).stoppedTasks).toEqual([])
    expect(outputsOf(result)['rolled-back']).toBe('true')
    expect(outputsOf(result).digest).toBe(digestOf(12))
  })

  test('an UpdateService refused after another service started: the started one goes back, the rest is untouched', async () => {
    const ecs = withImageInEcr(
      new FakeEcs({
        [WEB]: steady(WEB),
        [WORKER]: steady(WORKER, { refusedUpdates: [1] }),
        [SCHEDULER]: steady(SCHEDULER)
      })
    )
    const { inputs, result } = deployOf([WEB, WORKER, SCHEDULER])

    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)

    const message = (error as Error).message
    expect(message).toMatch(
      new RegExp(
        `^ECS service ${WORKER} could not be updated to babyshield-worker-task:13 after ${WEB} had started: .*InvalidParameterException`
      )
    )
    expect(message).toContain(
      `${WEB}: Rolled back: the service runs ${WEB}-task:12 (${REPOSITORY_URI}@${digestOf(12)}) again, verified.`
    )
    expect(ecs.updatedTo(WEB)).toEqual([revOf(WEB, 13), revOf(WEB, 12)])
    expect(ecs.updatedTo(WORKER)).toEqual([revOf(WORKER, 13)])
    expect(ecs.updatedTo(SCHEDULER)).toEqual([])
    // The revisions nobody took are deregistered: the worker's and the scheduler's.
    const deregistered = ecs.ecsMock
      .commandCalls(DeregisterTaskDefinitionCommand)
      .map(call => call.args[0].input.taskDefinition)
    expect(deregistered.sort()).toEqual([revOf(SCHEDULER, 13), revOf(WORKER, 13)].sort())
    expect(serviceIn(result, WEB)).toMatchObject({
      taskDefinitionArn: revOf(WEB, 12),
      rolledBack: true
    })
    expect(serviceIn(result, SCHEDULER)).toMatchObject({
      taskDefinitionArn: revOf(SCHEDULER, 12),
      change: 'none'
    })
  })

  test("ECS's circuit breaker rolls one back: that one is followed, not doubled; the other is rolled back", async () => {
    const breaker = steady(WORKER, {
      afterUpdate: (revision, id) =>
        revision !== 13
          ? completesAfter(20)(revision, id)
          : [
              {
                at: 0,
                deployments: [
                  { id, revision: 13, pending: 2, state: 'IN_PROGRESS' },
                  { id: `ecs-svc/${WORKER}-old`, revision: 12, running: 2, state: 'COMPLETED' }
                ]
              },
              {
                at: 30,
                deployments: [
                  { id: 'ecs-svc/breaker', revision: 12, running: 2, state: 'COMPLETED' },
                  { id, status: 'ACTIVE', revision: 13, state: 'FAILED', reason: 'circuit breaker' }
                ],
                events: [
                  `(service ${WORKER}) (deployment ${id}) deployment failed: circuit breaker`
                ]
              },
              {
                at: 40,
                deployments: [
                  { id: 'ecs-svc/breaker', revision: 12, running: 2, state: 'COMPLETED' }
                ]
              }
            ]
    })
    const ecs = withImageInEcr(new FakeEcs({ [WEB]: steady(WEB), [WORKER]: breaker }))
    const { inputs, result } = deployOf([WEB, WORKER])

    const message = await deploy(inputs, ecs.deps, result).catch(
      (e: unknown) => (e as Error).message
    )

    expect(message).toContain(
      `${WORKER}: ECS's circuit breaker already rolled back; this step did not start a second rollback`
    )
    expect(message).toContain(
      `${WEB}: Rolled back: the service runs ${WEB}-task:12 (${REPOSITORY_URI}@${digestOf(12)}) again, verified.`
    )
    expect(ecs.updatedTo(WORKER)).toEqual([revOf(WORKER, 13)])
    expect(ecs.updatedTo(WEB)).toEqual([revOf(WEB, 13), revOf(WEB, 12)])
    expect(serviceIn(result, WORKER)).toMatchObject({
      taskDefinitionArn: revOf(WORKER, 12),
      rolledBack: true
    })
  })

  test('a DRAINING service among them: nothing is registered or updated, and the step says so', async () => {
    const ecs = withImageInEcr(new FakeEcs({ [WEB]: steady(WEB), [WORKER]: steady(WORKER) }))
    ecs.ecsMock.on(DescribeServicesCommand, { services: [WORKER] }).resolves({
      services: [{ ...ecs.serviceNow(WORKER).services[0], status: 'DRAINING' }],
      failures: []
    })
    const { inputs, result } = deployOf([WEB, WORKER])

    await expect(deploy(inputs, ecs.deps, result)).rejects.toThrow(
      `ECS service ${WORKER} is DRAINING: nothing was deployed`
    )
    expect(ecs.registeredAt).toEqual([])
    expect(ecs.updatedTo()).toEqual([])
  })

  test('a refused list: every revision known is in the outputs, and the summary says nothing changed', async () => {
    const ecs = withImageInEcr(new FakeEcs({ [WEB]: steady(WEB), [WORKER]: steady(WORKER) }))
    ecs.ecsMock.on(DescribeServicesCommand, { services: [WORKER] }).resolves({
      services: [{ ...ecs.serviceNow(WORKER).services[0], status: 'DRAINING' }],
      failures: []
    })
    const { inputs, result } = deployOf([WEB, WORKER])
    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e as Error)
    if (error) result.error = error.message

    const outputs = outputsOf(result)
    expect(outputs['task-definition-arn']).toBe(`${revOf(WEB, 12)}\n${revOf(WORKER, 12)}`)
    expect(outputs['previous-task-definition-arn']).toBe(`${revOf(WEB, 12)}\n${revOf(WORKER, 12)}`)
    const summary = renderSummary(result)
    expect(summary).toContain(
      'Cluster babyshield-cluster in eu-north-1; the services are deployed together, as one unit, and this step changed none of them.'
    )
    expect(summary).not.toContain('were deployed together')
  })

  test('two services on the very same revision share the one new revision', async () => {
    // The worker is a second service of the web's task definition, on the same revision.
    const ecs = withImageInEcr(
      new FakeEcs({ [WEB]: steady(WEB), [WORKER]: steady(WORKER, { family: `${WEB}-task` }) })
    )
    const { inputs, result } = deployOf([WEB, WORKER])

    await deploy(inputs, ecs.deps, result)

    expect(ecs.registeredAt).toHaveLength(1)
    expect(ecs.updatedTo(WEB)).toEqual([revOf(WEB, 13)])
    expect(ecs.updatedTo(WORKER)).toEqual([revOf(WEB, 13)])
    expect(result.services.every(s => s.verified)).toBe(true)
  })
})

describe('rollback of several services', () => {
  test('previous returns each service to its own previous revision', async () => {
    const ecs = withImageInEcr(new FakeEcs({ [WEB]: steady(WEB), [WORKER]: steady(WORKER) }))
    const revisions = (name: string) => [revOf(name, 12), revOf(name, 11), revOf(name, 10)]
    ecs.ecsMock.on(ListTaskDefinitionsCommand).callsFake((input: { familyPrefix?: string }) => ({
      taskDefinitionArns: revisions(input.familyPrefix === `${WORKER}-task` ? WORKER : WEB)
    }))
    const result = freshRun([WEB, WORKER], 'rollback')
    const inputs = inputsFor({ mode: 'rollback', service: `${WEB}, ${WORKER}` })

    await rollback(inputs, ecs.deps, result)

    expect(result.status).toBe('succeeded')
    expect(ecs.updatedTo(WEB)).toEqual([revOf(WEB, 11)])
    expect(ecs.updatedTo(WORKER)).toEqual([revOf(WORKER, 11)])
    expect(result.services.every(s => s.rolledBack)).toBe(true)
  })

  test('a tag pinned into each service: when a later registration fails, the earlier one is deregistered and nothing is updated', async () => {
    const ecs = withImageInEcr(new FakeEcs({ [WEB]: steady(WEB), [WORKER]: steady(WORKER) }))
    ecs.ecsMock.on(RegisterTaskDefinitionCommand, { family: `${WORKER}-task` }).rejects(
      Object.assign(new Error('Too many revisions'), {
        name: 'ClientException',
        $fault: 'client',
        $metadata: { attempts: 1 }
      })
    )
    const result = freshRun([WEB, WORKER], 'rollback')
    const inputs = inputsFor({
      mode: 'rollback',
      service: `${WEB}, ${WORKER}`,
      'rollback-to': 'production-fixed-20261126'
    })

    await expect(rollback(inputs, ecs.deps, result)).rejects.toThrow(
      `Could not register a task definition revision for family ${WORKER}-task: ClientException: Too many revisions; nothing was deployed and the service is unchanged; for the services before it, revision ${WEB}-task:13 was deregistered`
    )
    const deregistered = ecs.ecsMock
      .commandCalls(DeregisterTaskDefinitionCommand)
      .map(call => call.args[0].input.taskDefinition)
    expect(deregistered).toEqual([revOf(WEB, 13)])
    expect(ecs.calls('UpdateService')).toBe(0)
    expect(result.services.some(s => s.rolledBack)).toBe(false)
  })
})

describe('verify and dry-run of several services', () => {
  test('verify checks every service and names those that fail', async () => {
    const ecs = withImageInEcr(new FakeEcs({ [WEB]: steady(WEB), [WORKER]: steady(WORKER) }))
    // The worker's tasks run another image than its revision pins.
    ecs.ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks?: string[] }) => ({
      tasks: (input.tasks ?? []).map(arn => ({
        taskArn: arn,
        taskDefinitionArn: arn.includes(WORKER) ? revOf(WORKER, 12) : revOf(WEB, 12),
        lastStatus: 'RUNNING',
        containers: [
          { name: 'app', imageDigest: arn.includes(WORKER) ? digestOf(99) : digestOf(12) }
        ]
      })),
      failures: []
    }))
    const result = freshRun([WEB, WORKER], 'verify')
    const inputs = inputsFor({ mode: 'verify', service: `${WEB}\n${WORKER}` })

    const message = await verify(inputs, ecs.deps, result).catch(
      (e: unknown) => (e as Error).message
    )

    expect(message).toMatch(
      new RegExp(
        `^Verification of ECS services ${WORKER} failed: ${WORKER} \\(runs ${WORKER}-task:12\\): tasks run the expected digest`
      )
    )
    expect(message).not.toContain(`${WEB} (runs`)
    expect(serviceIn(result, WEB).verified).toBe(true)
    expect(serviceIn(result, WORKER).verified).toBe(false)
    expect(outputsOf(result).verified).toBe('false')
  })

  test('a dry run plans each service and changes nothing', async () => {
    const ecs = withImageInEcr(new FakeEcs({ [WEB]: steady(WEB), [WORKER]: steady(WORKER) }))
    const { inputs, result } = deployOf([WEB, WORKER], { 'dry-run': 'true' })
    await deploy(inputs, ecs.deps, result)
    expect(result.status).toBe('planned')
    for (const name of [WEB, WORKER]) {
      expect(serviceIn(result, name).plan).toContain(
        `+       "image": "${REPOSITORY_URI}@${digestOf(13)}",`
      )
    }
    expect(ecs.registeredAt).toEqual([])
    expect(ecs.updatedTo()).toEqual([])
  })

  test('wait: false starts every rollout and watches none', async () => {
    const ecs = withImageInEcr(new FakeEcs({ [WEB]: steady(WEB), [WORKER]: steady(WORKER) }))
    const { inputs, result } = deployOf([WEB, WORKER], { wait: 'false' })
    await deploy(inputs, ecs.deps, result)
    expect(result.status).toBe('started')
    expect(ecs.updatedTo()).toEqual([revOf(WEB, 13), revOf(WORKER, 13)])
    expect(result.services.map(s => s.verified)).toEqual([false, false])
    expect(ecs.calls('DescribeServices')).toBe(4)
  })
})
