// The layer's HTTP front: AWS_ENDPOINT_URL points here. ECS operations the model answers go to
// EcsLayer; ECR reads first wait for the bridge; /_stack/* is the control API; everything else
// is forwarded to moto unchanged.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { REGION } from '../stack/config.js'
import { tagsNamed, type RegistryBridge } from './bridge.js'
import { EcsLayer, HANDLED_OPS, type Answer, type LayerConfig } from './ecs/api.js'
import type { RolloutScript } from './ecs/model.js'
import type { TaskScript } from './ecs/one-off.js'
import { toJson } from './ecs/present.js'
import { regionOf, type IncomingCall, type Moto } from './moto.js'
import { parseScanScript, ScriptedScans } from './scans.js'

const ECS_TARGET = 'AmazonEC2ContainerServiceV20141113.'
const ECR_TARGET = 'AmazonEC2ContainerRegistry_V20150921.'
const GET_METRIC_DATA = 'GraniteServiceVersion20100801.GetMetricData'
/** ECR reads that must see every image pushed so far. */
const ECR_READS = new Set([
  'DescribeImages',
  'BatchGetImage',
  'ListImages',
  'DescribeImageScanFindings'
])
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
  const given = (input ?? {}) as {
    stepMs?: unknown
    bakeMinuteMs?: unknown
    requestsPerMinute?: unknown
  }
  const config: Partial<LayerConfig> = {}
  for (const key of ['stepMs', 'bakeMinuteMs'] as const) {
    const value = given[key]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 10) {
      throw new Error(`${key} must be a number of milliseconds, at least 10`)
    }
    config[key] = value
  }
  const { requestsPerMinute } = given
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
  private readonly scans: ScriptedScans

  constructor(
    private readonly moto: Moto,
    private readonly ecs: EcsLayer,
    private readonly bridge: RegistryBridge,
    private readonly log: (line: string) => void
  ) {
    this.scans = new ScriptedScans(moto)
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
      this.scans.reset()
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
      const named = tagsNamed(body.toString('utf8'))
      if (named) {
        // Best effort: a registry that does not answer leaves the read to moto as it is.
        await this.bridge
          .mirrorTags(named.repository, named.tags)
          .catch((error: unknown) => this.log(`bridge: ${String(error)}`))
      }
    }
    if (target === `${ECR_TARGET}DescribeImageScanFindings`) {
      const scripted = await this.scans.answer(
        body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {},
        regionOf(req.headers, REGION)
      )
      if (scripted) return scripted
    }
    const rewritten = target === GET_METRIC_DATA ? withoutPercentiles(body) : undefined
    const upstream = await this.moto.forward(rewritten ? { ...call, body: rewritten } : call)
    return { status: upstream.status, body: upstream.body, headers: upstream.headers }
  }

  /**
   * A service's stand-in URL: 200 while it has running tasks, unless a script makes the revision
   * that takes this traffic (production: the health URL; test: the test-traffic URL) fail.
   */
  private appHealth(name: string, traffic: 'production' | 'test'): Answer {
    const running = this.ecs.runningTasks(name)
    const digests = [...new Set(running.flatMap(t => (t.containers ?? []).map(c => c.imageDigest)))]
    const failure = this.ecs.scriptedFailure(name, traffic)
    return json(running.length > 0 && !failure ? 200 : 503, {
      running: running.length,
      digests,
      ...(failure ? { error: failure } : {})
    })
  }

  private async control(method: string, path: string, body: Buffer): Promise<Answer> {
    const input =
      body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {}
    const route = `${method} ${path}`
    switch (route) {
      case 'GET /_stack/health':
        return json(200, { ok: true })
      case 'GET /_stack/status':
        return json(200, {
          ...this.ecs.status(),
          bridge: this.bridge.history.slice(0, 20),
          scans: this.scans.status()
        })
      case 'POST /_stack/registry-events':
        this.bridge.accept(body.toString('utf8'))
        return json(200, {})
      case 'POST /_stack/reset':
        await this.bridge.settled()
        await this.moto.reset()
        this.ecs.reset(parseConfig(input.config))
        this.bridge.reset()
        this.scans.reset()
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
      case 'POST /_stack/scan-findings':
        this.scans.script(parseScanScript(input))
        return json(200, { scans: this.scans.status() })
      case 'POST /_stack/settle':
        await this.ecs.settle()
        return json(200, {})
      case 'POST /_stack/bridge/settled':
        await this.bridge.settled()
        return json(200, {})
    }
    const app = /^GET \/_stack\/app\/([^/]+)\/(health|test-traffic\/health)$/.exec(route)
    if (app)
      return this.appHealth(
        decodeURIComponent(app[1]!),
        app[2] === 'health' ? 'production' : 'test'
      )
    return json(404, { message: `no such control route: ${route}` })
  }
}
