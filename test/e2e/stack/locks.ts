// Several people (and CI) may use one work tree, so the stack is shared with care:
// - `run` lock: one e2e run or demo at a time (they reset moto, so two would spoil each other);
//   a second waits for the first.
// - `ops` lock: starting or stopping parts, so two `up`s never start the same part twice.
// - the `manual` mark, left by `npm run stack:up`: the stack then stays up after runs, until
//   `npm run stack:down`.
// A lock names its holder by pid and process start time, so a lock of a dead (or recycled)
// process is taken over instead of waited on.
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { STATE_DIR } from './config.js'

interface Holder {
  pid: number
  startTime: string
  what: string
}

function startTime(pid: number): string | undefined {
  try {
    // Field 22 of /proc/PID/stat, counted after the command name, which may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

function holderAlive(holder: Holder): boolean {
  return startTime(holder.pid) === holder.startTime
}

function readHolder(file: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Holder
  } catch {
    return undefined
  }
}

/** Waits for the lock and takes it; returns the release function. */
export async function acquire(
  name: 'run' | 'ops',
  what: string,
  log: (line: string) => void,
  timeoutMs = 30 * 60_000
): Promise<() => void> {
  mkdirSync(STATE_DIR, { recursive: true })
  const file = join(STATE_DIR, `${name}.lock`)
  const me: Holder = { pid: process.pid, startTime: startTime(process.pid) ?? '', what }
  const deadline = Date.now() + timeoutMs
  let unreadableSince: number | undefined
  let said = false
  for (;;) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: 'wx' })
      // Two waiters clearing the same stale lock could both get here: the later write wins.
      await sleep(50)
      if (readHolder(file)?.pid === me.pid) {
        return () => {
          if (readHolder(file)?.pid === me.pid) rmSync(file, { force: true })
        }
      }
      continue
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = readHolder(file)
    if (!holder) {
      // Being written this moment, or left half written: a moment's grace, then take it over.
      unreadableSince ??= Date.now()
      if (Date.now() - unreadableSince > 2000) rmSync(file, { force: true })
      await sleep(50)
      continue
    }
    unreadableSince = undefined
    if (!holderAlive(holder)) {
      rmSync(file, { force: true })
      continue
    }
    if (!said) {
      log(`waiting for ${holder.what} (pid ${holder.pid}) to finish with the stack`)
      said = true
    }
    if (Date.now() > deadline) {
      throw new Error(`${holder.what} (pid ${holder.pid}) has held ${file} for too long`)
    }
    await sleep(500)
  }
}

export async function withLock<T>(
  name: 'run' | 'ops',
  what: string,
  log: (line: string) => void,
  work: () => Promise<T>
): Promise<T> {
  const release = await acquire(name, what, log)
  try {
    return await work()
  } finally {
    release()
  }
}

const MANUAL = join(STATE_DIR, 'manual')

/** `npm run stack:up` was used: runs leave the stack up. */
export function keptUp(): boolean {
  return existsSync(MANUAL)
}

export function setKeptUp(kept: boolean): void {
  if (kept) {
    mkdirSync(STATE_DIR, { recursive: true })
    writeFileSync(MANUAL, `${new Date().toISOString()}\n`)
  } else {
    rmSync(MANUAL, { force: true })
  }
}
