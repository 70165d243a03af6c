// The verify workflow's story: on a schedule, or after someone else's deploy, check that the
// service runs the released tag and answers its health URL. The whole run, through run().
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { run } from '../../src/main.js'
import { OLD_DIGEST, REPOSITORY_URI } from '../../test/support/task-definitions.js'
import { CLUSTER, SERVICE } from '../../test/support/ecs-answers.js'
import { FakeRunner } from '../../test/support/runner.js'
import { CURRENT, verifyWorld } from '../../test/support/verify-rollback-world.js'

const HEALTH_URL = 'https://api.babyshield.example/healthz'
const runner = new FakeRunner()

/** The inputs verify.yml passes. */
function inputs(extra: Record<string, string> = {}): void {
  const values: Record<string, string> = {
    mode: 'verify',
    cluster: CLUSTER,
    service: SERVICE,
    'ecr-repository': 'babyshield-backend',
    tag: 'production-fixed-20261120',
    'health-check-url': HEALTH_URL,
    ...extra
  }
  runner.inputs(values)
}

beforeEach(() => {
  runner.reset()
  vi.stubEnv('AWS_REGION', 'eu-north-1')
  vi.stubGlobal(
    'fetch',
    vi.fn(() => Promise.resolve(new Response('ok', { status: 200 })))
  )
})

afterEach(() => {
  vi.unstubAllEnvs()
  vi.unstubAllGlobals()
  process.exitCode = undefined
})

afterAll(() => {
  runner.remove()
})

describe('verify as a workflow step', () => {
  test('the released tag runs everywhere and the service is healthy: verified, with every check in the summary', async () => {
    const w = verifyWorld({ count: 3 })
    w.logsMock.on(FilterLogEventsCommand, { filterPattern: 'ERROR' }).resolves({
      events: [
        {
          timestamp: Date.parse('2026-11-26T09:55:00Z'),
          logStreamName: 'ecs/api/t1',
          message: 'ERROR retrying recall sync'
        }
      ]
    })
    inputs()
    await run(() => w.deps)

    expect(process.exitCode).toBeUndefined()
    expect(runner.outputs()).toMatchObject({
      verified: 'true',
      'rolled-back': 'false',
      tag: 'production-fixed-20261120',
      digest: OLD_DIGEST,
      image: `${REPOSITORY_URI}@${OLD_DIGEST}`,
      'task-definition-arn': CURRENT
    })
    const result = JSON.parse(runner.outputs().result ?? '{}') as { checks: { name: string }[] }
    expect(result.checks.map(c => c.name)).toEqual([
      'task definition pins the expected digest',
      'service active',
      'one deployment, completed',
      'running = desired',
      'tasks run the service revision',
      'tasks run the expected digest',
      'health check',
      'recent ERROR logs'
    ])
    const text = runner.summary()
    expect(text).toContain(`## ✅ Verify succeeded: ${SERVICE} in ${CLUSTER}`)
    expect(text).toContain(
      `| ✅ | tasks run the expected digest | 3 of 3 running tasks run api&#64;${OLD_DIGEST} |`
    )
    expect(text).toContain(
      '| ✅ | health check | GET https://api.babyshield.example/healthz answered 200'
    )
    expect(text).toContain(
      '| ⚠️ | recent ERROR logs | 1 ERROR line in the 3 log streams of the service&#39;s running tasks in /ecs/babyshield-backend in the last 10 minutes; the last: ERROR retrying recall sync |'
    )
    expect(text).toContain(
      '### Recent logs: /ecs/babyshield-backend (1 ERROR lines in the running tasks)'
    )
  })

  test('one drifted task among 120 fails the step, naming the task and the digest it runs', async () => {
    const drifted = `sha256:${'f'.repeat(64)}`
    const w = verifyWorld({ count: 120, digestOf: i => (i === 104 ? drifted : OLD_DIGEST) })
    inputs()
    await run(() => w.deps)

    expect(process.exitCode).toBe(1)
    expect(runner.outputs()).toMatchObject({ verified: 'false' })
    expect(runner.printed()).toContain(
      `::error::Verification of ECS service ${SERVICE} failed: tasks run the expected digest (1 of 120 running tasks run another image than ${OLD_DIGEST} in api: t104 runs ${drifted}). Nothing was changed; the service runs babyshield-backend-task:41.`
    )
    expect(runner.summary()).toContain(
      '| ❌ | tasks run the expected digest | 1 of 120 running tasks'
    )
  })
})
