// Benchmark, not a test: what the layer cache saves on a fresh runner. On the local stack's
// engine (the legacy builder), an app whose dependency step takes DEP_SECONDS is built once and
// pushed (the image the service runs); then, from an engine emptied of every image, as a new
// runner has it, a one-line change of the code is built without the cache and with it (the running
// image pulled as --cache-from, the way the action builds), and so is a change of the
// dependencies too (nothing to reuse: what the cache costs). The time is the action's build
// step: the pull of the cache and the build. It prints seconds each way, medians and ratios.
//
//   npm run bench:build            (REPS=3, DEP_SECONDS=30, DEP_MB=64 by default)
//
// It needs the local stack (test/e2e/README.md): it brings the
// stack up as the e2e global setup does and stops what it started.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CachePlan } from '../src/docker/build-cache.js'
import { DockerCli, type BuildOutcome } from '../src/docker/docker.js'
import { percentile, quietly } from './support.js'
import { DOCKER_HOST, ECR_TOKEN, ECR_USER, REGISTRY_HOST } from '../test/e2e/stack/config.js'
import { openSession } from '../test/e2e/stack/stack.js'
import { ensureBaseImage, removeAllImages } from '../test/e2e/support/base-image.js'
import { docker } from '../test/e2e/support/docker.js'
import { tempDir } from '../test/e2e/support/temp.js'

const REPS = Number(process.env.REPS ?? 3)
const DEP_SECONDS = Number(process.env.DEP_SECONDS ?? 30)
const DEP_MB = Number(process.env.DEP_MB ?? 64)
const IMAGE = `${REGISTRY_HOST}/bench/build-cache-app`

interface Build {
  seconds: number
  outcome: BuildOutcome
}

/** The app: dependencies installed by a slow RUN that writes DEP_MB of files, then the code. */
async function appContext(base: string): Promise<string> {
  const dir = await tempDir('bench-app')
  await writeFile(
    join(dir, 'Dockerfile.final'),
    [
      `FROM ${base}`,
      'COPY requirements.txt /app/requirements.txt',
      `RUN sleep ${DEP_SECONDS} && mkdir -p /app/deps && dd if=/dev/urandom of=/app/deps/site-packages bs=1M count=${DEP_MB} 2>/dev/null`,
      'COPY app.py /app/app.py',
      ''
    ].join('\n')
  )
  await change(dir, { deps: false })
  return dir
}

/** The dependencies the running image was built with. */
const REQUIREMENTS = 'fastapi==0.115.0\nuvicorn==0.30.6\n'

/**
 * A one-line change of the code on the dependencies of the running image, or, with `deps`, of
 * the dependencies too.
 */
async function change(dir: string, { deps }: { deps: boolean }): Promise<void> {
  const line = randomBytes(4).toString('hex')
  await writeFile(join(dir, 'app.py'), `print("recalls ${line}")\n`)
  await writeFile(
    join(dir, 'requirements.txt'),
    deps ? `${REQUIREMENTS}pydantic==2.9.${line}\n` : REQUIREMENTS
  )
}

async function build(
  cli: DockerCli,
  context: string,
  tag: string,
  cache: CachePlan | undefined
): Promise<Build> {
  await removeAllImages()
  const began = Date.now()
  const outcome = await quietly(() =>
    cli.build({
      image: `${IMAGE}:${tag}`,
      dockerfile: join(context, 'Dockerfile.final'),
      context,
      buildArgs: [],
      labels: { 'org.opencontainers.image.created': new Date().toISOString() },
      cache
    })
  )
  return { seconds: (Date.now() - began) / 1000, outcome }
}

const median = (values: number[]): number => percentile(values, 50)
/** Without over with, rep by rep. */
const ratios = (row: { off: number[]; on: number[] }): string[] =>
  row.off.map((off, i) => `${(off / (row.on[i] ?? NaN)).toFixed(1)}×`)

/** `docker pull`, with the login the stack's registry takes, in a config of its own. */
async function pullQuietly(image: string): Promise<void> {
  const config = await tempDir('pull-config')
  await docker(
    ['login', '--username', ECR_USER, '--password-stdin', REGISTRY_HOST],
    { DOCKER_CONFIG: config },
    ECR_TOKEN
  )
  await docker(['pull', '--quiet', image], { DOCKER_CONFIG: config })
}
const s = (seconds: number): string => `${seconds.toFixed(1)} s`

async function main(): Promise<void> {
  const endSession = await openSession('the build-cache benchmark', line =>
    console.log(`[stack] ${line}`)
  )
  try {
    const base = await ensureBaseImage()
    const cli = new DockerCli({
      ...process.env,
      DOCKER_HOST,
      RUNNER_TEMP: await tempDir('runner')
    })
    await quietly(() => cli.login(REGISTRY_HOST, ECR_USER, ECR_TOKEN))
    const context = await appContext(base)

    // The image the service runs: built and pushed once, as a first deploy does.
    const first = await build(cli, context, 'running', undefined)
    const digest = await quietly(() => cli.push(`${IMAGE}:running`))
    const cache: CachePlan = {
      ref: `${IMAGE}:build-cache`,
      writable: true,
      images: [`${IMAGE}@${digest}`]
    }
    console.log(`first build (dependencies and code): ${s(first.seconds)}`)

    const rows: { name: string; off: number[]; on: number[]; hits: string[] }[] = [
      { name: 'one-line code change', off: [], on: [], hits: [] },
      { name: 'dependencies and code changed', off: [], on: [], hits: [] }
    ]
    for (let rep = 1; rep <= REPS; rep++) {
      for (const [i, row] of rows.entries()) {
        // Alternating the order keeps a slow minute of the machine from favouring one side.
        for (const withCache of rep % 2 ? [false, true] : [true, false]) {
          await change(context, { deps: i === 1 })
          const made = await build(cli, context, `bench-${rep}`, withCache ? cache : undefined)
          ;(withCache ? row.on : row.off).push(made.seconds)
          if (withCache) row.hits.push(`${made.outcome.cached}/${made.outcome.steps}`)
          console.log(
            `rep ${rep}, ${row.name}, ${withCache ? 'with the cache' : 'without'}: ${s(made.seconds)} (${made.outcome.cached} of ${made.outcome.steps} steps from the cache)`
          )
        }
      }
    }
    // What the cache's own step costs: the pull of the running image into an empty engine.
    const pulls: number[] = []
    for (let rep = 1; rep <= REPS; rep++) {
      await removeAllImages()
      const began = Date.now()
      await pullQuietly(cache.images[0] ?? '')
      pulls.push((Date.now() - began) / 1000)
    }
    await quietly(() => cli.cleanup())

    const [code, all] = rows
    if (!code || !all) return
    console.log('')
    console.log(
      `Median of ${REPS} builds each, on an engine with no image, dependency step ${DEP_SECONDS} s and ${DEP_MB} MB:`
    )
    console.log('')
    console.log('| change | without the cache | with the cache | |')
    console.log('|---|---|---|---|')
    console.log(
      `| ${code.name} | ${s(median(code.off))} | ${s(median(code.on))} (steps from the cache: ${code.hits.join(', ')}) | ${(median(code.off) / median(code.on)).toFixed(1)}× faster (each pair: ${ratios(code).join(', ')}) |`
    )
    console.log(
      `| the pull of the running image alone | | ${s(median(pulls))} (${pulls.map(s).join(', ')}) | |`
    )
    console.log(
      `| ${all.name} | ${s(median(all.off))} | ${s(median(all.on))} (steps from the cache: ${all.hits.join(', ')}) | the cache adds ${s(median(all.on) - median(all.off))} |`
    )
  } finally {
    await endSession()
  }
}

await main()
