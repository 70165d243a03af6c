import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import type { Deps } from '../src/deps.js'
import { messageOf, run } from '../src/main.js'
import { FakeClock, FakeDocker } from './helpers/fakes.js'

let dir: string

function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs))
    vi.stubEnv(`INPUT_${name.toUpperCase()}`, value)
}

/** GITHUB_OUTPUT's `name<<delimiter` blocks, as a map. */
function outputs(): Record<string, string> {
  const text = readFileSync(join(dir, 'output'), 'utf8')
  const found: Record<string, string> = {}
  const pattern = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm
  for (const match of text.matchAll(pattern)) found[match[1] ?? ''] = match[3] ?? ''
  return found
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runner-'))
  writeFileSync(join(dir, 'output'), '')
  writeFileSync(join(dir, 'summary'), '')
  vi.stubEnv('GITHUB_OUTPUT', join(dir, 'output'))
  vi.stubEnv('GITHUB_STEP_SUMMARY', join(dir, 'summary'))
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
  process.exitCode = undefined
})

afterEach(() => {
  vi.unstubAllEnvs()
  process.exitCode = undefined
})

function fakeDeps(docker = new FakeDocker('')): Deps {
  return { docker, clock: new FakeClock(), env: { GITHUB_ACTOR: 'octocat' } } as unknown as Deps
}

describe('run', () => {
  test('bad input fails the step before any AWS client is made', async () => {
    setInputs({
      cluster: 'c',
      service: 's',
      'ecr-repository': 'babyshield-backend',
      'aws-region': 'eu-north-1',
      tag: 'latest'
    })
    const makeDeps = vi.fn((_inputs: unknown) => fakeDeps())
    await run(makeDeps)
    expect(makeDeps).not.toHaveBeenCalled()
    expect(process.exitCode).toBe(1)
    const written = vi
      .mocked(process.stdout.write)
      .mock.calls.map(c => String(c[0]))
      .join('')
    expect(written).toContain("::error::Invalid input: tag 'latest' is not allowed")
  })

  test('a failing mode still writes every output and the summary, then fails with its message', async () => {
    setInputs({
      mode: 'verify',
      cluster: 'babyshield-cluster',
      service: 'api',
      'aws-region': 'eu-north-1'
    })
    const docker = new FakeDocker('')
    const deps = fakeDeps(docker)
    deps.ecs = {
      service: () =>
        Promise.reject(
          new Error('ECS service api was not found in cluster babyshield-cluster (MISSING)')
        )
    } as unknown as Deps['ecs']
    await run(() => deps)
    expect(process.exitCode).toBe(1)
    expect(outputs()).toMatchObject({ verified: 'false', 'rolled-back': 'false', image: '' })
    expect(JSON.parse(outputs().result ?? '{}')).toMatchObject({ mode: 'verify', status: 'failed' })
    expect(readFileSync(join(dir, 'summary'), 'utf8')).toContain(
      '## ❌ Verify failed: api in babyshield-cluster'
    )
    expect(docker.cleanedUp).toBe(true)
  })
})

test.each<[unknown, string]>([
  [new Error('boom'), 'boom'],
  ['a string', 'a string'],
  [{ code: 42 }, '{"code":42}'],
  [undefined, 'undefined']
])('messageOf(%o)', (thrown, message) => {
  expect(messageOf(thrown)).toBe(message)
})
