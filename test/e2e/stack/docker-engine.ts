// A Docker engine of the stack's own: its socket, data root and exec root under .e2e/docker.
// No iptables and no bridge (containers are never run; images are built FROM scratch), vfs
// storage because overlayfs is not available everywhere this runs.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DOCKER_DIR, DOCKER_SOCKET } from './config.js'
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
