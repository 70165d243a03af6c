// The SDK clients, configured once. Credentials and endpoint come from the SDK's default chain
// (OIDC credentials from configure-aws-credentials; AWS_ENDPOINT_URL for a local stack).
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient } from '@aws-sdk/client-ecs'
import { errorText, ReportedError } from '../model/errors.js'
import { proxyAgents } from '../net/proxy.js'

export interface AwsClients {
  ecr: ECRClient
  ecs: ECSClient
  logs: CloudWatchLogsClient
}

/** Throttling and 5xx answers are retried with the SDK's adaptive mode, a bounded number of times. */
export const RETRY = { retryMode: 'adaptive', maxAttempts: 6 } as const

export function createClients(region: string, env: NodeJS.ProcessEnv = process.env): AwsClients {
  // Behind a proxy, every connection tunnels through it (unless NO_PROXY says otherwise).
  const agents = proxyAgents(env)
  const config = {
    region,
    ...RETRY,
    customUserAgent: 'babyshield-deploy-action',
    ...(agents ? { requestHandler: agents } : {})
  }
  return {
    ecr: new ECRClient(config),
    ecs: new ECSClient(config),
    logs: new CloudWatchLogsClient(config)
  }
}

/** A failed AWS call, saying what was being done: `<what>: <SDK error name>: <message>`. */
export class AwsError extends ReportedError {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${errorText(cause)}`, { cause })
    this.name = 'AwsError'
  }
}

/** Runs one AWS call, turning its failure into an error that says what was being done. */
export async function attempt<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw new AwsError(what, error)
  }
}

/**
 * A failure worth waiting out (ECS throttled the call, or could not answer it), or undefined when
 * it is final. Looks through the causes our wrappers add. Pure.
 */
export function transientProblem(error: unknown): 'throttled' | 'unavailable' | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const fault = e as {
      name?: unknown
      code?: unknown
      $retryable?: { throttling?: boolean }
      $metadata?: { httpStatusCode?: number }
      cause?: unknown
    }
    const name = typeof fault.name === 'string' ? fault.name : ''
    const code = typeof fault.code === 'string' ? fault.code : ''
    if (THROTTLING.has(name) || THROTTLING.has(code) || fault.$retryable?.throttling) {
      return 'throttled'
    }
    const status = fault.$metadata?.httpStatusCode ?? 0
    if (status >= 500 || UNAVAILABLE.has(name) || UNAVAILABLE.has(code)) return 'unavailable'
    e = fault.cause
  }
  return undefined
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException'
])
const UNAVAILABLE = new Set([
  'ServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN'
])
