// Temporary directories (build contexts, RUNNER_TEMP, HOME, docker configs), all under one
// base directory: the test run's (E2E_TEMP_DIR, made and removed by the global setup, which
// test workers inherit), or else this process's own, removed when it exits.
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

let base: string | undefined

export function makeBaseDir(): string {
  return mkdtempSync(join(tmpdir(), 'deploy-action-e2e-'))
}

function baseDir(): string {
  if (!base) {
    const given = process.env.E2E_TEMP_DIR
    const dir = given ?? makeBaseDir()
    if (!given) process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
    base = dir
  }
  return base
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(baseDir(), `${prefix}-`))
}
