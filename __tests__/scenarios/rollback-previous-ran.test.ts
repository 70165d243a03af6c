// `rollback-to: previous` returns a service to a revision it ran, never to one that was only
// registered: a deploy stopped during its migration leaves its new revision ACTIVE, and the deploy
// after it names, in its revision's deploy:replaces tag, the revision it replaced.
import * as core from '@actions/core'
import { RunTaskCommand } from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { deploy } from '../../src/modes/deploy.js'
import { rollback } from '../../src/modes/rollback.js'
import { Registry } from '../../test/support/registry.js'
import {
  digestOf,
  FakeEcs,
  freshRun,
  inputsFor,
  only,
  rev,
  SERVICE,
  settled,
  withAnyImageInEcr
} from '../../test/support/scripted-ecs.js'

vi.mock('@actions/core')

const FAMILY = 'babyshield-backend-task'

beforeEach(() => {
  vi.mocked(core.info).mockClear()
})

/** The service on revision 12 of a registry that has 11 and 12; ECR has the images of 13 and 14. */
function world() {
  const ecs = new FakeEcs(settled(SERVICE))
  const registry = new Registry(ecs.ecsMock)
  registry.add(ecs.taskDefinition(11))
  registry.add(ecs.taskDefinition(12))
  withAnyImageInEcr(ecs)
  return { ecs, registry }
}

/** A deploy of revision `n`'s image that is stopped while its migration task starts: no cleanup. */
async function stoppedDuringMigration(ecs: FakeEcs, n: number): Promise<void> {
  ecs.ecsMock.on(RunTaskCommand).callsFake(() => new Promise(() => undefined))
  void deploy(
    inputsFor({ image: digestOf(n), 'migration-command': 'alembic upgrade head' }),
    ecs.deps,
    freshRun()
  )
  await vi.waitFor(() => expect(ecs.ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1))
}

describe('rollback-to: previous after a deploy stopped during its migration', () => {
  test('passes over the revision that never ran and returns the service to the one it ran', async () => {
    const { ecs, registry } = world()
    await stoppedDuringMigration(ecs, 13)
    // The runner died with the step: revision 13 stays ACTIVE, and the service still runs 12.
    expect(registry.active(FAMILY)).toEqual([`${FAMILY}:11`, `${FAMILY}:12`, `${FAMILY}:13`])
    expect(ecs.runsNow()).toBe(rev(12))

    const next = freshRun()
    await deploy(inputsFor({ image: digestOf(14) }), ecs.deps, next)
    expect(only(next).taskDefinitionArn).toBe(rev(14))
    expect(registry.tags(`${FAMILY}:14`)).toContainEqual({
      key: 'deploy:replaces',
      value: `${FAMILY}:12`
    })

    const back = freshRun([SERVICE], 'rollback')
    await rollback(inputsFor({ mode: 'rollback' }), ecs.deps, back)

    expect(ecs.updatedTo()).toEqual([rev(14), rev(12)])
    expect(only(back)).toMatchObject({
      taskDefinitionArn: rev(12),
      digest: digestOf(12),
      rolledBack: true,
      verified: true
    })
    expect(vi.mocked(core.info).mock.calls.map(c => String(c[0]))).toContain(
      `${FAMILY}:13 is newer than ${FAMILY}:12, the revision ${FAMILY}:14 replaced (its deploy:replaces tag): no service ran it before ${FAMILY}:14: passed over`
    )
  })

  test('a revision passed over for its digest hands on what it replaced', async () => {
    const { ecs, registry } = world()
    await stoppedDuringMigration(ecs, 13)
    await deploy(inputsFor({ image: digestOf(14) }), ecs.deps, freshRun())
    // A configuration-only deploy: 15 replaces 14 and pins 14's image (not watched: the fake's
    // tasks of 15 would report another digest).
    await deploy(inputsFor({ image: digestOf(14), wait: 'false' }), ecs.deps, freshRun())
    expect(registry.active(FAMILY)).toEqual([11, 12, 13, 14, 15].map(n => `${FAMILY}:${n}`))

    const back = freshRun([SERVICE], 'rollback')
    await rollback(inputsFor({ mode: 'rollback' }), ecs.deps, back)

    // 14 runs the same digest as 15: passed over. It replaced 12, so 13 never ran either.
    expect(ecs.updatedTo().at(-1)).toBe(rev(12))
    expect(only(back)).toMatchObject({ taskDefinitionArn: rev(12), verified: true })
  })
})
