// The bench's own AWS: a moto_server and an ECS layer of its own (ports and pid files apart
// from the e2e suite's, so neither resets the other's world), behind the fault proxy. The
// Docker engine and the registry are the shared stack's (started with its helper when they
// are not up, and then stopped again). The registry notifies the shared layer, not this one,
// so ECR reads through the proxy first mirror the bench repository's tags into this moto.
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient } from '@aws-sdk/client-ecs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { RegistryBridge } from '../../test/e2e/layer/bridge.js'
import { Moto } from '../../test/e2e/layer/moto.js'
import { processComponent, type Component } from '../../test/e2e/stack/component.js'
import { LOOPBACK, REGISTRY_HOST, REPO_ROOT, STATE_DIR } from '../../test/e2e/stack/config.js'
import { registryRequest, send, sendJson } from '../../test/e2e/stack/http.js'
import { dockerEngine } from '../../test/e2e/stack/docker-engine.js'
import { registry } from '../../test/e2e/stack/registry.js'
import { stackDown, stackUp } from '../../test/e2e/stack/stack.js'
import { FaultProxy } from './fault-proxy.js'

export const BENCH_DIR = join(STATE_DIR, 'reliability')
const LAYER_ENTRY = join(REPO_ROOT, 'test/e2e/layer/main.ts')
/** The action names itself in every AWS request's user agent (src/aws/clients.ts). */
const ACTION_AGENT = 'babyshield-deploy-action'
const ECR_READS = new Set(['DescribeImages', 'BatchGetImage', 'ListImages'])
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' }

export interface NextRollout {
  outcome: 'success' | 'crashloop' | 'circuit-breaker' | 'stuck'
  service?: string
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, LOOPBACK, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function privateMoto(port: number): Component {
  const url = `http://${LOOPBACK}:${port}`
  return processComponent(
    {
      name: 'bench moto',
      command: 'moto_server',
      args: ['-H', LOOPBACK, '-p', String(port)],
      pidFile: join(BENCH_DIR, 'moto.pid'),
      logFile: join(BENCH_DIR, 'moto.log'),
      cmdlineMarker: `-p ${port}`,
      env: { ...process.env, MOTO_ECS_NEW_ARN: 'true' }
    },
    async () => (await send(`${url}/moto-api/`, { timeoutMs: 2000 })).status === 200
  )
}

function privateLayer(port: number, motoUrl: string): Component {
  return processComponent(
    {
      name: 'bench ecs layer',
      command: process.execPath,
      args: ['--import', 'tsx', LAYER_ENTRY],
      pidFile: join(BENCH_DIR, 'layer.pid'),
      logFile: join(BENCH_DIR, 'layer.log'),
      cmdlineMarker: LAYER_ENTRY,
      cwd: REPO_ROOT,
      env: { ...process.env, E2E_LAYER_PORT: String(port), E2E_MOTO_URL: motoUrl }
    },
    async () =>
      (await send(`http://${LOOPBACK}:${port}/_stack/health`, { timeoutMs: 2000 })).status === 200
  )
}

export class PrivateStack {
  readonly proxy: FaultProxy
  readonly ecs: ECSClient
  readonly ecr: ECRClient
  readonly logs: CloudWatchLogsClient
  /** Where the action's AWS_ENDPOINT_URL points: the fault proxy. */
  proxyUrl = ''
  private readonly bridge: RegistryBridge
  private readonly mirrored = new Map<string, string>()
  private sharedStarted: string[] = []

  private constructor(
    readonly repository: string,
    readonly layerUrl: string,
    private readonly parts: Component[],
    moto: Moto,
    seed: number,
    private readonly log: (line: string) => void
  ) {
    const config = { region: 'eu-north-1', endpoint: layerUrl, credentials: CREDENTIALS }
    this.ecs = new ECSClient(config)
    this.ecr = new ECRClient(config)
    this.logs = new CloudWatchLogsClient(config)
    this.bridge = new RegistryBridge(moto, () => undefined)
    this.proxy = new FaultProxy(layerUrl, seed, {
      eligible: headers =>
        String(headers['user-agent'] ?? '').includes(ACTION_AGENT) ||
        String(headers['x-amz-user-agent'] ?? '').includes(ACTION_AGENT),
      beforeForward: operation =>
        ECR_READS.has(operation) ? this.syncRegistry() : Promise.resolve()
    })
  }

  /** Brings up what is missing; the shared parts it started are stopped again by down(). */
  static async up(
    repository: string,
    seed: number,
    log: (line: string) => void
  ): Promise<PrivateStack> {
    const sharedStarted = await stackUp(line => log(`[shared stack] ${line}`))
    const [motoPort, layerPort] = [await freePort(), await freePort()]
    const motoUrl = `http://${LOOPBACK}:${motoPort}`
    const parts = [privateMoto(motoPort), privateLayer(layerPort, motoUrl)]
    const stack = new PrivateStack(
      repository,
      `http://${LOOPBACK}:${layerPort}`,
      parts,
      new Moto(motoUrl),
      seed,
      log
    )
    stack.sharedStarted = sharedStarted
    try {
      for (const part of parts) await part.up()
      stack.proxyUrl = await stack.proxy.listen()
    } catch (error) {
      await stack.down()
      throw error
    }
    log(`bench stack: moto ${motoUrl}, layer ${stack.layerUrl}, fault proxy ${stack.proxyUrl}`)
    return stack
  }

  /**
   * The shared Docker engine and registry can be stopped by the e2e suite's teardown while the
   * bench runs: brings them back (and stops them again at the end) before each run.
   */
  async ensureShared(): Promise<void> {
    const ready = await Promise.all([dockerEngine().ready(), registry().ready()])
    if (ready.every(Boolean)) return
    this.log('the shared docker engine or registry went away: bringing the shared stack up again')
    const started = await stackUp(line => this.log(`[shared stack] ${line}`))
    this.sharedStarted.push(...started.filter(name => !this.sharedStarted.includes(name)))
  }

  async down(): Promise<void> {
    await this.proxy.close().catch(() => undefined)
    for (const part of [...this.parts].reverse()) await part.down().catch(() => false)
    if (this.sharedStarted.length > 0) {
      await stackDown(line => this.log(`[shared stack] ${line}`), this.sharedStarted)
    }
  }

  /** Empties moto and the layer; rollouts step every `stepMs`. */
  async reset(stepMs: number): Promise<void> {
    await sendJson(`${this.layerUrl}/_stack/reset`, { config: { stepMs } })
    this.mirrored.clear()
  }

  configure(config: { stepMs: number }): Promise<unknown> {
    return sendJson(`${this.layerUrl}/_stack/config`, config)
  }

  nextRollout(script: NextRollout): Promise<unknown> {
    return sendJson(`${this.layerUrl}/_stack/next-rollout`, script)
  }

  settle(): Promise<unknown> {
    return sendJson(`${this.layerUrl}/_stack/settle`, {})
  }

  /** An EC2 query call to moto, through the layer; returns the XML. */
  async query(params: Record<string, string>): Promise<string> {
    const res = await send(this.layerUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/eu-north-1/ec2/aws4_request, SignedHeaders=host, Signature=0`
      },
      body: new URLSearchParams(params).toString()
    })
    const text = res.body.toString('utf8')
    if (res.status !== 200) throw new Error(`ec2 ${params.Action} answered ${res.status}: ${text}`)
    return text
  }

  /** Puts every tag of the repository in the registry into moto's ECR, with its digest. */
  async syncRegistry(): Promise<void> {
    const list = await registryRequest(`/v2/${this.repository}/tags/list`)
    if (list.status !== 200) return
    const { tags } = JSON.parse(list.body.toString('utf8')) as { tags?: string[] | null }
    const events = []
    for (const tag of tags ?? []) {
      const head = await registryRequest(`/v2/${this.repository}/manifests/${tag}`, 'HEAD')
      const digest = String(head.headers['docker-content-digest'] ?? '')
      if (!digest || this.mirrored.get(tag) === digest) continue
      this.mirrored.set(tag, digest)
      events.push({
        action: 'push',
        target: {
          mediaType: String(head.headers['content-type'] ?? ''),
          digest,
          repository: this.repository,
          tag
        },
        request: { host: REGISTRY_HOST }
      })
    }
    if (events.length === 0) return
    this.bridge.accept(JSON.stringify({ events }))
    await this.bridge.settled()
  }
}
