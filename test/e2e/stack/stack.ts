// The whole local stack: up() starts what is missing, in dependency order, and says what it
// started; down() stops, by pid, what the stack scripts started (all of it, or the names given).
import { mkdirSync } from 'node:fs'
import { STATE_DIR } from './config.js'
import type { Component } from './component.js'
import { dockerEngine, waitForEngineLogin } from './docker-engine.js'
import { ecsLayer } from './layer-process.js'
import { moto } from './moto.js'
import { acquire, keptUp, withLock } from './locks.js'
import { ensurePackages } from './packages.js'
import { prepareRegistry, registry } from './registry.js'

export type Log = (line: string) => void

/** Start order; down() goes the other way. Parts of one stage start side by side. */
function stages(): Component[][] {
  return [[dockerEngine(), moto()], [ecsLayer()], [registry()]]
}

async function bringUp(component: Component, log: Log): Promise<boolean> {
  const began = Date.now()
  const started = await component.up()
  const seconds = ((Date.now() - began) / 1000).toFixed(1)
  log(started ? `${component.name}: started (${seconds}s)` : `${component.name}: already running`)
  return started
}

export async function stackUp(log: Log = console.log): Promise<string[]> {
  mkdirSync(STATE_DIR, { recursive: true })
  return withLock('ops', 'stack up', log, () => bringAllUp(log))
}

async function bringAllUp(log: Log): Promise<string[]> {
  ensurePackages(log)
  // The host name and CA first: an engine that starts after them sees them at once.
  await prepareRegistry()
  const started: string[] = []
  try {
    for (const stage of stages()) {
      const results = await Promise.allSettled(stage.map(c => bringUp(c, log)))
      results.forEach((result, i) => {
        if (result.status === 'fulfilled' && result.value) started.push(stage[i]!.name)
      })
      const failed = results.find(r => r.status === 'rejected')
      if (failed) throw failed.reason
    }
    await waitForEngineLogin()
  } catch (error) {
    // Leave nothing half-started behind this failed call.
    await stopAll(log, started)
    throw error
  }
  return started
}

/** Stops the named components (default: all), last-started first. */
export async function stackDown(log: Log = console.log, names?: string[]): Promise<string[]> {
  return withLock('ops', 'stack down', log, () => stopAll(log, names))
}

async function stopAll(log: Log, names?: string[]): Promise<string[]> {
  const stopped: string[] = []
  for (const stage of stages().reverse()) {
    await Promise.all(
      stage
        .filter(c => !names || names.includes(c.name))
        .map(async c => {
          if (await c.down()) {
            stopped.push(c.name)
            log(`${c.name}: stopped`)
          }
        })
    )
  }
  return stopped
}

/**
 * For a test run or the demo: waits for its turn (one at a time: each resets moto), brings the
 * stack up, and returns the function that ends the session: it stops what this call started,
 * unless `npm run stack:up` asked for the stack to stay up, and gives the turn on.
 */
export async function openSession(
  what: string,
  log: Log = console.log
): Promise<() => Promise<void>> {
  const release = await acquire('run', what, log)
  try {
    const started = await stackUp(log)
    return async () => {
      try {
        if (started.length > 0 && !keptUp()) await stackDown(log, started)
      } finally {
        release()
      }
    }
  } catch (error) {
    release()
    throw error
  }
}

export async function stackStatus(): Promise<Record<string, boolean>> {
  const status: Record<string, boolean> = {}
  for (const component of stages().flat()) status[component.name] = await component.ready()
  return status
}
