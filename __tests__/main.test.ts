import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import type { Deps } from '../src/deps.js'
import { run } from '../src/main.js'
import { FakeClock, FakeDocker } from '../test/support/fakes.js'
import { FakeRunner } from '../test/support/runner.js'

const runner = new FakeRunner()

beforeEach(() => runner.reset())

afterAll(() => runner.remove())

afterEach(() => {
  vi.unstubAllEnvs()
  process.exitCode = undefined
})

function fakeDeps(docker = new FakeDocker('')): Deps {
  return { docker, clock: new FakeClock(), env: { GITHUB_ACTOR: 'octocat' } } as unknown as Deps
}

describe('run', () => {
  test('bad input fails the step before any AWS client is made', async () => {
    runner.inputs({
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
    expect(runner.printed()).toContain("::error::Invalid input: tag 'latest' is not allowed")
  })

  test('a failing mode still writes every output and the summary, then fails with its message', async () => {
    runner.inputs({
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
    expect(runner.outputs()).toMatchObject({ verified: 'false', 'rolled-back': 'false', image: '' })
    expect(JSON.parse(runner.outputs().result ?? '{}')).toMatchObject({
      mode: 'verify',
      status: 'failed'
    })
    expect(runner.summary()).toContain('## ❌ Verify failed: api in babyshield-cluster')
    expect(docker.cleanedUp).toBe(true)
  })
})
