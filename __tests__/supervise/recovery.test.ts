import { rolloutPolicy } from '../../src/inputs/policy.js'
import * as core from '@actions/core'
import { DescribeTasksCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { describe, expect, test, vi } from 'vitest'
import { recoveryPlan, type Recovery } from '../../src/supervise/recovery.js'
import type { RolloutOutcome } from '../../src/rollout/watch.js'
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
  type Step,
  superviseRollout,
  taskArn
} from '../../test/support/scripted-ecs.js'

vi.mock('@actions/core')

type Failure = Exclude<RolloutOutcome, { kind: 'completed' }>
const failed: Failure = { kind: 'failed', reason: 'x' }
const timeout: Failure = { kind: 'timeout', reason: 'x' }
const tasksFailing: Failure = { kind: 'tasks-failing', reason: 'x' }
const ecsRolledBack: Failure = {
  kind: 'ecs-rolled-back',
  reason: 'x',
  deploymentId: 'ecs-svc/cb',
  revision: rev(12)
}
const replaced: Failure = {
  kind: 'replaced',
  reason: 'x',
  deploymentId: 'ecs-svc/x',
  revision: rev(14)
}
/** Our move: revision 13 replaces revision 12. */
const ours = {
  to: { taskDefinitionArn: rev(13) },
  from: { taskDefinitionArn: rev(12) },
  strategy: 'ROLLING' as const
}

describe('recoveryPlan', () => {
  test.each<[string, Failure, typeof ours, boolean, Recovery]>([
    ['FAILED: roll back', failed, ours, true, { kind: 'roll-back', to: rev(12) }],
    ['timeout: roll back', timeout, ours, true, { kind: 'roll-back', to: rev(12) }],
    ['tasks keep failing: roll back', tasksFailing, ours, true, { kind: 'roll-back', to: rev(12) }],
    ['rollback-on-failure false: leave', failed, ours, false, { kind: 'leave', why: 'disabled' }],
    [
      'ECS rolled back: follow it, never a second rollback',
      ecsRolledBack,
      ours,
      true,
      { kind: 'follow-ecs-rollback', deploymentId: 'ecs-svc/cb', revision: rev(12) }
    ],
    [
      'ECS rolled back, rollback-on-failure false: still follow it',
      ecsRolledBack,
      ours,
      false,
      { kind: 'follow-ecs-rollback', deploymentId: 'ecs-svc/cb', revision: rev(12) }
    ],
    ['replaced by someone else: leave', replaced, ours, true, { kind: 'leave', why: 'replaced' }],
    [
      'no previous revision: leave',
      failed,
      { ...ours, from: { taskDefinitionArn: '' } },
      true,
      { kind: 'leave', why: 'no-previous' }
    ],
    [
      'the previous revision is the one that failed: leave',
      failed,
      { ...ours, from: { taskDefinitionArn: rev(13) } },
      true,
      { kind: 'leave', why: 'no-previous' }
    ]
  ])('%s', (_story, outcome, rollout, rollbackOnFailure, plan) => {
    expect(recoveryPlan(outcome, rollout, rollbackOnFailure)).toEqual(plan)
  })
})

/** Stuck at 1/2 running: times out at timeout-minutes and is rolled back. */
const STUCK: Step[] = [
  {
    at: 0,
    deployments: [
      { id: OUR_DEPLOYMENT, revision: 13, running: 1, pending: 1, state: 'IN_PROGRESS' },
      { id: OLD_DEPLOYMENT, revision: 12, running: 2, state: 'COMPLETED' }
    ]
  }
]
const inputs = inputsFor({ 'timeout-minutes': '1' })

describe('rolling back', () => {
  test('a rollback that cannot be started says the service is left on the failed revision', async () => {
    const ecs = new FakeEcs({ script: STUCK })
    ecs.ecsMock
      .on(UpdateServiceCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }))
    const result = freshResult()
    await expect(
      superviseRollout(ecs.deps, rolloutPolicy(inputs), result, ROLLOUT)
    ).rejects.toThrow(
      `The rollback to babyshield-backend-task:12 could not be started (Could not update ECS service babyshield-backend-service to ${rev(12)}: AccessDeniedException: not authorized): the service is left on babyshield-backend-task:13; run this action with mode: rollback.`
    )
    expect(result.rolledBack).toBe(false)
  })

  test('a previous revision that names its image by tag is verified by revision, with a warning check', async () => {
    const ecs = new FakeEcs({ script: STUCK, taggedRevisions: [12] })
    const result = freshResult()
    await expect(
      superviseRollout(ecs.deps, rolloutPolicy(inputs), result, ROLLOUT)
    ).rejects.toThrow(
      `Rolled back: the service runs babyshield-backend-task:12 (${REPOSITORY_URI}:production-fixed-20261101) again, verified.`
    )
    expect(
      result.checks.find(c => c.name === 'after rollback: tasks run the expected digest')
    ).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining(
        `babyshield-backend-task:12 names its image as ${REPOSITORY_URI}:production-fixed-20261101, not by digest`
      ) as unknown
    })
    expect(result.runs?.image).toBe(`${REPOSITORY_URI}:production-fixed-20261101`)
    expect(result.runs?.digest).toBeUndefined()
  })

  test('a rollback whose tasks run another image says the verification failed', async () => {
    const ecs = new FakeEcs({ script: STUCK })
    ecs.ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: taskArn('r1'),
          taskDefinitionArn: rev(12),
          lastStatus: 'RUNNING',
          containers: [{ name: 'app', imageDigest: digestOf(13) }]
        }
      ]
    })
    const result = freshResult()
    await expect(
      superviseRollout(ecs.deps, rolloutPolicy(inputs), result, ROLLOUT)
    ).rejects.toThrow(
      /Rolled back: the service was returned to babyshield-backend-task:12 \(.*\), but its verification failed: tasks run the expected digest/
    )
    expect(result.rolledBack).toBe(true)
    expect(result.runs?.taskDefinitionArn).toBe(rev(12))
    expect(result.verified).toBe(false)
  })

  test('the rollback deployment is watched and written to the timeline like the rollout', async () => {
    const ecs = new FakeEcs({ script: STUCK })
    const result = freshResult()
    await superviseRollout(ecs.deps, rolloutPolicy(inputs), result, ROLLOUT).catch(() => undefined)
    const rollbackLines = result.timeline.map(e => e.message).filter(m => m.startsWith('rollback '))
    expect(rollbackLines).toEqual([
      'rollback started: deployment ecs-svc/update-1 → babyshield-backend-task:12',
      'rollback 0/2 running, 2 pending, 0 failed, IN_PROGRESS',
      'rollback 2/2 running, 0 pending, 0 failed, COMPLETED'
    ])
    expect(vi.mocked(core.error)).toHaveBeenCalled()
  })
})
