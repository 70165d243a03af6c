// `npm run bench:reliability [-- --runs N --seed N --out FILE]`: see test/reliability/bench.ts.
import { main } from '../test/reliability/bench.js'

main(process.argv.slice(2)).then(
  code => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
    process.exit(1)
  }
)
