// A deployment already in progress when the step starts is not stacked on: deploy waits for it
// to settle, saying so, and only then registers and rolls out its own revision.
import * as core from '@actions/core'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { deploy } from '../../src/modes/deploy.js'
import {
  digestOf,
  FakeEcs,
  freshRun,
  withImageInEcr,
  only,
  inputsFor,
  rev,
  type Step
} from '../../test/support/scripted-ecs.js'

vi.mock('@actions/core')

const THEIRS = 'ecs-svc/theirs'
const inProgress: Step = {
  at: 0,
  deployments: [
    { id: THEIRS, revision: 12, running: 1, pending: 1, state: 'IN_PROGRESS' },
    { id: 'ecs-svc/before', revision: 11, running: 1, state: 'COMPLETED' }
  ]
}

/** A world where the image is already in ECR, so deploy builds nothing. */
function world(script: Step[]): FakeEcs {
  return withImageInEcr(new FakeEcs({ script }))
}

beforeEach(() => {
  vi.mocked(core.info).mockClear()
})

describe('a deployment already in progress', () => {
  test('is waited for, then ours is deployed from where it settled', async () => {
    const ecs = world([
      inProgress,
      { at: 45, deployments: [{ id: THEIRS, revision: 12, running: 2, state: 'COMPLETED' }] }
    ])
    const run = freshRun()

    await deploy(inputsFor({ image: digestOf(13) }), ecs.deps, run)
    const result = only(run)

    expect(vi.mocked(core.info)).toHaveBeenCalledWith(
      `A deployment is already in progress on babyshield-backend-service: ${THEIRS} → babyshield-backend-task:12, 1/2 running, 1 pending, 0 failed, IN_PROGRESS; 1 other deployment, 1 running. Waiting for it to settle before deploying (up to 15 minutes).`
    )
    // Nothing was registered or updated before the deployment in progress settled.
    expect(ecs.registeredAt).toEqual([45])
    expect(ecs.updatedAt).toEqual([45])
    expect(result.timeline[0]?.message).toBe(
      'in progress 1/2 running, 1 pending, 0 failed, IN_PROGRESS; 1 other deployment, 1 running'
    )
    expect(run.status).toBe('succeeded')
    expect(result).toMatchObject({
      verified: true,
      previousTaskDefinitionArn: rev(12),
      taskDefinitionArn: rev(13)
    })
  })

  test('that settles somewhere else (it failed and ECS rolled it back) stops the deploy, changing nothing', async () => {
    const ecs = world([
      inProgress,
      {
        at: 30,
        deployments: [{ id: 'ecs-svc/breaker', revision: 11, running: 2, state: 'COMPLETED' }]
      }
    ])

    await expect(deploy(inputsFor({ image: digestOf(13) }), ecs.deps, freshRun())).rejects.toThrow(
      'While this step waited, the deployment in progress on babyshield-backend-service settled on babyshield-backend-task:11, not on babyshield-backend-task:12 that this deploy was planned from: nothing was deployed; run the step again'
    )
    expect(ecs.registeredAt).toEqual([])
    expect(ecs.calls('UpdateService')).toBe(0)
  })

  test('that does not settle within timeout-minutes stops the deploy, changing nothing', async () => {
    const ecs = world([inProgress])

    await expect(
      deploy(inputsFor({ image: digestOf(13), 'timeout-minutes': '1' }), ecs.deps, freshRun())
    ).rejects.toThrow(
      `A deployment already in progress on babyshield-backend-service (${THEIRS} → babyshield-backend-task:12) did not settle within 1 minute (last seen: 1/2 running, 1 pending, 0 failed, IN_PROGRESS; 1 other deployment, 1 running): nothing was deployed; this step left the service unchanged`
    )
    expect(ecs.clock.seconds).toBe(60)
    expect(ecs.registeredAt).toEqual([])
    expect(ecs.calls('UpdateService')).toBe(0)
  })

  test('none in progress: one look, no wait', async () => {
    const ecs = world([
      { at: 0, deployments: [{ id: THEIRS, revision: 12, running: 2, state: 'COMPLETED' }] }
    ])
    await deploy(inputsFor({ image: digestOf(13) }), ecs.deps, freshRun())
    expect(ecs.registeredAt).toEqual([0])
  })
})
