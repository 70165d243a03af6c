// DockerCli's build with a layer cache, against a stub docker on PATH: what it pulls, what it
// tells each builder, and that a cache it cannot read or write only warns.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, expect, test, vi } from 'vitest'
import { DockerCli, type BuildRequest } from '../../src/docker/docker.js'

const URI = '123456789012.dkr.ecr.eu-north-1.amazonaws.com/babyshield-backend'
const RUNNING = `${URI}@sha256:${'a'.repeat(64)}`

const REQUEST: BuildRequest = {
  image: `${URI}:production-fixed-20261126`,
  dockerfile: 'Dockerfile.final',
  context: '.',
  buildArgs: [],
  labels: {},
  cache: { ref: `${URI}:build-cache`, writable: true, images: [RUNNING] }
}

interface Stub {
  buildx?: 'docker-container' | 'docker'
  pull?: 'ok' | 'fails'
  /** What a build prints; `exportFails`: a build asked to write a registry cache fails so. */
  output?: string
  exportFails?: boolean
}

const LEGACY_HIT = [
  'Step 1/4 : FROM base',
  ' ---> 1',
  'Step 2/4 : COPY deps.txt /deps.txt',
  ' ---> Using cache',
  'Step 3/4 : RUN install',
  ' ---> Using cache',
  'Step 4/4 : COPY app.txt /app.txt',
  ' ---> 2'
].join('\n')

/** A `docker` that logs each call's argv and answers as the options say. */
function stubDocker(stub: Stub): { calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'docker-cache-stub-'))
  const log = join(dir, 'calls.log')
  writeFileSync(join(dir, 'output.txt'), stub.output ?? '')
  const script = `#!/bin/sh
echo "$*" >> "${log}"
case "$1 $2" in
  "buildx version") ${stub.buildx ? 'echo "github.com/docker/buildx v0.19.0"; exit 0' : 'echo "docker: unknown command: docker buildx" >&2; exit 1'};;
  "buildx inspect") printf 'Name: builder\\nDriver: ${stub.buildx ?? ''}\\n'; exit 0;;
  "info --format") echo '[["Backing Filesystem","extfs"]]'; exit 0;;
esac
if [ "$1" = "pull" ]; then
  ${stub.pull === 'fails' ? 'echo "Error response from daemon: manifest for x not found: manifest unknown" >&2; exit 1' : 'exit 0'}
fi
case "$*" in
  *"--cache-to type=registry"*) ${stub.exportFails ? 'printf "#10 exporting cache to registry\\n#10 ERROR: error writing manifest blob: 400 Bad Request\\nERROR: failed to solve\\n"; exit 1' : ':'};;
esac
cat "${join(dir, 'output.txt')}"
exit 0
`
  writeFileSync(join(dir, 'docker'), script)
  chmodSync(join(dir, 'docker'), 0o755)
  vi.stubEnv('PATH', `${dir}:${process.env.PATH ?? ''}`)
  return { calls: () => readFileSync(log, 'utf8').trim().split('\n') }
}

function cli(): DockerCli {
  return new DockerCli({
    PATH: process.env.PATH ?? '',
    RUNNER_TEMP: mkdtempSync(join(tmpdir(), 'runner-temp-')),
    HOME: mkdtempSync(join(tmpdir(), 'home-'))
  })
}

/** The workflow commands (`::warning::…`) the step printed. */
function printed(kind: 'warning' | 'info'): string[] {
  const out = vi
    .mocked(process.stdout.write)
    .mock.calls.map(c => String(c[0]))
    .join('')
    .split('\n')
  return kind === 'warning'
    ? out.filter(l => l.startsWith('::warning::')).map(l => l.slice('::warning::'.length))
    : out.filter(l => !l.startsWith('::'))
}

beforeEach(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
})

test('legacy builder: the running image is pulled and given as --cache-from; the hits are counted', async () => {
  const stub = stubDocker({ pull: 'ok', output: LEGACY_HIT })
  const outcome = await cli().build(REQUEST)
  const calls = stub.calls()
  expect(calls).toContain(`pull --quiet ${RUNNING}`)
  expect(calls.at(-1)).toBe(
    `build --file Dockerfile.final --tag ${URI}:production-fixed-20261126 --cache-from ${RUNNING} .`
  )
  expect(outcome).toEqual({
    steps: 3,
    cached: 2,
    cache: `${URI}@sha256:aaaaaaaaaaaa…, pulled for --cache-from`
  })
  expect(printed('warning')).toEqual([])
})

test('legacy builder: a cache that cannot be pulled only warns, and the build goes on without it', async () => {
  const stub = stubDocker({
    pull: 'fails',
    output: 'Step 1/2 : FROM base\nStep 2/2 : RUN install\n'
  })
  const outcome = await cli().build(REQUEST)
  expect(stub.calls().at(-1)).toBe(
    `build --file Dockerfile.final --tag ${URI}:production-fixed-20261126 .`
  )
  expect(printed('warning')).toEqual([
    `Could not pull ${RUNNING} for the build cache (exit code 1: Error response from daemon: manifest for x not found: manifest unknown): building without it`
  ])
  expect(outcome).toEqual({ steps: 1, cached: 0, cache: undefined })
})

test('legacy builder with no cache: nothing pulled, no --cache-from', async () => {
  const stub = stubDocker({ pull: 'ok' })
  await cli().build({ ...REQUEST, cache: undefined })
  expect(stub.calls().filter(c => c.startsWith('pull'))).toEqual([])
  expect(stub.calls().at(-1)).not.toContain('--cache-from')
})

test('buildx with a builder that exports: the registry cache is read and written, nothing pulled', async () => {
  const stub = stubDocker({
    buildx: 'docker-container',
    output: '#5 [2/3] RUN install\n#5 CACHED\n'
  })
  const outcome = await cli().build(REQUEST)
  const builds = stub.calls().filter(c => c.startsWith('buildx build'))
  expect(builds).toEqual([
    `buildx build --load --progress=plain --file Dockerfile.final --tag ${URI}:production-fixed-20261126 --cache-from type=registry,ref=${URI}:build-cache --cache-to type=registry,ref=${URI}:build-cache,mode=max,image-manifest=true,oci-mediatypes=true .`
  ])
  expect(stub.calls().filter(c => c.startsWith('pull'))).toEqual([])
  expect(outcome).toEqual({
    steps: 1,
    cached: 1,
    cache: `registry cache ${URI}:build-cache (mode=max)`
  })
})

test('buildx: a cache that cannot be written only warns; the build runs again without writing it', async () => {
  const stub = stubDocker({ buildx: 'docker-container', exportFails: true })
  await cli().build(REQUEST)
  const builds = stub.calls().filter(c => c.startsWith('buildx build'))
  expect(builds).toHaveLength(2)
  expect(builds[0]).toContain('--cache-to type=registry')
  expect(builds[1]).toBe(
    `buildx build --load --progress=plain --file Dockerfile.final --tag ${URI}:production-fixed-20261126 --cache-from type=registry,ref=${URI}:build-cache .`
  )
  expect(printed('warning')).toEqual([
    `The build cache could not be written to ${URI}:build-cache (error writing manifest blob: 400 Bad Request): building again without writing it`
  ])
})

test('buildx: a cache not there yet is said in the log, a cache that cannot be read is a warning', async () => {
  const output = [
    `#3 importing cache manifest from ${URI}:build-cache`,
    `#3 ERROR: ${URI}:build-cache: not found`,
    `#4 importing cache manifest from ${RUNNING}`,
    '#4 ERROR: failed to authorize: 403 Forbidden',
    ''
  ].join('\n')
  stubDocker({ buildx: 'docker', output })
  await cli().build(REQUEST)
  expect(printed('warning')).toEqual([
    `The build cache ${RUNNING} could not be read (failed to authorize: 403 Forbidden): built without it`
  ])
  expect(printed('info')).toContain(
    `The build cache ${URI}:build-cache could not be read (${URI}:build-cache: not found): built without it`
  )
})

test("buildx's docker driver: the cache goes inline, and the running image is read too", async () => {
  const stub = stubDocker({ buildx: 'docker' })
  const outcome = await cli().build(REQUEST)
  expect(stub.calls().filter(c => c.startsWith('buildx build'))).toEqual([
    `buildx build --load --progress=plain --file Dockerfile.final --tag ${URI}:production-fixed-20261126 --cache-from type=registry,ref=${URI}:build-cache --cache-from type=registry,ref=${RUNNING} --cache-to type=inline .`
  ])
  expect(outcome.cache).toBe(
    `inline cache in the image, read from ${URI}:build-cache, ${URI}@sha256:aaaaaaaaaaaa…`
  )
})
