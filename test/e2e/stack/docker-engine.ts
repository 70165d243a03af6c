// A Docker engine of the stack's own: its socket, data root and exec root under .e2e/docker.
// No iptables and no bridge (containers are never run; images are built FROM scratch), vfs
// storage because overlayfs is not available everywhere this runs.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { DOCKER_DIR, DOCKER_SOCKET, ECR_TOKEN, ECR_USER, REGISTRY_HOST } from './config.js'
import { send } from './http.js'
import { processComponent, type Component } from './component.js'

export function dockerEngine(): Component {
  const pidFile = join(DOCKER_DIR, 'dockerd.pid')
  return processComponent(
    {
      name: 'docker engine',
      command: 'dockerd',
      args: [
        '--iptables=false',
        '--ip6tables=false',
        '--bridge=none',
        '--storage-driver=vfs',
        `--host=unix://${DOCKER_SOCKET}`,
        `--data-root=${join(DOCKER_DIR, 'data')}`,
        `--exec-root=${join(DOCKER_DIR, 'exec')}`,
        `--pidfile=${pidFile}`
      ],
      pidFile,
      logFile: join(DOCKER_DIR, 'dockerd.log'),
      cmdlineMarker: DOCKER_SOCKET,
      writesOwnPidFile: true
    },
    async () => {
      const res = await send('http://docker/_ping', { socketPath: DOCKER_SOCKET, timeoutMs: 2000 })
      return res.status === 200
    },
    {
      prepare: async () => {
        mkdirSync(DOCKER_DIR, { recursive: true })
      },
      readyTimeoutMs: 90_000
    }
  )
}

/**
 * Waits until the engine itself can log in to the registry (POST /auth: the daemon resolves
 * and dials the registry, as `docker login` makes it do). The engine's resolver caches
 * /etc/hosts for a few seconds, so a host entry added just now is not seen at once.
 */
export async function waitForEngineLogin(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await send('http://docker/auth', {
      socketPath: DOCKER_SOCKET,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: ECR_USER,
        password: ECR_TOKEN,
        serveraddress: REGISTRY_HOST
      }),
      timeoutMs: 10_000
    }).catch((error: unknown) => ({ status: 0, body: Buffer.from(String(error)) }))
    if (res.status === 200) return
    if (Date.now() > deadline) {
      throw new Error(
        `the docker engine cannot log in to ${REGISTRY_HOST}: ${res.body.toString('utf8')}`
      )
    }
    await sleep(250)
  }
}
