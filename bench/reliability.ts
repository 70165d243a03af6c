// `npm run bench:reliability [-- --runs N --seed N --out FILE]`: brings up the bench's private
// stack (bench/reliability/), runs the fault soak and the scenarios against the bundled action,
// prints one report and writes it to a file. Exits 1 when an invariant broke.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { REPO_ROOT } from '../test/e2e/stack/config.js'
import { ACTION_ENTRY } from '../test/e2e/support/run-action.js'
import { BENCH_DIR, PrivateStack } from './reliability/private-stack.js'
import { renderReport, verdict, type ScenarioRecord } from './reliability/report.js'
import { Bench } from './reliability/scenarios.js'
import { REPOSITORY, pushImages } from './reliability/world.js'

interface BenchOptions {
  runs: number
  seed: number
  out: string
}

function parseArgs(args: string[]): BenchOptions {
  const options: BenchOptions = { runs: 20, seed: 1, out: join(BENCH_DIR, 'report.md') }
  for (let i = 0; i < args.length; i++) {
    const [name, value] = [args[i], args[i + 1]]
    if (name === '--runs' && value && /^\d+$/.test(value)) options.runs = Number(value)
    else if (name === '--seed' && value && /^\d+$/.test(value)) options.seed = Number(value)
    else if (name === '--out' && value) options.out = value
    else
      throw new Error(
        `usage: npm run bench:reliability -- [--runs N] [--seed N] [--out FILE] (at '${name ?? ''}')`
      )
    i++
  }
  return options
}

function commit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: REPO_ROOT,
    encoding: 'utf8'
  })
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], {
    cwd: REPO_ROOT,
    encoding: 'utf8'
  })
  return `${head.stdout.trim() || 'unknown'}${dirty.stdout.trim() ? ' + uncommitted src/ changes' : ''}`
}

/** Runs everything; resolves to the process exit code (1 when an invariant broke). */
async function main(args: string[]): Promise<number> {
  const options = parseArgs(args)
  if (!existsSync(ACTION_ENTRY))
    throw new Error(`${ACTION_ENTRY} is missing: run npm run package first`)
  const log = (line: string): void => console.log(`[bench] ${line}`)
  const began = Date.now()
  mkdirSync(BENCH_DIR, { recursive: true })
  const stack = await PrivateStack.up(REPOSITORY, options.seed, log)
  const interrupted = (): void => {
    void stack.down().finally(() => process.exit(130))
  }
  process.once('SIGINT', interrupted)
  try {
    log('building and pushing 4 images (seed + 3 to deploy)')
    const [seedImage, ...images] = await pushImages(['rel-seed', 'rel-a', 'rel-b', 'rel-c'])
    if (!seedImage) throw new Error('no seed image was pushed')
    const bench = new Bench(stack, seedImage, images, log)
    const seed = options.seed

    log(`fault soak: ${options.runs} deploys`)
    const soak = await bench.soak(options.runs, seed)
    log('scenarios')
    const scenarios: ScenarioRecord[] = []
    const attempt = async (
      name: string,
      scenario: () => Promise<ScenarioRecord | ScenarioRecord[]>
    ): Promise<void> => {
      try {
        scenarios.push(...[await scenario()].flat())
      } catch (error) {
        log(`${name} could not run: ${error instanceof Error ? error.message : String(error)}`)
        scenarios.push({
          name,
          expected: '',
          observed: [`could not run: ${error instanceof Error ? error.message : String(error)}`],
          ok: false
        })
      }
    }
    await attempt('UpdateService fails after RegisterTaskDefinition', () =>
      bench.updateFailsAfterRegister(seed)
    )
    await attempt('UpdateService answer lost', () => bench.updateAnswerLost(seed))
    await attempt('SIGTERM mid-rollout', () => bench.cancelMidRollout(seed))
    await attempt('concurrent deploys', () => bench.concurrentDeploys(seed))
    await attempt('replaced mid-watch', () => bench.replacedMidWatch(seed))
    await attempt('crash-looping rollout', () => bench.crashingRollout(seed))
    await attempt('several services', () => bench.severalServices(6, seed))
    scenarios.push({
      name: 'secrets in every run above',
      expected:
        'the ECR token and its base64 form appear in no log line (but ::add-mask::), output, summary or runner file; no Docker config is left',
      observed: [
        `${bench.actionRuns} action runs searched, ${bench.secretLeaks.length} hits${bench.secretLeaks.length ? `: ${bench.secretLeaks.join(', ')}` : ''}`
      ],
      ok: bench.secretLeaks.length === 0
    })

    const report = renderReport(soak, scenarios, {
      date: new Date().toISOString().slice(0, 10),
      seconds: (Date.now() - began) / 1000,
      commit: commit()
    })
    console.log(`\n${report}`)
    mkdirSync(dirname(options.out), { recursive: true })
    writeFileSync(options.out, report)
    log(`report written to ${options.out}`)
    const broken =
      soak.runs.some(run => verdict(run) === 'unreported') || scenarios.some(s => !s.ok)
    return broken ? 1 : 0
  } finally {
    process.removeListener('SIGINT', interrupted)
    await stack.down()
  }
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
    process.exit(1)
  }
)
