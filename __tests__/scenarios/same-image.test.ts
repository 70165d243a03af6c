// Every container on the repository's image runs the code deployed: `container-name: app` with a
// `migrate` container on the same image repins both, the migration runs the new digest, and the
// checks want the digest in both. A container on another image keeps its own.
import * as core from '@actions/core'
import { RegisterTaskDefinitionCommand, type TaskDefinition } from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { outputsOf } from '../../src/model/result.js'
import { deploy } from '../../src/modes/deploy.js'
import { rollback } from '../../src/modes/rollback.js'
import { renderSummary } from '../../src/report/summary.js'
import { OneOffTasks } from '../../test/support/one-off-tasks.js'
import { Registry } from '../../test/support/registry.js'
import {
  digestOf,
  FakeEcs,
  freshRun,
  inputsFor,
  only,
  REPOSITORY_URI,
  rev,
  SERVICE,
  settled,
  withAnyImageInEcr
} from '../../test/support/scripted-ecs.js'

vi.mock('@actions/core')

const FAMILY = 'babyshield-backend-task'
const ENVOY = 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.4.0-prod'
const image = (n: number) => `${REPOSITORY_URI}@${digestOf(n)}`

beforeEach(() => {
  vi.mocked(core.info).mockClear()
  vi.mocked(core.warning).mockClear()
})

/**
 * The service on revision 12: app on 12's image, a migrate container on the repository's image
 * too (left on 11's digest by an earlier deploy that repinned app alone), and an envoy sidecar.
 */
function world() {
  const ecs = new FakeEcs(settled(SERVICE))
  const registry = new Registry(ecs.ecsMock)
  registry.runsPinned(ecs)
  const twelve = ecs.taskDefinition(12)
  const [app] = twelve.containerDefinitions ?? []
  const revision: TaskDefinition = {
    ...twelve,
    containerDefinitions: [
      { ...app, name: 'app', image: image(12) },
      { name: 'migrate', image: image(11), essential: false, command: ['alembic', 'upgrade'] },
      { name: 'envoy', image: ENVOY, essential: true }
    ]
  }
  registry.add(revision)
  registry.add({ ...revision, taskDefinitionArn: rev(11), revision: 11 })
  withAnyImageInEcr(ecs)
  return { ecs, registry }
}

const imagesOf = (ecs: FakeEcs, call = 0) =>
  Object.fromEntries(
    (
      ecs.ecsMock.commandCalls(RegisterTaskDefinitionCommand)[call]?.args[0].input
        .containerDefinitions ?? []
    ).map(c => [c.name ?? '', c.image ?? ''] as const)
  )

const printed = () => vi.mocked(core.info).mock.calls.map(c => String(c[0]))

describe('a deploy repins every container on the repository’s image', () => {
  test('container-name app with migrate on the same image: both get the new digest, the migration runs it, the checks want it in both', async () => {
    const { ecs } = world()
    const tasks = new OneOffTasks(ecs)
    const result = freshRun()
    await deploy(
      inputsFor({
        image: digestOf(13),
        'container-name': 'app',
        'migration-command': 'alembic upgrade head',
        'migration-container': 'migrate'
      }),
      ecs.deps,
      result
    )

    expect(result.status).toBe('succeeded')
    expect(imagesOf(ecs)).toEqual({ app: image(13), migrate: image(13), envoy: ENVOY })
    expect(tasks.only()).toMatchObject({
      taskDefinition: rev(13),
      overrides: { containerOverrides: [{ name: 'migrate' }] }
    })
    expect(vi.mocked(core.warning)).not.toHaveBeenCalled()
    expect(only(result).checks).toContainEqual({
      name: 'tasks run the expected digest',
      status: 'pass',
      detail: `2 of 2 running tasks run ${digestOf(13)} in app and migrate`
    })
    expect(printed()).toContain(
      `Service ${SERVICE} runs ${FAMILY}:12; container app runs ${image(12)}; migrate runs an image of the same repository too`
    )
    expect(printed()).toContain(
      `Registered ${rev(13)} with app = ${image(13)} (and migrate, on the same image)`
    )
    expect(renderSummary(result)).toContain('| Container | app, and migrate on the same image |')
    expect(JSON.parse(outputsOf(result).result ?? '{}')).toMatchObject({
      containerName: 'app',
      containers: ['app', 'migrate'],
      image: image(13)
    })
  })

  test('a migration-container on another image is refused before anything is registered', async () => {
    const { ecs } = world()
    const error = await deploy(
      inputsFor({
        image: digestOf(13),
        'container-name': 'app',
        'migration-command': 'alembic upgrade head',
        'migration-container': 'envoy'
      }),
      ecs.deps,
      freshRun()
    ).catch((e: unknown) => e as Error)
    expect(error?.message).toBe(
      `migration-container 'envoy' runs ${ENVOY}, not an image of ECR repository babyshield-backend: the migration would not run the code this deploy rolls out. Name a container whose image is in ecr-repository (app, migrate), or leave migration-container empty. Nothing was deployed; the service still runs ${FAMILY}:12.`
    )
    expect(ecs.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
  })

  test('a rollback to a tag repins both too', async () => {
    const { ecs } = world()
    const result = freshRun([SERVICE], 'rollback')
    await rollback(
      inputsFor({ mode: 'rollback', 'container-name': 'app', 'rollback-to': digestOf(10) }),
      ecs.deps,
      result
    )
    expect(imagesOf(ecs)).toEqual({ app: image(10), migrate: image(10), envoy: ENVOY })
    expect(only(result)).toMatchObject({ verified: true, digest: digestOf(10) })
  })
})
