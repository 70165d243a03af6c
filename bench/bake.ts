// Benchmark, not a test: how soon the bake decides once a release goes bad after ECS called it
// steady. Each run deploys to the scripted ECS of the scenario tests on virtual time (poll 5 s,
// bake 5 min): a burst of ERROR lines becomes readable in the new tasks' streams, or the health
// URL starts answering 503, at a random second of the bake. It prints the seconds from that
// moment to the decision (the rollback's UpdateService). No assertions: the figures are for
// docs/benchmarks.md (and `npm run bench:check`).
//
//   npm run bench:bake            (RUNS=200 by default)
import { deploy } from '../src/modes/deploy.js'
import {
  digestOf,
  FakeEcs,
  freshRun,
  inputsFor,
  SERVICE,
  settled,
  withImageInEcr,
  type TimedLog
} from '../test/support/scripted-ecs.js'
import { markdownTable, percentile, quietly, runsFromEnv, seeded } from './support.js'

const RUNS = runsFromEnv()
const POLL_SECONDS = 5
const BAKE_MINUTES = 5
/** The rollout of the scripted ECS completes 20 s after the update; the bake follows. */
const ROLLOUT_SECONDS = 20

interface Outcome {
  /** Seconds from the trouble becoming visible to the rollback's UpdateService; undefined: missed. */
  lag: number | undefined
}

/** One deploy whose new tasks log 12 ERROR lines at `at` seconds (readable from then on). */
async function errorBurst(at: number): Promise<Outcome> {
  const burst: TimedLog[] = Array.from({ length: 12 }, (_, i) => ({
    at,
    task: `update-1-${i % 2}`,
    message: `ERROR KeyError: recall_severity #${i}`
  }))
  const ecs = withImageInEcr(new FakeEcs(settled(SERVICE, { timedLogs: burst })))
  await runDeploy(ecs, {})
  const rollback = ecs.updatedAt[1]
  return { lag: rollback === undefined ? undefined : rollback - at }
}

/** One deploy whose health URL answers 503 from `at` seconds on. */
async function healthTurns(at: number): Promise<Outcome & { firstBad?: number }> {
  const ecs = withImageInEcr(new FakeEcs(settled(SERVICE)))
  let firstBad: number | undefined
  const fetchBefore = globalThis.fetch
  globalThis.fetch = () => {
    const bad = ecs.clock.seconds >= at
    if (bad) firstBad ??= ecs.clock.seconds
    return Promise.resolve(new Response(null, { status: bad ? 503 : 200 }))
  }
  try {
    await runDeploy(ecs, { 'health-check-url': 'https://api.babyshield.example/healthz' })
  } finally {
    globalThis.fetch = fetchBefore
  }
  const rollback = ecs.updatedAt[1]
  return {
    lag: rollback === undefined ? undefined : rollback - at,
    ...(firstBad !== undefined ? { firstBad: (rollback ?? NaN) - firstBad } : {})
  }
}

async function runDeploy(ecs: FakeEcs, values: Record<string, string>): Promise<void> {
  const inputs = inputsFor({
    image: digestOf(13),
    'bake-minutes': String(BAKE_MINUTES),
    'poll-seconds': String(POLL_SECONDS),
    ...values
  })
  await quietly(() => deploy(inputs, ecs.deps, freshRun()).catch(() => undefined))
}

function row(name: string, lags: (number | undefined)[]): string[] {
  const caught = lags.filter((l): l is number => l !== undefined)
  const within = caught.filter(l => l <= POLL_SECONDS).length
  const seconds = (value: number) => value.toFixed(1)
  return [
    name,
    `${caught.length}/${lags.length}`,
    seconds(percentile(caught, 50)),
    seconds(percentile(caught, 95)),
    seconds(Math.max(...caught)),
    `${within}/${caught.length}`
  ]
}

async function main(): Promise<void> {
  const random = seeded(12)
  const start = ROLLOUT_SECONDS + 10
  const span = BAKE_MINUTES * 60 - 30
  const bursts: (number | undefined)[] = []
  const health: (number | undefined)[] = []
  const healthFromFirstBad: (number | undefined)[] = []
  for (let i = 0; i < RUNS; i++) {
    // Any second of the bake, with any phase against the polls.
    const at = Math.round((start + random() * span) * 10) / 10
    bursts.push((await errorBurst(at)).lag)
    const turned = await healthTurns(at)
    health.push(turned.lag)
    healthFromFirstBad.push(turned.firstBad)
  }
  console.log(`Bake decisions: ${RUNS} runs each (virtual time).\n`)
  console.log(
    `seconds to the decision (the rollback's UpdateService, started at once) — poll ${POLL_SECONDS} s, bake ${BAKE_MINUTES} min, the trouble at a random second of the bake`
  )
  console.log(
    markdownTable(
      ['what went bad, measured from', 'caught', 'p50 (s)', 'p95 (s)', 'max (s)', 'within 1 poll'],
      [
        row('12 ERROR lines in the new tasks, from readable', bursts),
        row('health URL answers 503, from the first 503 it would give', health),
        row('health URL answers 503, from the first 503 answer seen', healthFromFirstBad)
      ]
    )
  )
  console.log(
    '\nWithout a bake, as with the other tools, none of these is caught: the deploy has already reported success.'
  )
}

await main()
