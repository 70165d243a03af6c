import type { Deployment, Service } from '@aws-sdk/client-ecs'
import { describe, expect, test, vi } from 'vitest'
import {
  classify,
  deploymentInFlight,
  progressLine,
  shouldLookAtStoppedTasks,
  taskSignals,
  tasksStartedSince,
  type Observation
} from '../../src/rollout/classify.js'
import { T0, REV, dep, svc } from '../../test/support/rollout-shapes.js'

vi.mock('@actions/core')

const watch = { deploymentId: 'ecs-svc/new', previousRevision: REV(12) }

describe('progressLine', () => {
  test('running/desired, pending, failed and the rollout state, in that order', () => {
    expect(
      progressLine(dep('d', 'PRIMARY', 13, 'IN_PROGRESS', { running: 1, pending: 1, failed: 0 }))
    ).toBe('1/2 running, 1 pending, 0 failed, IN_PROGRESS')
  })
  test('missing counts read as 0 and a missing state as UNKNOWN', () => {
    expect(progressLine({ id: 'd' })).toBe('0/0 running, 0 pending, 0 failed, UNKNOWN')
  })
})

describe('classify', () => {
  const ours = (
    state: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED',
    counts = {},
    status: 'PRIMARY' | 'ACTIVE' = 'PRIMARY',
    extra: Partial<Deployment> = {}
  ): Deployment => dep('ecs-svc/new', status, 13, state, counts, extra)
  const old = dep('ecs-svc/old', 'ACTIVE', 12, 'COMPLETED', { running: 2 })

  test.each<[string, Service, Observation['kind']]>([
    ['starting', svc([ours('IN_PROGRESS', { pending: 2 }), old]), 'in-progress'],
    [
      'all running but the old deployment still draining',
      svc([ours('IN_PROGRESS', { running: 2 }), old]),
      'in-progress'
    ],
    [
      'COMPLETED but the old one still listed',
      svc([ours('COMPLETED', { running: 2 }), old]),
      'in-progress'
    ],
    [
      'COMPLETED alone but fewer running than desired',
      svc([ours('COMPLETED', { running: 1 })]),
      'in-progress'
    ],
    ['COMPLETED alone, all running', svc([ours('COMPLETED', { running: 2 })]), 'completed'],
    [
      'FAILED and still PRIMARY (circuit breaker without rollback)',
      svc([ours('FAILED', { failed: 3 })]),
      'failed'
    ],
    [
      'ECS counted three failed tasks',
      svc([ours('IN_PROGRESS', { failed: 3, pending: 2 }), old]),
      'tasks-failing'
    ],
    [
      'two failed tasks are not enough',
      svc([ours('IN_PROGRESS', { failed: 2, pending: 2 }), old]),
      'in-progress'
    ],
    [
      'ours FAILED and a new PRIMARY: ECS rolled back',
      svc([dep('ecs-svc/cb', 'PRIMARY', 12, 'IN_PROGRESS'), ours('FAILED', {}, 'ACTIVE')]),
      'ecs-rolled-back'
    ],
    [
      'ours gone, and an event says ECS is rolling it back',
      svc(
        [dep('ecs-svc/cb', 'PRIMARY', 12, 'IN_PROGRESS')],
        ['(service s) (deployment ecs-svc/new) deployment failed: tasks failed to start.']
      ),
      'ecs-rolled-back'
    ],
    [
      'ours still rolling, someone else PRIMARY',
      svc([dep('ecs-svc/x', 'PRIMARY', 14, 'IN_PROGRESS'), ours('IN_PROGRESS', {}, 'ACTIVE')]),
      'replaced'
    ],
    [
      'ours gone, no word of a rollback',
      svc([dep('ecs-svc/x', 'PRIMARY', 14, 'COMPLETED')]),
      'replaced'
    ],
    ['no deployments at all', svc([]), 'replaced']
  ])('%s', (_story, service, kind) => {
    expect(classify(service, watch).kind).toBe(kind)
  })

  test('the progress is our deployment’s, with the others’ running tasks', () => {
    expect(classify(svc([ours('IN_PROGRESS', { running: 1, pending: 1 }), old]), watch)).toEqual({
      kind: 'in-progress',
      progress: '1/2 running, 1 pending, 0 failed, IN_PROGRESS; 1 other deployment, 2 running'
    })
  })

  test('FAILED says ECS’s reason', () => {
    const observation = classify(
      svc([ours('FAILED', {}, 'PRIMARY', { rolloutStateReason: 'tasks failed to start.' })]),
      watch
    )
    expect(observation).toMatchObject({
      kind: 'failed',
      reason: 'ECS marked the rollout FAILED: tasks failed to start.'
    })
  })

  test('ECS’s rollback names the deployment and revision it returns to', () => {
    const observation = classify(
      svc([
        dep('ecs-svc/cb', 'PRIMARY', 12, 'IN_PROGRESS'),
        ours('FAILED', {}, 'ACTIVE', { rolloutStateReason: 'circuit breaker' })
      ]),
      watch
    )
    expect(observation).toMatchObject({
      kind: 'ecs-rolled-back',
      deploymentId: 'ecs-svc/cb',
      revision: REV(12),
      reason:
        'ECS marked deployment ecs-svc/new FAILED (circuit breaker) and its circuit breaker rolled back to babyshield-backend-task:12 in deployment ecs-svc/cb'
    })
  })

  test.each([
    [
      14,
      'deployment ecs-svc/new was replaced by deployment ecs-svc/x (babyshield-backend-task:14), which this step did not start'
    ],
    [
      12,
      'deployment ecs-svc/new was replaced by deployment ecs-svc/x (babyshield-backend-task:12), which this step did not start, which returns the service to the revision it ran before'
    ]
  ])('a replacement running revision %i says whose and what', (revision, reason) => {
    const observation = classify(
      svc([
        dep('ecs-svc/x', 'PRIMARY', revision, 'IN_PROGRESS'),
        ours('IN_PROGRESS', {}, 'ACTIVE')
      ]),
      watch
    )
    expect(observation).toMatchObject({ kind: 'replaced', reason, revision: REV(revision) })
  })

  test.each([
    [
      'our deployment is still listed as COMPLETED',
      [ours('COMPLETED', {}, 'ACTIVE')],
      [] as string[]
    ],
    [
      'our deployment is gone but its completion event is there',
      [],
      ['(service s) (deployment ecs-svc/new) deployment completed.']
    ]
  ])(
    'completed, then replaced between two polls (%s) is still a failure, said so',
    (_name, extra, events) => {
      const observation = classify(
        svc([dep('ecs-svc/x', 'PRIMARY', 14, 'IN_PROGRESS'), ...extra], events),
        watch
      )
      expect(observation).toMatchObject({
        kind: 'replaced',
        reason:
          'deployment ecs-svc/new completed, then was replaced before this step could verify it by deployment ecs-svc/x (babyshield-backend-task:14), which this step did not start'
      })
    }
  )
})

describe('stopped-task signals', () => {
  const started = (n: number, at = T0 + 1000) => ({
    message: `(service s) has started ${n} tasks: (task a).`,
    createdAt: new Date(at)
  })

  test('tasksStartedSince adds up the "has started N tasks" events since then', () => {
    const service: Service = {
      events: [
        started(1, T0 + 5000),
        { message: '(service s) has reached a steady state.', createdAt: new Date(T0 + 4000) },
        started(2, T0 + 1000),
        started(2, T0 - 60_000)
      ]
    }
    expect(tasksStartedSince(service, T0)).toBe(3)
  })

  test.each<
    [
      string,
      Partial<Record<'running' | 'pending' | 'failed', number>>,
      number,
      { failedTasks: number; vanished: number }
    ]
  >([
    [
      'all started tasks still there',
      { running: 1, pending: 1 },
      2,
      { failedTasks: 0, vanished: 0 }
    ],
    ['one started task is gone', { running: 1, pending: 1 }, 3, { failedTasks: 0, vanished: 1 }],
    ['ECS counts failures', { pending: 2, failed: 2 }, 4, { failedTasks: 2, vanished: 2 }]
  ])('%s', (_story, counts, startedCount, signals) => {
    const service: Service = {
      deployments: [dep('ecs-svc/new', 'PRIMARY', 13, 'IN_PROGRESS', counts)],
      events: [started(startedCount)]
    }
    expect(taskSignals(service, 'ecs-svc/new')).toEqual(signals)
  })

  test('no deployment of ours: no signal', () => {
    expect(taskSignals(svc([]), 'ecs-svc/new')).toEqual({ failedTasks: 0, vanished: 0 })
  })

  test.each([
    [{ failedTasks: 0, vanished: 0 }, { failedTasks: 0, vanished: 0 }, false],
    [{ failedTasks: 0, vanished: 0 }, { failedTasks: 1, vanished: 0 }, true],
    [{ failedTasks: 0, vanished: 0 }, { failedTasks: 0, vanished: 1 }, true],
    [{ failedTasks: 2, vanished: 1 }, { failedTasks: 2, vanished: 1 }, false],
    // ECS resets failedTasks once a task runs: a drop is no news, a rise after it is.
    [{ failedTasks: 2, vanished: 1 }, { failedTasks: 0, vanished: 1 }, false],
    [{ failedTasks: 0, vanished: 1 }, { failedTasks: 1, vanished: 1 }, true]
  ])('previous %j, now %j: look %s', (previous, now, look) => {
    expect(shouldLookAtStoppedTasks(previous, now)).toBe(look)
  })
})

describe('deploymentInFlight', () => {
  test.each<[string, Deployment[], string | undefined]>([
    ['one COMPLETED', [dep('a', 'PRIMARY', 12, 'COMPLETED')], undefined],
    ['one FAILED: settled, nothing moves', [dep('a', 'PRIMARY', 12, 'FAILED')], undefined],
    ['one IN_PROGRESS', [dep('a', 'PRIMARY', 12, 'IN_PROGRESS')], 'a'],
    [
      'two, the new one COMPLETED but the old still draining',
      [dep('a', 'PRIMARY', 12, 'COMPLETED'), dep('b', 'ACTIVE', 11, 'COMPLETED')],
      'a'
    ]
  ])('%s', (_story, deployments, busy) => {
    expect(deploymentInFlight(svc(deployments))?.id).toBe(busy)
  })
})
