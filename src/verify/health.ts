// The health-check URL, asked a few times with growing pauses: a service that has just rolled
// over may need a moment before its load balancer routes to healthy targets.
import type { Clock } from '../model/clock.js'
import type { Fetch } from '../net/proxy.js'
import type { Check } from '../model/result.js'

export interface HealthPolicy {
  attempts: number
  /** Longest time, pauses and attempts together, from the first request to the verdict. */
  budgetMs: number
  attemptTimeoutMs: number
  /** The first pause; each later one doubles, up to maxDelayMs. */
  firstDelayMs: number
  maxDelayMs: number
}

export const HEALTH_POLICY: HealthPolicy = {
  attempts: 6,
  budgetMs: 60_000,
  attemptTimeoutMs: 10_000,
  firstDelayMs: 2_000,
  maxDelayMs: 16_000
}

/** One request's answer: an HTTP status, or why there was none. */
export type HealthAttempt = { status: number } | { error: string }

/** The pause after the `failed`-th failed attempt (1-based). Pure. */
export function backoffDelay(failed: number, policy: HealthPolicy): number {
  return Math.min(policy.firstDelayMs * 2 ** (failed - 1), policy.maxDelayMs)
}

export function isHealthy(attempt: HealthAttempt): boolean {
  return 'status' in attempt && attempt.status >= 200 && attempt.status < 300
}

/** The check for a series of attempts: passed when the last one answered 2xx. Pure. */
export function healthCheck(url: string, attempts: HealthAttempt[], elapsedMs: number): Check {
  const last = attempts[attempts.length - 1]
  const tries = attempts
    .map((a, i) => `attempt ${i + 1}: ${'status' in a ? a.status : a.error}`)
    .join(', ')
  if (last && 'status' in last && isHealthy(last)) {
    return {
      name: 'health check',
      status: 'pass',
      detail: `GET ${url} answered ${last.status} (${tries})`
    }
  }
  return {
    name: 'health check',
    status: 'fail',
    detail: `GET ${url} did not answer 2xx in ${attempts.length} attempts over ${Math.round(elapsedMs / 1000)} s (${tries || 'no attempt'})`
  }
}

/** Asks the URL until it answers 2xx, the attempts run out or the time budget is spent. */
export async function checkHealth(
  url: string,
  clock: Clock,
  policy: HealthPolicy = HEALTH_POLICY,
  fetcher: Fetch = globalThis.fetch
): Promise<Check> {
  const started = clock.now()
  const attempts: HealthAttempt[] = []
  for (;;) {
    const remaining = policy.budgetMs - (clock.now() - started)
    const attempt = await askOnce(url, fetcher, Math.min(policy.attemptTimeoutMs, remaining))
    attempts.push(attempt)
    if (isHealthy(attempt) || attempts.length >= policy.attempts) break
    const delay = backoffDelay(attempts.length, policy)
    // Only pause when an attempt of useful length still fits after the pause.
    if (clock.now() - started + delay + 1000 > policy.budgetMs) break
    await clock.sleep(delay)
  }
  return healthCheck(url, attempts, clock.now() - started)
}

/** One GET of the URL: its status, or why there was none. Never throws. */
export async function askOnce(
  url: string,
  fetcher: Fetch,
  timeoutMs: number
): Promise<HealthAttempt> {
  try {
    const response = await fetcher(url, { signal: AbortSignal.timeout(Math.max(timeoutMs, 1)) })
    // The body is not needed; dropping it frees the connection.
    await response.body?.cancel().catch(() => undefined)
    return { status: response.status }
  } catch (error) {
    return { error: reasonOf(error, timeoutMs) }
  }
}

function reasonOf(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') {
      return `no answer within ${Math.round(timeoutMs / 1000)} s`
    }
    // fetch reports network failures as `TypeError: fetch failed` with the real reason as cause.
    const cause = error.cause
    if (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code
      return typeof code === 'string' ? code : cause.message
    }
    return error.message
  }
  return String(error)
}
