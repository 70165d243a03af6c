// The SDK clients, configured once. Credentials and endpoint come from the SDK's default chain
// (OIDC credentials from configure-aws-credentials; AWS_ENDPOINT_URL for a local stack).
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient } from '@aws-sdk/client-ecs'

export interface AwsClients {
  ecr: ECRClient
  ecs: ECSClient
  logs: CloudWatchLogsClient
}

/** Throttling and 5xx answers are retried with the SDK's adaptive mode, a bounded number of times. */
export const RETRY = { retryMode: 'adaptive', maxAttempts: 6 } as const

export function createClients(region: string): AwsClients {
  const config = { region, ...RETRY, customUserAgent: 'babyshield-deploy-action' }
  return {
    ecr: new ECRClient(config),
    ecs: new ECSClient(config),
    logs: new CloudWatchLogsClient(config)
  }
}

/** `<what>: <cause>`, keeping the SDK's error name, which says more than its message alone. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : ''
    return `${name}${error.message}`
  }
  return String(error)
}

export class AwsError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${describeError(cause)}`, { cause })
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
