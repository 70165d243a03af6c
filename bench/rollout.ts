// Benchmark, not a test: plays ECS rollouts through our watcher and through the two waits people
// use today, on virtual time, and prints how late each noticed what ECS did and how many API calls
// it made. No assertions: the figures are for docs/benchmarks.md (and `npm run bench:check`).
//
//   npm run bench:rollout            (RUNS=200 by default; RUNS=50 npm run bench:rollout)
//
// ECS is the scripted ECS of the scenario tests (test/support/scripted-ecs.ts), each timeline a
// story of it. The other tools are the AWS SDK's real `waitUntilServicesStable`, with the settings
// each passes: aws-actions/amazon-ecs-deploy-task-definition v2.6.3 (minDelay 15 s, maxDelay its
// `wait-max-delay-seconds` or the waiter's 600 s, maxWaitTime `wait-for-minutes`, 30 by default;
// after the waiter, one DescribeServices that fails the step when its deployment is gone or
// FAILED — a circuit-breaker rollback) and ecspresso v2.8.7 (maxDelay 15 s, its 10-minute default
// timeout; its progress display's own DescribeServices every 10 s is not counted). The waiter
// sleeps on fake timers (@sinonjs/fake-timers), with Math.random seeded, so its jittered backoff
// runs exactly as it would.
import { DescribeServicesCommand, ECSClient, waitUntilServicesStable } from '@aws-sdk/client-ecs'
import * as FakeTimers from '@sinonjs/fake-timers'
import type { Move } from '../src/model/move.js'
import { explainFailure } from '../src/rollout/diagnostics.js'
import { watchRollouts } from '../src/rollout/watch.js'
import { T0 } from '../test/support/constants.js'
import {
  FakeEcs,
  OLD_DEPLOYMENT as OLD,
  OUR_DEPLOYMENT as OURS,
  revOf,
  rollingUpdate,
  SERVICE,
  type DeploymentSpec,
  type Step,
  type Story
} from '../test/support/scripted-ecs.js'
import {
  fmt,
  markdownTable,
  mean,
  p50p95,
  percentile,
  quietly,
  runsFromEnv,
  seeded,
  withSeededRandom
} from './support.js'

const RUNS = runsFromEnv()
const POLL_SECONDS = 5
const OUR_TIMEOUT_MINUTES = 15
/** Spread of the moment the watch starts relative to ECS's events, so poll phase varies. */
const PHASE_SPREAD_SECONDS = 10
/** Assumed time ECS's circuit breaker needs to finish its rollback once it trips. */
const BREAKER_ROLLBACK_SECONDS = 60
/** Assumed time of one build and push, which a step per service repeats. */
const BUILD_AND_PUSH_SECONDS = 90

// ---------------------------------------------------------------- ECS timelines, as stories

interface Timeline {
  name: string
  /** What ECS does, in seconds after its events begin. */
  steps: Step[]
  /** What a correct tool reports. */
  truth: 'success' | 'failure'
  /** Seconds against which a tool's lateness is measured, with what it is. */
  reference: { at: number; what: string }
  describe: string
}

const old = (running: number): DeploymentSpec => ({
  id: OLD,
  revision: 12,
  running,
  state: 'COMPLETED'
})
const ours = (spec: Omit<DeploymentSpec, 'id' | 'revision'>): DeploymentSpec => ({
  id: OURS,
  revision: 13,
  ...spec
})
const started = `(service ${SERVICE}) has started 2 tasks.`

/** A rolling update of two tasks that ECS completes after `seconds`. */
function rolling(seconds: number): Timeline {
  return {
    name: `rollout ${seconds < 60 ? `${seconds} s` : `${seconds / 60} min`}`,
    steps: rollingUpdate(seconds),
    truth: 'success',
    reference: { at: seconds, what: 'COMPLETED' },
    describe: `ECS: COMPLETED at ${seconds} s`
  }
}

/**
 * Two tasks start every 30 s, run from 20 s to 30 s and exit 1. They reach RUNNING, so ECS's
 * failedTasks stays 0. The circuit breaker is off (the CloudFormation and Terraform default):
 * ECS never settles. Had it been on, with its smallest threshold (3) and the same timing, it
 * would trip at the third stopped task and finish its rollback about a minute later.
 */
function crashLoop(): Timeline {
  const third = 60
  // Long enough for the longest wait modelled (the official action's 30 minutes).
  const steps = Array.from({ length: 62 }, (_, k): Step[] => [
    {
      at: k * 30,
      deployments: [ours({ pending: 2, state: 'IN_PROGRESS' }), old(2)],
      events: [started],
      stopped: k === 0 ? [] : [crashed(`c${k - 1}a`), crashed(`c${k - 1}b`)]
    },
    { at: k * 30 + 20, deployments: [ours({ running: 2, state: 'IN_PROGRESS' }), old(2)] }
  ]).flat()
  return {
    name: 'crash loop',
    steps,
    truth: 'failure',
    reference: { at: third + BREAKER_ROLLBACK_SECONDS, what: 'breaker would finish' },
    describe: `ECS: 3rd task stopped at ${third} s; never settles (breaker off); a breaker would finish at ~${third + BREAKER_ROLLBACK_SECONDS} s`
  }
}

const crashed = (id: string) => ({ id, deploymentId: OURS, revision: 13, exitCode: 1, ranFor: 30 })
const failedToStart = (id: string) => ({
  id,
  deploymentId: OURS,
  revision: 13,
  stopCode: 'TaskFailedToStart' as const,
  reason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
  containerReason: 'CannotPullContainerError',
  ranFor: 30
})

/**
 * Two tasks every 30 s fail to start (image pull); ECS counts them in failedTasks. At 4 ≥ 3
 * (60 s) the circuit breaker marks the rollout FAILED and rolls back to revision 12, which
 * completes at 120 s.
 */
function circuitBreaker(): Timeline {
  const trips = 60
  const done = trips + BREAKER_ROLLBACK_SECONDS
  const back = (running: number, state: 'IN_PROGRESS' | 'COMPLETED'): DeploymentSpec => ({
    id: 'ecs-svc/rollback',
    revision: 12,
    running,
    state
  })
  const failed = ours({
    status: 'ACTIVE',
    failed: 4,
    state: 'FAILED',
    reason: 'ECS deployment circuit breaker: tasks failed to start.'
  })
  return {
    name: 'circuit-breaker rollback',
    steps: [
      {
        at: 0,
        deployments: [ours({ pending: 2, state: 'IN_PROGRESS' }), old(2)],
        events: [started]
      },
      {
        at: 30,
        deployments: [ours({ pending: 2, failed: 2, state: 'IN_PROGRESS' }), old(2)],
        events: [started],
        stopped: [failedToStart('p0a'), failedToStart('p0b')]
      },
      {
        at: trips,
        deployments: [back(0, 'IN_PROGRESS'), failed, old(2)],
        events: [
          `(service ${SERVICE}) (deployment ${OURS}) deployment failed: tasks failed to start.`,
          `(service ${SERVICE}) rolling back to deployment ${OLD}.`
        ],
        stopped: [failedToStart('p1a'), failedToStart('p1b')]
      },
      { at: 90, deployments: [back(2, 'IN_PROGRESS'), failed, old(0)] },
      { at: done, deployments: [back(2, 'COMPLETED')] }
    ],
    truth: 'failure',
    reference: { at: done, what: 'rollback COMPLETED' },
    describe: `ECS: FAILED at ${trips} s, its own rollback COMPLETED at ${done} s (final)`
  }
}

/** The timeline as ECS plays it when its events begin `phase` seconds after the watch does. */
function storyOf(timeline: Timeline, phase: number): Story {
  return { script: timeline.steps.map((s, i) => ({ ...s, at: i === 0 ? 0 : s.at + phase })) }
}

// ---------------------------------------------------------------- the tools

interface Run {
  verdict: 'success' | 'failure' | 'timeout'
  /** Seconds after the watch began at which the tool reported. */
  at: number
  describeServices: number
  other: number
}

/**
 * The fake, playing `stories` from their start: the one of the case measured, replayed (mocking
 * the SDK's clients costs more than most runs), or a new one for the first run.
 */
function replayed(
  ecs: FakeEcs | undefined,
  stories: Story | Record<string, Story>,
  options: { time?: () => number } = {}
): FakeEcs {
  if (!ecs) return new FakeEcs(stories, options)
  ecs.replay(stories)
  return ecs
}

/** The calls the fake answered, DescribeServices apart. */
function counted(ecs: FakeEcs): Pick<Run, 'describeServices' | 'other'> {
  const describeServices = ecs.ecsMock.commandCalls(DescribeServicesCommand).length
  const all = ecs.ecsMock.calls().length + ecs.logsMock.calls().length
  return { describeServices, other: all - describeServices }
}

/** Our deployment of a service: revision 13 replaces revision 12. */
function ourMove(service: string): Move {
  return {
    service,
    containerName: 'app',
    from: { taskDefinitionArn: revOf(service, 12) },
    to: { taskDefinitionArn: revOf(service, 13) },
    strategy: 'ROLLING',
    deploymentId: OURS
  }
}

const watchOptions = (many: boolean) => ({
  timeoutMs: OUR_TIMEOUT_MINUTES * 60_000,
  pollMs: POLL_SECONDS * 1000,
  until: many ? ('first-failure' as const) : ('all-finished' as const),
  many,
  journal: { note: () => undefined }
})

/** Our watch, on the fake's clock; then the calls that explain a failure (no virtual time). */
async function oursOn(ecs: FakeEcs): Promise<Run> {
  const move = ourMove(SERVICE)
  const [watched] = await quietly(() =>
    watchRollouts(ecs.deps, [{ move, way: 'out' }], watchOptions(false))
  )
  if (!watched) throw new Error('nothing was watched')
  const at = ecs.clock.seconds
  const { kind } = watched.outcome
  if (kind !== 'completed') {
    await quietly(() =>
      explainFailure(ecs.deps, {
        service: SERVICE,
        deploymentId: OURS,
        revision: move.to.taskDefinitionArn,
        since: T0,
        logGroup: undefined,
        snapshot: watched.service,
        known: watched.stoppedTasks,
        reader: watched.reader
      })
    )
  }
  const verdict = kind === 'completed' ? 'success' : kind === 'timeout' ? 'timeout' : 'failure'
  return { verdict, at, ...counted(ecs) }
}

interface WaiterSettings {
  minDelay: number
  maxDelay?: number
  maxWaitSeconds: number
  /** Like the official action since v2.6.2: once stable, read the service once more and fail
   * when our deployment is gone (rolled back) or FAILED. */
  checkDeployment?: boolean
}

/** The SDK's real waiter, its sleeps on fake timers that the fake's stories read too. */
async function waiterOn(ecs: FakeEcs, settings: WaiterSettings): Promise<Run> {
  const timers = FakeTimers.install({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  try {
    const input = { cluster: 'bench', services: [SERVICE] }
    const { minDelay, maxDelay, maxWaitSeconds, checkDeployment } = settings
    let verdict: Run['verdict'] | undefined
    void waitUntilServicesStable(
      { client, minDelay, maxWaitTime: maxWaitSeconds, ...(maxDelay ? { maxDelay } : {}) },
      input
    ).then(
      async () => {
        if (!checkDeployment) return (verdict = 'success')
        const answer = await client.send(new DescribeServicesCommand(input))
        const deployment = answer.services?.[0]?.deployments?.find(d => d.id === OURS)
        verdict = !deployment || deployment.rolloutState === 'FAILED' ? 'failure' : 'success'
      },
      (error: unknown) =>
        (verdict = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'failure')
    )
    // Let every pending promise run, then move the clock to the waiter's next timer.
    for (;;) {
      await new Promise<void>(resolve => setImmediate(resolve))
      if (verdict) return { verdict, at: (timers.now - T0) / 1000, ...counted(ecs) }
      if (timers.countTimers() === 0) throw new Error('the waiter stopped without an answer')
      timers.next()
    }
  } finally {
    timers.uninstall()
  }
}

/** The waiters' client: its calls reach the fake, which mocks every ECSClient. */
const client = new ECSClient({ region: 'eu-north-1' })

interface Tool {
  name: string
  run: (ecs: FakeEcs) => Promise<Run>
  /** The tool sleeps on timers (faked), not on the fake's clock. */
  timers?: boolean
}

const TOOLS: Tool[] = [
  { name: `ours (poll ${POLL_SECONDS} s)`, run: oursOn },
  {
    name: 'official v2.6.3, defaults (waiter 15–600 s, 30 min)',
    // Without wait-max-delay-seconds the ECS waiter's own maxDelay (600 s) applies.
    run: ecs => waiterOn(ecs, { minDelay: 15, maxWaitSeconds: 30 * 60, checkDeployment: true }),
    timers: true
  },
  {
    name: 'official v2.6.3, wait-max-delay-seconds: 15',
    run: ecs =>
      waiterOn(ecs, { minDelay: 15, maxDelay: 15, maxWaitSeconds: 30 * 60, checkDeployment: true }),
    timers: true
  },
  {
    name: 'ecspresso (waiter max 15 s, 10 min)',
    run: ecs => waiterOn(ecs, { minDelay: 15, maxDelay: 15, maxWaitSeconds: 10 * 60 }),
    timers: true
  }
]

// ---------------------------------------------------------------- measuring and printing

interface Row {
  timeline: Timeline
  tool: string
  runs: { run: Run; phase: number }[]
}

async function measure(timeline: Timeline, tool: Tool): Promise<Row> {
  const phases = seeded(7)
  const runs: Row['runs'] = []
  let ecs: FakeEcs | undefined
  await withSeededRandom(42, async () => {
    for (let i = 0; i < RUNS; i++) {
      const phase = phases() * PHASE_SPREAD_SECONDS
      ecs = replayed(ecs, storyOf(timeline, phase), tool.timers ? { time: () => Date.now() } : {})
      runs.push({ run: await tool.run(ecs), phase })
    }
  })
  return { timeline, tool: tool.name, runs }
}

const lagsOf = (row: Row): number[] =>
  row.runs.map(r => r.run.at - (row.timeline.reference.at + r.phase))

function cells(row: Row): string[] {
  const runs = row.runs.map(r => r.run)
  const verdicts = new Map<string, number>()
  for (const { verdict } of runs) verdicts.set(verdict, (verdicts.get(verdict) ?? 0) + 1)
  const verdict = [...verdicts]
    .map(
      ([v, n]) =>
        `${v}${v !== row.timeline.truth ? ' (wrong)' : ''}${n === RUNS ? '' : ` ${n}/${RUNS}`}`
    )
    .join(', ')
  const perMinute = runs.map(r => (r.describeServices + r.other) / (Math.max(r.at, 1) / 60))
  return [
    row.tool,
    verdict,
    p50p95(runs.map(r => r.at)),
    p50p95(lagsOf(row)),
    fmt(mean(runs.map(r => r.describeServices))),
    fmt(mean(runs.map(r => r.other))),
    fmt(mean(perMinute))
  ]
}

/**
 * N services, each a rolling update completing at its own seeded time (60–240 s), watched
 * together by one step, against one single-service step per service run one after another.
 */
async function severalServices(count: number, runs: number): Promise<string[]> {
  const random = seeded(11 * count)
  const perPoll: number[] = []
  const lags: number[] = []
  const together: number[] = []
  const oneByOne: number[] = []
  let ecs: FakeEcs | undefined
  for (let r = 0; r < runs; r++) {
    const durations = Array.from({ length: count }, () => 60 + Math.round(random() * 180))
    const names = durations.map((_, i) => `svc-${i}`)
    const stories = Object.fromEntries(
      names.map((name, i) => [name, { script: rollingUpdate(durations[i] ?? 0) }])
    )
    const fake = (ecs = replayed(ecs, stories))
    const watches = names.map(name => ({ move: ourMove(name), way: 'out' as const }))
    const watched = await quietly(() => watchRollouts(fake.deps, watches, watchOptions(true)))
    if (watched.some(w => w.outcome.kind !== 'completed')) throw new Error('a rollout failed')
    const seconds = fake.clock.seconds
    perPoll.push(counted(fake).describeServices / Math.max(...watched.map(w => w.polls)))
    lags.push(seconds - Math.max(...durations))
    together.push(BUILD_AND_PUSH_SECONDS + seconds)
    // One step per service: each builds and pushes again, then waits for its own rollout.
    oneByOne.push(
      durations.reduce(
        (sum, d) => sum + BUILD_AND_PUSH_SECONDS + Math.ceil(d / POLL_SECONDS) * POLL_SECONDS,
        0
      )
    )
  }
  return [`${count}`, fmt(mean(perPoll)), p50p95(lags), p50p95(together), p50p95(oneByOne)]
}

async function main(): Promise<void> {
  const timelines = [
    rolling(30),
    rolling(120),
    rolling(300),
    rolling(720),
    crashLoop(),
    circuitBreaker()
  ]
  const rows: Row[] = []
  for (const timeline of timelines) {
    for (const tool of TOOLS) rows.push(await measure(timeline, tool))
  }

  console.log(
    `Rollout watch benchmark: ${RUNS} runs a timeline and tool; each run starts the watch 0–${PHASE_SPREAD_SECONDS} s (seeded) before ECS's events.`
  )
  console.log(
    'lag = seconds between ECS reaching the reference state and the tool reporting (negative: reported before it).\n'
  )
  const header = [
    'tool',
    'verdict',
    'reported p50/p95 (s)',
    'lag p50/p95 (s)',
    'DescribeServices',
    'other calls',
    'calls/min'
  ]
  for (const timeline of timelines) {
    console.log(
      `${timeline.name} — ${timeline.describe}; lag measured against: ${timeline.reference.what}`
    )
    console.log(markdownTable(header, rows.filter(r => r.timeline === timeline).map(cells)))
    console.log('')
  }

  const several: string[][] = []
  for (const count of [1, 5, 10]) several.push(await severalServices(count, Math.max(20, RUNS / 4)))
  console.log(
    `several services — each a rolling update completing at a seeded 60–240 s; a build and push takes an assumed ${BUILD_AND_PUSH_SECONDS} s; the step per service in turn repeats it and waits for each rollout to its poll`
  )
  console.log(
    markdownTable(
      [
        'services',
        'DescribeServices a poll',
        'lag after the last completes p50/p95 (s)',
        'one step p50/p95 (s)',
        'a step per service in turn p50/p95 (s)'
      ],
      several
    )
  )
  console.log('')
  printTargets(rows.filter(r => r.tool === TOOLS[0]?.name))
}

function printTargets(mine: Row[]): void {
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT MET')
  const p95 = (values: number[]) => percentile(values, 95)
  const successes = mine.filter(r => r.timeline.truth === 'success')
  const worstLag = Math.max(...successes.map(r => p95(lagsOf(r))))
  console.log('Targets')
  console.log(
    `- ours notices within one poll (${POLL_SECONDS} s) of ECS at p95: worst p95 lag on the successful rollouts ${fmt(worstLag)} s — ${mark(worstLag <= POLL_SECONDS)}`
  )
  const crash = mine.find(r => r.timeline.name === 'crash loop')
  if (crash) {
    const lag = p95(lagsOf(crash))
    console.log(
      `- a crash loop reported before ECS's circuit breaker would finish (~${crash.timeline.reference.at} s after its events begin): reported at p95 ${fmt(p95(crash.runs.map(r => r.run.at)))} s, ${fmt(-lag)} s before — ${mark(lag < 0)}`
    )
  }
  const tripped = mine.find(r => r.timeline.name === 'circuit-breaker rollback')
  if (tripped) {
    const lag = p95(lagsOf(tripped))
    console.log(
      `- circuit-breaker rollback: ours reports it within ${fmt(lag + BREAKER_ROLLBACK_SECONDS)} s (p95) of ECS marking the rollout FAILED, ${fmt(-lag)} s before ECS's rollback completes; the waiters answer only once it has (the official action then fails, ecspresso reports success) — ${mark(lag + BREAKER_ROLLBACK_SECONDS <= POLL_SECONDS)}`
    )
  }
  for (const row of mine) {
    const runs = row.runs.map(r => r.run)
    const polls =
      Math.floor(
        percentile(
          runs.map(r => r.at),
          50
        ) / POLL_SECONDS
      ) + 1
    console.log(
      `- ${row.timeline.name}: ${fmt(mean(runs.map(r => r.describeServices)))} DescribeServices for ~${polls} polls (one per poll), plus ${fmt(mean(runs.map(r => r.other)))} other calls (the service deployment that confirms a completion; the stopped tasks and the explanation of a failure)`
    )
  }
}

await main()
