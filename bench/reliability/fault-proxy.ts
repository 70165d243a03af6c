// An HTTP proxy in front of the local stack's AWS endpoint that answers chosen operations with
// the faults AWS really gives: throttling, 500/503, and connections that drop, before the
// request reaches AWS or after it was applied and only the answer is lost. What is injected is
// decided by a seeded PRNG, so a run repeats, and counted, so a report can say what happened.
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { seeded } from '../support.js'

export const FAULTS = ['throttle', '500', '503', 'drop', 'drop-after'] as const
/**
 * throttle: 400 ThrottlingException; 500/503: server errors; drop: the connection is cut before
 * the request goes upstream (nothing happened); drop-after: it is forwarded, applied, and the
 * connection is cut instead of answering (it happened, but the client cannot know).
 */
export type Fault = (typeof FAULTS)[number]

export interface RateRule {
  /** The operation, as in `X-Amz-Target: <Service>.<Operation>`; `*` for every one. */
  operation: string
  fault: Fault
  /** Chance per call, 0 to 1. */
  rate: number
}

export interface Burst {
  operation: string
  fault: Fault
  /** The next `count` calls of the operation get the fault. */
  count: number
}

/** `DescribeServices` of `AmazonEC2ContainerServiceV20141113.DescribeServices`; '' when none. */
export function operationOf(headers: IncomingHttpHeaders): string {
  const target = headers['x-amz-target']
  const value = Array.isArray(target) ? (target[0] ?? '') : (target ?? '')
  return value.slice(value.lastIndexOf('.') + 1)
}

/** The bench's seeded randomness (mulberry32). */
export const seededRandom = seeded

/**
 * Which fault, if any, the next call of an operation gets: a pending burst first, else the
 * first rate rule that matches and wins its draw. One draw a matching rule, so the sequence
 * depends only on the seed and the calls. Keeps the counts.
 */
export class FaultPlan {
  readonly calls = new Map<string, number>()
  readonly injected = new Map<string, number>()
  private rules: RateRule[] = []
  private bursts: Burst[] = []
  private random: () => number

  constructor(seed: number) {
    this.random = seededRandom(seed)
  }

  /** Replaces the rate rules and pending bursts, and restarts the PRNG from `seed`. */
  reset(seed: number, rules: RateRule[] = []): void {
    this.random = seededRandom(seed)
    this.rules = [...rules]
    this.bursts = []
  }

  setRules(rules: RateRule[]): void {
    this.rules = [...rules]
  }

  burst(burst: Burst): void {
    this.bursts.push({ ...burst })
  }

  /** Forgets bursts not used up yet (a run that never made the call leaves one behind). */
  dropBursts(): void {
    this.bursts = []
  }

  /** Bursts not used up yet. */
  pending(): Burst[] {
    return this.bursts.filter(b => b.count > 0)
  }

  decide(operation: string): Fault | undefined {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1)
    const fault = this.fromBurst(operation) ?? this.fromRules(operation)
    if (fault) {
      const key = `${operation} ${fault}`
      this.injected.set(key, (this.injected.get(key) ?? 0) + 1)
    }
    return fault
  }

  totalInjected(): number {
    let total = 0
    for (const count of this.injected.values()) total += count
    return total
  }

  private fromBurst(operation: string): Fault | undefined {
    const burst = this.bursts.find(b => b.count > 0 && matches(b.operation, operation))
    if (!burst) return undefined
    burst.count--
    return burst.fault
  }

  private fromRules(operation: string): Fault | undefined {
    for (const rule of this.rules) {
      if (!matches(rule.operation, operation)) continue
      if (this.random() < rule.rate) return rule.fault
    }
    return undefined
  }
}

function matches(pattern: string, operation: string): boolean {
  return operation !== '' && (pattern === '*' || pattern === operation)
}

const JSON_ERRORS: Record<'throttle' | '500' | '503', { status: number; body: object }> = {
  throttle: { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
  '500': { status: 500, body: { __type: 'ServerException', message: 'Internal server error' } },
  '503': {
    status: 503,
    body: { __type: 'ServiceUnavailableException', message: 'Service unavailable' }
  }
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade'])

export interface ProxyOptions {
  /** Which requests may get a fault (and are counted); default: every one. */
  eligible?: (headers: IncomingHttpHeaders) => boolean
  /** Runs before a request is forwarded (not before a fault), e.g. to sync the emulator. */
  beforeForward?: (operation: string) => Promise<void>
}

export class FaultProxy {
  readonly plan: FaultPlan
  /** Failures of the proxy's own upstream (the stack), answered 502: not injected, but seen. */
  readonly upstreamErrors: string[] = []
  /** Eligible calls that reached upstream (the answer may still have been dropped), by operation. */
  readonly forwarded = new Map<string, number>()
  private readonly server: Server
  private readonly sockets = new Set<Socket>()

  constructor(
    private readonly upstream: string,
    seed: number,
    private readonly options: ProxyOptions = {}
  ) {
    this.plan = new FaultPlan(seed)
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.upstreamFailed(req, res, error))
    })
    this.server.on('connection', socket => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  /** Listens on 127.0.0.1 (port 0: any free one) and gives the URL to point clients at. */
  listen(port = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, '127.0.0.1', () => {
        const address = this.server.address() as AddressInfo
        resolve(`http://127.0.0.1:${address.port}`)
      })
    })
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    return new Promise(resolve => this.server.close(() => resolve()))
  }

  private upstreamFailed(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error)
    this.upstreamErrors.push(`${operationOf(req.headers) || req.url || '?'}: ${message}`)
    if (res.headersSent) {
      res.socket?.destroy()
      return
    }
    const text = JSON.stringify({ __type: 'BadGateway', message: `fault proxy: ${message}` })
    res.writeHead(502, { 'content-type': 'application/x-amz-json-1.1' })
    res.end(text)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    const operation = operationOf(req.headers)
    const eligible = this.options.eligible?.(req.headers) ?? true
    const fault = eligible ? this.plan.decide(operation) : undefined
    if (fault === 'drop') {
      req.socket.destroy()
      return
    }
    if (fault === 'throttle' || fault === '500' || fault === '503') {
      const { status, body: error } = JSON_ERRORS[fault]
      const text = JSON.stringify(error)
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': 'fault-proxy'
      })
      res.end(text)
      return
    }
    await this.options.beforeForward?.(operation)
    if (eligible) this.forwarded.set(operation, (this.forwarded.get(operation) ?? 0) + 1)
    const answer = await this.forward(req, body)
    if (fault === 'drop-after') {
      req.socket.destroy()
      return
    }
    const headers: Record<string, string | string[]> = {}
    for (const [key, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(key)) headers[key] = value
    }
    headers['content-length'] = String(answer.body.length)
    res.writeHead(answer.status, headers)
    res.end(answer.body)
  }

  private forward(
    req: IncomingMessage,
    body: Buffer
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    const headers: Record<string, string | string[]> = {}
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(key)) headers[key] = value
    }
    headers['content-length'] = String(body.length)
    return new Promise((resolve, reject) => {
      const upstream = request(
        new URL(req.url ?? '/', this.upstream),
        { method: req.method ?? 'GET', headers },
        res => {
          readBody(res).then(
            data => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: data }),
            reject
          )
        }
      )
      upstream.on('error', reject)
      upstream.end(body)
    })
  }
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}
