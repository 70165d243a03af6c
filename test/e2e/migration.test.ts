// The migration runs first: a one-off task of the new revision, in the service's own network
// configuration, on the digest about to roll out. Exit 0 and the rollout goes on; anything else
// and the service is never touched.
import { UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test } from 'vitest'
import { stackControl } from './support/aws.js'
import { runAction } from './support/run-action.js'
import {
  registerRevision,
  revisions,
  runningDigests,
  service,
  taskDefinition,
  waitForSteadyState
} from './support/world.js'
import { ecs } from './support/aws.js'
import {
  ACTION_INPUTS,
  APP_CONTAINER,
  CLUSTER,
  FAMILY,
  REPOSITORY_URI,
  SERVICE,
  seed,
  type Seeded
} from './seed.js'

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

/** The line the step prints once the migration task has started. */
const migrationStarted = (line: string): boolean => /Migration task \S+ started/.test(line)

describe('a deploy stopped during its migration', () => {
  test('cancelled: the task is stopped and the new revision deregistered', async () => {
    await stackControl.nextTask({ outcome: 'hang' })

    const run = await runAction(MIGRATE, {}, { cancelWhen: migrationStarted })

    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(
      `No service was updated: ${SERVICE} runs ${FAMILY}:1; revision ${FAMILY}:2 was deregistered.`
    )
    expect(await revisions()).toEqual([seeded.taskDefinitionArn])
    expect((await service()).taskDefinition).toBe(seeded.taskDefinitionArn)
  })

  test('killed with its runner: the revision left behind is never what rollback-to: previous chooses', async () => {
    await stackControl.nextTask({ outcome: 'hang' })
    const killed = await runAction(MIGRATE, {}, { killWhen: migrationStarted })
    expect(killed.exitCode).not.toBe(0)
    // Nothing could clean up: revision 2 stays ACTIVE, and the service never ran it.
    expect(await revisions()).toHaveLength(2)

    const next = await runAction(ACTION_INPUTS)
    expect(next.exitCode, next.stdout).toBe(0)
    const third = next.outputs['task-definition-arn'] ?? ''
    expect((await taskDefinition(third)).tags['deploy:replaces']).toBe(`${FAMILY}:1`)

    const back = await runAction({ ...ACTION_INPUTS, mode: 'rollback' })

    expect(back.exitCode, back.stdout).toBe(0)
    expect(back.outputs['task-definition-arn']).toBe(seeded.taskDefinitionArn)
    expect(back.outputs.digest).toBe(seeded.seedImage.digest)
    expect(back.stdout).toContain(
      `${FAMILY}:2 is newer than ${FAMILY}:1, the revision ${FAMILY}:3 replaced (its deploy:replaces tag): no service ran it before ${FAMILY}:3: passed over`
    )
    expect(await runningDigests()).toEqual([seeded.seedImage.digest, seeded.seedImage.digest])
  })
})

describe('a migrate container on the repository’s image beside the app', () => {
  test('gets the new digest too, so the migration runs the code it migrates for', async () => {
    // The service runs a revision whose migrate container is on the seed image, like api.
    const { definition } = await taskDefinition(seeded.taskDefinitionArn)
    const api = definition.containerDefinitions?.find(c => c.name === APP_CONTAINER)
    const withMigrate = await registerRevision(seeded.taskDefinitionArn, api?.image ?? '', [
      { name: 'migrate', image: api?.image ?? '', essential: false, command: ['sleep', '1'] }
    ])
    await ecs.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: withMigrate })
    )
    await stackControl.settle()
    await waitForSteadyState()
    await stackControl.nextTask({ outcome: 'exit', exitCode: 0, logLines: ['INFO done'] })

    const run = await runAction({
      ...MIGRATE,
      'container-name': APP_CONTAINER,
      'migration-container': 'migrate'
    })

    expect(run.exitCode, run.stdout).toBe(0)
    const digest = run.outputs.digest ?? ''
    const { definition: next } = await taskDefinition(run.outputs['task-definition-arn'] ?? '')
    expect(next.containerDefinitions?.map(c => [c.name, c.image])).toContainEqual([
      'migrate',
      `${REPOSITORY_URI}@${digest}`
    ])
    const [task] = await oneOffTasks()
    expect(task?.imageDigests.migrate).toBe(digest)
    expect(await runningDigests(SERVICE, 'migrate')).toEqual([digest, digest])
    expect(run.outputs.verified).toBe('true')
    expect(run.summary).toContain(`Container | ${APP_CONTAINER}, and migrate on the same image`)
  })
})
