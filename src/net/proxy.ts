// Runners behind a proxy: HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their lower-case forms) are
// honoured by every call the step makes. The GitHub API goes through @actions/http-client, which
// reads them itself; the AWS SDK and the health URL go through the agents here, which tunnel
// each connection with CONNECT, or connect directly where NO_PROXY (or a loopback host) says so.
// Which proxy a URL takes is @actions/http-client's own rule, so every call agrees.
import * as http from 'node:http'
import * as https from 'node:https'
import type { Socket } from 'node:net'
import * as tls from 'node:tls'
import * as core from '@actions/core'
import { getProxyUrl } from '@actions/http-client'

/** A GET as `fetch` makes it: the health URL's, with or without a proxy. */
export type Fetch = (url: string, init: { signal: AbortSignal }) => Promise<Response>

const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY']

/** The proxy a request to `url` goes through, or undefined for a direct connection. */
export function proxyFor(url: string): URL | undefined {
  const proxy = getProxyUrl(url)
  return proxy ? new URL(proxy) : undefined
}

/** Whether any proxy is configured at all. */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return PROXY_VARIABLES.some(name => Boolean(env[name]))
}

/** Masks a password given in a proxy URL, so that no log line shows it. */
export function maskProxyPasswords(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of PROXY_VARIABLES) {
    const value = env[name]
    if (!value) continue
    try {
      const password = decodeURIComponent(new URL(value).password)
      if (password) core.setSecret(password)
    } catch {
      // Not a URL: @actions/http-client reads it as host:port, which has no password.
    }
  }
}

/** A proxy as a log names it: without its credentials. */
export function proxyName(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`
}

/** A socket to `host:port` through the proxy's CONNECT. */
export function tunnel(proxy: URL, host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`
    const headers: Record<string, string> = { host: target }
    if (proxy.username) {
      const user = decodeURIComponent(proxy.username)
      const password = decodeURIComponent(proxy.password)
      headers['proxy-authorization'] =
        `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
    }
    const request = (proxy.protocol === 'https:' ? https : http).request({
      host: proxy.hostname,
      port: Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80)),
      method: 'CONNECT',
      path: target,
      headers
    })
    request.once('connect', (response, socket) => {
      if (response.statusCode === 200) {
        resolve(socket)
        return
      }
      socket.destroy()
      reject(
        new Error(
          `proxy ${proxyName(proxy)} refused a tunnel to ${target}: ${response.statusCode ?? '?'} ${response.statusMessage ?? ''}`.trim()
        )
      )
    })
    request.once('error', error =>
      reject(new Error(`proxy ${proxyName(proxy)} could not be reached: ${error.message}`))
    )
    request.end()
  })
}

type Connect = (error: Error | null, socket?: Socket) => void

interface ConnectOptions {
  host?: string | null
  port?: number | string | null
  servername?: string
}

/** An agent whose connections tunnel through the proxy the target's URL takes, if any. */
function tunnelling<T extends http.Agent>(base: T, scheme: 'http' | 'https'): T {
  const direct = (base as unknown as { createConnection: (o: unknown, cb: Connect) => Socket })
    .createConnection
  Object.assign(base, {
    createConnection(this: T, options: ConnectOptions, callback: Connect): Socket | undefined {
      const host = options.host ?? 'localhost'
      const port = Number(options.port ?? (scheme === 'https' ? 443 : 80))
      const proxy = proxyFor(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`)
      if (!proxy) return direct.call(this, options, callback)
      tunnel(proxy, host, port).then(
        socket =>
          callback(
            null,
            scheme === 'https'
              ? tls.connect({
                  ...options,
                  socket,
                  servername: options.servername || host
                } as tls.ConnectionOptions)
              : socket
          ),
        (error: Error) => callback(error)
      )
      return undefined
    }
  })
  return base
}

/** The agents for the AWS SDK and the health URL, or undefined when no proxy is configured. */
export function proxyAgents(
  env: NodeJS.ProcessEnv = process.env
): { httpAgent: http.Agent; httpsAgent: https.Agent } | undefined {
  if (!proxyConfigured(env)) return undefined
  return {
    httpAgent: tunnelling(new http.Agent({ keepAlive: true }), 'http'),
    httpsAgent: tunnelling(new https.Agent({ keepAlive: true }), 'https')
  }
}

/**
 * The health URL's GET: Node's fetch where no proxy applies (it reads no proxy variable), else a
 * request through the tunnelling agent. Only the status matters; the body is dropped.
 */
export function healthFetch(env: NodeJS.ProcessEnv = process.env): Fetch {
  const agents = proxyAgents(env)
  return (url, init) => {
    if (!agents || !proxyFor(url)) return globalThis.fetch(url, init)
    return new Promise<Response>((resolve, reject) => {
      const target = new URL(url)
      const secure = target.protocol === 'https:'
      const request = (secure ? https : http).request(
        target,
        {
          method: 'GET',
          agent: secure ? agents.httpsAgent : agents.httpAgent,
          signal: init.signal
        },
        response => {
          response.resume()
          resolve(new Response(null, { status: response.statusCode ?? 599 }))
        }
      )
      request.once('error', reject)
      request.end()
    })
  }
}
