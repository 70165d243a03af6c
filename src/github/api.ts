// The few GitHub REST calls a deployment record needs, over the toolkit's HTTP client (the one
// @actions/github uses underneath, with the runner's proxy settings) to keep the bundle small.
import { HttpClient } from '@actions/http-client'
import { ReportedError } from '../model/errors.js'

export class GitHubApiError extends ReportedError {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
    this.name = 'GitHubApiError'
  }
}

export class TimeoutError extends ReportedError {
  constructor(message: string) {
    super(message)
    this.name = 'TimeoutError'
  }
}

export class GitHubApi {
  private readonly http: HttpClient

  constructor(
    token: string,
    private readonly baseUrl: string,
    timeoutMs: number
  ) {
    this.http = new HttpClient('babyshield-deploy-action', [], {
      socketTimeout: timeoutMs,
      headers: {
        authorization: `token ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28'
      }
    })
  }

  get<T>(path: string, query: Record<string, string | number> = {}): Promise<T> {
    const search = new URLSearchParams(
      Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])
    )
    return this.call<T>('GET', `${path}${search.size > 0 ? `?${search.toString()}` : ''}`)
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body)
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`
    let text: string
    let status: number
    try {
      const response = await this.http.request(
        method,
        url,
        body === undefined ? null : JSON.stringify(body),
        body === undefined ? {} : { 'content-type': 'application/json' }
      )
      status = response.message.statusCode ?? 0
      text = await response.readBody()
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('Request timeout')) {
        throw new TimeoutError(`${method} ${path} did not answer in time`)
      }
      throw error
    }
    if (status < 200 || status >= 300) throw new GitHubApiError(status, bodyMessage(text))
    return (text ? JSON.parse(text) : undefined) as T
  }
}

function bodyMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown }
    if (typeof parsed.message === 'string') return parsed.message
  } catch {
    // not JSON: the body itself says it
  }
  return body.slice(0, 200)
}
