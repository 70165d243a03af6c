import type { ServiceDeployment } from '@aws-sdk/client-ecs'
import { describe, expect, test } from 'vitest'
import {
  bakeMinutes,
  bakeTimeProblem,
  pauseProblem,
  classifyServiceDeployment,
  stageLine,
  strategyOf,
  whyItEnded
} from '../../src/rollout/service-deployments.js'

const ARN = 'arn:aws:ecs:eu-north-1:123456789012:service-deployment/babyshield-cluster/api/abc123'
const OLD = 'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:12'

function deployment(extra: Partial<ServiceDeployment>): ServiceDeployment {
  return {
    serviceDeploymentArn: ARN,
    status: 'IN_PROGRESS',
    targetServiceRevision: {
      arn: 'rev-new',
      requestedTaskCount: 2,
      runningTaskCount: 2,
      pendingTaskCount: 0,
      requestedProductionTrafficWeight: 100
    },
    sourceServiceRevisions: [{ arn: 'rev-old', requestedTaskCount: 2, runningTaskCount: 2 }],
    ...extra
  }
}

describe('strategyOf and bakeMinutes', () => {
  test.each([
    [undefined, 'ROLLING', 0],
    [{ strategy: 'ROLLING' as const, bakeTimeInMinutes: 30 }, 'ROLLING', 0],
    [{ strategy: 'BLUE_GREEN' as const, bakeTimeInMinutes: 15 }, 'BLUE_GREEN', 15],
    [{ strategy: 'BLUE_GREEN' as const }, 'BLUE_GREEN', 0],
    [
      {
        strategy: 'LINEAR' as const,
        bakeTimeInMinutes: 5,
        linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 }
      },
      'LINEAR',
      11
    ],
    [
      {
        strategy: 'CANARY' as const,
        bakeTimeInMinutes: 5,
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 10 }
      },
      'CANARY',
      15
    ]
  ])('%o: %s, %i minutes of bake', (config, strategy, minutes) => {
    expect(strategyOf({ deploymentConfiguration: config })).toBe(strategy)
    expect(bakeMinutes(config)).toBe(minutes)
  })
})

// ECS API reference: LinearConfiguration (stepPercent default 10.0, stepBakeTimeInMinutes default
// 6, "not applied after reaching 100 percent traffic") and CanaryConfiguration
// (canaryBakeTimeInMinutes default 10); DeploymentConfiguration documents no default bake time.
describe('bakeMinutes follows ECS: step bakes before 100 % only, ECS defaults when left out', () => {
  test.each([
    ['LINEAR, nothing given: 9 steps of 10 % baked 6 minutes', { strategy: 'LINEAR' as const }, 54],
    [
      'LINEAR 25 %, step bake 2, bake 5: 25, 50, 75 baked',
      {
        strategy: 'LINEAR' as const,
        bakeTimeInMinutes: 5,
        linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 }
      },
      11
    ],
    [
      'LINEAR 34 %, step bake 1: 34, 68 baked',
      {
        strategy: 'LINEAR' as const,
        linearConfiguration: { stepPercent: 34, stepBakeTimeInMinutes: 1 }
      },
      2
    ],
    [
      'LINEAR 11 %: 9 steps baked (11 … 99)',
      {
        strategy: 'LINEAR' as const,
        linearConfiguration: { stepPercent: 11, stepBakeTimeInMinutes: 1 }
      },
      9
    ],
    [
      'LINEAR 12.5 %: 7 steps baked',
      {
        strategy: 'LINEAR' as const,
        linearConfiguration: { stepPercent: 12.5, stepBakeTimeInMinutes: 1 }
      },
      7
    ],
    [
      'LINEAR 33.3 %: 33.3, 66.6, 99.9 baked',
      {
        strategy: 'LINEAR' as const,
        linearConfiguration: { stepPercent: 33.3, stepBakeTimeInMinutes: 1 }
      },
      3
    ],
    [
      'LINEAR 100 %: one step, no step bake',
      {
        strategy: 'LINEAR' as const,
        bakeTimeInMinutes: 4,
        linearConfiguration: { stepPercent: 100, stepBakeTimeInMinutes: 30 }
      },
      4
    ],
    [
      'LINEAR 20 %, step bake left out: 4 steps baked 6 minutes',
      { strategy: 'LINEAR' as const, linearConfiguration: { stepPercent: 20 } },
      24
    ],
    [
      'LINEAR step bake 0: only the bake time',
      {
        strategy: 'LINEAR' as const,
        bakeTimeInMinutes: 3,
        linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: 0 }
      },
      3
    ],
    ['CANARY, nothing given: a canary bake of 10', { strategy: 'CANARY' as const }, 10],
    [
      'CANARY 10 %, canary bake left out, bake 2',
      {
        strategy: 'CANARY' as const,
        bakeTimeInMinutes: 2,
        canaryConfiguration: { canaryPercent: 10 }
      },
      12
    ],
    [
      'CANARY canary bake 0, bake 1',
      {
        strategy: 'CANARY' as const,
        bakeTimeInMinutes: 1,
        canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: 0 }
      },
      1
    ],
    ['BLUE_GREEN, no bake time given', { strategy: 'BLUE_GREEN' as const }, 0]
  ])('%s', (_name, config, minutes) => {
    expect(bakeMinutes(config)).toBe(minutes)
  })
})

describe('bakeTimeProblem', () => {
  const blueGreen = {
    deploymentConfiguration: { strategy: 'BLUE_GREEN' as const, bakeTimeInMinutes: 20 }
  }

  test('a timeout shorter than the bake time is refused, saying what would do', () => {
    expect(bakeTimeProblem('api', blueGreen, 15)).toEqual({
      refusal:
        'timeout-minutes 15 cannot cover the rollout: ECS service api deploys by BLUE_GREEN with 20 minutes of bake time, so the watch would end while it bakes. Set timeout-minutes to at least 25 (the bake time and 5 minutes for the rest)'
    })
  })

  test('a timeout of exactly the bake time is refused: the watch would end as the bake does', () => {
    expect(bakeTimeProblem('api', blueGreen, 20)).toEqual({
      refusal:
        'timeout-minutes 20 cannot cover the rollout: ECS service api deploys by BLUE_GREEN with 20 minutes of bake time, so the watch would end while it bakes. Set timeout-minutes to at least 25 (the bake time and 5 minutes for the rest)'
    })
  })

  test.each<[number, 'refusal' | 'warning' | undefined]>([
    [19.5, 'refusal'],
    [20, 'refusal'],
    [20.5, 'warning'],
    [24.9, 'warning'],
    [25, undefined]
  ])(
    'at the edges: timeout-minutes %d with 20 minutes of bake time gives a %s',
    (timeout, kind) => {
      expect(Object.keys(bakeTimeProblem('api', blueGreen, timeout))).toEqual(kind ? [kind] : [])
    }
  )

  test('a timeout with little room beyond the bake time is a warning', () => {
    expect(bakeTimeProblem('api', blueGreen, 22).warning).toBe(
      'ECS service api deploys by BLUE_GREEN with 20 minutes of bake time; timeout-minutes 22 leaves 2 minutes for starting the tasks and shifting the traffic. 25 would be safer.'
    )
  })

  test('enough time, or no bake at all: nothing to say', () => {
    expect(bakeTimeProblem('api', blueGreen, 25)).toEqual({})
    expect(bakeTimeProblem('api', { deploymentConfiguration: {} }, 1)).toEqual({})
  })
})

describe('classifyServiceDeployment', () => {
  const rollout = { expect: 'rollout' as const, returnsTo: OLD }

  test.each<[ServiceDeployment['status'], string]>([
    ['PENDING', 'in-progress'],
    ['IN_PROGRESS', 'in-progress'],
    ['SUCCESSFUL', 'completed'],
    ['ROLLBACK_REQUESTED', 'ecs-rolled-back'],
    ['ROLLBACK_IN_PROGRESS', 'ecs-rolled-back'],
    ['ROLLBACK_SUCCESSFUL', 'ecs-rolled-back'],
    ['ROLLBACK_FAILED', 'failed'],
    ['STOP_REQUESTED', 'failed'],
    ['STOPPED', 'failed']
  ])('a rollout %s is %s: every ROLLBACK_ status is a failure, never a success', (status, kind) => {
    expect(classifyServiceDeployment(deployment({ status }), rollout).kind).toBe(kind)
  })

  test("ECS's rollback says why, and returns to the revision that ran before", () => {
    const seen = classifyServiceDeployment(
      deployment({
        status: 'ROLLBACK_IN_PROGRESS',
        lifecycleStage: 'BAKE_TIME',
        statusReason: 'Alarm babyshield-5xx is in ALARM',
        alarms: { status: 'TRIGGERED', triggeredAlarmNames: ['babyshield-5xx'] }
      }),
      rollout
    )
    expect(seen).toMatchObject({
      kind: 'ecs-rolled-back',
      reason:
        'ECS rolled the deployment back (ROLLBACK_IN_PROGRESS, at BAKE_TIME): Alarm babyshield-5xx is in ALARM; alarms in ALARM: babyshield-5xx',
      deploymentId: ARN,
      serviceDeploymentArn: ARN,
      revision: OLD
    })
  })

  test("following ECS's rollback: done at ROLLBACK_SUCCESSFUL, failed at ROLLBACK_FAILED", () => {
    const back = { expect: 'rollback' as const, returnsTo: OLD }
    expect(
      classifyServiceDeployment(deployment({ status: 'ROLLBACK_IN_PROGRESS' }), back).kind
    ).toBe('in-progress')
    expect(
      classifyServiceDeployment(deployment({ status: 'ROLLBACK_SUCCESSFUL' }), back).kind
    ).toBe('completed')
    expect(classifyServiceDeployment(deployment({ status: 'ROLLBACK_FAILED' }), back).kind).toBe(
      'failed'
    )
  })

  test('not listed yet: still in progress', () => {
    expect(classifyServiceDeployment(undefined, rollout)).toEqual({
      kind: 'in-progress',
      progress: 'the service deployment is not listed yet'
    })
  })
})

test('stageLine says the stage, the new tasks, the traffic and the old tasks', () => {
  expect(stageLine(deployment({ lifecycleStage: 'BAKE_TIME' }))).toBe(
    'IN_PROGRESS BAKE_TIME (baking): new revision 2/2 running, 100% of production traffic; old 2 running'
  )
})

test('whyItEnded gathers the reason, the rollback, the alarms and the circuit breaker', () => {
  expect(
    whyItEnded(
      deployment({
        statusReason: 'tasks failed to start',
        rollback: { reason: 'circuit breaker' },
        deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 }
      })
    )
  ).toBe(
    'tasks failed to start; rollback: circuit breaker; circuit breaker tripped: 3 failed tasks (threshold 3)'
  )
  expect(whyItEnded(deployment({}))).toBe('ECS gave no reason')
})

describe('pauseProblem', () => {
  const paused = (timeoutInMinutes?: number) => ({
    deploymentConfiguration: {
      strategy: 'CANARY' as const,
      lifecycleHooks: [
        {
          targetType: 'PAUSE' as const,
          lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT' as const],
          ...(timeoutInMinutes === undefined
            ? {}
            : { timeoutConfiguration: { timeoutInMinutes, action: 'ROLLBACK' as const } })
        },
        { targetType: 'AWS_LAMBDA' as const, lifecycleStages: ['POST_SCALE_UP' as const] }
      ]
    }
  })

  test.each<[string, number | undefined, number, { refusal?: string; warning?: string }]>([
    ['a watch shorter than the hook timeout', 30, 29, {}],
    [
      'a watch as long as the hook timeout',
      30,
      30,
      {
        refusal:
          "pause-watch-minutes 30 is not shorter than the timeout of ECS service api's PAUSE hook at POST_TEST_TRAFFIC_SHIFT (30 minutes): ECS would ROLLBACK by itself before this step approves. Give a pause-watch-minutes under 30"
      }
    ],
    ["ECS's default timeout of a day", undefined, 1439, {}],
    [
      'a watch past the default day',
      undefined,
      1440,
      {
        refusal:
          "pause-watch-minutes 1440 is not shorter than the timeout of ECS service api's PAUSE hook at POST_TEST_TRAFFIC_SHIFT (1440 minutes): ECS would ROLLBACK by itself before this step approves. Give a pause-watch-minutes under 1440"
      }
    ]
  ])('approve-pauses, %s', (_what, timeout, watchMinutes, expected) => {
    expect(pauseProblem('api', paused(timeout), { approve: true, watchMinutes }, 60)).toEqual(
      expected
    )
  })

  test('without approve-pauses the step says it waits on someone else', () => {
    expect(pauseProblem('api', paused(30), { approve: false, watchMinutes: 2 }, 15)).toEqual({
      warning:
        'ECS service api pauses its deployments at POST_TEST_TRAFFIC_SHIFT (PAUSE lifecycle hooks) and approve-pauses is false: the step waits there for someone else to continue or roll back, and its watch ends after timeout-minutes 15.'
    })
  })

  test('a Lambda hook is no pause, and no hook is nothing to say', () => {
    const lambdaOnly = {
      deploymentConfiguration: {
        lifecycleHooks: [
          { targetType: 'AWS_LAMBDA' as const, lifecycleStages: ['POST_SCALE_UP' as const] }
        ]
      }
    }
    expect(pauseProblem('api', lambdaOnly, { approve: true, watchMinutes: 2 }, 15)).toEqual({})
    expect(
      pauseProblem('api', { deploymentConfiguration: {} }, { approve: false, watchMinutes: 2 }, 15)
    ).toEqual({})
  })
})
