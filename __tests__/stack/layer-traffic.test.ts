// The local stack's ECS layer: how it reads a deployment configuration (traffic steps, bakes
// between them, what ECS refuses) and when early success is due. Pure decisions, table-tested;
// the walk itself is proven end to end (test/e2e/layer-strategies.test.ts).
import type { DeploymentConfiguration } from '@aws-sdk/client-ecs'
import { describe, expect, test } from 'vitest'
import { healthyNeeded } from '../../test/e2e/layer/ecs/early-success.js'
import {
  configurationProblem,
  hasTestListener,
  stepBakeMinutes,
  trafficSteps
} from '../../test/e2e/layer/ecs/traffic.js'

describe('trafficSteps', () => {
  test.each<[string, DeploymentConfiguration, number[]]>([
    ['ROLLING shifts nothing', { strategy: 'ROLLING' }, []],
    ['no strategy is ROLLING', {}, []],
    ['BLUE_GREEN shifts all at once', { strategy: 'BLUE_GREEN' }, [100]],
    [
      'LINEAR by its default 10 %',
      { strategy: 'LINEAR' },
      [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    ],
    [
      'LINEAR 34 % ends with the rest',
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 34 } },
      [34, 68, 100]
    ],
    [
      'LINEAR 33.3 % does not drift past tenths',
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 33.3 } },
      [33.3, 66.6, 99.9, 100]
    ],
    [
      'LINEAR 50 % is two steps',
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 50 } },
      [50, 100]
    ],
    ['CANARY by its default 5 %', { strategy: 'CANARY' }, [5, 100]],
    [
      'CANARY 10 % then the rest',
      { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10 } },
      [10, 100]
    ],
    [
      'CANARY 100 % is one step',
      { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 100 } },
      [100]
    ]
  ])('%s', (_name, config, expected) => {
    expect(trafficSteps(config)).toEqual(expected)
  })
})

describe('stepBakeMinutes', () => {
  test.each<[string, DeploymentConfiguration, number]>([
    ['LINEAR by default', { strategy: 'LINEAR' }, 6],
    [
      'LINEAR as configured',
      { strategy: 'LINEAR', linearConfiguration: { stepBakeTimeInMinutes: 2 } },
      2
    ],
    ['CANARY by default', { strategy: 'CANARY' }, 10],
    [
      'CANARY as configured',
      { strategy: 'CANARY', canaryConfiguration: { canaryBakeTimeInMinutes: 0 } },
      0
    ],
    ['BLUE_GREEN has no step to bake between', { strategy: 'BLUE_GREEN' }, 0],
    [
      'a linear configuration on a CANARY service is not read',
      { strategy: 'CANARY', linearConfiguration: { stepBakeTimeInMinutes: 2 } },
      10
    ]
  ])('%s', (_name, config, expected) => {
    expect(stepBakeMinutes(config)).toBe(expected)
  })
})

describe('configurationProblem', () => {
  const pause = (stage: string) => ({
    strategy: 'BLUE_GREEN' as const,
    lifecycleHooks: [{ targetType: 'PAUSE' as const, lifecycleStages: [stage as never] }]
  })
  const early = (healthyPercent: number | undefined, cleanup: string | undefined) => ({
    enable: true,
    ...(healthyPercent === undefined ? {} : { healthyPercent }),
    ...(cleanup === undefined ? {} : { sourceServiceRevisionCleanup: cleanup as never })
  })
  test.each<[string, DeploymentConfiguration, RegExp | undefined]>([
    ['a rolling configuration', { minimumHealthyPercent: 100, maximumPercent: 200 }, undefined],
    ['a PAUSE hook after the test traffic shift', pause('POST_TEST_TRAFFIC_SHIFT'), undefined],
    ['a PAUSE hook before each production step', pause('PRE_PRODUCTION_TRAFFIC_SHIFT'), undefined],
    [
      'a PAUSE hook at TEST_TRAFFIC_SHIFT',
      pause('TEST_TRAFFIC_SHIFT'),
      /PAUSE hooks cannot be configured at the TEST_TRAFFIC_SHIFT lifecycle stage/
    ],
    [
      'a PAUSE hook at PRODUCTION_TRAFFIC_SHIFT',
      pause('PRODUCTION_TRAFFIC_SHIFT'),
      /PAUSE hooks cannot be configured at the PRODUCTION_TRAFFIC_SHIFT lifecycle stage/
    ],
    [
      'an AWS_LAMBDA hook at PRODUCTION_TRAFFIC_SHIFT',
      {
        strategy: 'LINEAR',
        lifecycleHooks: [
          { targetType: 'AWS_LAMBDA', lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'] }
        ]
      },
      undefined
    ],
    [
      'a PAUSE timeout of 0 minutes',
      {
        strategy: 'BLUE_GREEN',
        lifecycleHooks: [
          {
            targetType: 'PAUSE',
            lifecycleStages: ['POST_SCALE_UP'],
            timeoutConfiguration: { timeoutInMinutes: 0 }
          }
        ]
      },
      /timeoutInMinutes must be between 1 and 20160/
    ],
    [
      'a linear step of 2 %',
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 2 } },
      /stepPercent must be between 3.0 and 100.0/
    ],
    [
      'a linear step of 3 %',
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 3 } },
      undefined
    ],
    [
      'a canary of 0 %',
      { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 0 } },
      /canaryPercent must be between 0.1 and 100.0/
    ],
    [
      'a canary bake of a day and a minute',
      { strategy: 'CANARY', canaryConfiguration: { canaryBakeTimeInMinutes: 1441 } },
      /canaryBakeTimeInMinutes must be between 0 and 1440/
    ],
    [
      'early success on a rolling service',
      { minimumHealthyPercent: 50, earlySuccessCriteria: early(50, 'DEFERRED') },
      undefined
    ],
    [
      'early success on a CANARY service',
      { strategy: 'CANARY', earlySuccessCriteria: early(100, 'DEFERRED') },
      /only be used with the ROLLING deployment strategy, not CANARY/
    ],
    [
      'early success below minimumHealthyPercent',
      { minimumHealthyPercent: 100, earlySuccessCriteria: early(50, 'BLOCKING') },
      /healthyPercent must be an integer between the minimumHealthyPercent \(100\) and 100/
    ],
    [
      'early success without healthyPercent',
      { minimumHealthyPercent: 0, earlySuccessCriteria: early(undefined, 'BLOCKING') },
      /healthyPercent must be an integer/
    ],
    [
      'early success without a cleanup',
      { minimumHealthyPercent: 0, earlySuccessCriteria: early(80, undefined) },
      /sourceServiceRevisionCleanup must be BLOCKING or DEFERRED/
    ],
    [
      'early success turned off is not checked',
      { strategy: 'CANARY', earlySuccessCriteria: { enable: false } },
      undefined
    ]
  ])('%s', (_name, config, expected) => {
    const problem = configurationProblem(config)
    if (expected) expect(problem).toMatch(expected)
    else expect(problem).toBeUndefined()
  })
})

describe('hasTestListener', () => {
  test.each([
    ['no load balancer', undefined, false],
    ['a plain target group', [{ targetGroupArn: 'arn:tg/blue' }], false],
    [
      'a production rule only',
      [{ advancedConfiguration: { alternateTargetGroupArn: 'g', productionListenerRule: 'p' } }],
      false
    ],
    [
      'a test listener rule',
      [{ advancedConfiguration: { alternateTargetGroupArn: 'g', testListenerRule: 't' } }],
      true
    ]
  ])('%s', (_name, loadBalancers, expected) => {
    expect(hasTestListener(loadBalancers)).toBe(expected)
  })
})

describe('healthyNeeded', () => {
  // The developer guide's own examples: 90 % of 100 is 90 tasks, 50 % of 3 is 2.
  test.each([
    [90, 100, 90],
    [50, 3, 2],
    [50, 2, 1],
    [100, 2, 2],
    [0, 2, 0],
    [34, 2, 1]
  ])('%i %% of %i tasks is %i', (percent, desired, expected) => {
    expect(healthyNeeded(percent, desired)).toBe(expected)
  })
})
