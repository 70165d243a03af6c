// The layer's two ways to moto: forwarding a client's request byte for byte, and SDK clients
// for the layer's own calls (one per region: moto keeps each region apart).
import { request, type IncomingHttpHeaders } from 'node:http'
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient } from '@aws-sdk/client-ecs'
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'

// The SDK warns on every start under Node 20 that later versions will need Node 22: noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

export interface Upstream {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface IncomingCall {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: Buffer
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length'
])

interface Clients {
  ecs: ECSClient
  ecr: ECRClient
  logs: CloudWatchLogsClient
  cloudwatch: CloudWatchClient
  elbv2: ElasticLoadBalancingV2Client
}

export class Moto {
  private readonly clients = new Map<string, Clients>()

  constructor(readonly url: string) {}

  /** Sends the call to moto unchanged (only the Host header is moto's). */
  forward(call: IncomingCall): Promise<Upstream> {
    const headers: Record<string, string | string[]> = {}
    for (const [key, value] of Object.entries(call.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(key)) headers[key] = value
    }
    headers['content-length'] = String(call.body.length)
    return new Promise((resolve, reject) => {
      const req = request(new URL(call.url, this.url), { method: call.method, headers }, res => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 502,
            headers: res.headers,
            body: Buffer.concat(chunks)
          })
        )
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(call.body)
    })
  }

  async reset(): Promise<void> {
    const res = await fetch(`${this.url}/moto-api/reset`, { method: 'POST' })
    if (!res.ok) throw new Error(`moto reset answered ${res.status}`)
  }

  private forRegion(region: string): Clients {
    let clients = this.clients.get(region)
    if (!clients) {
      const config = {
        region,
        endpoint: this.url,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 2
      }
      clients = {
        ecs: new ECSClient(config),
        ecr: new ECRClient(config),
        logs: new CloudWatchLogsClient(config),
        // moto reads PutMetricData whole; the SDK would gzip large ones.
        cloudwatch: new CloudWatchClient({ ...config, disableRequestCompression: true }),
        elbv2: new ElasticLoadBalancingV2Client(config)
      }
      this.clients.set(region, clients)
    }
    return clients
  }

  ecs(region: string): ECSClient {
    return this.forRegion(region).ecs
  }

  ecr(region: string): ECRClient {
    return this.forRegion(region).ecr
  }

  logs(region: string): CloudWatchLogsClient {
    return this.forRegion(region).logs
  }

  cloudwatch(region: string): CloudWatchClient {
    return this.forRegion(region).cloudwatch
  }

  elbv2(region: string): ElasticLoadBalancingV2Client {
    return this.forRegion(region).elbv2
  }
}

/** The region a SigV4-signed request is for (its credential scope). */
export function regionOf(headers: IncomingHttpHeaders, fallback: string): string {
  const match = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(headers.authorization ?? '')
  return match?.[1] ?? fallback
}
