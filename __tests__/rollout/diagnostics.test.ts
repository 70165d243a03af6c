import * as core from '@actions/core'
import type { TaskDefinition } from '@aws-sdk/client-ecs'
import { describe, expect, test, vi } from 'vitest'
import type { Ecs } from '../../src/aws/ecs.js'
import type { Logs, LogQuery } from '../../src/aws/logs.js'
import {
  annotationText,
  explainFailure,
  explanationLines,
  failureEvents,
  reportFailure,
  tasksToShow,
  toStoppedTask,
  type Explanation
} from '../../src/rollout/diagnostics.js'
import { StoppedTaskReader } from '../../src/rollout/stopped-tasks.js'
import { T0, REV, ARN, task, crashed, query } from '../../test/support/rollout-shapes.js'

vi.mock('@actions/core')

describe('failureEvents', () => {
  const event = (seconds: number, message: string) => ({
    createdAt: new Date(T0 + seconds * 1000),
    message
  })
  test('failures since the deployment began, newest first, as time and message', () => {
    const events = [
      event(90, '(service s) has reached a steady state.'),
      event(60, '(service s) (deployment ecs-svc/new) deployment failed: tasks failed to start.'),
      event(40, '(service s) has started 1 tasks: (task a).'),
      event(70, '(service s) (task a) failed container health checks.'),
      event(
        20,
        '(service s) was unable to place a task because no container instance met all of its requirements.'
      ),
      event(-30, '(service s) (task z) failed container health checks.')
    ]
    expect(failureEvents(events, T0)).toEqual([
      '2026-11-26T12:01:10.000Z (service s) (task a) failed container health checks.',
      '2026-11-26T12:01:00.000Z (service s) (deployment ecs-svc/new) deployment failed: tasks failed to start.',
      '2026-11-26T12:00:20.000Z (service s) was unable to place a task because no container instance met all of its requirements.'
    ])
  })
  test('at most `limit`', () => {
    const events = Array.from({ length: 30 }, (_, i) => event(i, `(service s) failed ${i}`))
    expect(failureEvents(events, T0, 4)).toHaveLength(4)
  })
})

test('toStoppedTask keeps what the result and summary show', () => {
  expect(toStoppedTask(crashed('a'), ['boom'])).toEqual({
    taskArn: ARN('a'),
    taskId: 'a',
    taskDefinitionArn: REV(13),
    stoppedReason: 'Essential container in task exited',
    stopCode: 'EssentialContainerExited',
    stoppedAt: '2026-11-26T12:00:20.000Z',
    containers: [
      { name: 'app', exitCode: 1 },
      { name: 'log-router', exitCode: 0 }
    ],
    logLines: ['boom']
  })
})

test('tasksToShow prefers failures, newest first, at most three', () => {
  const quiet = task('q', { stopCode: 'ServiceSchedulerInitiated' })
  expect(
    tasksToShow([quiet, crashed('a'), crashed('b'), crashed('c'), crashed('d')]).map(t => t.taskArn)
  ).toEqual([ARN('a'), ARN('b'), ARN('c')])
  expect(tasksToShow([quiet])).toEqual([quiet])
})

describe('explainFailure', () => {
  const taskDefinition: TaskDefinition = {
    taskDefinitionArn: REV(13),
    containerDefinitions: [
      {
        name: 'app',
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/api', 'awslogs-stream-prefix': 'ecs' }
        }
      }
    ]
  }

  function world(
    logs: (query: LogQuery) => Promise<{ timestamp: number; stream: string; message: string }[]>
  ) {
    const ecs = {
      taskArns: vi.fn(() => Promise.resolve([ARN('a'), ARN('b')])),
      tasks: vi.fn(() => Promise.resolve([crashed('a'), crashed('b')])),
      taskDefinition: vi.fn(() => Promise.resolve({ taskDefinition, tags: [] })),
      service: vi.fn()
    }
    const recent = vi.fn(logs)
    return {
      deps: { ecs: ecs as unknown as Ecs, logs: { recent } as unknown as Logs },
      ecs,
      recent
    }
  }
  const request = {
    ...query,
    logGroup: undefined,
    snapshot: {
      events: [
        {
          createdAt: new Date(T0 + 30_000),
          message: '(service s) (task a) failed container health checks.'
        }
      ]
    },
    known: [],
    reader: new StoppedTaskReader()
  }

  test('gathers each task’s last log lines and the failure events, reading the revision once', async () => {
    const w = world(q =>
      Promise.resolve([
        { timestamp: 2, stream: q.streams?.[0] ?? '', message: 'KeyError: DATABASE_URL' },
        { timestamp: 1, stream: q.streams?.[0] ?? '', message: 'Starting' }
      ])
    )
    const explanation = await explainFailure(w.deps, {
      ...request,
      reader: new StoppedTaskReader()
    })

    expect(explanation.stoppedTasks.map(t => [t.taskId, t.logLines])).toEqual([
      ['a', ['Starting', 'KeyError: DATABASE_URL']],
      ['b', ['Starting', 'KeyError: DATABASE_URL']]
    ])
    expect(w.recent.mock.calls.map(([q]) => [q.group, q.streams, q.limit])).toEqual([
      ['/ecs/api', ['ecs/app/a'], 20],
      ['/ecs/api', ['ecs/app/b'], 20]
    ])
    expect(w.ecs.taskDefinition).toHaveBeenCalledTimes(1)
    expect(w.ecs.service).not.toHaveBeenCalled()
    expect(explanation.events).toEqual([
      '2026-11-26T12:00:30.000Z (service s) (task a) failed container health checks.'
    ])
  })

  test('logs that cannot be read only warn', async () => {
    const w = world(() => Promise.reject(new Error('AccessDenied')))
    const explanation = await explainFailure(w.deps, {
      ...request,
      reader: new StoppedTaskReader()
    })
    expect(explanation.stoppedTasks).toHaveLength(2)
    expect(explanation.stoppedTasks.every(t => t.logLines.length === 0)).toBe(true)
    expect(vi.mocked(core.warning)).toHaveBeenCalledWith(
      'Could not read the log lines of task a from /ecs/api: AccessDenied'
    )
  })

  test('stopped tasks that cannot be read fall back to those read while watching', async () => {
    const w = world(() => Promise.resolve([]))
    w.ecs.taskArns.mockRejectedValueOnce(new Error('Throttled'))
    const explanation = await explainFailure(w.deps, {
      ...request,
      known: [crashed('k')],
      reader: new StoppedTaskReader()
    })
    expect(explanation.stoppedTasks.map(t => t.taskId)).toEqual(['k'])
  })
})

describe('rendering', () => {
  const explanation: Explanation = {
    stoppedTasks: [toStoppedTask(crashed('a'), ['Starting', 'KeyError: DATABASE_URL'])],
    events: ['2026-11-26T12:01:00.000Z (service s) (deployment ecs-svc/new) deployment failed.']
  }

  test('log lines: each task, its containers, its last log lines, then the events', () => {
    expect(explanationLines(explanation)).toEqual([
      'task a (babyshield-backend-task:13) stopped at 2026-11-26T12:00:20.000Z: Essential container in task exited [EssentialContainerExited]',
      '  app: exit code 1',
      '  log-router: exit code 0',
      '  last 2 log lines:',
      '  | Starting',
      '  | KeyError: DATABASE_URL',
      'service events:',
      '  2026-11-26T12:01:00.000Z (service s) (deployment ecs-svc/new) deployment failed.'
    ])
    expect(explanationLines({ stoppedTasks: [], events: [] })).toEqual([
      'No stopped task of this deployment was found.'
    ])
  })

  test('the annotation: reason, a line a task with its exit codes and last log line, events', () => {
    expect(annotationText('The rollout failed', explanation)).toBe(
      [
        'The rollout failed',
        'task a: Essential container in task exited; app exit 1, log-router exit 0',
        '  last log line: KeyError: DATABASE_URL',
        '2026-11-26T12:01:00.000Z (service s) (deployment ecs-svc/new) deployment failed.'
      ].join('\n')
    )
  })

  test('reportFailure raises one titled error annotation', () => {
    reportFailure(explanation, 'Rollout of x failed', 'why')
    expect(vi.mocked(core.error)).toHaveBeenCalledWith(annotationText('why', explanation), {
      title: 'Rollout of x failed'
    })
  })
})
