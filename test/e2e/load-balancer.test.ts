// The load balancer on the local stack, read through the action's own adapters: moto's ELBv2
// knows the API's target groups and load balancer, and the layer writes what each target group
// takes (requests, 5xx answers, p99) to moto's CloudWatch for its scripted outcomes — a healthy
// release, one whose 5xx share jumps after steady, one whose p99 doubles, a blue/green shift —
// and the alarms answer with their state and reason. The judge is given what was read back.
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch'
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { setTimeout as sleep } from 'node:timers/promises'
import { beforeEach, describe, expect, test } from 'vitest'
import { CloudWatch, type TargetGroupDimensions } from '../../src/aws/cloudwatch.js'
import { Elbv2 } from '../../src/aws/elbv2.js'
import { serviceTraffic, sidesOf } from '../../src/aws/target-groups.js'
import { judgeAlarms } from '../../src/judge/alarms.js'
import { judgeTraffic, type TrafficMinute } from '../../src/judge/traffic.js'
import { ENDPOINT_URL, REGION } from './stack/config.js'
import { cloudwatch as cloudwatchClient, ecs, stackControl } from './support/aws.js'
import { service, waitForSteadyState } from './support/world.js'
import { ALARM, APP_CONTAINER, CLUSTER, SERVICE, seed, type Seeded } from './seed.js'

const config = {
  region: REGION,
  endpoint: ENDPOINT_URL,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
}
const cloudwatch = new CloudWatch(new CloudWatchClient(config))
const elbv2 = new Elbv2(new ElasticLoadBalancingV2Client(config))

/** 100 requests a second: a step of the layer (500 ms) takes 50. */
const RATE = 6000

let seeded: Seeded
beforeEach(async () => {
  seeded = await seed({ requestsPerMinute: RATE })
})

/** The target group as CloudWatch names it, through the ELBv2 adapter. */
async function dimensions(arn: string): Promise<TargetGroupDimensions> {
  const [group] = await elbv2.targetGroups([arn])
  return {
    targetGroup: group?.dimension ?? '',
    loadBalancer: group?.loadBalancers[0]?.dimension ?? ''
  }
}

async function minutes(arn: string, since: number, until = Date.now()): Promise<TrafficMinute[]> {
  const [read] = await cloudwatch.trafficMinutes([await dimensions(arn)], since, until)
  return read ?? []
}

const sum = (minutes: TrafficMinute[], key: 'requests' | 'errors') =>
  minutes.reduce((total, m) => total + m[key], 0)

/** Rules small enough for the seconds a test lasts: the judge's test, without its minimum data. */
const SECONDS_RULES = {
  fiveXx: { ratio: 1.25, minEvents: 5, minExposure: 100, minPeriods: 1, confidence: 0.998 },
  latency: { ratio: 1.25, minMinutes: 1, minRequests: 100, confidence: 0.998 }
}

async function forceDeployment(extra: Record<string, unknown> = {}): Promise<number> {
  const started = Date.now()
  await ecs.send(
    new UpdateServiceCommand({
      cluster: CLUSTER,
      service: SERVICE,
      forceNewDeployment: true,
      ...extra
    })
  )
  return started
}

async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean
): Promise<T> {
  const deadline = Date.now() + 45_000
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline)
      throw new Error(`${what}: not within 45 s (last: ${JSON.stringify(value)})`)
    await sleep(500)
  }
}

describe('the seeded API behind its load balancer', () => {
  test('its target groups are found from the service, and named as CloudWatch names them', async () => {
    const current = await service()
    expect(current.loadBalancers).toEqual([
      {
        targetGroupArn: seeded.loadBalancer.blue,
        containerName: APP_CONTAINER,
        containerPort: 8000
      }
    ])
    expect(serviceTraffic(current)).toEqual({
      kind: 'shared',
      targetGroups: [seeded.loadBalancer.blue]
    })
    const groups = await elbv2.targetGroups([seeded.loadBalancer.blue, seeded.loadBalancer.green])
    const lb = seeded.loadBalancer.arn.split(':loadbalancer/')[1]
    expect(groups.map(g => [g.name, g.dimension, g.loadBalancers.map(l => l.dimension)])).toEqual([
      [
        'babyshield-api-blue',
        `targetgroup/babyshield-api-blue/${seeded.loadBalancer.blue.split('/').pop()}`,
        [lb]
      ],
      [
        'babyshield-api-green',
        `targetgroup/babyshield-api-green/${seeded.loadBalancer.green.split('/').pop()}`,
        [lb]
      ]
    ])
    expect(lb).toMatch(/^app\/babyshield-api\/[0-9a-f]+$/)
  })

  test('a healthy release: 0.5 % 5xx and a p99 of 120 ms before the deploy and after it', async () => {
    const before = await minutes(seeded.loadBalancer.blue, Date.now() - 11 * 60_000)
    const history = before.slice(0, 10)
    expect(history.map(m => [m.requests, m.errors, m.p99])).toEqual(
      Array(10).fill([RATE, 30, 0.12])
    )

    const started = await forceDeployment()
    await waitForSteadyState()
    const after = await until(
      'a thousand requests after the deploy',
      () => minutes(seeded.loadBalancer.blue, started),
      read => sum(read, 'requests') >= 1000
    )
    // Whole answers: a fraction of a 5xx answer is owed to the next step.
    expect(sum(after, 'errors') / sum(after, 'requests')).toBeGreaterThan(0.003)
    expect(sum(after, 'errors') / sum(after, 'requests')).toBeLessThan(0.007)
    expect(after.every(m => m.p99 === 0.12)).toBe(true)
    expect(judgeTraffic(after, history, SECONDS_RULES).map(v => [v.signal, v.status])).toEqual([
      ['5xx', 'passed'],
      ['latency', 'passed']
    ])
  })

  test('the 5xx share jumps after steady: a tenth of the new revision’s requests, and the judge says so', async () => {
    const history = (await minutes(seeded.loadBalancer.blue, Date.now() - 11 * 60_000)).slice(0, 10)
    await stackControl.nextRollout({ outcome: '5xx-after-steady', afterSteps: 2 })
    const started = await forceDeployment()
    await waitForSteadyState()
    const after = await until(
      'a 5xx share above 2 % since the deploy',
      () => minutes(seeded.loadBalancer.blue, started),
      read => sum(read, 'errors') > 0.02 * sum(read, 'requests') && sum(read, 'requests') > 1000
    )
    const verdicts = judgeTraffic(after, history, SECONDS_RULES)
    expect(verdicts.map(v => [v.signal, v.status])).toEqual([
      ['5xx', 'regressed'],
      ['latency', 'passed']
    ])
    expect(verdicts[0]?.reason).toMatch(
      /^5xx share \d+(\.\d+)? % of [\d,]+ requests against 0\.50 % of 60,000 requests/
    )
  })

  test('the p99 doubles after steady: the minute reads 240 ms', async () => {
    await stackControl.nextRollout({ outcome: 'slow-after-steady', afterSteps: 2 })
    const started = await forceDeployment()
    await waitForSteadyState()
    const after = await until(
      'a slower minute',
      () => minutes(seeded.loadBalancer.blue, started),
      read => read.some(m => m.p99 === 0.24)
    )
    expect(after.at(-1)?.p99).toBe(0.24)
    expect(sum(after, 'errors') / sum(after, 'requests')).toBeLessThan(0.007)
  })

  test('BLUE_GREEN: the new revision takes production on the other target group, told apart by the minutes before', async () => {
    const pair = { primary: seeded.loadBalancer.blue, alternate: seeded.loadBalancer.green }
    const started = await forceDeployment({
      deploymentConfiguration: {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 60,
        maximumPercent: 200,
        minimumHealthyPercent: 100
      },
      loadBalancers: [
        {
          targetGroupArn: pair.primary,
          containerName: APP_CONTAINER,
          containerPort: 8000,
          advancedConfiguration: {
            alternateTargetGroupArn: pair.alternate,
            productionListenerRule: `${seeded.loadBalancer.arn.replace(':loadbalancer/', ':listener-rule/')}/0/1`,
            roleArn: 'arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers'
          }
        }
      ]
    })
    const current = await service()
    expect(serviceTraffic(current)).toEqual({ kind: 'pairs', pairs: [pair] })

    const before = new Map<string, number>()
    for (const arn of [pair.primary, pair.alternate]) {
      before.set(arn, sum(await minutes(arn, started - 11 * 60_000, started - 60_000), 'requests'))
    }
    expect(sidesOf(pair, before)).toEqual({ fresh: pair.alternate, old: pair.primary })

    const green = await until(
      'requests on the new target group',
      () => minutes(pair.alternate, started),
      read => sum(read, 'requests') >= 500
    )
    expect(sum(green, 'errors') / sum(green, 'requests')).toBeLessThan(0.007)
    const blue = await minutes(pair.primary, started - 11 * 60_000)
    expect(judgeTraffic(green, blue.slice(0, 10), SECONDS_RULES).map(v => v.status)).toEqual([
      'passed',
      'passed'
    ])
  })
})

describe('alarms', () => {
  test('by name or prefix, with their state; one set to ALARM after the deploy is a regression named with its reason', async () => {
    const since = Date.now() - 1000
    expect(await cloudwatch.alarms({ names: [ALARM], prefixes: [] })).toMatchObject([
      { name: ALARM }
    ])
    const reason = 'Threshold Crossed: 1 datapoint [120.0] was greater than the threshold (50.0).'
    await cloudwatchClient.send(
      new SetAlarmStateCommand({ AlarmName: ALARM, StateValue: 'ALARM', StateReason: reason })
    )

    const alarms = await cloudwatch.alarms({ names: [], prefixes: ['babyshield-api-'] })
    expect(alarms).toMatchObject([{ name: ALARM, state: 'ALARM', reason }])
    const verdict = judgeAlarms(alarms, { names: [], prefixes: ['babyshield-api-'] }, since)
    expect(verdict.status).toBe('regressed')
    expect(verdict.reason).toContain(`${ALARM} since `)
    expect(verdict.reason).toContain(reason)
  })
})
