// Brings the local stack up for the e2e suite when it is not up, and afterwards stops what
// this run started (a stack kept up with `npm run stack:up` stays up). A second run started
// meanwhile in the same work tree waits for this one.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { REPO_ROOT } from './stack/config.js'
import { openSession } from './stack/stack.js'
import { actionRuntime } from './support/action-node.js'
import { ACTION_ENTRY } from './support/run-action.js'
import { makeBaseDir } from './support/temp.js'

const log = (line: string): void => console.log(`[stack] ${line}`)

export default async function setup(): Promise<() => Promise<void>> {
  if (!existsSync(ACTION_ENTRY)) {
    log('dist/index.js is missing: npm run package')
    const built = spawnSync('npm', ['run', 'package'], { cwd: REPO_ROOT, stdio: 'inherit' })
    if (built.status !== 0) throw new Error('npm run package failed')
  }
  const runtime = actionRuntime()
  log(`the action runs on Node ${runtime.version} (${runtime.node})`)
  const endSession = await openSession('an e2e test run', log)
  // Test workers inherit it: their temporary files go where the teardown removes them.
  const temp = makeBaseDir()
  process.env.E2E_TEMP_DIR = temp
  return async () => {
    await rm(temp, { recursive: true, force: true })
    await endSession()
  }
}
