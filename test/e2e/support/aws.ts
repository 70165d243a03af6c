// SDK clients pointed at the local stack (the layer, which forwards to moto), for the seed and
// for tests that check what the action changed.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient } from '@aws-sdk/client-ecs'
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { AWS_ENV, ENDPOINT_URL, REGION } from '../stack/config.js'
import type { ScanScript } from '../layer/scans.js'
import { sendJson } from '../stack/http.js'

// The SDK warns on every start under Node 20 that later versions will need Node 22: noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const config = {
  region: REGION,
  endpoint: ENDPOINT_URL,
  credentials: {
    accessKeyId: AWS_ENV.AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_ENV.AWS_SECRET_ACCESS_KEY
  }
}

export const ecs = new ECSClient(config)
export const ecr = new ECRClient(config)
export const logs = new CloudWatchLogsClient(config)
export const cloudwatch = new CloudWatchClient(config)
export const elbv2 = new ElasticLoadBalancingV2Client(config)

/** A moto query-protocol call (EC2 has no SDK client in this repo); returns the XML. */
export async function queryApi(service: string, params: Record<string, string>): Promise<string> {
  const res = await fetch(ENDPOINT_URL, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto reads the region from the credential scope; the signature is not checked.
      authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`
    },
    body: new URLSearchParams(params).toString()
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${service} ${params.Action} answered ${res.status}: ${text}`)
  return text
}

// The layer's control API (see test/e2e/README.md).
export type Outcome =
  | 'success'
  | 'crashloop'
  | 'circuit-breaker'
  | 'stuck'
  | 'bake-rollback'
  | 'errors-after-steady'
  | 'unhealthy-after-steady'
  | '5xx-after-steady'
  | 'slow-after-steady'
  | 'errors-at-canary'
  | 'unhealthy-at-canary'
  | 'errors-at-stage'
  | 'unhealthy-at-stage'
  | 'test-traffic-unhealthy'

/** A stage of a service deployment's walk (README: Service deployments and their strategies). */
export type WalkStage =
  | 'PRE_SCALE_UP'
  | 'SCALE_UP'
  | 'POST_SCALE_UP'
  | 'TEST_TRAFFIC_SHIFT'
  | 'POST_TEST_TRAFFIC_SHIFT'
  | 'PRE_PRODUCTION_TRAFFIC_SHIFT'
  | 'PRODUCTION_TRAFFIC_SHIFT'
  | 'POST_PRODUCTION_TRAFFIC_SHIFT'
  | 'BAKE_TIME'
  | 'CLEAN_UP'

export interface NextRollout {
  outcome: Outcome
  service?: string
  container?: string
  exitCode?: number
  containerReason?: string
  logLines?: string[]
  failureThreshold?: number
  errorLogLine?: string
  afterSteps?: number
  errorSteps?: number
  errorShare?: number
  latencyFactor?: number
  stage?: WalkStage
  productionWeight?: number
}

/** The layer's clock: a rollout step, and a minute of bake or hook timeout, in milliseconds. */
export interface LayerClock {
  stepMs?: number
  bakeMinuteMs?: number
  /** Requests a minute the load balancer of each service that has one takes. */
  requestsPerMinute?: number
}

/** How the next one-off task (RunTask) goes; see test/e2e/layer/ecs/one-off.ts. */
export interface NextTask {
  outcome: 'exit' | 'refused' | 'hang'
  exitCode?: number
  logLines?: string[]
  runTicks?: number
  reason?: string
}

export const stackControl = {
  scanFindings: (script: ScanScript) => sendJson(`${ENDPOINT_URL}/_stack/scan-findings`, script),
  nextTask: (script: NextTask) => sendJson(`${ENDPOINT_URL}/_stack/next-task`, script),
  reset: (config: LayerClock = {}) => sendJson(`${ENDPOINT_URL}/_stack/reset`, { config }),
  nextRollout: (script: NextRollout) => sendJson(`${ENDPOINT_URL}/_stack/next-rollout`, script),
  settle: () => sendJson(`${ENDPOINT_URL}/_stack/settle`, {}),
  configure: (config: LayerClock) => sendJson(`${ENDPOINT_URL}/_stack/config`, config),
  status: () => sendJson<Record<string, unknown>>(`${ENDPOINT_URL}/_stack/status`, undefined, 'GET')
}

export function healthUrl(service: string): string {
  return `${ENDPOINT_URL}/_stack/app/${encodeURIComponent(service)}/health`
}

/** The stand-in URL behind the service's test listener rule (what the test traffic reaches). */
export function testTrafficUrl(service: string): string {
  return `${ENDPOINT_URL}/_stack/app/${encodeURIComponent(service)}/test-traffic/health`
}
