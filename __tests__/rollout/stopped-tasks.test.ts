import type { Task } from '@aws-sdk/client-ecs'
import { describe, expect, test, vi } from 'vitest'
import type { Ecs } from '../../src/aws/ecs.js'
import {
  failingTasks,
  failureSummary,
  ourStoppedTasks,
  StoppedTaskReader,
  taskFailure
} from '../../src/rollout/stopped-tasks.js'
import { T0, REV, ARN, task, crashed, query } from '../../test/support/rollout-shapes.js'

vi.mock('@actions/core')

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
