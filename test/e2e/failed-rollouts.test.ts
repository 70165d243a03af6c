// Rollouts that go wrong, scripted through the layer: tasks that crash, the circuit breaker,
// a rollout that never ends. The step fails, says why, and the service ends on the good revision.
import { beforeEach, describe, expect, test } from 'vitest'
import { stackControl } from './support/aws.js'
import { runAction } from './support/run-action.js'
import { revisions, runningDigests, service, waitForSteadyState } from './support/world.js'
import { ACTION_INPUTS, seed, type Seeded } from './seed.js'

let seeded: Seeded
beforeEach(async () => {
  seeded = await seed()
})

describe('a failed rollout', () => {
  test('crashing tasks: the step fails fast, shows why and the last log lines, and rolls back', async () => {
    await stackControl.nextRollout({ outcome: 'crashloop' })
    const began = Date.now()
    const run = await runAction(ACTION_INPUTS)
    const seconds = (Date.now() - began) / 1000

    expect(run.exitCode).toBe(1)
    // Well inside timeout-minutes (3): the crashes end the wait, not the clock.
    expect(seconds).toBeLessThan(90)
    const shown = run.stdout + run.summary
    expect(shown).toContain('Essential container in task exited')
    expect(shown).toMatch(/exit(ed with)? code:? 1|exitCode 1|exit 1/i)
    expect(shown).toContain('Could not connect to the database')
    expect(run.outputs['rolled-back']).toBe('true')
    expect(run.outputs.verified).not.toBe('true')

    const current = await waitForSteadyState()
    expect(await runningDigests()).toEqual([seeded.seedImage.digest, seeded.seedImage.digest])
    expect(run.outputs['task-definition-arn']).toBe(current.taskDefinition)
  })

  test('circuit breaker: the step reports that ECS rolled back and does not roll back again', async () => {
    await stackControl.nextRollout({ outcome: 'circuit-breaker' })
    const run = await runAction(ACTION_INPUTS)

    expect(run.exitCode).toBe(1)
    expect(run.stdout + run.summary).toMatch(/circuit breaker|rolled back by ECS|ECS rolled back/i)
    // Only the deploy's own revision was registered; no rollback revision of the action's.
    expect(await revisions()).toHaveLength(2)
    const current = await waitForSteadyState()
    expect(current.taskDefinition).toBe(seeded.taskDefinitionArn)
    // Events are newest first: after ECS's "rolling back", only its own rollback started tasks.
    const events = (current.events ?? []).map(e => e.message ?? '')
    const rollingBack = events.findIndex(m => m.includes('rolling back to deployment'))
    expect(rollingBack).toBeGreaterThan(0)
    expect(events.slice(0, rollingBack).filter(m => m.includes('has started'))).toHaveLength(1)
    expect(run.outputs['task-definition-arn']).toBe(seeded.taskDefinitionArn)
    expect(await runningDigests()).toEqual([seeded.seedImage.digest, seeded.seedImage.digest])
  })

  test('a rollout that never finishes: the step times out and rolls back', async () => {
    await stackControl.nextRollout({ outcome: 'stuck' })
    const run = await runAction({ ...ACTION_INPUTS, 'timeout-minutes': '0.25' })

    expect(run.exitCode).toBe(1)
    expect(run.stdout + run.summary).toMatch(/did not finish within|timed out|timeout/i)
    expect(run.outputs['rolled-back']).toBe('true')
    const current = await waitForSteadyState()
    expect(current.taskDefinition).toBe(run.outputs['task-definition-arn'])
    expect(await runningDigests()).toEqual([seeded.seedImage.digest, seeded.seedImage.digest])
    expect((await service()).deployments).toHaveLength(1)
  })
})
