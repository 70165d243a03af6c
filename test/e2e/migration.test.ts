// The migration runs first: a one-off task of the new revision, in the service's own network
// configuration, on the digest about to roll out. Exit 0 and the rollout goes on; anything else
// and the service is never touched.
import { beforeEach, describe, expect, test } from 'vitest'
import { stackControl } from './support/aws.js'
import { runAction } from './support/run-action.js'
import { revisions, runningDigests, service } from './support/world.js'
import { ACTION_INPUTS, APP_CONTAINER, FAMILY, seed, type Seeded } from './seed.js'

interface OneOffStatus {
  taskArn: string
  taskDefinitionArn: string
  lastStatus: string
  stopCode?: string
  exitCodes: Record<string, number | undefined>
  imageDigests: Record<string, string | undefined>
  request: {
    launchType?: string
    platformVersion?: string
    networkConfiguration?: unknown
    overrides?: { containerOverrides?: { name?: string; command?: string[] }[] }
    tags?: { key?: string; value?: string }[]
    startedBy?: string
  }
}

async function oneOffTasks(): Promise<OneOffStatus[]> {
  return ((await stackControl.status()).oneOffTasks ?? []) as OneOffStatus[]
}

const MIGRATE = { ...ACTION_INPUTS, 'migration-command': 'alembic upgrade head' }

let seeded: Seeded
beforeEach(async () => {
  seeded = await seed()
})

describe('a deploy with a migration', () => {
  test('the migration runs the new digest in the service’s network configuration, exits 0, and the rollout follows', async () => {
    await stackControl.nextTask({
      outcome: 'exit',
      exitCode: 0,
      logLines: ['INFO  [alembic] Running upgrade 41a2 -> 42b3, add recall severity', 'INFO  done']
    })
    const before = await service()

    const run = await runAction(MIGRATE, { GITHUB_RUN_ID: '4242' })

    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs['migration-exit-code']).toBe('0')
    const [task, ...others] = await oneOffTasks()
    expect(others).toEqual([])
    expect(run.outputs['migration-task-arn']).toBe(task?.taskArn)
    // The revision and the digest that then rolled out.
    expect(task?.taskDefinitionArn).toBe(run.outputs['task-definition-arn'])
    expect(task?.imageDigests[APP_CONTAINER]).toBe(run.outputs.digest)
    expect(task?.request).toMatchObject({
      launchType: 'FARGATE',
      networkConfiguration: before.networkConfiguration,
      overrides: {
        containerOverrides: [{ name: APP_CONTAINER, command: ['alembic', 'upgrade', 'head'] }]
      },
      startedBy: 'deploy-action/run-4242-1'
    })
    expect(task?.request.tags).toContainEqual({ key: 'deploy:purpose', value: 'migration' })
    expect(task).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited' })
    expect(run.stdout).toContain(
      '| INFO  [alembic] Running upgrade 41a2 -> 42b3, add recall severity'
    )
    expect(run.summary).toContain('### Migration')
    expect(await runningDigests()).toEqual([run.outputs.digest, run.outputs.digest])
  })

  test('a migration that exits 3 deploys nothing: the service runs what it ran, the new revision is gone', async () => {
    await stackControl.nextTask({
      outcome: 'exit',
      exitCode: 3,
      logLines: ['ERROR sqlalchemy.exc.ProgrammingError: relation "recalls" does not exist']
    })

    const run = await runAction(MIGRATE)

    expect(run.exitCode).toBe(1)
    expect(run.outputs['migration-exit-code']).toBe('3')
    expect(run.stdout).toContain(
      `Nothing was deployed; the service still runs ${FAMILY}:1. Revision ${FAMILY}:2 was deregistered.`
    )
    expect(run.stdout).toContain('relation "recalls" does not exist')
    const current = await service()
    expect(current.taskDefinition).toBe(seeded.taskDefinitionArn)
    expect(current.deployments).toHaveLength(1)
    expect(await revisions()).toEqual([seeded.taskDefinitionArn])
    expect(await runningDigests()).toEqual([seeded.seedImage.digest, seeded.seedImage.digest])
  })
})
