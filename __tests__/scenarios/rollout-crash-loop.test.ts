// A crash loop: the new tasks start, run a few seconds and exit 1, again and again. ECS's
// failedTasks stays 0 (the tasks did reach RUNNING), and its circuit breaker would trip only
// at five minutes; the watcher must notice the stopped tasks itself, say why, and roll back.
import { rolloutPolicy } from '../../src/inputs/policy.js'
import * as core from '@actions/core'
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { FAILED_TASKS_LIMIT } from '../../src/rollout/classify.js'
import { rollOut } from '../../src/modes/release.js'
import { Reporter } from '../../src/report/report.js'
import {
  digestOf,
  FakeEcs,
  freshResult,
  freshRun,
  inputsFor,
  OLD_DEPLOYMENT,
  only,
  OUR_DEPLOYMENT,
  REPOSITORY_URI,
  rev,
  ROLLOUT,
  SERVICE,
  type Step,
  type StoppedSpec,
  superviseRollout
} from '../../test/support/scripted-ecs.js'

vi.mock('@actions/core')

const CIRCUIT_BREAKER_AT = 300

const crash = (id: string): StoppedSpec => ({
  id,
  deploymentId: OUR_DEPLOYMENT,
  revision: 13,
  exitCode: 1,
  ranFor: 10
})
const started = (...ids: string[]): string =>
  `(service ${SERVICE}) has started ${ids.length} tasks: ${ids.map(id => `(task ${id})`).join(' ')}.`
const old = { id: OLD_DEPLOYMENT, revision: 12, running: 2, state: 'COMPLETED' as const }

const CRASH_LOOP: Step[] = [
  {
    at: 0,
    deployments: [{ id: OUR_DEPLOYMENT, revision: 13, pending: 2, state: 'IN_PROGRESS' }, old],
    events: [started('a1', 'a2')]
  },
  {
    at: 25,
    deployments: [{ id: OUR_DEPLOYMENT, revision: 13, running: 2, state: 'IN_PROGRESS' }, old]
  },
  {
    at: 35,
    deployments: [
      { id: OUR_DEPLOYMENT, revision: 13, running: 1, pending: 1, state: 'IN_PROGRESS' },
      old
    ],
    stopped: [crash('a1')],
    events: [started('a3')]
  },
  {
    at: 37,
    deployments: [{ id: OUR_DEPLOYMENT, revision: 13, pending: 2, state: 'IN_PROGRESS' }, old],
    stopped: [crash('a2')],
    events: [started('a4')]
  },
  {
    at: 60,
    deployments: [{ id: OUR_DEPLOYMENT, revision: 13, running: 2, state: 'IN_PROGRESS' }, old]
  },
  {
    at: 70,
    deployments: [
      { id: OUR_DEPLOYMENT, revision: 13, running: 1, pending: 1, state: 'IN_PROGRESS' },
      old
    ],
    stopped: [crash('a3')],
    events: [started('a5')]
  },
  // What ECS's circuit breaker would do, much later.
  {
    at: CIRCUIT_BREAKER_AT,
    deployments: [
      { id: 'ecs-svc/breaker', revision: 12, pending: 2, state: 'IN_PROGRESS' },
      {
        id: OUR_DEPLOYMENT,
        status: 'ACTIVE',
        revision: 13,
        state: 'FAILED',
        reason: 'circuit breaker'
      }
    ]
  }
]

const LOGS = {
  a1: ['Starting babyshield api', 'KeyError: DATABASE_URL'],
  a2: ['Starting babyshield api', 'KeyError: DATABASE_URL'],
  a3: ['Starting babyshield api', 'KeyError: DATABASE_URL']
}

beforeEach(() => {
  vi.mocked(core.error).mockClear()
  vi.mocked(core.warning).mockClear()
})

describe('a crash loop', () => {
  test('is reported with reasons, exit codes and log lines, then rolled back and verified', async () => {
    const ecs = new FakeEcs({ script: CRASH_LOOP, logs: LOGS })
    const result = freshResult()

    const error = await superviseRollout(
      ecs.deps,
      rolloutPolicy(inputsFor()),
      result,
      ROLLOUT
    ).catch((e: unknown) => e as Error)

    expect(error).toBeInstanceOf(Error)
    expect(error?.message).toBe(
      `The rollout of babyshield-backend-task:13 failed: 3 tasks of deployment ${OUR_DEPLOYMENT} failed: 3× Essential container in task exited (app: exit 1). Rolled back: the service runs babyshield-backend-task:12 (${REPOSITORY_URI}@${digestOf(12)}) again, verified.`
    )
    // Judged on the poll after the third stopped task, long before the circuit breaker.
    expect(ecs.updatedAt).toEqual([70])
    expect(ecs.updatedAt[0]).toBeLessThan(CIRCUIT_BREAKER_AT)
    expect(ecs.updatedTo()).toEqual([rev(12)])
    // Stopped tasks were read only when a task went missing (35, 40, 70 s), and once to explain.
    expect(ecs.stoppedLooks()).toBe(FAILED_TASKS_LIMIT + 1)

    expect(result.rolledBack).toBe(true)
    expect(result.runs?.taskDefinitionArn).toBe(rev(12))
    expect(result.runs?.digest).toBe(digestOf(12))
    expect(result.verified).toBe(false)
    expect(result.checks.length).toBeGreaterThan(0)
    expect(result.checks.every(c => c.name.startsWith('after rollback: '))).toBe(true)
    expect(result.checks.filter(c => c.status === 'fail')).toEqual([])
    expect(
      result.checks.find(c => c.name === 'after rollback: tasks run the expected digest')
    ).toMatchObject({ status: 'pass' })

    expect(result.stoppedTasks.map(t => t.taskId)).toEqual(['a3', 'a2', 'a1'])
    for (const task of result.stoppedTasks) {
      expect(task).toMatchObject({
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        containers: [{ name: 'app', exitCode: 1 }],
        logLines: ['Starting babyshield api', 'KeyError: DATABASE_URL']
      })
    }
    expect(
      ecs.logsMock
        .commandCalls(FilterLogEventsCommand)
        .flatMap(c => c.args[0].input.logStreamNames ?? [])
    ).toEqual([
      // Why it failed: the crashed tasks' own streams.
      'ecs/app/a3',
      'ecs/app/a2',
      'ecs/app/a1',
      // The rollback's verification: the ERROR lines of the running tasks only (the excerpt
      // is the group's, the running tasks' lines marked).
      'ecs/app/update-1-0',
      'ecs/app/update-1-1'
    ])

    expect(vi.mocked(core.error)).toHaveBeenCalledTimes(1)
    const [annotation, properties] = vi.mocked(core.error).mock.calls[0] ?? []
    expect(properties).toEqual({ title: 'Rollout of babyshield-backend-task:13 failed' })
    expect(annotation).toContain('task a3: Essential container in task exited; app exit 1')
    expect(annotation).toContain('last log line: KeyError: DATABASE_URL')

    const messages = result.timeline.map(e => e.message)
    expect(messages).toContain(
      `rollout failed: 3 tasks of deployment ${OUR_DEPLOYMENT} failed: 3× Essential container in task exited (app: exit 1)`
    )
    expect(messages).toContain(
      'rollback started: deployment ecs-svc/update-1 → babyshield-backend-task:12'
    )
    expect(messages.at(-1)).toBe('rollback 2/2 running, 0 pending, 0 failed, COMPLETED')
  })

  test('with rollback-on-failure false the service is left on the failed deployment, and the message says what to do', async () => {
    const ecs = new FakeEcs({ script: CRASH_LOOP, logs: LOGS })
    const result = freshResult()

    await expect(
      superviseRollout(
        ecs.deps,
        rolloutPolicy(inputsFor({ 'rollback-on-failure': 'false' })),
        result,
        ROLLOUT
      )
    ).rejects.toThrow(
      `rollback-on-failure is false: the service is left on the failed deployment ${OUR_DEPLOYMENT} (babyshield-backend-task:13). To return to babyshield-backend-task:12, run this action with mode: rollback, or deploy a fix.`
    )
    expect(ecs.calls('UpdateService')).toBe(0)
    expect(result.rolledBack).toBe(false)
    expect(result.runs?.taskDefinitionArn).toBeUndefined()
    expect(result.stoppedTasks).toHaveLength(3)
  })

  test('a rollout that is itself a rollback is never rolled back in turn', async () => {
    const ecs = new FakeEcs({ script: [], afterUpdate: () => CRASH_LOOP })
    const run = freshRun([SERVICE], 'rollback')
    const result = only(run)
    await expect(
      rollOut(
        ecs.deps,
        rolloutPolicy(inputsFor()),
        new Reporter(run, ecs.deps.clock),
        [
          {
            planned: {
              service: SERVICE,
              containerName: 'app',
              from: {
                taskDefinitionArn: rev(12),
                image: `${REPOSITORY_URI}@${digestOf(12)}`,
                digest: digestOf(12)
              },
              to: {
                taskDefinitionArn: rev(13),
                image: `${REPOSITORY_URI}@${digestOf(13)}`,
                digest: digestOf(13)
              },
              strategy: 'ROLLING'
            },
            registered: false
          }
        ],
        { what: 'rollback', wait: true }
      )
    ).rejects.toThrow('rollback-on-failure is false')
    // The one update is the rollback itself; none follows it.
    expect(ecs.updatedTo()).toEqual([rev(13)])
    expect(result.rolledBack).toBe(false)
  })

  test('logs that cannot be read only warn: the failure is still explained and rolled back', async () => {
    const ecs = new FakeEcs({ script: CRASH_LOOP, logs: LOGS })
    ecs.logsMock.on(FilterLogEventsCommand).rejects(
      Object.assign(new Error('not authorized to perform logs:FilterLogEvents'), {
        name: 'AccessDeniedException'
      })
    )
    const result = freshResult()

    await expect(
      superviseRollout(ecs.deps, rolloutPolicy(inputsFor()), result, ROLLOUT)
    ).rejects.toThrow('Rolled back: the service runs babyshield-backend-task:12')
    expect(vi.mocked(core.warning)).toHaveBeenCalledWith(
      expect.stringContaining(
        'Could not read the log lines of task a3 from /ecs/babyshield-backend: Could not read log group /ecs/babyshield-backend: AccessDeniedException: not authorized'
      )
    )
    expect(result.stoppedTasks.map(t => t.logLines)).toEqual([[], [], []])
    expect(result.rolledBack).toBe(true)
  })
})
