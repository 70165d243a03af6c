// Names, ports and paths of the local stack, in one place. Everything it writes lives under
// `.e2e/` in the repository root (gitignored); every server binds 127.0.0.1.
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
export const STATE_DIR = join(REPO_ROOT, '.e2e')

export const ACCOUNT_ID = '123456789012'
export const REGION = 'eu-north-1'
/** The registry host name that moto's GetAuthorizationToken hands out for REGION. */
export const REGISTRY_HOST = `${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com`
/** moto's fixed ECR password (user `AWS`); base64 of `AWS:<token>` is the authorizationToken. */
export const ECR_USER = 'AWS'
export const ECR_TOKEN = `${ACCOUNT_ID}-auth-token`

export const LOOPBACK = '127.0.0.1'
export const REGISTRY_PORT = 443
export const MOTO_PORT = Number(process.env.E2E_MOTO_PORT ?? 4580)
export const LAYER_PORT = Number(process.env.E2E_LAYER_PORT ?? 4566)

export const MOTO_URL = `http://${LOOPBACK}:${MOTO_PORT}`
/** What AWS_ENDPOINT_URL points at: the ECS layer, which forwards everything else to moto. */
export const ENDPOINT_URL = `http://${LOOPBACK}:${LAYER_PORT}`
export const REGISTRY_URL = `https://${REGISTRY_HOST}`

export const DOCKER_DIR = join(STATE_DIR, 'docker')
export const DOCKER_SOCKET = join(DOCKER_DIR, 'docker.sock')
export const DOCKER_HOST = `unix://${DOCKER_SOCKET}`

export const REGISTRY_DIR = join(STATE_DIR, 'registry')
export const REGISTRY_CA = join(REGISTRY_DIR, 'ca.crt')
export const MOTO_DIR = join(STATE_DIR, 'moto')
export const LAYER_DIR = join(STATE_DIR, 'layer')

/** Dummy credentials: moto accepts any, and they must not look like real ones. */
export const AWS_ENV = {
  AWS_ENDPOINT_URL: ENDPOINT_URL,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test'
} as const
