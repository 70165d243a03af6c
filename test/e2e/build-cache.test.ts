// The layer cache on a fresh runner, for real, with the legacy builder: a first deploy, then an
// engine with no image at all (as a new GitHub runner has), a one-line change of the code, and a
// second deploy whose dependency layer comes from the image the service runs, pulled from ECR.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeEach, expect, test } from 'vitest'
import { registryRequest } from './stack/http.js'
import { ensureBaseImage, localImages, removeAllImages } from './support/base-image.js'
import { runAction, type ActionRun } from './support/run-action.js'
import { tempDir } from './support/temp.js'
import { runningDigests } from './support/world.js'
import { ACTION_INPUTS, REPOSITORY, REPOSITORY_URI, seed } from './seed.js'

beforeEach(async () => {
  await seed()
})

/** An app like the real one: dependencies installed by a RUN, then the code copied in. */
async function appContext(base: string): Promise<string> {
  const dir = await tempDir('cached-app')
  await writeFile(join(dir, 'requirements.txt'), 'fastapi==0.115.0\nuvicorn==0.30.6\n')
  await writeFile(join(dir, 'app.py'), 'print("recalls v1")\n')
  await writeFile(
    join(dir, 'Dockerfile.final'),
    [
      `FROM ${base}`,
      'COPY requirements.txt /app/requirements.txt',
      // The dependency step: slow, and its layer is what the cache must bring back.
      'RUN sleep 2 && mkdir -p /app/site-packages && cp /app/requirements.txt /app/site-packages/installed.txt',
      'COPY app.py /app/app.py',
      ''
    ].join('\n')
  )
  return dir
}

/** The digests of an image's layers, as the registry stores its manifest. */
async function layersOf(digest: string): Promise<string[]> {
  const res = await registryRequest(`/v2/${REPOSITORY}/manifests/${digest}`)
  const manifest = JSON.parse(res.body.toString('utf8')) as { layers: { digest: string }[] }
  return manifest.layers.map(layer => layer.digest)
}

/** The lines the legacy builder printed for the step that starts with `step`, up to the next. */
function stepLines(stdout: string, step: string): string[] {
  const lines = stdout.split('\n')
  const start = lines.findIndex(line => /^Step \d+\/\d+ : /.test(line) && line.includes(step))
  const end = lines.findIndex((line, i) => i > start && /^Step \d+\/\d+ : /.test(line))
  return start < 0 ? [] : lines.slice(start, end < 0 ? undefined : end)
}

/**
 * A first deploy of the app from an engine with no image, then an engine emptied again and a
 * one-line change of the code, as the next push to a fresh runner brings it.
 */
async function deployThenChange(): Promise<{ workspace: string; first: ActionRun }> {
  const workspace = await appContext(await ensureBaseImage())
  await removeAllImages()
  const first = await runAction(ACTION_INPUTS, { GITHUB_WORKSPACE: workspace })
  expect(first.exitCode, first.stdout + first.stderr).toBe(0)
  await removeAllImages()
  expect(await localImages()).toEqual([])
  await writeFile(join(workspace, 'app.py'), 'print("recalls v2")\n')
  return { workspace, first }
}

test('on an engine with no image, a one-line change rebuilds only the code: the dependency layer comes from the running image', async () => {
  const { workspace, first } = await deployThenChange()
  const firstDigest = first.outputs.digest ?? ''
  // The seed's image (FROM scratch) shares no layer with this one. Six steps: the legacy builder
  // adds each of the three OCI labels as a LABEL step of its own, after the Dockerfile's.
  expect(first.summary).toContain('0 of 6 steps from the cache')

  const second = await runAction(ACTION_INPUTS, { GITHUB_WORKSPACE: workspace })
  expect(second.exitCode, second.stdout + second.stderr).toBe(0)

  const running = `${REPOSITORY_URI}@${firstDigest}`
  expect(second.stdout).toContain(`Pulling ${running} for the build cache`)
  expect(stepLines(second.stdout, 'RUN sleep 2')).toContain(' ---> Using cache')
  expect(stepLines(second.stdout, 'COPY app.py')).not.toContain(' ---> Using cache')
  expect(second.stdout).not.toContain('::warning::')
  // COPY requirements and RUN from the cache; COPY app.py and the labels after it built again.
  expect(second.summary).toMatch(
    /\*\*Build:\*\* [\d.]+ s, 2 of 6 steps from the cache \(123456789012\.dkr\.ecr\.eu-north-1\.amazonaws\.com\/babyshield-backend&#64;sha256:[0-9a-f]{12}…, pulled for --cache-from\)/
  )
  const result = JSON.parse(second.outputs.result ?? '{}') as { build?: unknown }
  expect(result.build).toMatchObject({ steps: 6, cached: 2 })

  // The same dependency layer, byte for byte; new code on top.
  const secondDigest = second.outputs.digest ?? ''
  expect(secondDigest).not.toBe(firstDigest)
  const [before, after] = [await layersOf(firstDigest), await layersOf(secondDigest)]
  expect(after).toHaveLength(4)
  expect(after.slice(0, 3)).toEqual(before.slice(0, 3))
  expect(after[3]).not.toBe(before[3])
  expect(await runningDigests()).toEqual([secondDigest, secondDigest])
})

test('build-cache false: nothing is pulled, and every step runs again', async () => {
  const { workspace } = await deployThenChange()
  const second = await runAction(
    { ...ACTION_INPUTS, 'build-cache': 'false' },
    { GITHUB_WORKSPACE: workspace }
  )
  expect(second.exitCode, second.stdout + second.stderr).toBe(0)
  expect(second.stdout).not.toContain('for the build cache')
  expect(stepLines(second.stdout, 'RUN sleep 2')).not.toContain(' ---> Using cache')
  expect(second.summary).toContain('0 of 6 steps from the cache (no layer cache)')
})
