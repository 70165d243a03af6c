// moto_server: the ECR, ECS, CloudWatch Logs (and EC2, for the default VPC) APIs, in memory.
import { join } from 'node:path'
import { LOOPBACK, MOTO_DIR, MOTO_PORT, MOTO_URL } from './config.js'
import { send } from './http.js'
import { processComponent, type Component } from './component.js'
import { ensureMoto } from './packages.js'

export function moto(): Component {
  return processComponent(
    {
      name: 'moto',
      command: 'moto_server',
      args: ['-H', LOOPBACK, '-p', String(MOTO_PORT)],
      pidFile: join(MOTO_DIR, 'moto.pid'),
      logFile: join(MOTO_DIR, 'moto.log'),
      cmdlineMarker: 'moto_server',
      env: { ...process.env, MOTO_ECS_NEW_ARN: 'true' }
    },
    async () => (await send(`${MOTO_URL}/moto-api/`, { timeoutMs: 2000 })).status === 200,
    {
      prepare: async () => {
        ensureMoto()
      }
    }
  )
}
