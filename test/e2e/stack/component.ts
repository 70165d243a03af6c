// What every part of the stack offers to stack.ts, and the one way they come up: reuse what
// already answers, else start it and poll its readiness check.
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { runningPid, start, stop, waitUntilReady, type ProcessSpec } from './processes.js'

export interface Component {
  name: string
  /** Starts the component unless it already answers; true when this call started it. */
  up(): Promise<boolean>
  /** Stops it by pid when a pid file of ours names a live process; true when it stopped one. */
  down(): Promise<boolean>
  ready(): Promise<boolean>
}

export function processComponent(
  spec: ProcessSpec,
  ready: () => Promise<boolean>,
  options: {
    prepare?: () => Promise<void>
    cleanup?: () => Promise<void>
    readyTimeoutMs?: number
  } = {}
): Component {
  const check = (): Promise<boolean> => ready().catch(() => false)
  return {
    name: spec.name,
    ready: check,
    async up() {
      await options.prepare?.()
      if (await check()) return false
      // A process of ours that does not answer yet is still starting: wait for it, not a second one.
      const existing = runningPid(spec)
      const pid = existing ?? start(spec)
      await waitUntilReady(spec, pid, check, options.readyTimeoutMs)
      return existing === undefined
    },
    async down() {
      const stopped = await stop(spec)
      await options.cleanup?.()
      return stopped
    }
  }
}

/** The absolute path of `program` on PATH, or undefined. */
export function which(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, program)
    if (dir && existsSync(candidate)) return candidate
  }
  return undefined
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' })
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`)
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`
    )
  }
  return result.stdout
}
