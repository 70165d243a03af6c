import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { RETRY } from '../../../src/aws/clients.js'
import {
  FaultPlan,
  FaultProxy,
  operationOf,
  seededRandom
} from '../../../bench/reliability/fault-proxy.js'

const ECS = 'AmazonEC2ContainerServiceV20141113'

interface Seen {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

/** A tiny upstream: records each request and answers DescribeServices with one service. */
let upstream: Server
let seen: Seen[]
let proxy: FaultProxy
let url: string

beforeEach(async () => {
  seen = []
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString()
      })
      const body = JSON.stringify({ services: [{ serviceName: 'api', status: 'ACTIVE' }] })
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-upstream': 'yes' })
      res.end(body)
    })
  })
  await new Promise<void>(resolve => upstream.listen(0, '127.0.0.1', resolve))
  const port = (upstream.address() as AddressInfo).port
  proxy = new FaultProxy(`http://127.0.0.1:${port}`, 42)
  url = await proxy.listen()
})

afterEach(async () => {
  await proxy.close()
  await new Promise(resolve => upstream.close(resolve))
})

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** One POST through the proxy, as an AWS JSON client sends it; rejects when the socket drops. */
function call(operation: string, body = '{}', path = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'x-amz-target': `${ECS}.${operation}`,
          'content-type': 'application/x-amz-json-1.1'
        }
      },
      res => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString()
          })
        )
      }
    )
    req.on('error', reject)
    req.end(body)
  })
}

test.each([
  [`${ECS}.DescribeServices`, 'DescribeServices'],
  ['AmazonEC2ContainerRegistry_V20150921.DescribeImages', 'DescribeImages'],
  ['Logs_20140328.FilterLogEvents', 'FilterLogEvents'],
  [undefined, '']
])('operationOf(%s) is %s', (target, operation) => {
  expect(operationOf(target === undefined ? {} : { 'x-amz-target': target })).toBe(operation)
})

describe('FaultPlan', () => {
  test('the same seed gives the same faults, a different seed others', () => {
    const sequence = (seed: number): string[] => {
      const plan = new FaultPlan(seed)
      plan.setRules([{ operation: 'DescribeServices', fault: 'throttle', rate: 0.3 }])
      return Array.from({ length: 200 }, () => plan.decide('DescribeServices') ?? '-')
    }
    expect(sequence(7)).toEqual(sequence(7))
    expect(sequence(7)).not.toEqual(sequence(8))
  })

  test('a rate is honoured over many calls and every fault is counted', () => {
    const plan = new FaultPlan(1)
    plan.setRules([
      { operation: 'UpdateService', fault: '503', rate: 0.2 },
      { operation: '*', fault: 'drop', rate: 0.1 }
    ])
    for (let i = 0; i < 5000; i++) plan.decide('UpdateService')
    for (let i = 0; i < 5000; i++) plan.decide('DescribeImages')
    const update503 = plan.injected.get('UpdateService 503') ?? 0
    const imagesDropped = plan.injected.get('DescribeImages drop') ?? 0
    expect(update503 / 5000).toBeCloseTo(0.2, 1)
    expect(imagesDropped / 5000).toBeCloseTo(0.1, 1)
    expect(plan.injected.get('DescribeImages 503')).toBeUndefined()
    expect(plan.totalInjected()).toBe(
      [...plan.injected.values()].reduce((sum, count) => sum + count, 0)
    )
    expect(plan.calls.get('UpdateService')).toBe(5000)
  })

  test('a burst takes the next N calls of its operation only, before any rate', () => {
    const plan = new FaultPlan(1)
    plan.setRules([{ operation: 'UpdateService', fault: 'throttle', rate: 1 }])
    plan.burst({ operation: 'UpdateService', fault: '500', count: 2 })
    expect(plan.decide('DescribeServices')).toBeUndefined()
    expect([1, 2, 3].map(() => plan.decide('UpdateService'))).toEqual(['500', '500', 'throttle'])
    expect(plan.pending()).toEqual([])
  })

  test('seededRandom stays in [0, 1)', () => {
    const random = seededRandom(123)
    const draws = Array.from({ length: 10000 }, random)
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...draws)).toBeLessThan(1)
  })
})

describe('FaultProxy', () => {
  test('passes calls without a fault through unchanged, both ways', async () => {
    const reply = await call('DescribeServices', '{"services":["api"]}', '/some/path?x=1')
    expect(reply.status).toBe(200)
    expect(reply.headers['x-upstream']).toBe('yes')
    expect(JSON.parse(reply.body)).toEqual({
      services: [{ serviceName: 'api', status: 'ACTIVE' }]
    })
    expect(seen).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/some/path?x=1',
        body: '{"services":["api"]}',
        headers: expect.objectContaining({ 'x-amz-target': `${ECS}.DescribeServices` }) as unknown
      })
    ])
  })

  test.each<[string, number, string]>([
    ['throttle', 400, 'ThrottlingException'],
    ['500', 500, 'ServerException'],
    ['503', 503, 'ServiceUnavailableException']
  ])('%s answers %i %s without calling upstream', async (fault, status, type) => {
    proxy.plan.burst({ operation: 'DescribeServices', fault: fault as '500', count: 1 })
    const reply = await call('DescribeServices')
    expect(reply.status).toBe(status)
    expect(JSON.parse(reply.body)).toMatchObject({ __type: type })
    expect(seen).toEqual([])
    expect(proxy.plan.injected.get(`DescribeServices ${fault}`)).toBe(1)
  })

  test('drop cuts the connection before upstream sees the call', async () => {
    proxy.plan.burst({ operation: 'UpdateService', fault: 'drop', count: 1 })
    await expect(call('UpdateService')).rejects.toThrow(/socket hang up|ECONNRESET/)
    expect(seen).toEqual([])
  })

  test('drop-after applies the call upstream and loses the answer', async () => {
    proxy.plan.burst({ operation: 'UpdateService', fault: 'drop-after', count: 1 })
    await expect(call('UpdateService')).rejects.toThrow(/socket hang up|ECONNRESET/)
    expect(seen).toHaveLength(1)
    expect((await call('UpdateService')).status).toBe(200)
  })

  test("the SDK's adaptive retry carries a call through a burst of faults", async () => {
    const client = new ECSClient({
      region: 'eu-north-1',
      endpoint: url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      ...RETRY
    })
    proxy.plan.burst({ operation: 'DescribeServices', fault: 'throttle', count: 1 })
    proxy.plan.burst({ operation: 'DescribeServices', fault: '503', count: 1 })
    proxy.plan.burst({ operation: 'DescribeServices', fault: 'drop', count: 1 })
    const answer = await client.send(new DescribeServicesCommand({ services: ['api'] }))
    expect(answer.services?.[0]?.serviceName).toBe('api')
    expect(answer.$metadata.attempts).toBe(4)
    expect(proxy.plan.totalInjected()).toBe(3)
  })

  test('when the faults outlast the attempts, the SDK error names the fault', async () => {
    const client = new ECSClient({
      region: 'eu-north-1',
      endpoint: url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      retryMode: 'standard',
      maxAttempts: 2
    })
    proxy.plan.burst({ operation: 'DescribeServices', fault: '500', count: 2 })
    await expect(
      client.send(new DescribeServicesCommand({ services: ['api'] }))
    ).rejects.toMatchObject({ name: 'ServerException', $metadata: { attempts: 2 } })
    expect(seen).toEqual([])
  })
})

describe('FaultProxy options', () => {
  test('only eligible requests get faults or are counted; the hook runs before each forward', async () => {
    const hooked: string[] = []
    const port = (upstream.address() as AddressInfo).port
    const picky = new FaultProxy(`http://127.0.0.1:${port}`, 1, {
      eligible: headers => headers['user-agent'] === 'the-action',
      beforeForward: operation => {
        hooked.push(operation)
        return Promise.resolve()
      }
    })
    const pickyUrl = await picky.listen()
    try {
      picky.plan.burst({ operation: 'DescribeImages', fault: '500', count: 2 })
      const send = (agent: string): Promise<number> =>
        fetch(pickyUrl, {
          method: 'POST',
          headers: {
            'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeImages',
            'user-agent': agent
          },
          body: '{}'
        }).then(res => res.status)
      expect(await send('someone-else')).toBe(200)
      expect(await send('the-action')).toBe(500)
      expect(await send('the-action')).toBe(500)
      expect(await send('the-action')).toBe(200)
      expect(picky.plan.calls.get('DescribeImages')).toBe(3)
      expect(hooked).toEqual(['DescribeImages', 'DescribeImages'])
    } finally {
      await picky.close()
    }
  })
})

test('a failing upstream (or hook) is answered 502 and recorded, not counted as a fault', async () => {
  const port = (upstream.address() as AddressInfo).port
  const broken = new FaultProxy(`http://127.0.0.1:${port}`, 1, {
    beforeForward: () => Promise.reject(new Error('registry unreachable'))
  })
  const brokenUrl = await broken.listen()
  try {
    const res = await fetch(brokenUrl, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeImages' },
      body: '{}'
    })
    expect(res.status).toBe(502)
    expect(broken.upstreamErrors).toEqual(['DescribeImages: registry unreachable'])
    expect(broken.plan.totalInjected()).toBe(0)
  } finally {
    await broken.close()
  }
})
