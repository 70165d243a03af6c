// Background processes of the stack: started detached with a pid file and a log file, found
// again by pid, stopped by pid. A pid file is only trusted while /proc says that pid still runs
// the program that wrote it, so a recycled pid is never signalled.
import { spawn } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export interface ProcessSpec {
  /** Short name used in messages, e.g. `registry`. */
  name: string
  command: string
  args: string[]
  pidFile: string
  logFile: string
  /** A string that the process's /proc/PID/cmdline contains (guards against pid reuse). */
  cmdlineMarker: string
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** The program writes the pid file itself (dockerd --pidfile). */
  writesOwnPidFile?: boolean
}

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return undefined
  }
}

/** The pid in the spec's pid file when that process is alive and is the expected program. */
export function runningPid(
  spec: Pick<ProcessSpec, 'pidFile' | 'cmdlineMarker'>
): number | undefined {
  if (!existsSync(spec.pidFile)) return undefined
  const pid = Number(readFileSync(spec.pidFile, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  if (!alive(pid)) return undefined
  return cmdline(pid)?.includes(spec.cmdlineMarker) ? pid : undefined
}

export function start(spec: ProcessSpec): number {
  mkdirSync(dirname(spec.logFile), { recursive: true })
  // A stale pid file (its process gone or replaced) would make dockerd refuse to start.
  rmSync(spec.pidFile, { force: true })
  const log = openSync(spec.logFile, 'a')
  writeFileSync(
    log,
    `\n--- ${new Date().toISOString()} starting ${spec.command} ${spec.args.join(' ')}\n`
  )
  const child = spawn(spec.command, spec.args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: spec.env ?? process.env,
    cwd: spec.cwd
  })
  closeSync(log)
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`)
  child.unref()
  if (!spec.writesOwnPidFile) writeFileSync(spec.pidFile, `${child.pid}\n`)
  return child.pid
}

/** The state letter of /proc/PID/stat (R, S, D, Z…), or undefined when there is no such process. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // `pid (comm) state …`; comm may hold spaces and parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).charAt(0) || undefined
  } catch {
    return undefined
  }
}

/**
 * True while the process runs. A zombie (exited, not yet reaped) is not alive. The state is read
 * from /proc/PID/stat, not inferred from an empty cmdline: a process in the middle of exec (a
 * pyenv shim execs several times before moto_server runs) also shows an empty cmdline.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  const state = processState(pid)
  return state !== undefined && state !== 'Z' && state !== 'X'
}

/** SIGTERM, then SIGKILL after `graceMs`; removes the pid file. True when something was stopped. */
export async function stop(
  spec: Pick<ProcessSpec, 'name' | 'pidFile' | 'cmdlineMarker'>,
  graceMs = 15_000
): Promise<boolean> {
  const pid = runningPid(spec)
  if (pid === undefined) {
    rmSync(spec.pidFile, { force: true })
    return false
  }
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (alive(pid) && Date.now() < deadline) await sleep(100)
  if (alive(pid)) process.kill(pid, 'SIGKILL')
  while (alive(pid)) await sleep(50)
  rmSync(spec.pidFile, { force: true })
  return true
}

export function lastLines(file: string, count = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n')
  } catch {
    return '(no log)'
  }
}

/**
 * Polls `check` until it returns true. Fails with the process's log tail when the process dies
 * or the time runs out, so a failed start says why.
 */
export async function waitUntilReady(
  spec: ProcessSpec,
  pid: number,
  check: () => Promise<boolean>,
  timeoutMs = 60_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (!alive(pid)) {
      throw new Error(
        `${spec.name} exited during start; last lines of ${spec.logFile}:\n${lastLines(spec.logFile)}`
      )
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${spec.name} (pid ${pid}) was not ready after ${timeoutMs / 1000}s (npm run stack:down stops it); ` +
          `last lines of ${spec.logFile}:\n${lastLines(spec.logFile)}`
      )
    }
    await sleep(200)
  }
}
