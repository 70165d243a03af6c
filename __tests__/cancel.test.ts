import { DescribeImagesCommand } from '@aws-sdk/client-ecr'
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand
} from '@aws-sdk/client-ecs'
import { EventEmitter } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import { onCancel, type CancelSignal, type SignalSource } from '../src/cancel.js'
import { run } from '../src/main.js'
import { withdrawOnCancel } from '../src/modes/release.js'
import { newResult, type RunResult } from '../src/model/result.js'
import { cancelledError } from '../src/report/cancelled.js'
import { NEW_DIGEST } from '../test/support/task-definitions.js'
import { deployment, service } from '../test/support/ecs-answers.js'
import { DEPLOY_INPUTS, NEW, OLD, deployWorld } from '../test/support/deploy-world.js'
import { fromFlat, type FlatService } from '../test/support/results.js'

type Fields = Partial<FlatService> & Pick<RunResult, 'mode'>

function resultOf({ mode, ...fields }: Fields, services = ['api']): RunResult {
  const result = newResult(
    mode,
    { region: 'eu-north-1', cluster: 'babyshield-cluster', services },
    { commit: '', actor: '', repository: '', runUrl: '', notes: '' }
  )
  result.services = result.services.map(s => fromFlat(s, { ...fields, service: s.service }))
  return result
}

describe('cancelledError', () => {
  test.each<[string, CancelSignal, Fields, string]>([
    [
      'deploy mid-rollout',
      'SIGTERM',
      {
        mode: 'deploy',
        previousTaskDefinitionArn: OLD,
        taskDefinitionArn: NEW,
        change: 'rolling-out'
      },
      'The step was cancelled (SIGTERM) while ECS service api was being moved to babyshield-backend-task:42; it ran babyshield-backend-task:41 before this step. ECS goes on with that deployment without this step, and nothing was rolled back: check the service, then run verify, or rollback to return to babyshield-backend-task:41.'
    ],
    [
      'rollback mid-rollout',
      'SIGINT',
      {
        mode: 'rollback',
        previousTaskDefinitionArn: NEW,
        taskDefinitionArn: OLD,
        change: 'rolling-out'
      },
      'The step was cancelled (SIGINT) while ECS service api was being rolled back to babyshield-backend-task:41; it ran babyshield-backend-task:42 before this step. ECS goes on with that deployment without this step, and nothing was rolled back: check the service, then run verify, or rollback to return to babyshield-backend-task:42.'
    ],
    [
      'deploy while its failed rollout was rolled back',
      'SIGTERM',
      {
        mode: 'deploy',
        previousTaskDefinitionArn: OLD,
        taskDefinitionArn: OLD,
        change: 'returning'
      },
      'The step was cancelled (SIGTERM) while ECS service api was being returned to babyshield-backend-task:41, the revision it ran before this step. ECS goes on with that deployment without this step: check the service, then run verify.'
    ],
    [
      'deploy before the update was confirmed',
      'SIGTERM',
      // Read, not moved: what runs is what ran.
      { mode: 'deploy', previousTaskDefinitionArn: OLD, taskDefinitionArn: OLD },
      'The step was cancelled (SIGTERM) before ECS confirmed an update of ECS service api: it ran babyshield-backend-task:41 before this step and was not moved by it; a revision this step registered may be left unused.'
    ],
    [
      'deploy before the service was read',
      'SIGTERM',
      { mode: 'deploy' },
      'The step was cancelled (SIGTERM) before anything was changed.'
    ],
    [
      'deploy during the bake',
      'SIGINT',
      {
        mode: 'deploy',
        previousTaskDefinitionArn: OLD,
        taskDefinitionArn: NEW,
        change: 'rolling-out',
        bake: {
          bakeMs: 300_000,
          status: 'baking',
          watchedMs: 130_000,
          polls: 27,
          errors: {
            counted: true,
            lines: 0,
            taskMinutes: 4,
            before: { lines: 0, tasks: 2, minutes: 10 },
            last: []
          },
          failedTasks: 0
        }
      },
      'The step was cancelled (SIGINT) during the bake, 2:10 into 5:00: the rollout had completed and was verified, and nothing was rolled back: api runs babyshield-backend-task:42 (it ran babyshield-backend-task:41 before this step). Run verify, or rollback to return to what ran before.'
    ],
    [
      'deploy judged while ECS shifts the traffic: still being moved, not yet verified',
      'SIGTERM',
      {
        mode: 'deploy',
        previousTaskDefinitionArn: OLD,
        taskDefinitionArn: NEW,
        change: 'rolling-out',
        bake: {
          bakeMs: 300_000,
          status: 'baking',
          phase: 'shift',
          shift: { ms: 40_000, stages: ['PRODUCTION_TRAFFIC_SHIFT 10 %'] },
          watchedMs: 40_000,
          polls: 8,
          errors: {
            counted: true,
            lines: 0,
            taskMinutes: 2,
            before: { lines: 0, tasks: 2, minutes: 10 },
            last: []
          },
          failedTasks: 0
        }
      },
      'The step was cancelled (SIGTERM) while ECS service api was being moved to babyshield-backend-task:42; it ran babyshield-backend-task:41 before this step. ECS goes on with that deployment without this step, and nothing was rolled back: check the service, then run verify, or rollback to return to babyshield-backend-task:41.'
    ],
    [
      'verify',
      'SIGTERM',
      { mode: 'verify', previousTaskDefinitionArn: OLD, taskDefinitionArn: OLD },
      'The step was cancelled (SIGTERM) during verify: nothing was changed; ECS service api runs babyshield-backend-task:41.'
    ]
  ])('%s', (_what, signal, fields, message) => {
    expect(cancelledError(signal, resultOf(fields))).toBe(message)
  })
})

describe('cancelledError with the revisions deregistered on the way out', () => {
  test('during the migration: says which revision is gone instead of left registered', () => {
    const result = resultOf({ mode: 'deploy', previousTaskDefinitionArn: OLD })
    result.migration = {
      command: ['alembic', 'upgrade', 'head'],
      container: 'api',
      taskDefinitionArn: NEW,
      where: 'FARGATE',
      status: 'running',
      taskArn: 'arn:aws:ecs:eu-north-1:123456789012:task/babyshield-cluster/m1',
      cancelled: 'task m1 was stopped (the deploy step was cancelled)',
      logLines: []
    }
    expect(
      cancelledError('SIGINT', result, ['revision babyshield-backend-task:42 was deregistered'])
    ).toBe(
      'The step was cancelled (SIGINT) while the migration task m1 was running: task m1 was stopped (the deploy step was cancelled). No service was updated: api runs babyshield-backend-task:41; revision babyshield-backend-task:42 was deregistered. The migration may have changed the database before it stopped: check it before you run it again.'
    )
  })

  test('before the update: what became of the revision ends the error', () => {
    const fields: Fields = {
      mode: 'deploy',
      previousTaskDefinitionArn: OLD,
      taskDefinitionArn: OLD
    }
    expect(
      cancelledError('SIGTERM', resultOf(fields), [
        'revision babyshield-backend-task:42 may be left registered: ECS had not answered its deregistration when the step exited'
      ])
    ).toBe(
      'The step was cancelled (SIGTERM) before ECS confirmed an update of ECS service api: it ran babyshield-backend-task:41 before this step and was not moved by it. Revision babyshield-backend-task:42 may be left registered: ECS had not answered its deregistration when the step exited.'
    )
  })
})

describe('withdrawOnCancel', () => {
  function registeredFor(services: Record<string, { registered?: string; attempted?: string }>) {
    const result = resultOf({ mode: 'deploy' }, Object.keys(services))
    for (const s of result.services) {
      const { registered, attempted } = services[s.service] ?? {}
      if (registered) s.registered = registered
      if (attempted) s.attempted = { taskDefinitionArn: attempted }
    }
    return result
  }

  test('deregisters each revision no service was pointed at, once, and leaves the others', async () => {
    const w = deployWorld()
    w.ecsMock.on(DeregisterTaskDefinitionCommand).resolves({})
    const worker = 'arn:aws:ecs:eu-north-1:123456789012:task-definition/worker-task:8'
    const result = registeredFor({
      web: { registered: NEW, attempted: NEW },
      api: { registered: NEW },
      worker: { registered: worker }
    })
    // NEW was offered to web (UpdateService may have applied it): only the worker's goes.
    expect(await withdrawOnCancel(w.deps, result, 1000)).toEqual([
      'revision worker-task:8 was deregistered'
    ])
    expect(
      w.ecsMock.commandCalls(DeregisterTaskDefinitionCommand).map(c => c.args[0].input)
    ).toEqual([{ taskDefinition: worker }])
  })

  test('ECS that does not answer in time: the step says the revision may be left registered', async () => {
    const w = deployWorld()
    w.ecsMock.on(DeregisterTaskDefinitionCommand).callsFake(() => new Promise(() => undefined))
    const result = registeredFor({ api: { registered: NEW } })
    expect(await withdrawOnCancel(w.deps, result, 20)).toEqual([
      'revision babyshield-backend-task:42 may be left registered: ECS had not answered its deregistration when the step exited'
    ])
  })
})

test('several services: the error says, for each service, what it runs and what it was moved to', () => {
  const result = resultOf({ mode: 'deploy' }, ['web', 'worker'])
  result.services = [
    fromFlat(result.services[0]!, {
      previousTaskDefinitionArn: OLD,
      taskDefinitionArn: NEW,
      change: 'rolling-out'
    }),
    fromFlat(result.services[1]!, { previousTaskDefinitionArn: OLD, taskDefinitionArn: OLD })
  ]
  expect(cancelledError('SIGTERM', result)).toBe(
    'The step was cancelled (SIGTERM): web was being moved to babyshield-backend-task:42 (it ran babyshield-backend-task:41 before this step); worker was not moved: it runs babyshield-backend-task:41. ECS goes on with the deployments started without this step, and nothing more is rolled back: check the services, then run verify, or rollback to return to what they ran.'
  )
  expect(cancelledError('SIGINT', resultOf({ mode: 'deploy' }, ['web', 'worker']))).toBe(
    'The step was cancelled (SIGINT) before anything was changed.'
  )
})

class FakeProcess extends EventEmitter implements SignalSource {
  exits: number[] = []
  exit = ((code: number) => {
    this.exits.push(code)
  }) as (code: number) => never
}

describe('onCancel', () => {
  test('the first signal reports once and exits 1; later signals do not start another report', async () => {
    const source = new FakeProcess()
    const report = vi.fn((_signal: CancelSignal) => Promise.resolve())
    onCancel(report, source)
    source.emit('SIGINT')
    source.emit('SIGTERM')
    await vi.waitFor(() => expect(source.exits).toEqual([1]))
    expect(report.mock.calls).toEqual([['SIGINT']])
  })

  test('a report that fails still exits 1', async () => {
    const source = new FakeProcess()
    onCancel(() => Promise.reject(new Error('summary file gone')), source)
    source.emit('SIGTERM')
    await vi.waitFor(() => expect(source.exits).toEqual([1]))
  })

  test('a report that hangs is cut off after the timeout', async () => {
    const source = new FakeProcess()
    onCancel(() => new Promise<void>(() => undefined), source, 20)
    source.emit('SIGTERM')
    expect(source.exits).toEqual([])
    await vi.waitFor(() => expect(source.exits).toEqual([1]))
  })

  test('once removed, the handlers are gone', () => {
    const source = new FakeProcess()
    const stop = onCancel(() => Promise.resolve(), source)
    expect(source.listenerCount('SIGTERM')).toBe(1)
    expect(source.listenerCount('SIGINT')).toBe(1)
    stop()
    expect(source.listenerCount('SIGTERM')).toBe(0)
    expect(source.listenerCount('SIGINT')).toBe(0)
  })
})

describe('run() cancelled mid-rollout', () => {
  let dir: string
  let before: { SIGTERM: unknown[]; SIGINT: unknown[] }

  beforeAll(() => {
    // core.summary remembers the first summary path it sees: one runner directory for the file.
    dir = mkdtempSync(join(tmpdir(), 'cancel-runner-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  beforeEach(() => {
    writeFileSync(join(dir, 'output'), '')
    writeFileSync(join(dir, 'summary'), '')
    vi.stubEnv('GITHUB_OUTPUT', join(dir, 'output'))
    vi.stubEnv('GITHUB_STEP_SUMMARY', join(dir, 'summary'))
    for (const [name, value] of Object.entries({ ...DEPLOY_INPUTS, image: NEW_DIGEST })) {
      vi.stubEnv(`INPUT_${name.toUpperCase()}`, value)
    }
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    process.exitCode = undefined
    before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') }
  })

  afterEach(() => {
    // A run stopped mid-rollout never removes its handlers: take them off here.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      for (const listener of process.listeners(signal)) {
        if (!before[signal].includes(listener)) process.removeListener(signal, listener)
      }
    }
    vi.unstubAllEnvs()
    process.exitCode = undefined
  })

  /** A deploy whose rollout never finishes, and a clock that stops at the first wait. */
  function stuckWorld() {
    const world = deployWorld()
    world.ecrMock
      .on(DescribeImagesCommand, { imageIds: [{ imageDigest: NEW_DIGEST }] })
      .resolves({ imageDetails: [{ imageDigest: NEW_DIGEST, imageTags: ['v7'] }] })
    world.ecsMock.on(DescribeServicesCommand).callsFake(() => {
      const updated = world.ecsMock.commandCalls(UpdateServiceCommand).length > 0
      return {
        services: [
          service(
            updated
              ? [
                  deployment('ecs-svc/2', NEW, 'PRIMARY', 'IN_PROGRESS', 1),
                  deployment('ecs-svc/1', OLD, 'ACTIVE', 'COMPLETED', 2)
                ]
              : [deployment('ecs-svc/1', OLD, 'PRIMARY', 'COMPLETED', 2)]
          )
        ]
      }
    })
    let waiting: () => void = () => undefined
    const waited = new Promise<void>(resolve => (waiting = resolve))
    world.deps.clock = {
      now: () => Date.parse('2026-11-26T10:00:00Z'),
      sleep: () => {
        waiting()
        return new Promise<void>(() => undefined)
      }
    }
    return { world, waited }
  }

  test('SIGTERM writes outputs and summary naming both revisions, removes credentials, exits 1', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never)
    const { world, waited } = stuckWorld()
    void run(() => world.deps)
    await waited
    process.emit('SIGTERM')
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1))

    const outputs = readFileSync(join(dir, 'output'), 'utf8')
    expect(outputs).toContain(`task-definition-arn<<`)
    expect(outputs).toContain(NEW)
    expect(outputs).toContain(OLD)
    const json = /^result<<(\S+)\n(.*)\n\1$/m.exec(outputs)?.[2] ?? '{}'
    expect(JSON.parse(json)).toMatchObject({
      status: 'failed',
      taskDefinitionArn: NEW,
      previousTaskDefinitionArn: OLD,
      error: expect.stringContaining(
        'cancelled (SIGTERM) while ECS service babyshield-backend-service was being moved to babyshield-backend-task:42; it ran babyshield-backend-task:41'
      ) as unknown
    })
    expect(readFileSync(join(dir, 'summary'), 'utf8')).toContain('## ❌ Deploy failed')
    expect(process.exitCode).toBe(1)
    expect(world.docker.cleanedUp).toBe(true)
  })

  test('SIGINT during the migration stops its task and says that no service was updated', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never)
    vi.stubEnv('INPUT_MIGRATION-COMMAND', 'alembic upgrade head')
    const { world, waited } = stuckWorld()
    const task = 'arn:aws:ecs:eu-north-1:123456789012:task/babyshield-cluster/migration1'
    world.ecsMock.on(RunTaskCommand).resolves({
      tasks: [{ taskArn: task, lastStatus: 'PROVISIONING', containers: [{ name: 'api' }] }],
      failures: []
    })
    void run(() => world.deps)
    await waited
    process.emit('SIGINT')
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1))

    const stops = world.ecsMock.commandCalls(StopTaskCommand).map(c => c.args[0].input)
    expect(stops).toEqual([
      { cluster: 'babyshield-cluster', task, reason: 'the deploy step was cancelled' }
    ])
    expect(world.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0)
    const outputs = readFileSync(join(dir, 'output'), 'utf8')
    const json = /^result<<(\S+)\n(.*)\n\1$/m.exec(outputs)?.[2] ?? '{}'
    expect((JSON.parse(json) as { error: string }).error).toBe(
      'The step was cancelled (SIGINT) while the migration task migration1 was running: task migration1 was stopped (the deploy step was cancelled). No service was updated: babyshield-backend-service runs babyshield-backend-task:41; revision babyshield-backend-task:42 was deregistered. The migration may have changed the database before it stopped: check it before you run it again.'
    )
    // The revision registered for the migration never ran: it is gone, not left for rollbacks.
    expect(
      world.ecsMock.commandCalls(DeregisterTaskDefinitionCommand).map(c => c.args[0].input)
    ).toEqual([{ taskDefinition: NEW }])
    expect(readFileSync(join(dir, 'summary'), 'utf8')).toContain('### Migration')
  })

  test('a run that ends leaves no signal handler behind', async () => {
    const world = deployWorld()
    world.ecrMock
      .on(DescribeImagesCommand, { imageIds: [{ imageDigest: NEW_DIGEST }] })
      .resolves({ imageDetails: [{ imageDigest: NEW_DIGEST, imageTags: ['v7'] }] })
    await run(() => world.deps)
    expect(process.exitCode).toBeUndefined()
    expect(process.listeners('SIGTERM')).toEqual(before.SIGTERM)
    expect(process.listeners('SIGINT')).toEqual(before.SIGINT)
  })
})
