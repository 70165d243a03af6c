// Judged while ECS shifts the traffic: a CANARY, LINEAR or BLUE_GREEN release is watched with the
// old revision still running, from the moment the new one runs beside it; a regression stops the
// service deployment before it has all the traffic, and ECS sends the traffic back. PAUSE hooks
// are said, and continued or rolled back when the step is told to act on them.
import * as core from '@actions/core'
import type { ServiceDeployment } from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { deploy } from '../../src/modes/deploy.js'
import { renderSummary } from '../../src/report/summary.js'
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
  revOf,
  settled,
  withImageInEcr,
  type Step,
  type Story,
  type TimedLog
} from '../../test/support/scripted-ecs.js'
import { serviceIn } from '../../test/support/results.js'

vi.mock('@actions/core')

const OLD = SETTLED_ON_12
const settledOn12: Step = { at: 0, deployments: [OLD] }
/** The tasks of the rollout the deploy starts (UpdateService 1). */
const NEW_TASKS = ['update-1-0', 'update-1-1']

const CANARY = {
  deploymentConfiguration: {
    strategy: 'CANARY' as const,
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 3 },
    bakeTimeInMinutes: 2
  }
}
const LINEAR = {
  deploymentConfiguration: {
    strategy: 'LINEAR' as const,
    linearConfiguration: { stepPercent: 34, stepBakeTimeInMinutes: 1 },
    bakeTimeInMinutes: 1
  }
}

const both = besideOld
const target = shiftedTo

/** A canary: 10 % at 15 s for three minutes, then all of it at 195 s, ECS's bake, done at 330 s. */
function canary(id: string): Step[] {
  return [
    {
      at: 0,
      deployments: both(id, 0),
      serviceDeployment: { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP', ...target(0, 0) }
    },
    {
      at: 15,
      deployments: both(id, 2),
      serviceDeployment: { lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', ...target(2, 10) }
    },
    { at: 195, serviceDeployment: { ...target(2, 100) } },
    { at: 200, serviceDeployment: { lifecycleStage: 'BAKE_TIME' } },
    { at: 320, serviceDeployment: { lifecycleStage: 'CLEAN_UP' } },
    {
      at: 330,
      deployments: [{ id, revision: 13, running: 2, state: 'COMPLETED' }],
      serviceDeployment: { status: 'SUCCESSFUL', lifecycleStage: undefined }
    }
  ]
}

/** Linear steps of 34 %, a minute each, then ECS's minute of bake: done at 270 s. */
function linear(id: string): Step[] {
  const shift = (at: number, weight: number): Step => ({
    at,
    serviceDeployment: { lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', ...target(2, weight) }
  })
  return [
    {
      at: 0,
      deployments: both(id, 0),
      serviceDeployment: { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP', ...target(0, 0) }
    },
    { at: 15, deployments: both(id, 2), serviceDeployment: { lifecycleStage: 'POST_SCALE_UP' } },
    shift(20, 34),
    shift(80, 68),
    shift(140, 100),
    { at: 200, serviceDeployment: { lifecycleStage: 'BAKE_TIME' } },
    { at: 260, serviceDeployment: { lifecycleStage: 'CLEAN_UP' } },
    {
      at: 270,
      deployments: [{ id, revision: 13, running: 2, state: 'COMPLETED' }],
      serviceDeployment: { status: 'SUCCESSFUL', lifecycleStage: undefined }
    }
  ]
}

/** Seconds after the update at which the new tasks log these lines. */
const newLines = (at: number, count: number): TimedLog[] =>
  Array.from({ length: count }, (_, i) => ({
    at,
    task: NEW_TASKS[i % 2] ?? '',
    message: `ERROR KeyError: recall_severity #${i + 1}`
  }))

function world(story: Story): FakeEcs {
  return withImageInEcr(new FakeEcs(story))
}

const infos = () => vi.mocked(core.info).mock.calls.map(c => String(c[0]))

beforeEach(() => {
  vi.mocked(core.info).mockClear()
  vi.mocked(core.warning).mockClear()
  vi.mocked(core.error).mockClear()
})

describe('a CANARY release', () => {
  test('errors at the canary step: the deployment is stopped at 10 %, and ECS sends the traffic back', async () => {
    const ecs = world({
      script: [settledOn12],
      serviceFields: CANARY,
      afterUpdate: (_revision, id) => canary(id),
      timedLogs: newLines(40, 12)
    })
    const result = freshRun()

    await expect(
      deploy(inputsFor({ image: digestOf(13), 'bake-minutes': '5' }), ecs.deps, result)
    ).rejects.toThrow(
      /^The rollout of babyshield-backend-task:13 failed: it regressed at PRODUCTION_TRAFFIC_SHIFT 10 % of production traffic, 0:[23]\d after the new revision was first judged beside the old one: the new tasks logged 12 error lines .*\. Stopped the service deployment \(StopServiceDeployment ROLLBACK\): ECS sent the traffic back: the service runs babyshield-backend-task:12 \(.*@sha256:0+12\) again, verified\.$/
    )
    // Stopped within a poll of the lines, long before the canary's three minutes were up.
    expect(ecs.serviceDeploymentActions).toHaveLength(1)
    const [stop] = ecs.serviceDeploymentActions
    expect(stop).toMatch(/^Stop ROLLBACK at (40|45)$/)
    // ECS's rollback is followed, not doubled: the one UpdateService is the deploy's.
    expect(ecs.updatedTo()).toEqual([rev(13)])
    expect(only(result)).toMatchObject({
      taskDefinitionArn: rev(12),
      rolledBack: true,
      failedTaskDefinitionArn: rev(13)
    })
    expect(result.services[0]?.bake).toMatchObject({
      status: 'regressed',
      shift: { stages: ['PRODUCTION_TRAFFIC_SHIFT 10 %'] }
    })
    expect(infos()).toContain(
      'PRODUCTION_TRAFFIC_SHIFT 10 %: 0 error lines in new tasks (before 0/task/min)'
    )
  })

  test('a quiet canary: judged through ECS’s own bake, done at SUCCESSFUL with no bake left', async () => {
    const ecs = world({
      script: [settledOn12],
      serviceFields: CANARY,
      afterUpdate: (_revision, id) => canary(id),
      // The old revision still runs beside the canary and logs errors: they are not the release's.
      timedLogs: Array.from({ length: 30 }, (_, i) => ({
        at: 30 + i * 3,
        task: 'old-0',
        message: `ERROR recall feed timeout #${i}`
      }))
    })
    const result = freshRun()

    await deploy(inputsFor({ image: digestOf(13), 'bake-minutes': '5' }), ecs.deps, result)

    expect(result.status).toBe('succeeded')
    expect(ecs.serviceDeploymentActions).toEqual([])
    // The shift was judged for more than bake-minutes: nothing is baked after SUCCESSFUL.
    expect(ecs.clock.seconds).toBeLessThan(340)
    const bake = result.services[0]?.bake
    expect(bake?.status).toBe('passed')
    expect(bake?.errors.lines).toBe(0)
    expect(bake?.shift?.stages).toEqual([
      'PRODUCTION_TRAFFIC_SHIFT 10 %',
      'PRODUCTION_TRAFFIC_SHIFT 100 %',
      'BAKE_TIME 100 %',
      'CLEAN_UP 100 %'
    ])
    expect(only(result).checks.find(c => c.name === 'bake')?.status).toBe('pass')
    expect(renderSummary(result)).toContain(
      '| While ECS shifted the traffic | 5:10: PRODUCTION&#95;TRAFFIC&#95;SHIFT 10 % → PRODUCTION&#95;TRAFFIC&#95;SHIFT 100 % → BAKE&#95;TIME 100 % → CLEAN&#95;UP 100 % |'
    )
  })
})

describe('a LINEAR release', () => {
  test('three quiet steps: success, judged at every step, the rest of the bake after SUCCESSFUL', async () => {
    const ecs = world({
      script: [settledOn12],
      serviceFields: LINEAR,
      afterUpdate: (_revision, id) => linear(id)
    })
    const result = freshRun()

    await deploy(inputsFor({ image: digestOf(13), 'bake-minutes': '6' }), ecs.deps, result)

    expect(result.status).toBe('succeeded')
    expect(result.services[0]?.bake?.shift?.stages).toEqual([
      'POST_SCALE_UP 0 %',
      'PRODUCTION_TRAFFIC_SHIFT 34 %',
      'PRODUCTION_TRAFFIC_SHIFT 68 %',
      'PRODUCTION_TRAFFIC_SHIFT 100 %',
      'BAKE_TIME 100 %',
      'CLEAN_UP 100 %'
    ])
    // Judged from 15 s to 270 s in the shift; six minutes in all, so the bake goes on to ~375 s.
    expect(ecs.clock.seconds).toBeGreaterThanOrEqual(370)
    expect(ecs.clock.seconds).toBeLessThan(390)
    expect(infos().some(l => l.startsWith('Baking 1:4'))).toBe(true)
    // A progress line as each stage begins, whatever its counts say.
    const stagesSaid = infos()
      .filter(l => / %: \d+ error lines in new tasks/.test(l))
      .map(l => l.slice(0, l.indexOf(':')))
    expect([...new Set(stagesSaid)]).toEqual([
      'POST_SCALE_UP 0 %',
      'PRODUCTION_TRAFFIC_SHIFT 34 %',
      'PRODUCTION_TRAFFIC_SHIFT 68 %',
      'PRODUCTION_TRAFFIC_SHIFT 100 %',
      'BAKE_TIME 100 %',
      'CLEAN_UP 100 %'
    ])
  })
})

describe('PAUSE hooks', () => {
  const hook = (status: string, expires = 3600): Partial<ServiceDeployment> => ({
    lifecycleHookDetails: [
      {
        hookId: 'h1',
        targetType: 'PAUSE',
        status: status as 'AWAITING_ACTION',
        expiresAt: new Date(Date.parse('2026-11-26T12:00:00Z') + expires * 1000),
        timeoutAction: 'ROLLBACK'
      }
    ]
  })
  const PAUSED = {
    deploymentConfiguration: {
      ...CANARY.deploymentConfiguration,
      lifecycleHooks: [
        {
          targetType: 'PAUSE' as const,
          lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT' as const],
          timeoutConfiguration: { timeoutInMinutes: 60, action: 'ROLLBACK' as const }
        }
      ]
    }
  }
  /** Scale-up, test traffic, then a pause at POST_TEST_TRAFFIC_SHIFT that lasts until continued. */
  const pausedAtTest = (id: string): Step[] => [
    {
      at: 0,
      deployments: both(id, 0),
      serviceDeployment: { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP', ...target(0, 0) }
    },
    {
      at: 15,
      deployments: both(id, 2),
      serviceDeployment: {
        lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
        ...target(2, 0),
        ...hook('AWAITING_ACTION')
      }
    }
  ]
  /** After CONTINUE: the canary, from its production shift on. */
  const continued = (id: string): Step[] =>
    canary(id)
      .slice(1)
      .map(step => ({
        ...step,
        at: step.at - 15,
        ...(step.at === 15
          ? { serviceDeployment: { ...step.serviceDeployment, ...hook('SUCCEEDED') } }
          : {})
      }))

  test('approve-pauses: the pause is said, watched a minute without a regression, then continued', async () => {
    const healthy = vi.fn(() => Promise.resolve(new Response(null, { status: 200 })))
    vi.stubGlobal('fetch', healthy)
    let id = ''
    const ecs = world({
      script: [settledOn12],
      serviceFields: PAUSED,
      afterUpdate: (_revision, deployment) => {
        id = deployment
        return pausedAtTest(deployment)
      },
      get afterContinue() {
        return continued(id)
      }
    })
    const result = freshRun()

    await deploy(
      inputsFor({
        image: digestOf(13),
        'bake-minutes': '5',
        'approve-pauses': 'true',
        'pause-watch-minutes': '1',
        'test-traffic-url': 'https://test.babyshield.example/healthz'
      }),
      ecs.deps,
      result
    )

    expect(result.status).toBe('succeeded')
    expect(ecs.serviceDeploymentActions).toEqual([
      expect.stringMatching(/^Continue CONTINUE h1 at (75|80)$/)
    ])
    expect(
      infos().some(l =>
        l.startsWith(
          'ECS paused the deployment of babyshield-backend-service at POST_TEST_TRAFFIC_SHIFT (PAUSE hook h1): it waits for ContinueServiceDeployment; at 13:00:00 (in 59:45) ECS will ROLLBACK by itself. This step continues it once the release was watched 1:00 there without a regression (approve-pauses).'
        )
      )
    ).toBe(true)
    expect(result.services[0]?.bake?.testTraffic).toMatchObject({
      url: 'https://test.babyshield.example/healthz',
      ok: expect.any(Number) as unknown
    })
    expect(only(result).timeline.map(e => e.message)).toContain(
      'approved at POST_TEST_TRAFFIC_SHIFT after 1:00 without a regression: CONTINUE'
    )
    vi.unstubAllGlobals()
  })

  test('a regression at the pause: rolled back at the hook (ContinueServiceDeployment ROLLBACK)', async () => {
    const ecs = world({
      script: [settledOn12],
      serviceFields: PAUSED,
      afterUpdate: (_revision, id) => pausedAtTest(id),
      timedLogs: newLines(30, 12)
    })
    const result = freshRun()

    await expect(
      deploy(
        inputsFor({ image: digestOf(13), 'bake-minutes': '5', 'approve-pauses': 'true' }),
        ecs.deps,
        result
      )
    ).rejects.toThrow(
      /it regressed at POST_TEST_TRAFFIC_SHIFT 0 % of production traffic, .*Rolled back at its paused hook \(ContinueServiceDeployment ROLLBACK\): ECS sent the traffic back: the service runs babyshield-backend-task:12 .* again, verified\.$/
    )
    expect(ecs.serviceDeploymentActions).toEqual([
      expect.stringMatching(/^Continue ROLLBACK h1 at (30|35)$/)
    ])
  })

  test('a pause the step does not own: it waits, says so, and goes on when someone else continues', async () => {
    const ecs = world({
      script: [settledOn12],
      serviceFields: PAUSED,
      // Someone continues the deployment at 100 s; ECS goes on with the canary.
      afterUpdate: (_revision, id) => [
        ...pausedAtTest(id),
        ...continued(id).map(step => ({ ...step, at: step.at + 100 }))
      ]
    })
    const result = freshRun()

    await deploy(inputsFor({ image: digestOf(13), 'bake-minutes': '5' }), ecs.deps, result)

    expect(result.status).toBe('succeeded')
    expect(ecs.serviceDeploymentActions).toEqual([])
    expect(
      infos().some(
        l =>
          l.includes('(PAUSE hook h1): it waits for ContinueServiceDeployment') &&
          l.endsWith(
            'approve-pauses is false: this step waits on someone else to continue or roll it back.'
          )
      )
    ).toBe(true)
  })
})

describe('early success criteria on a rolling service', () => {
  const EARLY = {
    deploymentConfiguration: {
      earlySuccessCriteria: {
        enable: true,
        healthyPercent: 50,
        sourceServiceRevisionCleanup: 'DEFERRED' as const
      }
    }
  }

  test('done on the service deployment’s word while the old tasks drain; the bake counts only the new tasks', async () => {
    const ecs = world({
      script: [settledOn12],
      serviceFields: EARLY,
      afterUpdate: (_revision, id) => [
        {
          at: 0,
          deployments: both(id, 0),
          serviceDeployment: { status: 'IN_PROGRESS' }
        },
        // ECS calls it done at 15 s; the old tasks drain until 90 s.
        {
          at: 15,
          deployments: [
            { id, revision: 13, running: 2, state: 'COMPLETED' },
            { ...OLD, status: 'ACTIVE' as const }
          ],
          serviceDeployment: { status: 'SUCCESSFUL' }
        },
        { at: 90, deployments: [{ id, revision: 13, running: 2, state: 'COMPLETED' }] }
      ],
      // The draining old tasks log errors; they are not the release's.
      timedLogs: Array.from({ length: 20 }, (_, i) => ({
        at: 20 + i,
        task: 'old-0',
        message: `ERROR old worker shutting down #${i}`
      }))
    })
    const result = freshRun()

    await deploy(inputsFor({ image: digestOf(13), 'bake-minutes': '1' }), ecs.deps, result)

    expect(result.status).toBe('succeeded')
    const checks = Object.fromEntries(only(result).checks.map(c => [c.name, c]))
    expect(checks['the deployment completed, the old one draining']).toMatchObject({
      status: 'pass',
      detail:
        'PRIMARY COMPLETED babyshield-backend-task:13; 1 older deployment with 2 tasks still draining (early success, DEFERRED cleanup)'
    })
    expect(checks['running ≥ 50 % of desired']?.status).toBe('pass')
    expect(checks['tasks run the service revision']).toMatchObject({
      status: 'pass',
      detail: '2 of 2 tasks run babyshield-backend-task:13; 2 of the old revision still draining'
    })
    expect(result.services[0]?.bake?.errors.lines).toBe(0)
    // Verified and baked before the old tasks were gone.
    expect(ecs.clock.seconds).toBeLessThan(90)
  })
})

describe('approve-pauses that cannot be honoured are refused before anything changes', () => {
  test('a service without PAUSE hooks: nothing is built, registered or updated', async () => {
    const ecs = world({ script: [settledOn12], serviceFields: CANARY })
    const result = freshRun()
    await expect(
      deploy(
        inputsFor({ image: digestOf(13), 'bake-minutes': '5', 'approve-pauses': 'true' }),
        ecs.deps,
        result
      )
    ).rejects.toThrow(
      'approve-pauses is true, but ECS service babyshield-backend-service has no PAUSE lifecycle hook in its deployment configuration: there is no pause to approve. Leave approve-pauses false, or add a PAUSE hook to the service. Nothing was deployed; the service still runs babyshield-backend-task:12.'
    )
    expect(ecs.registeredAt).toEqual([])
    expect(ecs.calls('UpdateService')).toBe(0)
  })

  test('a pause watch that outlasts the hook: ECS would roll back first', async () => {
    const ecs = world({
      script: [settledOn12],
      serviceFields: {
        deploymentConfiguration: {
          ...CANARY.deploymentConfiguration,
          lifecycleHooks: [
            {
              targetType: 'PAUSE' as const,
              lifecycleStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT' as const],
              timeoutConfiguration: { timeoutInMinutes: 5, action: 'ROLLBACK' as const }
            }
          ]
        }
      }
    })
    await expect(
      deploy(
        inputsFor({
          image: digestOf(13),
          'bake-minutes': '5',
          'approve-pauses': 'true',
          'pause-watch-minutes': '5'
        }),
        ecs.deps,
        freshRun()
      )
    ).rejects.toThrow(
      /^pause-watch-minutes 5 is not shorter than the timeout of ECS service babyshield-backend-service's PAUSE hook at PRE_PRODUCTION_TRAFFIC_SHIFT \(5 minutes\)/
    )
    expect(ecs.calls('UpdateService')).toBe(0)
  })
})

describe('several services, one regresses during the shift', () => {
  test('the canary is stopped, the rolling worker is updated back: both on what they ran', async () => {
    const WEB = 'babyshield-web'
    const WORKER = 'babyshield-worker'
    const ecs = withImageInEcr(
      new FakeEcs({
        [WEB]: {
          script: [{ at: 0, deployments: [OLD] }],
          serviceFields: CANARY,
          afterUpdate: (_revision, id) => canary(id),
          timedLogs: newLines(40, 12).map(line => ({
            ...line,
            task: line.task.replace('update-1', `${WEB}-update-1`)
          }))
        },
        [WORKER]: settled(WORKER)
      })
    )
    const result = freshRun([WEB, WORKER])

    await expect(
      deploy(
        inputsFor({ image: digestOf(13), service: `${WEB}\n${WORKER}`, 'bake-minutes': '5' }),
        ecs.deps,
        result
      )
    ).rejects.toThrow(
      /ECS service babyshield-web: The rollout of babyshield-web-task:13 failed: it regressed at PRODUCTION_TRAFFIC_SHIFT 10 %/
    )
    expect(ecs.serviceDeploymentActions).toHaveLength(1)
    expect(ecs.updatedTo(WORKER)).toEqual([revOf(WORKER, 13), revOf(WORKER, 12)])
    expect(ecs.updatedTo(WEB)).toEqual([revOf(WEB, 13)])
    expect(serviceIn(result, WEB)).toMatchObject({
      taskDefinitionArn: revOf(WEB, 12),
      rolledBack: true
    })
    expect(serviceIn(result, WORKER)).toMatchObject({
      taskDefinitionArn: revOf(WORKER, 12),
      rolledBack: true
    })
  })
})
