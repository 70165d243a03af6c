// The judge on what users get: the load balancer's 5xx share and p99, new target group against
// old (or the minutes before the deploy, for a rolling service), and the team's alarms, judged
// every minute of the traffic shift and the bake. A regression takes the release back as any
// other; a signal with too little traffic says so, and the bake goes on with what it has.
import * as core from '@actions/core'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { deploy } from '../../src/modes/deploy.js'
import { renderSummary } from '../../src/report/summary.js'
import {
  besideOld,
  digestOf,
  FakeEcs,
  freshRun,
  inputsFor,
  only,
  rev,
  SETTLED_ON_12,
  settled,
  shiftedTo,
  SERVICE,
  withImageInEcr,
  type Step,
  type Story
} from '../../test/support/scripted-ecs.js'
import {
  behindBlue,
  BLUE,
  fakeLoadBalancer,
  GREEN,
  type ScriptedAlarm,
  type ScriptedMinute,
  type TrafficScript
} from '../../test/support/load-balancer.js'

vi.mock('@actions/core')

/** 0.5 % of the requests answered 5xx, p99 120 ms. */
function healthy(requests: number): ScriptedMinute {
  return { requests, errors: requests * 0.005, p99: 0.12 }
}

const CANARY = {
  deploymentConfiguration: {
    strategy: 'CANARY' as const,
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 3 },
    bakeTimeInMinutes: 2
  },
  loadBalancers: behindBlue(true)
}

/** A canary: 10 % at 15 s for three minutes, all of it at 195 s, ECS's bake, done at 330 s. */
function canary(id: string): Step[] {
  return [
    {
      at: 0,
      deployments: besideOld(id, 0),
      serviceDeployment: { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP', ...shiftedTo(0, 0) }
    },
    {
      at: 15,
      deployments: besideOld(id, 2),
      serviceDeployment: { lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', ...shiftedTo(2, 10) }
    },
    { at: 195, serviceDeployment: { ...shiftedTo(2, 100) } },
    { at: 200, serviceDeployment: { lifecycleStage: 'BAKE_TIME' } },
    { at: 320, serviceDeployment: { lifecycleStage: 'CLEAN_UP' } },
    {
      at: 330,
      deployments: [{ id, revision: 13, running: 2, state: 'COMPLETED' }],
      serviceDeployment: { status: 'SUCCESSFUL', lifecycleStage: undefined }
    }
  ]
}

/**
 * 2,000 requests a minute: blue takes them all before the deploy; from minute 0 the canary's
 * green takes 10 %, from minute 3 all of them. `green` and `blue` say how each side answers.
 */
function canaryTraffic(
  green: (requests: number) => ScriptedMinute,
  blue: (requests: number) => ScriptedMinute = healthy
): TrafficScript {
  return {
    minute: (group, minute) => {
      const weight = minute < 0 ? 0 : minute < 3 ? 0.1 : 1
      if (group === GREEN) return weight > 0 ? green(2000 * weight) : undefined
      return weight < 1 ? blue(2000 * (1 - weight)) : undefined
    }
  }
}

/** A rolling service behind blue, 1,000 requests a minute; `after` says the minutes from 0 on. */
function rollingTraffic(after: (requests: number) => ScriptedMinute | undefined): TrafficScript {
  return {
    minute: (group, minute) => {
      if (group !== BLUE) return undefined
      return minute < 0 ? healthy(1000) : after(1000)
    }
  }
}

function world(story: Story, traffic: TrafficScript): FakeEcs {
  const ecs = withImageInEcr(new FakeEcs(story))
  Object.assign(ecs.deps, fakeLoadBalancer(ecs.clock, traffic).reads)
  return ecs
}

function rolling(traffic: TrafficScript, alarms?: (second: number) => ScriptedAlarm[]) {
  return world(
    settled(SERVICE, { serviceFields: { loadBalancers: behindBlue(false) } }),
    alarms ? { ...traffic, alarms } : traffic
  )
}

const canaryStory = (): Story => ({
  script: [{ at: 0, deployments: [SETTLED_ON_12] }],
  serviceFields: CANARY,
  afterUpdate: (_revision, id) => canary(id)
})

const infos = () => vi.mocked(core.info).mock.calls.map(c => String(c[0]))

beforeEach(() => {
  vi.mocked(core.info).mockClear()
  vi.mocked(core.warning).mockClear()
  vi.mocked(core.error).mockClear()
})

describe('a release the judge passes', () => {
  test('quiet: a rolling service’s new minutes as its minutes before the deploy pass, each signal with its figures', async () => {
    const ecs = rolling(rollingTraffic(healthy))
    const result = freshRun()

    await deploy(inputsFor({ image: digestOf(13), 'bake-minutes': '5' }), ecs.deps, result)

    expect(result.status).toBe('succeeded')
    const judged = result.services[0]?.bake?.judged
    expect(judged?.unread).toBeUndefined()
    // The bake began at 20 s; its minutes counted from 1:00, four of them ended by 5:20.
    expect(judged?.signals.map(s => [s.signal, s.status])).toEqual([
      ['5xx', 'passed'],
      ['latency', 'passed']
    ])
    expect(judged?.signals[0]).toMatchObject({
      new: { requests: 4000, share: 0.005 },
      old: { requests: 10_000, share: 0.005 },
      confidence: 0.998
    })
    expect(judged?.signals[1]).toMatchObject({
      new: { requests: 4000, p99: 0.12 },
      old: { requests: 10_000, p99: 0.12 }
    })
    expect(judged?.minutes).toHaveLength(4)
    const summary = renderSummary(result)
    // Without the worst minute of each: 15 of the 60 5xx answers where 3,000 of 12,000 requests
    // are new; P(at least 15 of 60 at 1 in 4) = 0.55.
    expect(summary).toContain(
      '| 5xx share | ✅ passed | 0.50 % of 4,000 requests | 0.50 % of 10,000 requests | 0.55 | 99.8 % |'
    )
    expect(summary).toContain('  x-axis ["12:01", "12:02", "12:03", "12:04"]\n')
    expect(summary).toContain('  line [0.5, 0.5, 0.5, 0.5]\n  line [0.5, 0.5, 0.5, 0.5]\n')
    expect(judged?.minutes[0]).toEqual({
      at: Date.parse('2026-11-26T12:01:00Z'),
      newShare: 0.005,
      oldShare: 0.005,
      newP99: 0.12,
      oldP99: 0.12
    })
  })

  test('only the old target group answers 5xx while the canary takes 10 %: not the release’s, success', async () => {
    const ecs = world(
      canaryStory(),
      canaryTraffic(healthy, requests => ({ requests, errors: requests * 0.05, p99: 0.12 }))
    )
    const result = freshRun()

    await deploy(inputsFor({ image: digestOf(13), 'bake-minutes': '5' }), ecs.deps, result)

    expect(result.status).toBe('succeeded')
    expect(ecs.serviceDeploymentActions).toEqual([])
    const fiveXx = result.services[0]?.bake?.judged?.signals.find(s => s.signal === '5xx')
    expect(fiveXx?.status).toBe('passed')
    // The old side: 10 minutes before at 0.5 %, and minutes 1 and 2 beside the canary at 5 %.
    expect(fiveXx?.old?.requests).toBe(20_000 + 2 * 1800)
  })

  test('no traffic after the deploy: too little to judge, said, and the bake passes on what it has', async () => {
    const ecs = rolling(rollingTraffic(() => undefined))
    const result = freshRun()

    await deploy(inputsFor({ image: digestOf(13), 'bake-minutes': '5' }), ecs.deps, result)

    expect(result.status).toBe('succeeded')
    const signals = result.services[0]?.bake?.judged?.signals ?? []
    expect(signals.map(s => s.status)).toEqual(['too-little', 'too-little'])
    expect(signals[0]?.reason).toBe(
      '5xx share: too little to judge: the new revision had 0 requests over 0 minutes; it takes 300 over 3 minutes'
    )
    expect(infos()).toContain(
      `${SERVICE}: 5xx share: too little to judge: the new revision had 0 requests over 0 minutes; it takes 300 over 3 minutes.`
    )
  })

  test('a service without a load balancer says the judge cannot read its traffic, and bakes on the rest', async () => {
    const ecs = world(settled(SERVICE), { minute: () => healthy(1000) })
    const result = freshRun()

    await deploy(inputsFor({ image: digestOf(13), 'bake-minutes': '5' }), ecs.deps, result)

    expect(result.status).toBe('succeeded')
    expect(infos()).toContain(
      `${SERVICE}: the load balancer's 5xx share and p99 are not judged: ${SERVICE} has no load balancer.`
    )
    expect(result.services[0]?.bake?.judged).toEqual({
      unread: `${SERVICE} has no load balancer`,
      signals: [],
      minutes: []
    })
  })
})

describe('a release the judge takes back', () => {
  test('the canary’s target group answers 3× the 5xx share: stopped at BAKE_TIME, ECS sends the traffic back', async () => {
    const ecs = world(
      canaryStory(),
      canaryTraffic(requests => ({ requests, errors: requests * 0.015, p99: 0.12 }))
    )
    const result = freshRun()

    await expect(
      deploy(inputsFor({ image: digestOf(13), 'bake-minutes': '5' }), ecs.deps, result)
    ).rejects.toThrow(
      /^The rollout of babyshield-backend-task:13 failed: it regressed at BAKE_TIME 100 % of production traffic, 4:00 after the new revision was first judged beside the old one: 5xx share 1\.5 % of 2,400 requests against 0\.50 % of 23,600 requests: without the worst minute of each, 3×, above the 1\.25× allowed and significant \(p < 0\.0001; it takes p < 0\.002\)\. Stopped the service deployment/
    )
    expect(ecs.serviceDeploymentActions).toEqual([expect.stringMatching(/^Stop ROLLBACK at 255$/)])
    expect(only(result)).toMatchObject({ taskDefinitionArn: rev(12), rolledBack: true })
    expect(result.services[0]?.bake?.status).toBe('regressed')
  })

  test('the p99 doubles after a rolling deploy: rolled back once five minutes of it say so (at 99.8 %, four cannot)', async () => {
    // Each minute's p99 a little off the last, as real minutes are: no two the same.
    const wobble = (minute: number) => 1 + ((minute * 7 + 20) % 11) / 200
    const ecs = rolling({
      minute: (group, minute) => {
        if (group !== BLUE) return undefined
        const p99 = (minute < 0 ? 0.12 : 0.24) * wobble(minute)
        return { ...healthy(1000), p99 }
      }
    })
    const result = freshRun()

    const error = await deploy(
      inputsFor({ image: digestOf(13), 'bake-minutes': '8' }),
      ecs.deps,
      result
    ).catch((e: unknown) => e)

    expect((error as Error).message).toMatch(
      /^The rollout of babyshield-backend-task:13 failed: it regressed 6:00 into the 8:00 bake: p99 2\d\d ms \(median of 5 minutes\) against 1[12]\d ms \(median of 10 minutes\): without the slowest minute of each, 2\.\d+×, above the 1\.25× allowed and significant \(U = 36, p = 0\.001; it takes p < 0\.002\)\. Rolled back/
    )
    expect(ecs.updatedTo()).toEqual([rev(13), rev(12)])
  })

  test('an alarm of bake-alarms goes into ALARM during the bake: rolled back, the alarm and its reason named', async () => {
    const alarm = (second: number): ScriptedAlarm[] => [
      {
        name: 'babyshield-api-latency',
        state: 'OK',
        reason: 'Threshold not crossed',
        since: -3600
      },
      second >= 150
        ? {
            name: 'babyshield-api-5xx',
            state: 'ALARM',
            reason: 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)',
            since: 150
          }
        : { name: 'babyshield-api-5xx', state: 'OK', reason: 'Threshold not crossed', since: -3600 }
    ]
    const ecs = rolling(rollingTraffic(healthy), alarm)
    const result = freshRun()

    const error = await deploy(
      inputsFor({ image: digestOf(13), 'bake-minutes': '5', 'bake-alarms': 'babyshield-api-*' }),
      ecs.deps,
      result
    ).catch((e: unknown) => e)

    expect(infos().find(line => line.startsWith('Baking '))).toMatch(
      /; the load balancer's 5xx share and p99 are judged against the old revision's every minute; no alarm of bake-alarms may go into ALARM\.$/
    )
    expect((error as Error).message).toMatch(
      /^The rollout of babyshield-backend-task:13 failed: it regressed [23]:\d\d into the 5:00 bake: alarm in ALARM: babyshield-api-5xx since 12:02:30 \(Threshold Crossed: 1 datapoint \[12\.0\] was greater than the threshold \(5\.0\)\)\. Rolled back/
    )
    expect(ecs.updatedTo()).toEqual([rev(13), rev(12)])
  })
})
