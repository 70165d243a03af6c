// The API and its worker, shipped from one image as one unit: one build and push, a revision of
// each service's own family, and both back on what they ran when only the worker crash loops.
import { beforeEach, describe, expect, test } from 'vitest'
import { stackControl } from './support/aws.js'
import { runAction } from './support/run-action.js'
import { runningDigests, service, taskDefinition, waitForSteadyState } from './support/world.js'
import {
  ACTION_INPUTS,
  FAMILY,
  seed,
  seedWorker,
  SERVICE,
  WORKER_CONTAINER,
  WORKER_FAMILY,
  WORKER_SERVICE,
  type Seeded
} from './seed.js'

let seeded: Seeded
let workerRevision: string
beforeEach(async () => {
  seeded = await seed()
  workerRevision = (await seedWorker(seeded)).taskDefinitionArn
})

const BOTH = { ...ACTION_INPUTS, service: `${SERVICE}\n${WORKER_SERVICE}` }

describe('an API and its worker from one image', () => {
  test('one build and push; each service gets a pinned revision of its own family, verified', async () => {
    const run = await runAction(BOTH)

    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.verified).toBe('true')
    const digest = run.outputs.digest ?? ''
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    expect(run.stdout.match(/Pushed .* confirmed by ECR/g)).toHaveLength(1)
    const [api, worker] = (run.outputs['task-definition-arn'] ?? '').split('\n')
    expect(api).toMatch(new RegExp(`:task-definition/${FAMILY}:2$`))
    expect(worker).toMatch(new RegExp(`:task-definition/${WORKER_FAMILY}:2$`))
    expect((await taskDefinition(worker ?? '')).definition.containerDefinitions?.[0]?.image).toBe(
      `${seeded.repositoryUri}@${digest}`
    )
    expect(await runningDigests(SERVICE)).toEqual([digest, digest])
    expect(await runningDigests(WORKER_SERVICE, WORKER_CONTAINER)).toEqual([digest, digest])
    expect(run.summary).toContain('| Service | Revision | Image | Verified | Rolled back |')
  })

  test('only the worker crash loops: both go back to what they ran, verified, and the step says why', async () => {
    await stackControl.nextRollout({
      outcome: 'crashloop',
      service: WORKER_SERVICE,
      logLines: ['Starting worker', 'KeyError: QUEUE_URL']
    })
    const run = await runAction(BOTH)

    expect(run.exitCode).toBe(1)
    expect(run.outputs['rolled-back']).toBe('true')
    const shown = run.stdout + run.summary
    expect(shown).toContain(
      `ECS service ${WORKER_SERVICE}: The rollout of ${WORKER_FAMILY}:2 failed`
    )
    expect(shown).toContain('KeyError: QUEUE_URL')
    expect(run.stdout).toMatch(
      new RegExp(
        `${SERVICE}: Rolled back: the service runs ${FAMILY}:1 \\([^)]+\\) again, verified`
      )
    )
    expect(run.stdout).toMatch(
      new RegExp(
        `${WORKER_SERVICE}: Rolled back: the service runs ${WORKER_FAMILY}:1 \\([^)]+\\) again, verified`
      )
    )

    expect((await waitForSteadyState(30_000, SERVICE)).taskDefinition).toBe(
      seeded.taskDefinitionArn
    )
    expect((await waitForSteadyState(30_000, WORKER_SERVICE)).taskDefinition).toBe(workerRevision)
    expect(await runningDigests(SERVICE)).toEqual([
      seeded.seedImage.digest,
      seeded.seedImage.digest
    ])
    expect(await runningDigests(WORKER_SERVICE, WORKER_CONTAINER)).toEqual([
      seeded.seedImage.digest,
      seeded.seedImage.digest
    ])
    expect(run.outputs['task-definition-arn']).toBe(
      `${seeded.taskDefinitionArn}\n${workerRevision}`
    )
    expect((await service(WORKER_SERVICE)).deployments).toHaveLength(1)
  })
})
