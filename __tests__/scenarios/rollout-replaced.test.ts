// Someone else's deployment replaces ours mid-rollout: reported, never claimed, never fought.
import { rolloutPolicy } from '../../src/inputs/policy.js'
import * as core from '@actions/core'
import { describe, expect, test, vi } from 'vitest'
import { renderSummary } from '../../src/report/summary.js'
import {
  FakeEcs,
  freshResult,
  freshRun,
  inputsFor,
  OLD_DEPLOYMENT,
  OUR_DEPLOYMENT,
  rev,
  ROLLOUT,
  superviseRollout
} from '../../test/support/scripted-ecs.js'

vi.mock('@actions/core')

/** Our rollout of 13 is under way when someone else's deployment of 14 takes over, at 18 s. */
function replaced(): FakeEcs {
  return new FakeEcs({
    script: [
      {
        at: 0,
        deployments: [
          { id: OUR_DEPLOYMENT, revision: 13, pending: 2, state: 'IN_PROGRESS' },
          { id: OLD_DEPLOYMENT, revision: 12, running: 2, state: 'COMPLETED' }
        ]
      },
      {
        at: 18,
        deployments: [
          { id: 'ecs-svc/theirs', revision: 14, pending: 2, state: 'IN_PROGRESS' },
          {
            id: OUR_DEPLOYMENT,
            status: 'ACTIVE',
            revision: 13,
            running: 1,
            state: 'IN_PROGRESS'
          },
          { id: OLD_DEPLOYMENT, status: 'ACTIVE', revision: 12, running: 1, state: 'COMPLETED' }
        ]
      }
    ]
  })
}

describe('our deployment replaced by someone else’s', () => {
  test('is reported on the first poll that shows it, and not rolled back', async () => {
    const ecs = replaced()
    const result = freshResult()

    await expect(
      superviseRollout(ecs.deps, rolloutPolicy(inputsFor()), result, ROLLOUT)
    ).rejects.toThrow(
      `The rollout of babyshield-backend-task:13 did not finish: deployment ${OUR_DEPLOYMENT} was replaced by deployment ecs-svc/theirs (babyshield-backend-task:14), which this step did not start. This step does not roll back over another deployment: the service now rolls out babyshield-backend-task:14 (deployment ecs-svc/theirs).`
    )
    expect(ecs.clock.seconds).toBe(20)
    expect(ecs.calls('UpdateService')).toBe(0)
    expect(result.rolledBack).toBe(false)
    expect(result.verified).toBe(false)
    expect(result.runs?.taskDefinitionArn).toBe(rev(14))
    expect(vi.mocked(core.error)).toHaveBeenCalledTimes(1)
  })
})

test('the summary labels the rollout replaced, not failed', async () => {
  const ecs = replaced()
  const result = { ...freshResult(), before: { taskDefinitionArn: rev(12) } }
  await superviseRollout(ecs.deps, rolloutPolicy(inputsFor()), result, ROLLOUT).catch(
    () => undefined
  )
  const run = freshRun()
  run.services = [result]
  expect(renderSummary(run)).toContain(
    '| Revision | babyshield-backend-task:12 → babyshield-backend-task:13 (replaced) → babyshield-backend-task:14 |'
  )
})
