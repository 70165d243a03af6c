// ECS's circuit breaker fails our deployment and rolls back by itself: no second rollback is
// started; the watcher follows ECS's, verifies what runs, and says what happened.
import { rolloutPolicy } from '../../src/inputs/policy.js'
import * as core from '@actions/core'
import { describe, expect, test, vi } from 'vitest'
import {
  digestOf,
  FakeEcs,
  freshResult,
  inputsFor,
  OLD_DEPLOYMENT,
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

const PULL_ERROR =
  'CannotPullContainerError: pull image manifest has been retried 5 time(s): not found'
const failedToStart = (id: string): StoppedSpec => ({
  id,
  deploymentId: OUR_DEPLOYMENT,
  revision: 13,
  stopCode: 'TaskFailedToStart',
  reason: PULL_ERROR,
  containerReason: PULL_ERROR,
  ranFor: 0
})
const old = { id: OLD_DEPLOYMENT, revision: 12, running: 2, state: 'COMPLETED' as const }

const BREAKER: Step[] = [
  {
    at: 0,
    deployments: [{ id: OUR_DEPLOYMENT, revision: 13, pending: 2, state: 'IN_PROGRESS' }, old]
  },
  {
    at: 40,
    deployments: [
      { id: OUR_DEPLOYMENT, revision: 13, pending: 2, failed: 1, state: 'IN_PROGRESS' },
      old
    ],
    stopped: [failedToStart('b1')]
  },
  {
    at: 70,
    deployments: [
      { id: OUR_DEPLOYMENT, revision: 13, pending: 2, failed: 2, state: 'IN_PROGRESS' },
      old
    ],
    stopped: [failedToStart('b2')]
  },
  {
    at: 90,
    deployments: [
      { id: 'ecs-svc/breaker', revision: 12, pending: 2, state: 'IN_PROGRESS' },
      {
        id: OUR_DEPLOYMENT,
        status: 'ACTIVE',
        revision: 13,
        failed: 3,
        state: 'FAILED',
        reason: 'ECS deployment circuit breaker: tasks failed to start.'
      },
      { ...old, status: 'ACTIVE' }
    ],
    stopped: [failedToStart('b3')],
    events: [
      `(service ${SERVICE}) (deployment ${OUR_DEPLOYMENT}) deployment failed: tasks failed to start.`,
      `(service ${SERVICE}) rolling back to deployment ${OLD_DEPLOYMENT}.`
    ]
  },
  {
    at: 120,
    deployments: [{ id: 'ecs-svc/breaker', revision: 12, running: 2, state: 'COMPLETED' }]
  }
]

describe("ECS's circuit breaker rolls back", () => {
  test('no second rollback: ECS’s is followed, verified and reported', async () => {
    const ecs = new FakeEcs({ script: BREAKER })
    const result = freshResult()

    await expect(
      superviseRollout(ecs.deps, rolloutPolicy(inputsFor()), result, ROLLOUT)
    ).rejects.toThrow(
      `The rollout of babyshield-backend-task:13 failed: ECS marked deployment ${OUR_DEPLOYMENT} FAILED (ECS deployment circuit breaker: tasks failed to start.) and its circuit breaker rolled back to babyshield-backend-task:12 in deployment ecs-svc/breaker. ECS's circuit breaker already rolled back; this step did not start a second rollback: the service runs babyshield-backend-task:12 (${REPOSITORY_URI}@${digestOf(12)}) again, verified.`
    )
    expect(ecs.calls('UpdateService')).toBe(0)
    // Followed until ECS's rollback completed.
    expect(ecs.clock.seconds).toBe(120)
    expect(result.rolledBack).toBe(true)
    expect(result.runs?.taskDefinitionArn).toBe(rev(12))
    expect(result.checks.filter(c => c.status === 'fail')).toEqual([])

    expect(result.stoppedTasks.map(t => t.taskId)).toEqual(['b3', 'b2', 'b1'])
    expect(result.stoppedTasks[0]).toMatchObject({
      stopCode: 'TaskFailedToStart',
      stoppedReason: PULL_ERROR,
      containers: [{ name: 'app', reason: PULL_ERROR }]
    })
    expect(result.events).toEqual([
      // Newest first.
      expect.stringContaining(`rolling back to deployment ${OLD_DEPLOYMENT}.`),
      expect.stringContaining(
        `(deployment ${OUR_DEPLOYMENT}) deployment failed: tasks failed to start.`
      )
    ])
    expect(vi.mocked(core.error)).toHaveBeenCalledWith(
      expect.stringContaining(`task b3: ${PULL_ERROR}`),
      { title: 'Rollout of babyshield-backend-task:13 failed' }
    )
    expect(result.timeline.map(e => e.message)).toContain(
      'ECS rolls back: deployment ecs-svc/breaker → babyshield-backend-task:12'
    )
  })

  test('with rollback-on-failure false, ECS’s rollback is still followed and reported', async () => {
    const ecs = new FakeEcs({ script: BREAKER })
    const result = freshResult()
    await expect(
      superviseRollout(
        ecs.deps,
        rolloutPolicy(inputsFor({ 'rollback-on-failure': 'false' })),
        result,
        ROLLOUT
      )
    ).rejects.toThrow('this step did not start a second rollback')
    expect(ecs.calls('UpdateService')).toBe(0)
    expect(result.runs?.taskDefinitionArn).toBe(rev(12))
  })
})
