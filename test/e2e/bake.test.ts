// Releases that go bad after ECS calls them steady: the bake catches them and puts the last good
// revision back, verified. The layer scripts a release whose tasks start logging errors, and one
// whose stand-in health URL turns 503, a few steps after the rollout completed.
import { beforeEach, describe, expect, test } from 'vitest'
import { healthUrl, stackControl } from './support/aws.js'
import { runAction } from './support/run-action.js'
import { runningDigests, service, waitForSteadyState } from './support/world.js'
import { ACTION_INPUTS, FAMILY, seed, SERVICE, type Seeded } from './seed.js'

let seeded: Seeded
beforeEach(async () => {
  seeded = await seed()
})

const BAKE = { ...ACTION_INPUTS, 'bake-minutes': '0.4' }

async function backOnTheSeed(): Promise<void> {
  expect((await waitForSteadyState(30_000)).taskDefinition).toBe(seeded.taskDefinitionArn)
  expect(await runningDigests()).toEqual([seeded.seedImage.digest, seeded.seedImage.digest])
  expect((await service()).deployments).toHaveLength(1)
}

describe('the bake after a completed rollout', () => {
  test('a quiet bake ends in success and says what it watched', async () => {
    const run = await runAction({
      ...BAKE,
      'bake-minutes': '0.2',
      'health-check-url': healthUrl(SERVICE)
    })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.verified).toBe('true')
    expect(run.stdout).toMatch(
      /the bake passed: watched 0:12 in \d+ polls: 0 error lines in the new tasks/
    )
    expect(run.summary).toContain('### Bake')
  })

  test('the new tasks start logging errors after steady: rolled back to revision 1, verified', async () => {
    await stackControl.nextRollout({ outcome: 'errors-after-steady', afterSteps: 4 })

    const run = await runAction(BAKE)

    expect(run.exitCode).toBe(1)
    expect(run.outputs['rolled-back']).toBe('true')
    expect(run.stdout).toMatch(
      new RegExp(
        `The rollout of ${FAMILY}:2 failed: it regressed \\d:\\d\\d into the 0:24 bake: the new tasks logged \\d+ error lines .*KeyError: recall_severity.*Rolled back: the service runs ${FAMILY}:1 \\([^)]+\\) again, verified\\.`
      )
    )
    expect(run.outputs['task-definition-arn']).toBe(seeded.taskDefinitionArn)
    await backOnTheSeed()
  })

  test('the health URL turns 503 after steady: rolled back to revision 1, verified', async () => {
    await stackControl.nextRollout({ outcome: 'unhealthy-after-steady', afterSteps: 4 })

    const run = await runAction({ ...BAKE, 'health-check-url': healthUrl(SERVICE) })

    expect(run.exitCode).toBe(1)
    expect(run.outputs['rolled-back']).toBe('true')
    expect(run.stdout).toMatch(
      new RegExp(
        `The rollout of ${FAMILY}:2 failed: it regressed \\d:\\d\\d into the 0:24 bake: GET \\S+ did not answer 2xx 3 times in a row \\(\\S+ 503, \\S+ 503, \\S+ 503\\)\\. Rolled back: the service runs ${FAMILY}:1 \\([^)]+\\) again, verified\\.`
      )
    )
    await backOnTheSeed()
  })
})
