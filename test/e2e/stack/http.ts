// Minimal HTTP(S) requests for the stack: the Docker socket, the TLS registry with its own CA,
// and the JSON control endpoints. Node's fetch cannot take a CA or a unix socket, so node:http.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { readFileSync } from 'node:fs'
import { ECR_TOKEN, ECR_USER, REGISTRY_CA, REGISTRY_HOST, REGISTRY_PORT } from './config.js'

export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface HttpOptions {
  method?: string
  headers?: Record<string, string>
  body?: string | Buffer
  socketPath?: string
  ca?: string | Buffer
  timeoutMs?: number
}

export function send(url: string, options: HttpOptions = {}): Promise<HttpResponse> {
  const target = new URL(url)
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ...(options.socketPath ? { socketPath: options.socketPath } : {}),
        ...(options.ca ? { ca: options.ca } : {}),
        timeout: options.timeoutMs ?? 10_000
      },
      res => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks)
          })
        )
        res.on('error', reject)
      }
    )
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${url} timed out`)))
    req.on('error', reject)
    req.end(options.body)
  })
}

export async function sendJson<T>(url: string, body?: unknown, method = 'POST'): Promise<T> {
  const res = await send(url, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = res.body.toString('utf8')
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`${method} ${url} answered ${res.status}: ${text}`)
  }
  return (text ? JSON.parse(text) : undefined) as T
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json'
].join(', ')

/** A request to the local registry as user AWS with moto's token, trusting the stack's CA. */
export function registryRequest(path: string, method = 'GET'): Promise<HttpResponse> {
  const auth = Buffer.from(`${ECR_USER}:${ECR_TOKEN}`).toString('base64')
  return send(`https://${REGISTRY_HOST}:${REGISTRY_PORT}${path}`, {
    method,
    ca: readFileSync(REGISTRY_CA),
    headers: { authorization: `Basic ${auth}`, accept: MANIFEST_TYPES }
  })
}

/** The digest the registry stored for `repository:reference` (HEAD, Docker-Content-Digest). */
export async function registryDigest(
  repository: string,
  reference: string
): Promise<string | undefined> {
  const res = await registryRequest(`/v2/${repository}/manifests/${reference}`, 'HEAD')
  if (res.status === 404) return undefined
  const digest = res.headers['docker-content-digest']
  if (res.status !== 200 || typeof digest !== 'string') {
    throw new Error(`registry HEAD ${repository}:${reference} answered ${res.status}`)
  }
  return digest
}
