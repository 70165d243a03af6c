// The ECS layer (and registry bridge) process: test/e2e/layer/main.ts run with tsx.
import { join } from 'node:path'
import { ENDPOINT_URL, LAYER_DIR, LAYER_PORT, MOTO_URL, REPO_ROOT } from './config.js'
import { send } from './http.js'
import { processComponent, type Component } from './component.js'

const ENTRY = join(REPO_ROOT, 'test/e2e/layer/main.ts')

export function ecsLayer(): Component {
  return processComponent(
    {
      name: 'ecs layer',
      command: process.execPath,
      args: ['--import', 'tsx', ENTRY],
      pidFile: join(LAYER_DIR, 'layer.pid'),
      logFile: join(LAYER_DIR, 'layer.log'),
      cmdlineMarker: ENTRY,
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        E2E_LAYER_PORT: String(LAYER_PORT),
        E2E_MOTO_URL: MOTO_URL
      }
    },
    async () => (await send(`${ENDPOINT_URL}/_stack/health`, { timeoutMs: 2000 })).status === 200
  )
}
