// The SDK clients, configured once. Credentials and endpoint come from the SDK's default chain
// (OIDC credentials from configure-aws-credentials; AWS_ENDPOINT_URL for a local stack).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient } from '@aws-sdk/client-ecs'
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry'
import { errorText, ReportedError } from '../model/errors.js'
import { proxyAgents } from '../net/proxy.js'

export interface AwsClients {
  ecr: ECRClient
  ecs: ECSClient
  logs: CloudWatchLogsClient
  cloudwatch: CloudWatchClient
  elbv2: ElasticLoadBalancingV2Client
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
    logs: new CloudWatchLogsClient(config),
    cloudwatch: new CloudWatchClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config)
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
 * it is final: the SDK's own classification, the one its retry strategy uses, asked of the error
 * and of each cause our wrappers add (throttling anywhere in that chain wins). Pure.
 */
export function transientProblem(error: unknown): 'throttled' | 'unavailable' | undefined {
  const chain = causes(error)
  if (chain.some(isThrottlingError)) return 'throttled'
  if (chain.some(e => isTransientError(e) || isServerError(e) || e.name === SERVER_EXCEPTION)) {
    return 'unavailable'
  }
  return undefined
}

/**
 * ECS's own server fault. The SDK tells a server error by its HTTP status alone; this name says it
 * too when no status came with the error (a client that did not answer over HTTP).
 */
const SERVER_EXCEPTION = 'ServerException'

/** An error as the SDK's classification reads it. */
type SdkError = Parameters<typeof isTransientError>[0]

/** The error and the causes under it, as far as they are objects. */
function causes(error: unknown): SdkError[] {
  const chain: SdkError[] = []
  for (let e = error; typeof e === 'object' && e !== null && chain.length < 5;) {
    const fault = e as SdkError & { cause?: unknown }
    chain.push(fault)
    e = fault.cause
  }
  return chain
}
