// Behind a proxy: the AWS calls, the health URL and the GitHub API all go through the proxy that
// HTTP(S)_PROXY names, and around it where NO_PROXY (or a loopback host) says so. A local proxy
// counts what it relays; every host name it is asked for leads to one local server.
import { DescribeServicesCommand } from '@aws-sdk/client-ecs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import { createClients } from '../../src/aws/clients.js'
import { GitHubApi } from '../../src/github/api.js'
import { healthFetch, maskProxyPasswords, proxyFor } from '../../src/net/proxy.js'

vi.mock('@actions/core')

/** The servers behind every name: ECS's JSON API, a health URL, GitHub's deployments. */
function target(): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    req.on('end', () => {
      if (req.url === '/healthz') {
        res.writeHead(204).end()
      } else if (req.url?.startsWith('/repos/')) {
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":7}')
      } else {
        res
          .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
          .end('{"services":[{"serviceName":"api","status":"ACTIVE"}],"failures":[]}')
      }
    })
  })
}

/** A forward proxy that relays CONNECT and absolute-URL requests to `to`, and logs each. */
class CountingProxy {
  readonly relayed: string[] = []
  readonly server: Server
  /** When set, a request without these Basic credentials gets 407. */
  credentials: string | undefined

  constructor(private readonly to: () => number) {
    this.server = createServer((req, res) => {
      if (!this.allowed(req)) {
        res.writeHead(407, { 'proxy-authenticate': 'Basic' }).end()
        return
      }
      this.relayed.push(`${req.method ?? '?'} ${req.url ?? ''}`)
      const url = new URL(req.url ?? '/')
      const upstream = connect(this.to(), '127.0.0.1', () => {
        const headers = Object.entries(req.headers)
          .filter(([name]) => !name.startsWith('proxy-'))
          .map(([name, value]) => `${name}: ${String(value)}`)
        upstream.write(
          `${req.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1\r\n${headers.join('\r\n')}\r\nconnection: close\r\n\r\n`
        )
        req.pipe(upstream)
      })
      upstream.on('data', chunk => res.socket?.write(chunk))
      upstream.on('end', () => res.socket?.end())
    })
    this.server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      if (!this.allowed(req)) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n')
        return
      }
      this.relayed.push(`CONNECT ${req.url ?? ''}`)
      const upstream = connect(this.to(), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.write(head)
        upstream.pipe(client)
        client.pipe(upstream)
      })
      upstream.on('error', () => client.destroy())
      client.on('error', () => upstream.destroy())
    })
  }

  private allowed(req: IncomingMessage): boolean {
    if (!this.credentials) return true
    const expected = `Basic ${Buffer.from(this.credentials).toString('base64')}`
    return req.headers['proxy-authorization'] === expected
  }
}

let app: Server
let proxy: CountingProxy
const port = (server: Server): number => (server.address() as AddressInfo).port

beforeAll(async () => {
  app = target()
  proxy = new CountingProxy(() => port(app))
  await new Promise<void>(resolve => app.listen(0, '127.0.0.1', resolve))
  await new Promise<void>(resolve => proxy.server.listen(0, '127.0.0.1', resolve))
})
afterAll(async () => {
  await new Promise(resolve => proxy.server.close(resolve))
  await new Promise(resolve => app.close(resolve))
})
beforeEach(() => {
  proxy.relayed.length = 0
  proxy.credentials = undefined
  for (const name of [
    'https_proxy',
    'HTTPS_PROXY',
    'http_proxy',
    'HTTP_PROXY',
    'no_proxy',
    'NO_PROXY'
  ]) {
    vi.stubEnv(name, '')
  }
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test')
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test')
})
afterEach(() => {
  vi.unstubAllEnvs()
})

const through = (): string => `http://127.0.0.1:${port(proxy.server)}`

async function describeServices(endpoint: string): Promise<string | undefined> {
  vi.stubEnv('AWS_ENDPOINT_URL', endpoint)
  const { ecs } = createClients('eu-north-1', process.env)
  const answer = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['api'] }))
  ecs.destroy()
  return answer.services?.[0]?.serviceName
}

describe('which proxy a URL takes', () => {
  test.each<[Record<string, string>, string, string | undefined]>([
    [
      { HTTPS_PROXY: 'http://proxy.corp:3128' },
      'https://ecs.eu-north-1.amazonaws.com',
      'http://proxy.corp:3128/'
    ],
    [
      { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' },
      'https://x.example',
      'http://lower:1/'
    ],
    [{ HTTPS_PROXY: 'http://proxy.corp:3128' }, 'http://plain.example', undefined],
    [{ HTTP_PROXY: 'http://proxy.corp:3128' }, 'http://plain.example', 'http://proxy.corp:3128/'],
    [
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.amazonaws.com' },
      'https://ecs.eu-north-1.amazonaws.com',
      undefined
    ],
    [
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'amazonaws.com' },
      'https://ecs.eu-north-1.amazonaws.com',
      undefined
    ],
    [
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.com' },
      'https://notexample.com',
      'http://p:1/'
    ],
    [
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'api.internal:8443' },
      'https://api.internal:8443/healthz',
      undefined
    ],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: '*' }, 'https://anything.example', undefined],
    // The runner's own host is never behind its proxy.
    [{ HTTP_PROXY: 'http://p:1' }, 'http://127.0.0.1:4566', undefined],
    [{ HTTP_PROXY: 'http://p:1' }, 'http://localhost:4566', undefined]
  ])('%o: %s', (env, url, expected) => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value)
    expect(proxyFor(url)?.toString()).toBe(expected)
  })
})

describe('through a proxy', () => {
  test('the AWS SDK tunnels every call to its endpoint through HTTP_PROXY', async () => {
    vi.stubEnv('HTTP_PROXY', through())
    expect(await describeServices(`http://ecs.proxy.test:${port(app)}`)).toBe('api')
    expect(proxy.relayed).toEqual([`CONNECT ecs.proxy.test:${port(app)}`])
  })

  test('NO_PROXY sends the AWS SDK around it (and a name only the proxy knows then fails)', async () => {
    vi.stubEnv('HTTP_PROXY', through())
    vi.stubEnv('NO_PROXY', 'localhost,.proxy.test')
    await expect(describeServices(`http://ecs.proxy.test:${port(app)}`)).rejects.toThrow(
      /ENOTFOUND|EAI_AGAIN|getaddrinfo/
    )
    expect(proxy.relayed).toEqual([])
  })

  test('a loopback endpoint (the local stack) is reached directly', async () => {
    vi.stubEnv('HTTP_PROXY', through())
    expect(await describeServices(`http://127.0.0.1:${port(app)}`)).toBe('api')
    expect(proxy.relayed).toEqual([])
  })

  test('the health URL goes through the proxy', async () => {
    vi.stubEnv('HTTP_PROXY', through())
    const response = await healthFetch(process.env)(`http://app.proxy.test:${port(app)}/healthz`, {
      signal: AbortSignal.timeout(5000)
    })
    expect(response.status).toBe(204)
    expect(proxy.relayed).toEqual([`CONNECT app.proxy.test:${port(app)}`])
  })

  test('the GitHub API goes through the proxy', async () => {
    vi.stubEnv('HTTP_PROXY', through())
    const api = new GitHubApi('ghs_token', `http://api.github.proxy.test:${port(app)}`, 5000)
    expect(await api.post('/repos/o/r/deployments', { ref: 'main' })).toEqual({ id: 7 })
    expect(proxy.relayed).toEqual([`CONNECT api.github.proxy.test:${port(app)}`])
  })

  test('a proxy that wants credentials gets them from the URL; the password is masked', async () => {
    proxy.credentials = 'deploy:p@ss word'
    const withCredentials = `http://deploy:${encodeURIComponent('p@ss word')}@127.0.0.1:${port(proxy.server)}`
    vi.stubEnv('HTTP_PROXY', withCredentials)
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    maskProxyPasswords(process.env)
    expect(write.mock.calls.map(c => String(c[0]))).toContain('::add-mask::p@ss word\n')
    write.mockRestore()
    expect(await describeServices(`http://ecs.proxy.test:${port(app)}`)).toBe('api')
    expect(proxy.relayed).toEqual([`CONNECT ecs.proxy.test:${port(app)}`])
  })

  test('a proxy that refuses says which, without its credentials', async () => {
    proxy.credentials = 'deploy:right'
    vi.stubEnv('HTTP_PROXY', `http://deploy:wrong@127.0.0.1:${port(proxy.server)}`)
    const error = await describeServices(`http://ecs.proxy.test:${port(app)}`).catch(
      (e: unknown) => e
    )
    expect(String(error)).toContain(
      `proxy http://127.0.0.1:${port(proxy.server)} refused a tunnel to ecs.proxy.test:${port(app)}: 407`
    )
    expect(String(error)).not.toContain('wrong')
  })
})
