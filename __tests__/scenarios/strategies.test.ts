// ECS's own controller with a deployment strategy: a BLUE_GREEN rollout keeps both revisions
// through its bake time and is watched through its service deployment; ECS's rollback of it is a
// failure, followed and verified, never a success.
import * as core from '@actions/core'
import { DescribeServiceDeploymentsCommand } from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { deploy } from '../../src/modes/deploy.js'
import {
  besideOld,
  digestOf,
  SETTLED_ON_12,
  shiftedTo,
  FakeEcs,
  freshRun,
  inputsFor,
  only,
  rev,
  withImageInEcr,
  type Step,
  type Story
} from '../../test/support/scripted-ecs.js'

vi.mock('@actions/core')

const BLUE_GREEN = {
  deploymentConfiguration: { strategy: 'BLUE_GREEN' as const, bakeTimeInMinutes: 2 }
}
const settledOn12: Step = { at: 0, deployments: [SETTLED_ON_12] }

/** A blue/green rollout: scale up, shift traffic, bake two minutes, clean up. */
function blueGreen(id: string): Step[] {
  const both = (running: number) => besideOld(id, running)
  const target = shiftedTo
  return [
    {
      at: 0,
      deployments: both(0),
      serviceDeployment: { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP', ...target(0, 0) }
    },
    {
      at: 15,
      deployments: both(2),
      serviceDeployment: { lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', ...target(2, 100) }
    },
    // The old revision keeps running through the bake: two deployments, by design.
    { at: 20, serviceDeployment: { lifecycleStage: 'BAKE_TIME' } },
    { at: 140, serviceDeployment: { lifecycleStage: 'CLEAN_UP' } },
    {
      at: 150,
      deployments: [{ id, revision: 13, running: 2, state: 'COMPLETED' }],
      serviceDeployment: { status: 'SUCCESSFUL', lifecycleStage: undefined }
    }
  ]
}

function world(story: Story): FakeEcs {
  return withImageInEcr(new FakeEcs(story))
}

const infos = () => vi.mocked(core.info).mock.calls.map(c => String(c[0]))

beforeEach(() => {
  vi.mocked(core.info).mockClear()
  vi.mocked(core.warning).mockClear()
})

describe('a BLUE_GREEN service', () => {
  test('is watched through its service deployment: each stage reported, done once SUCCESSFUL', async () => {
    const ecs = world({
      script: [settledOn12],
      serviceFields: BLUE_GREEN,
      afterUpdate: (revision, id) => blueGreen(id)
    })
    const result = freshRun()

    await deploy(inputsFor({ image: digestOf(13) }), ecs.deps, result)

    expect(result.status).toBe('succeeded')
    expect(only(result)).toMatchObject({ taskDefinitionArn: rev(13), verified: true })
    // Through the bake time, not at the traffic shift: both revisions ran until 150 s.
    expect(ecs.clock.seconds).toBeGreaterThanOrEqual(150)
    expect(ecs.clock.seconds).toBeLessThan(160)
    const lines = infos()
    expect(
      lines.some(l => l.startsWith('rollout IN_PROGRESS SCALE_UP (starting the new revision)'))
    ).toBe(true)
    expect(
      lines.some(l =>
        l.startsWith(
          'rollout IN_PROGRESS BAKE_TIME (baking): new revision 2/2 running, 100% of production traffic; old 2 running'
        )
      )
    ).toBe(true)
    expect(ecs.ecsMock.commandCalls(DescribeServiceDeploymentsCommand).length).toBeGreaterThan(20)
  })

  test('ECS rolls it back during the bake (an alarm): a failure, not doubled, verified on the old revision', async () => {
    const ecs = world({
      script: [settledOn12],
      serviceFields: BLUE_GREEN,
      afterUpdate: (revision, id) => [
        ...blueGreen(id).slice(0, 3),
        {
          at: 60,
          serviceDeployment: {
            status: 'ROLLBACK_IN_PROGRESS',
            statusReason: 'Alarm babyshield-5xx is in ALARM',
            alarms: { status: 'TRIGGERED', triggeredAlarmNames: ['babyshield-5xx'] }
          }
        },
        {
          at: 75,
          deployments: [{ ...SETTLED_ON_12, status: 'PRIMARY' as const }],
          serviceDeployment: { status: 'ROLLBACK_SUCCESSFUL' }
        }
      ]
    })
    const result = freshRun()

    const error = await deploy(inputsFor({ image: digestOf(13) }), ecs.deps, result).then(
      () => undefined,
      (e: unknown) => e as Error
    )

    expect(error?.message).toContain(
      'The rollout of babyshield-backend-task:13 failed: ECS rolled the deployment back (ROLLBACK_IN_PROGRESS, at BAKE_TIME): Alarm babyshield-5xx is in ALARM; alarms in ALARM: babyshield-5xx'
    )
    expect(error?.message).toContain(
      'ECS already rolled the deployment back; this step did not start a second rollback: the service runs babyshield-backend-task:12'
    )
    expect(ecs.updatedTo()).toEqual([rev(13)])
    expect(only(result)).toMatchObject({
      taskDefinitionArn: rev(12),
      digest: digestOf(12),
      rolledBack: true,
      failedTaskDefinitionArn: rev(13)
    })
  })

  test('a timeout shorter than the bake time is refused before anything changes', async () => {
    const ecs = world({
      script: [settledOn12],
      serviceFields: { deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 30 } }
    })
    await expect(
      deploy(inputsFor({ image: digestOf(13), 'timeout-minutes': '15' }), ecs.deps, freshRun())
    ).rejects.toThrow(
      'timeout-minutes 15 cannot cover the rollout: ECS service babyshield-backend-service deploys by BLUE_GREEN with 30 minutes of bake time'
    )
    expect(ecs.registeredAt).toEqual([])
    expect(ecs.updatedTo()).toEqual([])
  })
})

describe('a ROLLING service with a service deployment', () => {
  test('deployments that look completed while the service deployment says ECS rolled back: a failure', async () => {
    const ecs = world({
      script: [settledOn12],
      afterUpdate: (revision, id) =>
        revision !== 13
          ? [
              { at: 0, deployments: [{ id, revision, pending: 2, state: 'IN_PROGRESS' }] },
              { at: 10, deployments: [{ id, revision, running: 2, state: 'COMPLETED' }] }
            ]
          : [
              {
                at: 0,
                deployments: [
                  { id, revision: 13, pending: 2, state: 'IN_PROGRESS' },
                  SETTLED_ON_12
                ],
                serviceDeployment: { status: 'IN_PROGRESS' }
              },
              {
                at: 20,
                deployments: [{ id, revision: 13, running: 2, state: 'COMPLETED' }],
                serviceDeployment: {
                  status: 'ROLLBACK_REQUESTED',
                  statusReason: 'ECS deployment circuit breaker: alarm triggered'
                }
              }
            ]
    })
    const result = freshRun()

    const error = await deploy(inputsFor({ image: digestOf(13) }), ecs.deps, result).then(
      () => undefined,
      (e: unknown) => e as Error
    )

    expect(error?.message).toContain('ECS rolled the deployment back (ROLLBACK_REQUESTED)')
    expect(result.status).toBe('failed')
  })
})
