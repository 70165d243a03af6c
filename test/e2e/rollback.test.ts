// rollback mode: back to the previous digest, to a revision as it is (the emergency rollback),
// or to a tag pinned into a new revision (the quick rollback).
import { beforeEach, describe, expect, test } from 'vitest'
import { runAction } from './support/run-action.js'
import {
  deployDirectly,
  revisions,
  runningDigests,
  service,
  taskDefinition
} from './support/world.js'
import { ACTION_INPUTS, APP_CONTAINER, REPOSITORY_URI, seed, type Seeded } from './seed.js'

const ROLLBACK = { ...ACTION_INPUTS, mode: 'rollback' }

let seeded: Seeded
let deployed: { digest: string; taskDefinitionArn: string }
beforeEach(async () => {
  seeded = await seed()
  // A newer image is in service (revision 2), as after a deploy.
  deployed = await deployDirectly('production-fixed-20250602', seeded.taskDefinitionArn)
})

describe('rollback', () => {
  test('previous: the service returns to the digest it ran before', async () => {
    const run = await runAction(ROLLBACK)
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    expect(run.outputs['rolled-back']).toBe('true')
    expect(run.outputs.verified).toBe('true')
    expect(run.outputs.digest).toBe(seeded.seedImage.digest)
    expect(run.outputs['previous-task-definition-arn']).toBe(deployed.taskDefinitionArn)

    const current = await service()
    expect(current.taskDefinition).toBe(run.outputs['task-definition-arn'])
    expect(await runningDigests()).toEqual([seeded.seedImage.digest, seeded.seedImage.digest])
    expect(run.summary).toContain(seeded.seedImage.digest)
  })

  test('a revision number is deployed as it is, without a new registration', async () => {
    const before = await revisions()
    const run = await runAction({ ...ROLLBACK, 'rollback-to': '1' })
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    expect(run.outputs['task-definition-arn']).toBe(seeded.taskDefinitionArn)
    expect(await revisions()).toEqual(before)
    expect((await service()).taskDefinition).toBe(seeded.taskDefinitionArn)
    expect(await runningDigests()).toEqual([seeded.seedImage.digest, seeded.seedImage.digest])
  })

  test('a tag is pinned by digest into a new revision', async () => {
    const run = await runAction({ ...ROLLBACK, 'rollback-to': seeded.seedImage.tag })
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const arn = run.outputs['task-definition-arn']!
    expect(arn).toBe(seeded.taskDefinitionArn.replace(/:1$/, ':3'))
    const { definition } = await taskDefinition(arn)
    expect(definition.containerDefinitions?.find(c => c.name === APP_CONTAINER)?.image).toBe(
      `${REPOSITORY_URI}@${seeded.seedImage.digest}`
    )
    expect(await runningDigests()).toEqual([seeded.seedImage.digest, seeded.seedImage.digest])
  })
})
