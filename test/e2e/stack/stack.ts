// The whole local stack: up() starts what is missing, in dependency order, and says what it
// started; down() stops, by pid, what the stack scripts started (all of it, or the names given).
import { mkdirSync } from 'node:fs'
import { STATE_DIR } from './config.js'
import type { Component } from './component.js'
import { dockerEngine } from './docker-engine.js'
import { ecsLayer } from './layer-process.js'
import { moto } from './moto.js'
import { ensurePackages } from './packages.js'
import { registry } from './registry.js'

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
  ensurePackages(log)
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
  } catch (error) {
    // Leave nothing half-started behind this failed call.
    await stackDown(log, started)
    throw error
  }
  return started
}

/** Stops the named components (default: all), last-started first. */
export async function stackDown(log: Log = console.log, names?: string[]): Promise<string[]> {
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

export async function stackStatus(): Promise<Record<string, boolean>> {
  const status: Record<string, boolean> = {}
  for (const component of stages().flat()) status[component.name] = await component.ready()
  return status
}
