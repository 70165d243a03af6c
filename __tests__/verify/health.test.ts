import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, test, vi, type Mock } from 'vitest'
import {
  HEALTH_POLICY,
  backoffDelay,
  checkHealth,
  healthCheck,
  type HealthAttempt
} from '../../src/verify/health.js'
import type { Fetch } from '../../src/net/proxy.js'
import { FakeClock } from '../../test/support/fakes.js'

const URL = 'https://api.babyshield.example/healthz'

test.each([
  [1, 2_000],
  [2, 4_000],
  [3, 8_000],
  [4, 16_000],
  [5, 16_000]
])('after %i failed attempts the pause is %i ms', (failed, delay) => {
  expect(backoffDelay(failed, HEALTH_POLICY)).toBe(delay)
})

test.each<[string, HealthAttempt[], 'pass' | 'fail', string]>([
  ['200 at once', [{ status: 200 }], 'pass', `GET ${URL} answered 200 (attempt 1: 200)`],
  [
    '204 after a 503',
    [{ status: 503 }, { status: 204 }],
    'pass',
    `GET ${URL} answered 204 (attempt 1: 503, attempt 2: 204)`
  ],
  [
    'only errors',
    [{ status: 502 }, { error: 'ECONNREFUSED' }],
    'fail',
    `GET ${URL} did not answer 2xx in 2 attempts over 6 s (attempt 1: 502, attempt 2: ECONNREFUSED)`
  ],
  [
    'a redirect is not healthy',
    [{ status: 302 }],
    'fail',
    `GET ${URL} did not answer 2xx in 1 attempts over 6 s (attempt 1: 302)`
  ]
])('healthCheck: %s', (_, attempts, status, detail) => {
  expect(healthCheck(URL, attempts, 6_000)).toEqual({ name: 'health check', status, detail })
})

/** A fetch that answers the scripted statuses in turn (a string is thrown as a network error). */
function scripted(...answers: (number | string)[]): Mock<Fetch> {
  const fetcher = vi.fn<Fetch>()
  for (const answer of answers) {
    if (typeof answer === 'number') {
      fetcher.mockResolvedValueOnce(
        new Response(answer === 204 ? null : 'body', { status: answer })
      )
    } else {
      fetcher.mockRejectedValueOnce(
        new TypeError('fetch failed', { cause: Object.assign(new Error(answer), { code: answer }) })
      )
    }
  }
  return fetcher
}

describe('checkHealth', () => {
  test('a URL that fails, then answers 200, passes after backing off', async () => {
    const clock = new FakeClock()
    const fetcher = scripted(503, 'ECONNREFUSED', 200)
    const check = await checkHealth(URL, clock, HEALTH_POLICY, fetcher)
    expect(check).toEqual({
      name: 'health check',
      status: 'pass',
      detail: `GET ${URL} answered 200 (attempt 1: 503, attempt 2: ECONNREFUSED, attempt 3: 200)`
    })
    expect(clock.sleeps).toEqual([2_000, 4_000])
    expect(fetcher).toHaveBeenCalledTimes(3)
    expect(fetcher.mock.calls[0]?.[0]).toBe(URL)
  })

  test('a URL that never answers 2xx fails after six attempts within the minute', async () => {
    const clock = new FakeClock()
    const started = clock.now()
    const fetcher = scripted(500, 500, 500, 500, 500, 500, 500)
    const check = await checkHealth(URL, clock, HEALTH_POLICY, fetcher)
    expect(fetcher).toHaveBeenCalledTimes(6)
    expect(clock.sleeps).toEqual([2_000, 4_000, 8_000, 16_000, 16_000])
    expect(clock.now() - started).toBeLessThanOrEqual(HEALTH_POLICY.budgetMs)
    expect(check.status).toBe('fail')
    expect(check.detail).toBe(
      `GET ${URL} did not answer 2xx in 6 attempts over 46 s (attempt 1: 500, attempt 2: 500, attempt 3: 500, attempt 4: 500, attempt 5: 500, attempt 6: 500)`
    )
  })

  test('slow attempts spend the time budget: no pause is taken that would overrun it', async () => {
    const clock = new FakeClock()
    // Each attempt takes the whole per-attempt timeout, then times out.
    const fetcher = vi.fn<Fetch>(() => {
      clock.time += HEALTH_POLICY.attemptTimeoutMs
      return Promise.reject(new DOMException('The operation timed out.', 'TimeoutError'))
    })
    const check = await checkHealth(URL, clock, HEALTH_POLICY, fetcher)
    // 10 s, pause 2, 10 s, pause 4, 10 s, pause 8, 10 s = 54 s; a 16 s pause no longer fits.
    expect(fetcher).toHaveBeenCalledTimes(4)
    expect(clock.sleeps).toEqual([2_000, 4_000, 8_000])
    expect(check.status).toBe('fail')
    expect(check.detail).toContain('attempt 1: no answer within 10 s')
  })

  test('each attempt carries an abort signal, so one hung request cannot take the budget', async () => {
    const fetcher = scripted(200)
    await checkHealth(URL, new FakeClock(), HEALTH_POLICY, fetcher)
    const init = fetcher.mock.calls[0]?.[1] as { signal: AbortSignal }
    expect(init.signal).toBeInstanceOf(AbortSignal)
    expect(init.signal.aborted).toBe(false)
  })

  test('with the real fetch: a local server that answers 503, then 200', async () => {
    let requests = 0
    const server = createServer((_, response) => {
      requests += 1
      response.writeHead(requests === 1 ? 503 : 200, { 'content-type': 'text/plain' })
      response.end(requests === 1 ? 'starting' : 'ok')
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`
      const check = await checkHealth(url, new FakeClock())
      expect(check).toEqual({
        name: 'health check',
        status: 'pass',
        detail: `GET ${url} answered 200 (attempt 1: 503, attempt 2: 200)`
      })
    } finally {
      await new Promise(resolve => server.close(resolve))
    }
  })

  test('with the real fetch: nothing listening is reported as ECONNREFUSED', async () => {
    const server = createServer()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`
    await new Promise(resolve => server.close(resolve))
    const check = await checkHealth(url, new FakeClock(), { ...HEALTH_POLICY, attempts: 2 })
    expect(check.status).toBe('fail')
    expect(check.detail).toContain('(attempt 1: ECONNREFUSED, attempt 2: ECONNREFUSED)')
  })
})
