import { rolloutPolicy } from '../../src/inputs/policy.js'
import * as core from '@actions/core'
import { DescribeServicesCommand, DescribeTasksCommand } from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import {
  digestOf,
  FakeEcs,
  freshResult,
  inputsFor,
  rev,
  rollingUpdate,
  ROLLOUT,
  superviseRollout,
  taskArn,
  throttling
} from '../../test/support/scripted-ecs.js'

vi.mock('@actions/core')

/** A rolling update that completes, whose one task runs revision 13 on another digest (99). */
function onAnotherDigest(): FakeEcs {
  const ecs = new FakeEcs({ script: rollingUpdate(30) })
  ecs.ecsMock.on(DescribeTasksCommand).resolves({
    tasks: [
      {
        taskArn: taskArn('x'),
        taskDefinitionArn: ROLLOUT.to.taskDefinitionArn,
        lastStatus: 'RUNNING',
        containers: [{ name: 'app', imageDigest: digestOf(99) }]
      }
    ]
  })
  return ecs
}

beforeEach(() => {
  vi.mocked(core.info).mockClear()
  vi.mocked(core.warning).mockClear()
  vi.mocked(core.error).mockClear()
})

describe('superviseRollout', () => {
  test('a completed rollout is verified, and the log says how long it took', async () => {
    const ecs = new FakeEcs({ script: rollingUpdate(30) })
    const result = freshResult()
    await superviseRollout(ecs.deps, rolloutPolicy(inputsFor()), result, ROLLOUT)
    expect(result.verified).toBe(true)
    expect(vi.mocked(core.info)).toHaveBeenCalledWith(
      'Rollout of babyshield-backend-task:13 completed after 0:30 (7 polls).'
    )
    expect(vi.mocked(core.warning)).not.toHaveBeenCalled()
    expect(vi.mocked(core.error)).not.toHaveBeenCalled()
  })

  test('a completed rollout whose tasks run another digest fails verification and goes back, as a failed rollout does', async () => {
    const ecs = onAnotherDigest()
    const result = freshResult()
    await expect(
      superviseRollout(ecs.deps, rolloutPolicy(inputsFor()), result, ROLLOUT)
    ).rejects.toThrow(
      /^The rollout of babyshield-backend-task:13 completed but verification failed: tasks run the expected digest \(.*\)\. Rolled back: the service was returned to babyshield-backend-task:12 /
    )
    expect(ecs.updatedTo()).toEqual([rev(12)])
    expect(result.verified).toBe(false)
    expect(result.rolledBack).toBe(true)
  })

  test('with rollback-on-failure false, a rollout that fails verification stays, and the step says so', async () => {
    const ecs = onAnotherDigest()
    const result = freshResult()
    await expect(
      superviseRollout(
        ecs.deps,
        rolloutPolicy(inputsFor({ 'rollback-on-failure': 'false' })),
        result,
        ROLLOUT
      )
    ).rejects.toThrow(
      /completed but verification failed: tasks run the expected digest \(.*\)\. rollback-on-failure is false: the service is left on the failed deployment ecs-svc\/new \(babyshield-backend-task:13\)\./
    )
    expect(ecs.calls('UpdateService')).toBe(0)
    expect(result.rolledBack).toBe(false)
  })

  test('a watch that cannot go on (not throttling) says the rollout may still be moving', async () => {
    const ecs = new FakeEcs({ script: rollingUpdate(30) })
    ecs.ecsMock.on(DescribeServicesCommand).rejects(
      Object.assign(new Error('User is not authorized to perform ecs:DescribeServices'), {
        name: 'AccessDeniedException'
      })
    )
    await expect(
      superviseRollout(ecs.deps, rolloutPolicy(inputsFor()), freshResult(), ROLLOUT)
    ).rejects.toThrow(
      'Could not watch the rollout of babyshield-backend-task:13 (deployment ecs-svc/new): Could not describe ECS service babyshield-backend-service in cluster babyshield-cluster: AccessDeniedException: User is not authorized to perform ecs:DescribeServices. The rollout was started and may still be in progress; the service ran babyshield-backend-task:12 before this step.'
    )
    expect(ecs.calls('UpdateService')).toBe(0)
  })

  test('one throttled poll is waited out and reported as a warning', async () => {
    const ecs = new FakeEcs({ script: rollingUpdate(30) })
    let calls = 0
    ecs.ecsMock.on(DescribeServicesCommand).callsFake(() => {
      calls += 1
      if (calls === 2) throw throttling()
      return ecs.serviceNow()
    })
    await superviseRollout(ecs.deps, rolloutPolicy(inputsFor()), freshResult(), ROLLOUT)
    expect(vi.mocked(core.warning)).toHaveBeenCalledWith(
      '1 of 7 polls of babyshield-backend-service were throttled or not answered by ECS; the watch kept polling through them.'
    )
  })
})
