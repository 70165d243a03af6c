// verify mode against what really runs: the service's tasks, their digests, the health URL,
// the ERROR lines in the logs.
import { UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test } from 'vitest'
import { ecs, healthUrl, stackControl } from './support/aws.js'
import { runAction } from './support/run-action.js'
import { pushNewImage, waitForSteadyState } from './support/world.js'
import { ACTION_INPUTS, CLUSTER, SERVICE, seed, type Seeded } from './seed.js'

const VERIFY = { ...ACTION_INPUTS, mode: 'verify' }

let seeded: Seeded
beforeEach(async () => {
  seeded = await seed()
})

describe('verify', () => {
  test('a steady service running its pinned digest is verified', async () => {
    const run = await runAction({ ...VERIFY, 'health-check-url': healthUrl(SERVICE) })
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    expect(run.outputs.verified).toBe('true')
    expect(run.outputs['rolled-back']).toBe('false')
    expect(run.outputs['task-definition-arn']).toBe(seeded.taskDefinitionArn)
    expect(run.outputs.digest).toBe(seeded.seedImage.digest)
    expect(run.summary).toContain(seeded.seedImage.digest)
  })

  test('a tag whose digest is what runs is verified', async () => {
    const run = await runAction({ ...VERIFY, tag: seeded.seedImage.tag })
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    expect(run.outputs.verified).toBe('true')
    expect(run.outputs.tag).toBe(seeded.seedImage.tag)
    expect(run.outputs.digest).toBe(seeded.seedImage.digest)
  })

  test('a tag whose image is not the one running fails verification', async () => {
    const other = await pushNewImage('production-fixed-20250602')
    const run = await runAction({ ...VERIFY, tag: 'production-fixed-20250602' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.verified).toBe('false')
    const result = JSON.parse(run.outputs.result ?? '{}') as {
      checks?: { status: string; detail?: string }[]
    }
    expect(result.checks?.some(c => c.status === 'fail')).toBe(true)
    expect(run.stdout + run.summary).toContain(other.slice(7, 19))
  })

  test('a health URL that does not answer 2xx fails verification', async () => {
    const run = await runAction({ ...VERIFY, 'health-check-url': healthUrl('no-such-service') })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.verified).toBe('false')
    expect(run.summary).toMatch(/503/)
  })

  test('ERROR lines in the recent logs are counted and shown', async () => {
    const line = 'ERROR Payment webhook timed out after 30s (order 8841)'
    await stackControl.nextRollout({ outcome: 'success', errorLogLine: line })
    await ecs.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, forceNewDeployment: true })
    )
    await stackControl.settle()
    await waitForSteadyState()

    const run = await runAction(VERIFY)
    expect(run.summary).toContain('Payment webhook timed out after 30s')
  })
})
