// A deploy's build and its layer cache: the cache the build is given (from what the service runs
// now), an IMMUTABLE repository, the cache off, the build's record in the result and summary, and
// the cache never deployed.
import { DescribeImagesCommand } from '@aws-sdk/client-ecr'
import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, expect, test, vi } from 'vitest'
import type { BuildOutcome, BuildRequest } from '../../src/docker/docker.js'
import { parseInputs, type Inputs } from '../../src/inputs/inputs.js'
import { deploy } from '../../src/modes/deploy.js'
import { outputsOf } from '../../src/model/result.js'
import { renderSummary } from '../../src/report/summary.js'
import { NEW_DIGEST, OLD_DIGEST, REPOSITORY_URI } from '../../test/support/task-definitions.js'
import { DEPLOY_INPUTS, deployWorld, type WorldOptions } from '../../test/support/deploy-world.js'
import { resultFor } from '../../test/support/inputs.js'

let dockerfile: string

beforeEach(() => {
  dockerfile = join(mkdtempSync(join(tmpdir(), 'build-cache-test-')), 'Dockerfile.final')
  writeFileSync(dockerfile, 'FROM scratch\n')
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
})

function inputs(overrides: Record<string, string> = {}): Inputs {
  const values: Record<string, string> = {
    ...DEPLOY_INPUTS,
    dockerfile,
    'bake-minutes': '0',
    ...overrides
  }
  return parseInputs(name => values[name] ?? '')
}

/** A deploy whose build takes `seconds` on the clock and reports `outcome`; returns its request. */
async function deployBuilding(
  overrides: Record<string, string>,
  options: WorldOptions = {},
  outcome: BuildOutcome = { steps: 4, cached: 0, cache: undefined },
  seconds = 0
) {
  const world = deployWorld({}, options)
  const requests: BuildRequest[] = []
  world.docker.build = request => {
    requests.push(request)
    world.clock.time += seconds * 1000
    return Promise.resolve(outcome)
  }
  const i = inputs(overrides)
  const result = resultFor(i)
  await deploy(i, world.deps, result)
  return { world, result, request: requests[0] }
}

test('the build reads and writes the cache tag, with the image the service runs; its time and hits are reported', async () => {
  const cache = `registry cache ${REPOSITORY_URI}:build-cache (mode=max)`
  const { result, request } = await deployBuilding({}, {}, { steps: 4, cached: 3, cache }, 12.34)

  expect(request?.cache).toEqual({
    ref: `${REPOSITORY_URI}:build-cache`,
    writable: true,
    images: [`${REPOSITORY_URI}@${OLD_DIGEST}`]
  })
  expect(result.status).toBe('succeeded')
  expect(result.build).toEqual({ seconds: 12.3, steps: 4, cached: 3, cache })
  expect(renderSummary(result)).toContain(
    `**Build:** 12.3 s, 3 of 4 steps from the cache (registry cache ${REPOSITORY_URI}:build-cache (mode=max))`
  )
  expect(JSON.parse(outputsOf(result).result ?? '{}')).toMatchObject({
    build: { seconds: 12.3, steps: 4, cached: 3, cache }
  })
  const printed = vi
    .mocked(process.stdout.write)
    .mock.calls.map(c => String(c[0]))
    .join('')
  expect(printed).toContain(`Built in 12.3 s, 3 of 4 steps from the cache (${cache})`)
})

test('an IMMUTABLE repository: the cache tag is not written to, and the plan says why', async () => {
  const { result, request } = await deployBuilding({}, { immutable: true })
  expect(result.status).toBe('succeeded')
  expect(request?.cache).toMatchObject({
    ref: `${REPOSITORY_URI}:build-cache`,
    writable: false,
    images: [`${REPOSITORY_URI}@${OLD_DIGEST}`]
  })
  expect(request?.cache?.why).toContain(
    'the tags of ECR repository babyshield-backend are immutable, so build-cache cannot move'
  )
})

test('build-cache false: the build has no cache, and the summary says so', async () => {
  const { result, request } = await deployBuilding({ 'build-cache': 'false' })
  expect(request?.cache).toBeUndefined()
  expect(result.build).toEqual({ seconds: 0, steps: 4, cached: 0 })
  expect(renderSummary(result)).toContain(
    '**Build:** 0 s, 0 of 4 steps from the cache (no layer cache)'
  )
})

test('a reference given: the cache is kept there, and the legacy builder may pull it', async () => {
  const ref = 'registry.example:5000/cache/backend:main'
  const { request } = await deployBuilding({ 'build-cache': ref })
  expect(request?.cache).toEqual({
    ref,
    writable: true,
    images: [`${REPOSITORY_URI}@${OLD_DIGEST}`, ref]
  })
})

test('image naming the build cache by its digest is refused before anything changes', async () => {
  const world = deployWorld()
  world.ecrMock.on(DescribeImagesCommand, { imageIds: [{ imageDigest: NEW_DIGEST }] }).resolves({
    imageDetails: [{ imageDigest: NEW_DIGEST, imageTags: ['build-cache'] }]
  })
  const i = inputs({ image: NEW_DIGEST })
  const result = resultFor(i)
  const error = await deploy(i, world.deps, result).catch((e: unknown) => e)
  expect(String(error)).toContain(
    `image '${NEW_DIGEST}' is the build cache (tag build-cache): it holds build layers, not an image ECS can run: give a release tag or its digest`
  )
  expect(world.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toEqual([])
  expect(world.docker.calls).toEqual([])
})
