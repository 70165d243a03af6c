import { spawn, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, test } from 'vitest'
import { alive } from '../../test/e2e/stack/processes.js'

const started: ChildProcess[] = []

function detached(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'ignore'] })
  started.push(child)
  return child
}

afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL')
    } catch {
      // already gone
    }
  }
})

describe('alive', () => {
  test('a process that execs several times on its way (as a pyenv shim does) is alive throughout', async () => {
    // While a process execs, /proc/PID/cmdline reads empty: it must not be taken for a zombie.
    const child = detached('bash', ['-c', 'exec bash -c "exec bash -c \\"exec sleep 5\\""'])
    const pid = child.pid ?? 0
    const verdicts = new Set<boolean>()
    const end = Date.now() + 300
    while (Date.now() < end) verdicts.add(alive(pid))
    expect([...verdicts]).toEqual([true])
  })

  test('a zombie (exited, not reaped by its parent) is not alive', async () => {
    // The background `true` exits at once; its parent has become `sleep`, which never reaps it.
    const child = detached('bash', ['-c', 'true & echo $!; exec sleep 5'])
    const pid = await new Promise<number>(resolve => {
      child.stdout?.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim())))
    })
    await sleep(200)
    expect(alive(pid)).toBe(false)
    expect(alive(child.pid ?? 0)).toBe(true)
  })

  test('a process that has ended is not alive', async () => {
    const child = detached('sleep', ['5'])
    const pid = child.pid ?? 0
    const exited = new Promise(resolve => child.once('exit', resolve))
    process.kill(pid, 'SIGKILL')
    await exited
    expect(alive(pid)).toBe(false)
  })
})
