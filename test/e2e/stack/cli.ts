// `npm run stack:up` / `stack:down` / `tsx test/e2e/stack/cli.ts status|seed`.
import { AWS_ENV, DOCKER_HOST, STATE_DIR } from './config.js'
import { setKeptUp } from './locks.js'
import { stackDown, stackStatus, stackUp } from './stack.js'
import { seed } from '../seed.js'

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'up': {
      await stackUp()
      setKeptUp(true)
      console.log(`\nstack is up and stays up until npm run stack:down (logs in ${STATE_DIR}).`)
      console.log('Use it with:')
      console.log(`  export DOCKER_HOST=${DOCKER_HOST}`)
      for (const [key, value] of Object.entries(AWS_ENV)) console.log(`  export ${key}=${value}`)
      return
    }
    case 'down':
      setKeptUp(false)
      await stackDown()
      return
    case 'status':
      for (const [name, ready] of Object.entries(await stackStatus())) {
        console.log(`${name}: ${ready ? 'ready' : 'not running'}`)
      }
      return
    case 'seed': {
      const seeded = await seed()
      console.log(JSON.stringify(seeded, null, 2))
      return
    }
    default:
      throw new Error(`usage: cli.ts up|down|status|seed (got '${command ?? ''}')`)
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(1)
})
