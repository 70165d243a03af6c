// The verdicts that one table row of classify.test.ts or service-deployments.test.ts guards, each
// in a whole deploy: a rollout ECS marks FAILED with its failed tasks counted, one COMPLETED with
// fewer tasks running than desired, a service deployment that is ROLLBACK_SUCCESSFUL by the first
// poll that sees it, and one that is STOPPED.
import { describe, expect, test, vi } from 'vitest'
import { deploy } from '../../src/modes/deploy.js'
import {
  completesAfter,
  digestOf,
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

const OLD = { id: 'ecs-svc/old', revision: 12, running: 2, state: 'COMPLETED' as const }

/** A service on revision 12 whose update to 13 goes as `steps` say; a rollback completes in 20 s. */
function world(steps: (id: string) => Step[], extra: Partial<Story> = {}): FakeEcs {
  return withImageInEcr(
    new FakeEcs({
      script: [{ at: 0, deployments: [OLD] }],
      afterUpdate: (revision, id) =>
        revision === 13 ? steps(id) : completesAfter(20)(revision, id),
      ...extra
    })
  )
}

async function deployed(ecs: FakeEcs) {
  const result = freshRun()
  const error = await deploy(inputsFor({ image: digestOf(13) }), ecs.deps, result).then(
    () => undefined,
    (e: unknown) => e as Error
  )
  return { result, error }
}

describe('a rolling service', () => {
  test('ECS marks the rollout FAILED with three failed tasks and keeps it PRIMARY: ECS’s verdict is the reason, and the step rolls back', async () => {
    const ecs = world(id => [
      { at: 0, deployments: [{ id, revision: 13, pending: 2, state: 'IN_PROGRESS' }, OLD] },
      {
        at: 30,
        deployments: [
          {
            id,
            revision: 13,
            pending: 2,
            failed: 3,
            state: 'FAILED',
            reason: 'ECS deployment circuit breaker: tasks failed to start.'
          },
          { ...OLD, status: 'ACTIVE' }
        ]
      }
    ])

    const { result, error } = await deployed(ecs)

    expect(error?.message).toMatch(
      /^The rollout of babyshield-backend-task:13 failed: ECS marked the rollout FAILED: ECS deployment circuit breaker: tasks failed to start\.\s+Rolled back: the service runs babyshield-backend-task:12 /
    )
    expect(ecs.updatedTo()).toEqual([rev(13), rev(12)])
    // Decided on the first poll that saw it, not later.
    expect(ecs.updatedAt[1]).toBeGreaterThanOrEqual(30)
    expect(ecs.updatedAt[1]).toBeLessThanOrEqual(35)
    expect(only(result)).toMatchObject({ rolledBack: true, failedTaskDefinitionArn: rev(13) })
  })

  test('COMPLETED alone with fewer tasks running than desired is not done: the step waits until all run', async () => {
    const ecs = world(id => [
      { at: 0, deployments: [{ id, revision: 13, pending: 2, state: 'IN_PROGRESS' }, OLD] },
      // ECS calls it COMPLETED while one task is still to be replaced (a task that was stopped).
      { at: 20, deployments: [{ id, revision: 13, running: 1, pending: 1, state: 'COMPLETED' }] },
      { at: 60, deployments: [{ id, revision: 13, running: 2, state: 'COMPLETED' }] }
    ])

    const { result, error } = await deployed(ecs)

    expect(error).toBeUndefined()
    expect(result.status).toBe('succeeded')
    // The watch ended at the first poll that saw both tasks, not at 20 s.
    expect(ecs.clock.seconds).toBeGreaterThanOrEqual(60)
    expect(ecs.clock.seconds).toBeLessThan(66)
    expect(only(result).checks).toContainEqual({
      name: 'running = desired',
      status: 'pass',
      detail: '2 running, 2 desired'
    })
  })
})

describe('a BLUE_GREEN service, watched through its service deployment', () => {
  const BLUE_GREEN = {
    deploymentConfiguration: { strategy: 'BLUE_GREEN' as const, bakeTimeInMinutes: 2 }
  }
  const both = (id: string, running: number) => [
    { id, revision: 13, running, pending: 2 - running, state: 'IN_PROGRESS' as const },
    { ...OLD, status: 'ACTIVE' as const }
  ]
  const shifting: Partial<Story['script'][number]['serviceDeployment']> = {
    status: 'IN_PROGRESS',
    lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
    targetServiceRevision: { arn: 'new', requestedTaskCount: 2, runningTaskCount: 2 },
    sourceServiceRevisions: [{ arn: 'old', requestedTaskCount: 2, runningTaskCount: 2 }]
  }

  test('ROLLBACK_SUCCESSFUL on the first poll that sees it: a failure, ECS’s rollback is not doubled, the old revision is verified', async () => {
    const ecs = world(
      id => [
        { at: 0, deployments: both(id, 0), serviceDeployment: shifting },
        { at: 15, deployments: both(id, 2) },
        // Between two polls ECS rolled back all the way: no ROLLBACK_IN_PROGRESS was seen.
        {
          at: 42,
          deployments: [{ ...OLD, status: 'PRIMARY' as const }],
          serviceDeployment: {
            status: 'ROLLBACK_SUCCESSFUL',
            lifecycleStage: 'BAKE_TIME',
            statusReason: 'Alarm babyshield-5xx is in ALARM'
          }
        }
      ],
      { serviceFields: BLUE_GREEN }
    )

    const { result, error } = await deployed(ecs)

    expect(error?.message).toContain(
      'The rollout of babyshield-backend-task:13 failed: ECS rolled the deployment back (ROLLBACK_SUCCESSFUL, at BAKE_TIME): Alarm babyshield-5xx is in ALARM'
    )
    expect(error?.message).toContain(
      'ECS already rolled the deployment back; this step did not start a second rollback: the service runs babyshield-backend-task:12'
    )
    expect(ecs.updatedTo()).toEqual([rev(13)])
    expect(ecs.clock.seconds).toBeLessThan(50)
    expect(only(result)).toMatchObject({
      taskDefinitionArn: rev(12),
      rolledBack: true,
      failedTaskDefinitionArn: rev(13)
    })
  })

  test('STOPPED: a failure that says so, and the step puts the old revision back itself', async () => {
    const stopped = (id: string): Step[] => [
      { at: 0, deployments: both(id, 0), serviceDeployment: shifting },
      { at: 15, deployments: both(id, 2) },
      {
        at: 30,
        serviceDeployment: {
          status: 'STOPPED',
          statusReason: 'The deployment was stopped by StopServiceDeployment'
        }
      }
    ]
    const ecs = world(stopped, {
      serviceFields: BLUE_GREEN,
      // The step's own rollback is a service deployment of its own, which succeeds.
      afterUpdate: (revision, id) =>
        revision === 13
          ? stopped(id)
          : completesAfter(20)(revision, id).map((step, i) => ({
              ...step,
              serviceDeployment: {
                status: i === 0 ? 'IN_PROGRESS' : 'SUCCESSFUL',
                statusReason: undefined
              }
            }))
    })

    const { result, error } = await deployed(ecs)

    expect(error?.message).toMatch(
      /^The rollout of babyshield-backend-task:13 failed: ECS stopped the deployment \(STOPPED\): The deployment was stopped by StopServiceDeployment\.\s+Rolled back: the service runs babyshield-backend-task:12 /
    )
    expect(ecs.updatedTo()).toEqual([rev(13), rev(12)])
    expect(ecs.updatedAt[1]).toBeLessThanOrEqual(35)
    expect(only(result)).toMatchObject({ taskDefinitionArn: rev(12), rolledBack: true })
  })
})
