// Entry of the layer process (started by the stack with `node --import tsx`).
import { LAYER_PORT, LOOPBACK, MOTO_URL } from '../stack/config.js'
import { RegistryBridge } from './bridge.js'
import { EcsLayer } from './ecs/api.js'
import { StackEffects } from './effects.js'
import { Moto } from './moto.js'
import { LayerServer } from './server.js'

const log = (line: string): void => console.log(`${new Date().toISOString()} ${line}`)

const port = Number(process.env.E2E_LAYER_PORT ?? LAYER_PORT)
const moto = new Moto(process.env.E2E_MOTO_URL ?? MOTO_URL)
const ecs = new EcsLayer(moto, new StackEffects(moto, log), log)
const server = new LayerServer(moto, ecs, new RegistryBridge(moto, log), log)

await server.listen(port, LOOPBACK)
ecs.start()
log(`ECS layer listening on http://${LOOPBACK}:${port}, forwarding to ${moto.url}`)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    ecs.stop()
    void server.close().then(() => process.exit(0))
    // Keep-alive connections would hold close() open.
    setTimeout(() => process.exit(0), 1000).unref()
  })
}
