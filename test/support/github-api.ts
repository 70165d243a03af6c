// A local stand-in for the GitHub REST endpoints the deployment record uses, on 127.0.0.1: it
// keeps deployments and statuses in memory, checks the token, and can refuse or stall on demand.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeDeployment {
  id: number
  ref: string
  task: string
  environment: string
  payload: unknown
  description: string | null
  production_environment: boolean
  transient_environment: boolean
  auto_merge: boolean
  required_contexts: string[]
}

export interface FakeStatus {
  id: number
  deployment_id: number
  state: string
  description: string
  environment_url: string
  log_url: string
  auto_inactive: boolean | undefined
}

export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  authorization: string | undefined
  body: unknown
}

export class FakeGitHubApi {
  readonly deployments: FakeDeployment[] = []
  readonly statuses: FakeStatus[] = []
  readonly requests: RecordedRequest[] = []
  /** Answer every request with this status and GitHub's error body. */
  refuseWith: 403 | 404 | 500 | undefined
  /** Never answer: for timeouts. */
  stall = false
  private nextId = 100
  private server: Server | undefined

  constructor(readonly token: string) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | null
    if (!address) throw new Error('the fake GitHub API is not listening')
    return `http://127.0.0.1:${address.port}`
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res)
    })
    await new Promise<void>(resolve => this.server?.listen(0, '127.0.0.1', resolve))
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>(resolve => this.server?.close(() => resolve()))
  }

  /** An earlier deployment, as another run would have left it. */
  seed(deployment: Partial<FakeDeployment>, states: string[], logUrl?: string): number {
    const id = this.nextId++
    this.deployments.push({
      id,
      ref: 'abc',
      task: 'deploy',
      environment: 'production',
      payload: {},
      description: null,
      production_environment: true,
      transient_environment: false,
      auto_merge: false,
      required_contexts: [],
      ...deployment
    })
    for (const state of states)
      this.addStatus(id, { state, ...(logUrl ? { log_url: logUrl } : {}) })
    return id
  }

  /** The log_url of each status of a deployment, oldest first ('' for none). */
  logUrlsOf(id: number): string[] {
    return this.statuses.filter(s => s.deployment_id === id).map(s => s.log_url)
  }

  statusesOf(id: number): string[] {
    return this.statuses.filter(s => s.deployment_id === id).map(s => s.state)
  }

  private addStatus(deploymentId: number, body: Record<string, unknown>): FakeStatus {
    const status: FakeStatus = {
      id: this.nextId++,
      deployment_id: deploymentId,
      state: String(body.state),
      description: asText(body.description),
      environment_url: asText(body.environment_url),
      log_url: asText(body.log_url),
      auto_inactive: typeof body.auto_inactive === 'boolean' ? body.auto_inactive : undefined
    }
    this.statuses.push(status)
    return status
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const body: unknown = text ? JSON.parse(text) : undefined
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      body
    })
    if (this.stall) return

    const send = (status: number, data: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify(data))
    }
    if (this.refuseWith === 403) {
      return send(403, { message: 'Resource not accessible by integration', status: '403' })
    }
    if (this.refuseWith === 404) return send(404, { message: 'Not Found', status: '404' })
    if (this.refuseWith === 500) return send(500, { message: 'Server Error' })
    if (req.headers.authorization !== `token ${this.token}`) {
      return send(401, { message: 'Bad credentials', status: '401' })
    }

    const deployments = /^\/repos\/[^/]+\/[^/]+\/deployments$/
    const statuses = /^\/repos\/[^/]+\/[^/]+\/deployments\/(\d+)\/statuses$/
    const fields = (body ?? {}) as Record<string, unknown>
    if (req.method === 'POST' && deployments.test(url.pathname)) {
      const id = this.nextId++
      const deployment: FakeDeployment = {
        id,
        ref: asText(fields.ref),
        task: asText(fields.task) || 'deploy',
        environment: asText(fields.environment) || 'production',
        payload: fields.payload ?? {},
        description: typeof fields.description === 'string' ? fields.description : null,
        production_environment: fields.production_environment === true,
        transient_environment: fields.transient_environment === true,
        auto_merge: fields.auto_merge !== false,
        required_contexts: (fields.required_contexts as string[] | undefined) ?? []
      }
      this.deployments.push(deployment)
      return send(201, deployment)
    }
    if (req.method === 'GET' && deployments.test(url.pathname)) {
      const environment = url.searchParams.get('environment')
      const perPage = Number(url.searchParams.get('per_page') ?? 30)
      const found = this.deployments
        .filter(d => !environment || d.environment === environment)
        .sort((a, b) => b.id - a.id)
        .slice(0, perPage)
      return send(200, found)
    }
    const statusPath = statuses.exec(url.pathname)
    const deploymentId = Number(statusPath?.[1])
    if (statusPath && !this.deployments.some(d => d.id === deploymentId)) {
      return send(404, { message: 'Not Found' })
    }
    if (req.method === 'POST' && statusPath) {
      return send(201, this.addStatus(deploymentId, fields))
    }
    if (req.method === 'GET' && statusPath) {
      const perPage = Number(url.searchParams.get('per_page') ?? 30)
      const found = this.statuses
        .filter(s => s.deployment_id === deploymentId)
        .sort((a, b) => b.id - a.id)
        .slice(0, perPage)
      return send(200, found)
    }
    send(404, { message: 'Not Found' })
  }
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : ''
}
