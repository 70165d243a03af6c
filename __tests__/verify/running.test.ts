import { describe, expect, test, vi } from 'vitest'
import type { LogLine, LogQuery } from '../../src/aws/logs.js'
import type { Deps } from '../../src/deps.js'
import type { CheckPolicy } from '../../src/inputs/policy.js'
import { allPassed, type Expectation } from '../../src/verify/checks.js'
import { verifyRunning } from '../../src/verify/running.js'
import { NEW_DIGEST, arn, babyshield, single } from '../../test/support/task-definitions.js'
import { deployment, service, task } from '../../test/support/ecs-answers.js'
import { FakeClock } from '../../test/support/fakes.js'

const REV = arn('babyshield-backend-task', 42)

const expected: Expectation = {
  service: 'babyshield-backend-service',
  taskDefinitionArn: REV,
  containerName: 'api',
  digest: NEW_DIGEST
}

const checking: CheckPolicy = {
  healthCheckUrl: undefined,
  logGroup: undefined,
  logsSinceMinutes: 10
}

describe('verifyRunning', () => {
  function fakeDeps(options: { logs?: (query: LogQuery) => Promise<LogLine[]> } = {}) {
    const ecs = {
      service: vi.fn(() =>
        Promise.resolve(service([deployment('d2', REV, 'PRIMARY', 'COMPLETED', 2)]))
      ),
      taskArns: vi.fn(() => Promise.resolve(['t1', 't2'])),
      tasks: vi.fn(() =>
        Promise.resolve([task('t1', REV, 'api', NEW_DIGEST), task('t2', REV, 'api', NEW_DIGEST)])
      ),
      taskDefinition: vi.fn(() => Promise.resolve({ taskDefinition: babyshield, tags: [] }))
    }
    const logs = {
      recent: vi.fn(
        options.logs ??
          ((query: LogQuery) =>
            Promise.resolve(
              query.pattern === 'ERROR'
                ? [{ timestamp: 0, stream: 's', message: 'ERROR boom' }]
                : [{ timestamp: 0, stream: 's', message: 'hello' }]
            ))
      )
    }
    const deps = { ecs, logs, clock: new FakeClock() } as unknown as Deps
    return { deps, ecs, logs }
  }

  test('reads the service, every task, and the container log group from the task definition', async () => {
    const { deps, ecs, logs } = fakeDeps()
    const verification = await verifyRunning(deps, expected, checking)
    expect(verification.checks.map(c => [c.name, c.status])).toEqual([
      ['service active', 'pass'],
      ['one deployment, completed', 'pass'],
      ['running = desired', 'pass'],
      ['tasks run the service revision', 'pass'],
      ['tasks run the expected digest', 'pass'],
      ['health check', 'skip'],
      ['recent ERROR logs', 'warn']
    ])
    expect(allPassed(verification.checks)).toBe(true)
    expect(ecs.taskArns).toHaveBeenCalledWith('babyshield-backend-service', 'RUNNING')
    expect(ecs.tasks).toHaveBeenCalledWith(['t1', 't2'])
    expect(ecs.taskDefinition).toHaveBeenCalledWith(REV)
    const since = Date.parse('2026-11-26T10:00:00Z') - 10 * 60_000
    // ERRORs counted in the service's own tasks' streams: another service sharing the group is
    // not counted; the excerpt is the group's, its lines marked.
    const streams = ['ecs/api/t1', 'ecs/api/t2']
    expect(logs.recent).toHaveBeenCalledWith({
      group: '/ecs/babyshield-backend',
      since,
      limit: 20
    })
    expect(logs.recent).toHaveBeenCalledWith({
      group: '/ecs/babyshield-backend',
      since,
      streams,
      pattern: 'ERROR',
      limit: 1000
    })
    expect(logs.recent).toHaveBeenCalledWith({
      group: '/ecs/babyshield-backend',
      since,
      pattern: 'ERROR',
      limit: 1000
    })
    expect(verification.logs).toEqual({
      group: '/ecs/babyshield-backend',
      lines: ['00:00:00 [other] hello'],
      errorCount: 1,
      marked: true
    })
  })

  test('a given log group and task definition save the DescribeTaskDefinition call', async () => {
    const { deps, ecs, logs } = fakeDeps()
    await verifyRunning(
      deps,
      { ...expected, taskDefinition: single },
      { ...checking, logGroup: '/custom' }
    )
    expect(ecs.taskDefinition).not.toHaveBeenCalled()
    expect(logs.recent.mock.calls.map(c => c[0].group)).toEqual(['/custom', '/custom'])
  })

  test('logs that cannot be read only warn', async () => {
    const { deps } = fakeDeps({
      logs: () =>
        Promise.reject(new Error('Could not read log group /ecs/babyshield-backend: AccessDenied'))
    })
    const verification = await verifyRunning(deps, expected, checking)
    expect(verification.checks.at(-1)).toEqual({
      name: 'recent ERROR logs',
      status: 'warn',
      detail:
        'could not read log group /ecs/babyshield-backend: Could not read log group /ecs/babyshield-backend: AccessDenied'
    })
    expect(verification.logs).toBeUndefined()
    expect(allPassed(verification.checks)).toBe(true)
  })

  test('a container without awslogs is skipped, not failed', async () => {
    const { deps, logs } = fakeDeps()
    const verification = await verifyRunning(
      deps,
      { ...expected, containerName: 'app', taskDefinition: single },
      checking
    )
    expect(verification.checks.at(-1)).toMatchObject({ name: 'recent ERROR logs', status: 'skip' })
    expect(logs.recent).not.toHaveBeenCalled()
  })

  test('logs-since-minutes 0 reads no logs', async () => {
    const { deps, logs, ecs } = fakeDeps()
    const verification = await verifyRunning(deps, expected, { ...checking, logsSinceMinutes: 0 })
    expect(verification.checks.at(-1)).toEqual({
      name: 'recent ERROR logs',
      status: 'skip',
      detail: 'logs-since-minutes is 0'
    })
    expect(logs.recent).not.toHaveBeenCalled()
    expect(ecs.taskDefinition).not.toHaveBeenCalled()
  })
})
