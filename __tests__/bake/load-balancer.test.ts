import { describe, expect, test, vi } from 'vitest'
import {
  chartMinutes,
  lastOf,
  mergeMinutes,
  readTrafficBaseline
} from '../../src/bake/load-balancer.js'
import { FakeClock } from '../../test/support/fakes.js'
import { behindBlue, BLUE, fakeLoadBalancer, GREEN } from '../../test/support/load-balancer.js'

vi.mock('@actions/core')

const M = 60_000

describe('mergeMinutes', () => {
  test('two target groups: requests and 5xx summed a minute, the higher p99 kept, oldest first', () => {
    expect(
      mergeMinutes([
        [
          { at: 2 * M, requests: 100, errors: 1, p99: 0.2 },
          { at: M, requests: 50, errors: 0, p99: 0.1 }
        ],
        [
          { at: M, requests: 10, errors: 2, p99: 0.3 },
          { at: 3 * M, requests: 5, errors: 0, p99: undefined }
        ]
      ])
    ).toEqual([
      { at: M, requests: 60, errors: 2, p99: 0.3 },
      { at: 2 * M, requests: 100, errors: 1, p99: 0.2 },
      { at: 3 * M, requests: 5, errors: 0, p99: undefined }
    ])
  })
})

describe('the chart’s minutes', () => {
  const minute = (at: number, errors: number, p99: number) => ({ at, requests: 100, errors, p99 })

  test.each<[string, number, number[]]>([
    ['fewer new minutes than before: the last before, beside them', 2, [7, 8]],
    ['as many', 3, [6, 7, 8]],
    ['more new minutes than before: the first new ones alone', 4, [6, 7, 8]]
  ])('%s', (_name, fresh, oldErrors) => {
    const before = [6, 7, 8].map((errors, i) => minute(i * M, errors, 0.1))
    const after = Array.from({ length: fresh }, (_, i) => minute((10 + i) * M, 1, 0.2))
    const old = lastOf(before, after)
    expect(old.map(m => m.errors)).toEqual(oldErrors)
    // Each old minute stands at the time of the new one it is shown beside, the last ones last.
    expect(old.map(m => m.at)).toEqual(after.slice(fresh - oldErrors.length).map(m => m.at))
  })

  test('no new minute: nothing beside it', () => {
    expect(lastOf([minute(0, 1, 0.1)], [])).toEqual([])
  })

  test('each side’s share and p99 by the minute; a side without requests has none', () => {
    expect(
      chartMinutes(
        [minute(M, 2, 0.2), minute(2 * M, 0, 0.25)],
        [minute(M, 1, 0.1), { at: 2 * M, requests: 0, errors: 0, p99: undefined }]
      )
    ).toEqual([
      { at: M, newShare: 0.02, oldShare: 0.01, newP99: 0.2, oldP99: 0.1 },
      { at: 2 * M, newShare: 0, newP99: 0.25 }
    ])
  })
})

describe('readTrafficBaseline', () => {
  const canary = { strategy: 'CANARY' as const }
  const clock = () => new FakeClock(Date.parse('2026-11-26T12:00:00Z'))

  test('a pair: the side that took the requests before the deploy is the old one', async () => {
    const time = clock()
    const { reads } = fakeLoadBalancer(time, {
      minute: group => (group === BLUE ? { requests: 100, errors: 1, p99: 0.1 } : undefined)
    })
    const found = await readTrafficBaseline(
      { ...reads, clock: time },
      { serviceName: 'api', loadBalancers: behindBlue(true), deploymentConfiguration: canary }
    )
    expect(found).toMatchObject({
      fresh: [{ targetGroup: 'targetgroup/babyshield-green/2453ed029918f21f' }],
      old: [{ targetGroup: 'targetgroup/babyshield-blue/73e2d6bc24d8a067' }],
      shared: false
    })
    expect('before' in found && found.before.map(m => m.requests)).toEqual(Array(10).fill(100))
  })

  test.each<[string, (group: string) => number | undefined, string]>([
    [
      'neither took requests',
      () => undefined,
      `neither ${BLUE} nor ${GREEN} took requests before the deploy`
    ],
    [
      'both took requests',
      () => 100,
      `both ${BLUE} and ${GREEN} took requests before the deploy, so neither can be told to be the new revision's`
    ]
  ])('a pair whose sides cannot be told: %s', async (_name, requests, why) => {
    const time = clock()
    const { reads } = fakeLoadBalancer(time, {
      minute: group => {
        const taken = requests(group)
        return taken === undefined ? undefined : { requests: taken, errors: 0, p99: 0.1 }
      }
    })
    const found = await readTrafficBaseline(
      { ...reads, clock: time },
      { serviceName: 'api', loadBalancers: behindBlue(true), deploymentConfiguration: canary }
    )
    expect(found).toEqual({ why })
  })

  test('a target group ELBv2 does not know is said, and nothing is read of CloudWatch', async () => {
    const time = clock()
    const { reads, calls } = fakeLoadBalancer(time)
    const unknown = BLUE.replace('babyshield-blue', 'retired')
    const found = await readTrafficBaseline(
      { ...reads, clock: time },
      { serviceName: 'api', loadBalancers: [{ targetGroupArn: unknown }] }
    )
    expect(found).toEqual({ why: `${unknown} sends no load balancer's traffic to read` })
    expect(calls.metricData).toBe(0)
  })
})
