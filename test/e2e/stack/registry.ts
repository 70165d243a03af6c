// The ECR stand-in: Debian's docker-registry (distribution v2) serving TLS on 127.0.0.1:443
// under the host name moto hands out, with a certificate from a CA made here, htpasswd user
// AWS with moto's token as password, and push notifications sent to the bridge in the layer.
//
// Two system files are touched, both needed for `docker login`/`docker push` to work exactly
// as against ECR: an /etc/hosts line for the host name, and the CA in /etc/docker/certs.d/.
// Both are removed when the registry is stopped.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import bcrypt from 'bcryptjs'
import {
  ECR_TOKEN,
  ECR_USER,
  LAYER_PORT,
  LOOPBACK,
  REGISTRY_CA,
  REGISTRY_DIR,
  REGISTRY_HOST,
  REGISTRY_PORT
} from './config.js'
import { processComponent, run, type Component } from './component.js'
import { registryRequest } from './http.js'

const HOSTS_FILE = '/etc/hosts'
const HOSTS_MARK = '# deploy-action e2e registry'
const DOCKER_CERTS_DIR = `/etc/docker/certs.d/${REGISTRY_HOST}`

const files = {
  caKey: join(REGISTRY_DIR, 'ca.key'),
  serverKey: join(REGISTRY_DIR, 'server.key'),
  serverCsr: join(REGISTRY_DIR, 'server.csr'),
  serverCert: join(REGISTRY_DIR, 'server.crt'),
  extensions: join(REGISTRY_DIR, 'server.ext'),
  htpasswd: join(REGISTRY_DIR, 'htpasswd'),
  config: join(REGISTRY_DIR, 'config.yml'),
  data: join(REGISTRY_DIR, 'data')
}

function newer(file: string, than: string): boolean {
  return existsSync(file) && existsSync(than) && statSync(file).mtimeMs >= statSync(than).mtimeMs
}

/** A CA (kept across runs) and a server certificate for REGISTRY_HOST signed by it. */
function makeCertificates(): void {
  if (!existsSync(REGISTRY_CA) || !existsSync(files.caKey)) {
    run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650',
      '-subj', '/CN=deploy-action e2e local CA',
      '-keyout', files.caKey, '-out', REGISTRY_CA
    ]) // prettier-ignore
  }
  if (newer(files.serverCert, REGISTRY_CA)) return
  writeFileSync(
    files.extensions,
    [
      `subjectAltName=DNS:${REGISTRY_HOST}`,
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      ''
    ].join('\n')
  )
  run('openssl', [
    'req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${REGISTRY_HOST}`,
    '-keyout', files.serverKey, '-out', files.serverCsr
  ]) // prettier-ignore
  run('openssl', [
    'x509', '-req', '-in', files.serverCsr, '-CA', REGISTRY_CA, '-CAkey', files.caKey,
    '-CAcreateserial', '-days', '825', '-extfile', files.extensions, '-out', files.serverCert
  ]) // prettier-ignore
}

function registryConfig(): string {
  // JSON is YAML: no YAML writer needed.
  return JSON.stringify(
    {
      version: 0.1,
      log: { level: 'info', accesslog: { disabled: false } },
      storage: {
        filesystem: { rootdirectory: files.data },
        delete: { enabled: true }
      },
      http: {
        addr: `${LOOPBACK}:${REGISTRY_PORT}`,
        host: `https://${REGISTRY_HOST}`,
        tls: { certificate: files.serverCert, key: files.serverKey }
      },
      auth: { htpasswd: { realm: 'basic-realm', path: files.htpasswd } },
      notifications: {
        endpoints: [
          {
            name: 'ecr-bridge',
            url: `http://${LOOPBACK}:${LAYER_PORT}/_stack/registry-events`,
            timeout: '5s',
            threshold: 3,
            backoff: '1s',
            ignoredmediatypes: ['application/octet-stream'],
            ignore: { actions: ['pull'] }
          }
        ]
      }
    },
    null,
    2
  )
}

function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${what} needs root; run the stack as root`)
}

function addHostsEntry(): void {
  const hosts = readFileSync(HOSTS_FILE, 'utf8')
  const mapped = hosts
    .split('\n')
    .some(line => line.split(/\s+/).includes(REGISTRY_HOST) && !line.trimStart().startsWith('#'))
  if (mapped) return
  requireRoot(`mapping ${REGISTRY_HOST} in ${HOSTS_FILE}`)
  // Written in place (not replaced): /etc/hosts may be a bind mount.
  const separator = hosts.endsWith('\n') || hosts === '' ? '' : '\n'
  writeFileSync(HOSTS_FILE, `${hosts}${separator}${LOOPBACK} ${REGISTRY_HOST} ${HOSTS_MARK}\n`)
}

function removeHostsEntry(): void {
  const hosts = readFileSync(HOSTS_FILE, 'utf8')
  if (!hosts.includes(HOSTS_MARK)) return
  writeFileSync(
    HOSTS_FILE,
    hosts
      .split('\n')
      .filter(line => !line.includes(HOSTS_MARK))
      .join('\n')
  )
}

function installCaForDocker(): void {
  const target = join(DOCKER_CERTS_DIR, 'ca.crt')
  const ca = readFileSync(REGISTRY_CA)
  if (existsSync(target) && readFileSync(target).equals(ca)) return
  requireRoot(`installing the registry CA in ${DOCKER_CERTS_DIR}`)
  mkdirSync(DOCKER_CERTS_DIR, { recursive: true })
  writeFileSync(target, ca)
}

/** Certificates, password file, config and the two system files; safe to repeat. */
export async function prepareRegistry(): Promise<void> {
  mkdirSync(files.data, { recursive: true })
  makeCertificates()
  if (!existsSync(files.htpasswd)) {
    writeFileSync(files.htpasswd, `${ECR_USER}:${bcrypt.hashSync(ECR_TOKEN, 10)}\n`)
  }
  writeFileSync(files.config, registryConfig())
  addHostsEntry()
  installCaForDocker()
}

async function cleanup(): Promise<void> {
  removeHostsEntry()
  rmSync(DOCKER_CERTS_DIR, { recursive: true, force: true })
}

export function registry(): Component {
  return processComponent(
    {
      name: 'registry',
      command: 'docker-registry',
      args: ['serve', files.config],
      pidFile: join(REGISTRY_DIR, 'registry.pid'),
      logFile: join(REGISTRY_DIR, 'registry.log'),
      cmdlineMarker: files.config
    },
    async () => (await registryRequest('/v2/')).status === 200,
    { prepare: prepareRegistry, cleanup }
  )
}
