// deploy mode, for real: docker build and push to the registry, ECR confirms the digest, a new
// pinned revision, the rollout through the layer, verification.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeEach, describe, expect, test } from 'vitest'
import { registryDigest } from './stack/http.js'
import { makeBuildContext } from './support/docker.js'
import { runAction } from './support/run-action.js'
import {
  ecrDigest,
  READ_ONLY_FIELDS,
  runningDigests,
  service,
  snapshot,
  taskDefinition
} from './support/world.js'
import {
  ACTION_INPUTS,
  APP_CONTAINER,
  REPOSITORY,
  REPOSITORY_URI,
  SIDECAR_CONTAINER,
  seed,
  type Seeded
} from './seed.js'

const todayUtc = (): string => new Date().toISOString().slice(0, 10).replaceAll('-', '')

/** The definition without what differs between revisions by design (and without the app image). */
function comparable(definition: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...definition }
  for (const field of READ_ONLY_FIELDS) delete copy[field]
  copy.containerDefinitions = (
    definition.containerDefinitions as { name?: string; image?: string }[]
  ).map(c => (c.name === APP_CONTAINER ? { ...c, image: '<app image>' } : c))
  return copy
}

let seeded: Seeded
beforeEach(async () => {
  seeded = await seed()
})

describe('deploy', () => {
  test('builds, pushes, pins the registry digest into a new revision and rolls it out', async () => {
    const dayBefore = todayUtc()
    const run = await runAction({ ...ACTION_INPUTS, 'deployment-notes': 'e2e: full deploy' })
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    // Nothing in the log a user cannot act on: no SDK warning about the request body.
    expect(run.stdout + run.stderr).not.toContain('JsonCodec')

    const { tag, digest } = run.outputs
    expect(tag).toMatch(/^production-fixed-\d{8}$/)
    expect([dayBefore, todayUtc()]).toContain(tag?.slice(-8))
    // The digest is the one the registry stored for the tag, and the one ECR reports.
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(await registryDigest(REPOSITORY, tag!)).toBe(digest)
    expect(await ecrDigest(tag!)).toBe(digest)
    expect(digest).not.toBe(seeded.seedImage.digest)
    expect(run.outputs.image).toBe(`${REPOSITORY_URI}@${digest}`)

    const newArn = run.outputs['task-definition-arn']!
    expect(newArn).toBe(seeded.taskDefinitionArn.replace(/:1$/, ':2'))
    expect(run.outputs['previous-task-definition-arn']).toBe(seeded.taskDefinitionArn)
    expect(run.outputs.verified).toBe('true')
    expect(run.outputs['rolled-back']).toBe('false')
    const result = JSON.parse(run.outputs.result ?? '{}') as Record<string, unknown>
    expect(result).toMatchObject({ digest, tag, taskDefinitionArn: newArn, verified: true })

    // Every field of the rich two-container definition survives; only the app image changes.
    const before = await taskDefinition(seeded.taskDefinitionArn)
    const after = await taskDefinition(newArn)
    expect(comparable(after.definition as Record<string, unknown>)).toEqual(
      comparable(before.definition as Record<string, unknown>)
    )
    const app = after.definition.containerDefinitions?.find(c => c.name === APP_CONTAINER)
    expect(app?.image).toBe(`${REPOSITORY_URI}@${digest}`)
    expect(app?.environment).toContainEqual({ name: 'FEATURE_FLAGS', value: '' })
    const sidecar = (d: typeof after) =>
      d.definition.containerDefinitions?.find(c => c.name === SIDECAR_CONTAINER)
    expect(sidecar(after)).toEqual(sidecar(before))
    // The revision keeps its tags (the action may add audit tags of its own).
    expect(after.tags).toMatchObject(before.tags)

    const current = await service()
    expect(current.taskDefinition).toBe(newArn)
    expect(current.deployments).toHaveLength(1)
    expect(current.deployments?.[0]?.rolloutState).toBe('COMPLETED')
    expect(await runningDigests()).toEqual([digest, digest])

    expect(run.summary).toContain(digest)
    expect(run.summary).toContain(tag)
    expect(run.summary).toContain('e2e: full deploy')
  })

  test('a Dockerfile that fails to build changes nothing, and the step says what still runs', async () => {
    const workspace = await makeBuildContext()
    // No base image is pullable here; a RUN on scratch fails, as a broken Dockerfile does.
    await writeFile(join(workspace, 'Dockerfile.final'), 'FROM scratch\nRUN false\n')
    const before = await snapshot()

    const run = await runAction(ACTION_INPUTS, { GITHUB_WORKSPACE: workspace })

    expect(run.exitCode).toBe(1)
    const errors = run.stdout.split('\n').filter(line => line.startsWith('::error'))
    expect(errors.join('\n')).toMatch(
      /docker build of \S+ failed \(exit code \d+\): .+; the last lines of the build are in the job summary\. Nothing was deployed; the service still runs babyshield-backend-task:1\./
    )
    // The build's own words, in the summary: the RUN that failed.
    expect(run.summary).toMatch(/### Build output \(last \d+ lines\)/)
    expect(run.summary).toContain('RUN false')
    expect(run.stdout).not.toMatch(/docker push|Registered/)
    expect(await snapshot()).toEqual(before)
    expect(run.outputs.result && JSON.parse(run.outputs.result)).toMatchObject({
      status: 'failed',
      previousTaskDefinitionArn: seeded.taskDefinitionArn
    })
  })

  test('a second deploy the same day gets the -v2 tag', async () => {
    const first = await runAction(ACTION_INPUTS)
    expect(first.exitCode, first.stdout + first.stderr).toBe(0)
    const second = await runAction(ACTION_INPUTS)
    expect(second.exitCode, second.stdout + second.stderr).toBe(0)

    expect(second.outputs.tag).toBe(`${first.outputs.tag}-v2`)
    expect(second.outputs.digest).not.toBe(first.outputs.digest)
    expect(await registryDigest(REPOSITORY, second.outputs.tag!)).toBe(second.outputs.digest)
    expect(second.outputs['previous-task-definition-arn']).toBe(
      first.outputs['task-definition-arn']
    )
    expect(second.outputs['task-definition-arn']).toBe(
      seeded.taskDefinitionArn.replace(/:1$/, ':3')
    )
    // The first deploy's tag still names its own image.
    expect(await ecrDigest(first.outputs.tag!)).toBe(first.outputs.digest)
  })
})
