import * as core from '@actions/core'
import type { Task, TaskDefinition } from '@aws-sdk/client-ecs'
import { describe, expect, test, vi } from 'vitest'
import type { Ecs } from '../src/aws/ecs.js'
import type { Logs, LogQuery } from '../src/aws/logs.js'
import {
  annotationText,
  explainFailure,
  explanationLines,
  failingTasks,
  failureEvents,
  failureSummary,
  logStreams,
  ourStoppedTasks,
  reportFailure,
  StoppedTaskReader,
  taskFailure,
  tasksToShow,
  toStoppedTask,
  type Explanation
} from '../src/diagnostics.js'

vi.mock('@actions/core', async importOriginal => ({
  ...(await importOriginal<typeof import('@actions/core')>()),
  info: vi.fn(),
  warning: vi.fn(),
  error: vi.fn()
}))

const T0 = Date.parse('2026-11-26T12:00:00Z')
const REV = (n: number): string =>
  `arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:${n}`
const ARN = (id: string): string => `arn:aws:ecs:eu-north-1:123456789012:task/cluster/${id}`

function task(id: string, extra: Partial<Task> = {}): Task {
  return {
    taskArn: ARN(id),
    taskDefinitionArn: REV(13),
    startedBy: 'ecs-svc/new',
    lastStatus: 'STOPPED',
    createdAt: new Date(T0 + 1000),
    stoppedAt: new Date(T0 + 20_000),
    ...extra
  }
}

const crashed = (id: string, exitCode = 1, extra: Partial<Task> = {}): Task =>
  task(id, {
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [
      { name: 'app', exitCode },
      { name: 'log-router', exitCode: 0 }
    ],
    ...extra
  })

const query = { service: 's', deploymentId: 'ecs-svc/new', revision: REV(13), since: T0 }

describe('ourStoppedTasks', () => {
  test('keeps tasks our deployment started or that run our revision, since it began, newest first', () => {
    const tasks = [
      task('older', { stoppedAt: new Date(T0 + 5_000) }),
      task('newer', { stoppedAt: new Date(T0 + 9_000) }),
      task('by-revision', { startedBy: 'ecs-svc/other', stoppedAt: new Date(T0 + 7_000) }),
      task('other', { startedBy: 'ecs-svc/other', taskDefinitionArn: REV(12) }),
      task('before-us', { createdAt: new Date(T0 - 60_000) })
    ]
    expect(ourStoppedTasks(tasks, query).map(t => t.taskArn)).toEqual([
      ARN('newer'),
      ARN('by-revision'),
      ARN('older')
    ])
  })
})

describe('taskFailure', () => {
  test.each<[string, Task, string | undefined]>([
    [
      'an essential container exited 1',
      crashed('a'),
      'Essential container in task exited (app: exit 1)'
    ],
    [
      'an essential container exited 0: still a failure of a long-running service',
      crashed('a', 0),
      'Essential container in task exited (app: exit 0; log-router: exit 0)'
    ],
    [
      'the image could not be pulled',
      task('a', {
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: not found',
        containers: [{ name: 'app', reason: 'CannotPullContainerError: not found' }]
      }),
      'CannotPullContainerError: not found (app: no exit code, CannotPullContainerError: not found)'
    ],
    [
      'a load balancer health check failed',
      task('a', {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Task failed ELB health checks in (target-group arn:tg)',
        containers: [{ name: 'app', exitCode: 137 }]
      }),
      'Task failed ELB health checks in (target-group arn:tg) (app: exit 137)'
    ],
    [
      'scale-in or replacement by a newer deployment',
      task('a', {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/2)',
        containers: [{ name: 'app', exitCode: 143 }]
      }),
      undefined
    ],
    [
      'a Spot interruption',
      task('a', { stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' }),
      undefined
    ],
    ['stopped by a user', task('a', { stopCode: 'UserInitiated' }), undefined]
  ])('%s', (_story, stopped, failure) => {
    expect(taskFailure(stopped)).toBe(failure)
  })

  test('failingTasks keeps the failures only', () => {
    const tasks = [crashed('a'), task('b', { stopCode: 'UserInitiated' }), crashed('c')]
    expect(failingTasks(tasks).map(t => t.taskArn)).toEqual([ARN('a'), ARN('c')])
  })
})

test('failureSummary counts each kind of failure', () => {
  expect(failureSummary([crashed('a'), crashed('b', 137), crashed('c')], 'ecs-svc/new')).toBe(
    '3 tasks of deployment ecs-svc/new failed: 2× Essential container in task exited (app: exit 1); 1× Essential container in task exited (app: exit 137)'
  )
})

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

describe('logStreams', () => {
  const definition = (
    options: Record<string, string> | undefined,
    driver = 'awslogs'
  ): TaskDefinition => ({
    containerDefinitions: [
      {
        name: 'app',
        ...(options ? { logConfiguration: { logDriver: driver as 'awslogs', options } } : {})
      },
      { name: 'sidecar' }
    ]
  })
  const stopped = task('0123abcd')

  test.each<
    [
      string,
      TaskDefinition,
      string | undefined,
      { group: string; stream: string; container: string }[]
    ]
  >([
    [
      'awslogs with a prefix: prefix/container/task id in the container’s group',
      definition({ 'awslogs-group': '/ecs/api', 'awslogs-stream-prefix': 'ecs' }),
      undefined,
      [{ group: '/ecs/api', stream: 'ecs/app/0123abcd', container: 'app' }]
    ],
    [
      'the log-group input wins over the container’s group',
      definition({ 'awslogs-group': '/ecs/api', 'awslogs-stream-prefix': 'ecs' }),
      '/custom',
      [{ group: '/custom', stream: 'ecs/app/0123abcd', container: 'app' }]
    ],
    [
      'awslogs without a prefix names streams by container id: skipped',
      definition({ 'awslogs-group': '/ecs/api' }),
      undefined,
      []
    ],
    [
      'another log driver: skipped',
      definition({ 'awslogs-group': '/ecs/api', 'awslogs-stream-prefix': 'ecs' }, 'fluentd'),
      undefined,
      []
    ],
    ['no log configuration', definition(undefined), undefined, []]
  ])('%s', (_story, taskDefinition, logGroup, streams) => {
    expect(logStreams(taskDefinition, stopped, logGroup)).toEqual(streams)
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

describe('StoppedTaskReader', () => {
  function ecsWith(listed: string[][], described: Record<string, Task>) {
    const taskArns = vi.fn(() => Promise.resolve(listed.shift() ?? []))
    const tasks = vi.fn((arns: string[]) =>
      Promise.resolve(arns.flatMap(arn => (described[arn] ? [described[arn]] : [])))
    )
    return { ecs: { taskArns, tasks } as unknown as Ecs, taskArns, tasks }
  }

  test('describes each stopped task once, and a stopping one again until it has stopped', async () => {
    const stopping = crashed('b', 1, { lastStatus: 'DEACTIVATING' })
    const described: Record<string, Task> = { [ARN('a')]: crashed('a'), [ARN('b')]: stopping }
    const world = ecsWith(
      [
        [ARN('a'), ARN('b')],
        [ARN('a'), ARN('b')]
      ],
      described
    )
    const reader = new StoppedTaskReader()

    expect(await reader.read(world, query)).toHaveLength(2)
    described[ARN('b')] = crashed('b')
    expect(await reader.read(world, query)).toHaveLength(2)

    expect(world.tasks.mock.calls).toEqual([[[ARN('a'), ARN('b')]], [[ARN('b')]]])
  })

  test('no new stopped task: no DescribeTasks call', async () => {
    const world = ecsWith([[ARN('a')], [ARN('a')]], { [ARN('a')]: crashed('a') })
    const reader = new StoppedTaskReader()
    await reader.read(world, query)
    await reader.read(world, query)
    expect(world.tasks).toHaveBeenCalledTimes(1)
  })
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

  test('reportFailure fills the result and raises one titled error annotation', () => {
    const result = { stoppedTasks: [], events: [] }
    reportFailure(result, explanation, 'Rollout of x failed', 'why')
    expect(result).toEqual(explanation)
    expect(vi.mocked(core.error)).toHaveBeenCalledWith(annotationText('why', explanation), {
      title: 'Rollout of x failed'
    })
  })
})
