// The post step: the Docker credentials a stopped main step left behind are removed, in one line,
// and nothing fails the job. The main step leaves the path in the step's state for it.
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { DockerCli } from '../src/docker/docker.js'
import { post } from '../src/post.js'

vi.mock('@actions/core')

const ROOT = join(import.meta.dirname, '..')
let runnerTemp: string

beforeEach(() => {
  runnerTemp = mkdtempSync(join(tmpdir(), 'post-runner-temp-'))
  vi.mocked(core.info).mockClear()
  vi.mocked(core.warning).mockClear()
})
afterEach(() => {
  vi.unstubAllEnvs()
  rmSync(runnerTemp, { recursive: true, force: true })
})

/** A private config as the main step makes it, with a login in it. */
function leftBehind(): string {
  const dir = join(runnerTemp, 'deploy-action-docker-Ab12Cd')
  mkdirSync(dir)
  writeFileSync(join(dir, 'config.json'), '{"auths":{"x":{"auth":"c2VjcmV0"}}}')
  return dir
}

describe('post()', () => {
  test('removes the private config a stopped main step left, and says so', async () => {
    const dir = leftBehind()
    vi.stubEnv('STATE_docker-config', dir)
    await post({ RUNNER_TEMP: runnerTemp })
    expect(existsSync(dir)).toBe(false)
    expect(vi.mocked(core.info).mock.calls).toEqual([
      [
        `Docker credentials: removed ${dir}, which the main step left behind when it was stopped before its own cleanup.`
      ]
    ])
  })

  test('after a main step that cleaned up, there is nothing to do', async () => {
    vi.stubEnv('STATE_docker-config', '')
    await post({ RUNNER_TEMP: runnerTemp })
    expect(vi.mocked(core.info).mock.calls).toEqual([['Docker credentials: none left to remove.']])
  })

  test('a path that is not one of its own is left alone, with a warning, not a failure', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'not-ours-'))
    vi.stubEnv('STATE_docker-config', elsewhere)
    await post({ RUNNER_TEMP: runnerTemp })
    expect(existsSync(elsewhere)).toBe(true)
    expect(vi.mocked(core.warning).mock.calls[0]?.[0]).toBe(
      `Docker credentials: ${elsewhere} is not a directory this action makes; it is left alone.`
    )
    rmSync(elsewhere, { recursive: true, force: true })
  })
})

describe('the main step leaves the path for the post step', () => {
  test('saved when the private config is made, cleared when it is removed', async () => {
    const stub = mkdtempSync(join(tmpdir(), 'docker-stub-'))
    writeFileSync(join(stub, 'docker'), '#!/bin/sh\ncat >/dev/null\nexit 0\n')
    chmodSync(join(stub, 'docker'), 0o755)
    const state = join(runnerTemp, 'state')
    writeFileSync(state, '')
    vi.stubEnv('GITHUB_STATE', state)
    vi.stubEnv('PATH', `${stub}:${process.env.PATH ?? ''}`)
    const docker = new DockerCli({
      PATH: `${stub}:${process.env.PATH ?? ''}`,
      RUNNER_TEMP: runnerTemp,
      HOME: runnerTemp
    })
    await docker.login('registry.example', 'AWS', 'pw')
    const values = (): string[] =>
      [...readFileSync(state, 'utf8').matchAll(/^docker-config<<(\S+)\n(.*)\n\1$/gm)].map(
        m => m[2] ?? ''
      )
    const [saved] = values()
    expect(saved?.startsWith(join(runnerTemp, 'deploy-action-docker-'))).toBe(true)
    expect(existsSync(saved ?? '')).toBe(true)
    await docker.cleanup()
    expect(values()).toEqual([saved, ''])
    rmSync(stub, { recursive: true, force: true })
  })
})

describe('dist/index.js as the post step', () => {
  test('with the main step’s state it only removes what was left, and exits 0', () => {
    const dir = leftBehind()
    const run = spawnSync(process.execPath, [join(ROOT, 'dist/index.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        RUNNER_TEMP: runnerTemp,
        STATE_isPost: 'true',
        'STATE_docker-config': dir
      },
      encoding: 'utf8'
    })
    expect(run.status).toBe(0)
    expect(existsSync(dir)).toBe(false)
    expect(run.stdout).toContain(`Docker credentials: removed ${dir}`)
    // It did not run a deploy: no input was asked for.
    expect(run.stdout).not.toContain('Invalid input')
  })
})
