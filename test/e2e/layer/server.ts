// The layer's HTTP front: AWS_ENDPOINT_URL points here. ECS operations the model answers go to
// EcsLayer; ECR reads first wait for the bridge; /_stack/* is the control API; everything else
// is forwarded to moto unchanged.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { REGION } from '../stack/config.js'
import type { RegistryBridge } from './bridge.js'
import { EcsLayer, HANDLED_OPS, type Answer, type LayerConfig } from './ecs/api.js'
import type { RolloutScript } from './ecs/model.js'
import type { TaskScript } from './ecs/one-off.js'
import { toJson } from './ecs/present.js'
import { regionOf, type IncomingCall, type Moto } from './moto.js'

const ECS_TARGET = 'AmazonEC2ContainerServiceV20141113.'
const ECR_TARGET = 'AmazonEC2ContainerRegistry_V20150921.'
const GET_METRIC_DATA = 'GraniteServiceVersion20100801.GetMetricData'
/** ECR reads that must see every image pushed so far. */
const ECR_READS = new Set(['DescribeImages', 'BatchGetImage', 'ListImages'])
const DROP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length'])

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string | string[]> = {}
  if (answer.headers) {
    for (const [key, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !DROP_HEADERS.has(key)) headers[key] = value
    }
  } else {
    headers['content-type'] = 'application/x-amz-json-1.1'
  }
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body
  headers['content-length'] = String(body.length)
  res.writeHead(answer.status, headers)
  res.end(body)
}

const json = (status: number, value: unknown): Answer => ({
  status,
  body: toJson(value),
  headers: { 'content-type': 'application/json' }
})

function parseConfig(input: unknown): Partial<LayerConfig> {
  const { stepMs, requestsPerMinute } = (input ?? {}) as {
    stepMs?: unknown
    requestsPerMinute?: unknown
  }
  const config: Partial<LayerConfig> = {}
  if (stepMs !== undefined) {
    if (typeof stepMs !== 'number' || !Number.isFinite(stepMs) || stepMs < 10) {
      throw new Error('stepMs must be a number of milliseconds, at least 10')
    }
    config.stepMs = stepMs
  }
  if (requestsPerMinute !== undefined) {
    if (
      typeof requestsPerMinute !== 'number' ||
      !Number.isFinite(requestsPerMinute) ||
      requestsPerMinute < 0
    ) {
      throw new Error('requestsPerMinute must be a number of requests, at least 0')
    }
    config.requestsPerMinute = requestsPerMinute
  }
  return config
}

/**
 * GetMetricData with a percentile (`p99`) asked of the minutes: moto computes no percentiles and
 * fails the whole call. The layer writes one response time a step, that step's p99, so the
 * highest of a minute's values is the minute's p99 while the scripted outcome holds: the
 * percentile is asked of moto as `Maximum`. Undefined when there is nothing to change.
 */
export function withoutPercentiles(body: Buffer): Buffer | undefined {
  const input = JSON.parse(body.toString('utf8')) as {
    MetricDataQueries?: { MetricStat?: { Stat?: string } }[]
  }
  let changed = false
  for (const query of input.MetricDataQueries ?? []) {
    const stat = query.MetricStat?.Stat
    if (query.MetricStat && stat && /^p\d+(\.\d+)?$/.test(stat)) {
      query.MetricStat.Stat = 'Maximum'
      changed = true
    }
  }
  return changed ? Buffer.from(JSON.stringify(input)) : undefined
}

export class LayerServer {
  private readonly server: Server

  constructor(
    private readonly moto: Moto,
    private readonly ecs: EcsLayer,
    private readonly bridge: RegistryBridge,
    private readonly log: (line: string) => void
  ) {
    this.server = createServer((req, res) => {
      this.route(req)
        .then(answer => send(res, answer))
        .catch((error: unknown) => {
          this.log(
            `${req.method} ${req.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
          )
          send(
            res,
            json(500, { __type: 'ServerException', message: `local ECS layer: ${String(error)}` })
          )
        })
    })
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => resolve())
    })
  }

  close(): Promise<void> {
    return new Promise(resolve => this.server.close(() => resolve()))
  }

  private async route(req: IncomingMessage): Promise<Answer> {
    const body = await readBody(req)
    const call: IncomingCall = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body
    }
    const path = call.url.split('?')[0] ?? '/'
    if (path.startsWith('/_stack/')) {
      return this.control(call.method, path, body).catch((error: unknown) =>
        json(400, { message: error instanceof Error ? error.message : String(error) })
      )
    }
    if (path === '/moto-api/reset') {
      // A reset of moto through the layer resets the layer too, or it would describe ghosts.
      const upstream = await this.moto.forward(call)
      this.ecs.reset(this.ecs.config)
      this.bridge.reset()
      return { status: upstream.status, body: upstream.body, headers: upstream.headers }
    }
    const target = String(req.headers['x-amz-target'] ?? '')
    if (target.startsWith(ECS_TARGET) && HANDLED_OPS.has(target.slice(ECS_TARGET.length))) {
      return this.ecs.handle({
        op: target.slice(ECS_TARGET.length),
        body: body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {},
        region: regionOf(req.headers, REGION),
        forward: () => this.moto.forward(call)
      })
    }
    if (target.startsWith(ECR_TARGET) && ECR_READS.has(target.slice(ECR_TARGET.length))) {
      await this.bridge.settled()
    }
    const rewritten = target === GET_METRIC_DATA ? withoutPercentiles(body) : undefined
    const upstream = await this.moto.forward(rewritten ? { ...call, body: rewritten } : call)
    return { status: upstream.status, body: upstream.body, headers: upstream.headers }
  }

  private async control(method: string, path: string, body: Buffer): Promise<Answer> {
    const input =
      body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {}
    const route = `${method} ${path}`
    switch (route) {
      case 'GET /_stack/health':
        return json(200, { ok: true })
      case 'GET /_stack/status':
        return json(200, { ...this.ecs.status(), bridge: this.bridge.history.slice(0, 20) })
      case 'POST /_stack/registry-events':
        this.bridge.accept(body.toString('utf8'))
        return json(200, {})
      case 'POST /_stack/reset':
        await this.bridge.settled()
        await this.moto.reset()
        this.ecs.reset(parseConfig(input.config))
        this.bridge.reset()
        return json(200, { config: this.ecs.config })
      case 'POST /_stack/config':
        Object.assign(this.ecs.config, parseConfig(input))
        return json(200, { config: this.ecs.config })
      case 'POST /_stack/next-rollout':
        this.ecs.nextRollout(input as unknown as RolloutScript)
        return json(200, { scripts: this.ecs.scripts })
      case 'POST /_stack/next-task':
        this.ecs.oneOff.next(input as unknown as TaskScript)
        return json(200, {})
      case 'POST /_stack/settle':
        await this.ecs.settle()
        return json(200, {})
      case 'POST /_stack/bridge/settled':
        await this.bridge.settled()
        return json(200, {})
    }
    const health = /^GET \/_stack\/app\/([^/]+)\/health$/.exec(route)
    if (health) {
      const name = decodeURIComponent(health[1]!)
      const running = this.ecs.runningTasks(name)
      const digests = [
        ...new Set(running.flatMap(t => (t.containers ?? []).map(c => c.imageDigest)))
      ]
      const unhealthy = this.ecs.unhealthy(name)
      return json(running.length > 0 && !unhealthy ? 200 : 503, {
        running: running.length,
        digests,
        ...(unhealthy ? { error: 'scripted: unhealthy after steady' } : {})
      })
    }
    return json(404, { message: `no such control route: ${route}` })
  }
}
