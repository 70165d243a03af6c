// A rollout that never finishes (a task that cannot be placed), and one whose every poll is
// throttled: both end at timeout-minutes, not before, and roll back.
import { rolloutPolicy } from '../../src/inputs/policy.js'
import * as core from '@actions/core'
import { describe, expect, test, vi } from 'vitest'
import {
  completesAfter,
  FakeEcs,
  freshResult,
  inputsFor,
  OLD_DEPLOYMENT,
  OUR_DEPLOYMENT,
  rev,
  ROLLOUT,
  SERVICE,
  type Step,
  superviseRollout
} from '../../test/support/scripted-ecs.js'
import { flatService } from '../../test/support/results.js'

vi.mock('@actions/core')

const UNPLACEABLE = `(service ${SERVICE}) was unable to place a task because no container instance met all of its requirements.`
const STUCK: Step[] = [
  {
    at: 0,
    deployments: [
      { id: OUR_DEPLOYMENT, revision: 13, running: 1, pending: 1, state: 'IN_PROGRESS' },
      { id: OLD_DEPLOYMENT, revision: 12, running: 2, state: 'COMPLETED' }
    ]
  },
  { at: 30, events: [UNPLACEABLE] }
]

describe('a stuck rollout', () => {
  test('times out at timeout-minutes exactly, then rolls back', async () => {
    const ecs = new FakeEcs({ script: STUCK })
    const result = freshResult()

    await expect(
      superviseRollout(
        ecs.deps,
        rolloutPolicy(inputsFor({ 'timeout-minutes': '2' })),
        result,
        ROLLOUT
      )
    ).rejects.toThrow(
      'The rollout of babyshield-backend-task:13 failed: it did not finish within 2 minutes (last seen: 1/2 running, 1 pending, 0 failed, IN_PROGRESS; 1 other deployment, 2 running). Rolled back: the service runs babyshield-backend-task:12'
    )
    expect(ecs.updatedAt).toEqual([120])
    expect(ecs.updatedTo()).toEqual([rev(12)])
    expect(result.rolledBack).toBe(true)
    expect(result.stoppedTasks).toEqual([])
    expect(result.events).toEqual([expect.stringContaining(UNPLACEABLE)])
    expect(vi.mocked(core.info)).toHaveBeenCalledWith(
      'No stopped task of this deployment was found.'
    )
  })

  test('throttled polls do not end the watch early: it polls on until the timeout, and says so', async () => {
    const ecs = new FakeEcs({ script: [...STUCK, { at: 10, throttled: true }] })
    const result = freshResult()

    const error = await superviseRollout(
      ecs.deps,
      rolloutPolicy(inputsFor({ 'timeout-minutes': '1' })),
      result,
      ROLLOUT
    ).catch((e: unknown) => e as Error)

    // Polls at 0, 5, … 60 s: the last eleven were throttled.
    expect(error?.message).toContain(
      'it did not finish within 1 minute (last seen: 1/2 running, 1 pending, 0 failed, IN_PROGRESS; 1 other deployment, 2 running; 11 of 13 polls were throttled or not answered)'
    )
    expect(ecs.updatedAt).toEqual([60])
    // The rollback could not be watched through the throttling either, and that is said. The
    // way back has its own budget, ten minutes, not what was left of the rollout's one minute.
    expect(error?.message).toContain(
      'The rollback to babyshield-backend-task:12 (deployment ecs-svc/update-1) did not complete either: it did not finish within 10 minutes'
    )
    expect(ecs.clock.seconds).toBe(660)
    expect(result.rolledBack).toBe(false)
    expect(result.runs?.taskDefinitionArn).toBe(rev(12))
  })
})

test('a rollback after a short timeout has its own budget, so it can finish', async () => {
  // The rollout never finishes; the way back takes three minutes, longer than timeout-minutes.
  const ecs = new FakeEcs({ script: STUCK, afterUpdate: completesAfter(180) })
  const result = freshResult()

  const error = await superviseRollout(
    ecs.deps,
    rolloutPolicy(inputsFor({ 'timeout-minutes': '1' })),
    result,
    ROLLOUT
  ).catch((e: unknown) => e as Error)

  expect(error?.message).toContain('it did not finish within 1 minute')
  expect(error?.message).toContain('Rolled back: the service runs babyshield-backend-task:12')
  expect(flatService(result)).toMatchObject({ rolledBack: true, taskDefinitionArn: rev(12) })
})
