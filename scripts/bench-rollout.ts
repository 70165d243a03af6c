// Benchmark, not a test: plays simulated ECS rollouts through our watcher and through the two
// waits people use today, on virtual time, and prints how late each noticed what ECS did and how
// many API calls it made. No assertions: the figures are for the README.
//
//   npm run bench:rollout            (RUNS=200 by default; RUNS=50 npm run bench:rollout)
//
// The other tools are the AWS SDK's real `waitUntilServicesStable` (@aws-sdk/client-ecs), run
// against a fake ECS client whose answers follow the simulated clock, with the settings each tool
// passes: aws-actions/amazon-ecs-deploy-task-definition v2.6.3 (minDelay 15 s, maxDelay its
// `wait-max-delay-seconds` or the waiter's 600 s, maxWaitTime `wait-for-minutes`, 30 by default;
// after the waiter, one DescribeServices that fails the step when its deployment is gone or
// FAILED — a circuit-breaker rollback) and ecspresso (maxDelay 15 s, its 10-minute default
// timeout; its progress display's own DescribeServices every 10 s is not counted). Its sleep is virtual:
// while it runs, global setTimeout and Date.now are replaced by a scheduler that jumps to the
// next timer, and Math.random is seeded, so its jittered backoff runs exactly as it would.
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  waitUntilServicesStable,
  type Deployment,
  type ECSClient,
  type Service,
  type Task
} from '@aws-sdk/client-ecs'
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { Ecs } from '../src/aws/ecs.js'
import { Logs } from '../src/aws/logs.js'
import type { Clock } from '../src/model/clock.js'
import { explainFailure } from '../src/rollout/diagnostics.js'
import type { Move } from '../src/model/move.js'
import { watchRollouts } from '../src/rollout/watch.js'
import { percentile, quietly, seeded } from './bench-support.js'

const RUNS = Number(process.env.RUNS ?? 200)

/** Our deployment of a service: revision 13 replaces revision 12. */
function ourMove(service: string): Move {
  return {
    service,
    containerName: 'app',
    from: { taskDefinitionArn: REV(12) },
    to: { taskDefinitionArn: REV(13) },
    strategy: 'ROLLING',
    deploymentId: OURS
  }
}
const POLL_SECONDS = 5
const OUR_TIMEOUT_MINUTES = 15
/** The official action's default `wait-for-minutes`. */
const OFFICIAL_MAX_WAIT_SECONDS = 30 * 60
/** ecspresso's default `timeout`. */
const ECSPRESSO_MAX_WAIT_SECONDS = 10 * 60
/** Spread of the moment the watch starts relative to ECS's events, so poll phase varies. */
const PHASE_SPREAD_SECONDS = 10
/** Assumed time ECS's circuit breaker needs to finish its rollback once it trips. */
const BREAKER_ROLLBACK_SECONDS = 60

const CLUSTER = 'bench'
const SERVICE = 'babyshield-backend-service'
const REV = (n: number): string =>
  `arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:${n}`
const OURS = 'ecs-svc/new'
const OLD = 'ecs-svc/old'
const EPOCH = Date.parse('2026-11-26T12:00:00Z')

// ---------------------------------------------------------------- simulated ECS timelines

interface Snapshot {
  deployments: Deployment[]
  /** Service events, newest first, with seconds. */
  events: { at: number; message: string }[]
  stopped: Task[]
}

interface Timeline {
  name: string
  /** ECS's state `t` seconds after UpdateService. */
  at(t: number): Snapshot
  /** Seconds at which ECS reached its final state, or undefined when it never does. */
  final: number | undefined
  /** What a correct tool reports. */
  truth: 'success' | 'failure'
  /** Seconds against which a failure's lateness is measured, with what it is. */
  reference: { at: number; what: string }
  describe: string
}

function dep(
  id: string,
  status: 'PRIMARY' | 'ACTIVE',
  revision: number,
  state: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED',
  counts: { running?: number; pending?: number; failed?: number },
  reason?: string
): Deployment {
  return {
    id,
    status,
    taskDefinition: REV(revision),
    desiredCount: 2,
    runningCount: counts.running ?? 0,
    pendingCount: counts.pending ?? 0,
    failedTasks: counts.failed ?? 0,
    rolloutState: state,
    ...(reason ? { rolloutStateReason: reason } : {}),
    createdAt: new Date(EPOCH)
  }
}

const started = (n: number, at: number) => ({
  at,
  message: `(service ${SERVICE}) has started ${n} tasks.`
})

/** A rolling update of two tasks that ECS completes after `seconds`. */
function rolling(seconds: number): Timeline {
  const old = (running: number) => dep(OLD, 'ACTIVE', 12, 'COMPLETED', { running })
  return {
    name: `rollout ${seconds < 60 ? `${seconds} s` : `${seconds / 60} min`}`,
    final: seconds,
    truth: 'success',
    reference: { at: seconds, what: 'COMPLETED' },
    describe: `ECS: COMPLETED at ${seconds} s`,
    at: t => ({
      deployments:
        t < seconds / 2
          ? [dep(OURS, 'PRIMARY', 13, 'IN_PROGRESS', { pending: 2 }), old(2)]
          : t < seconds * 0.9
            ? [dep(OURS, 'PRIMARY', 13, 'IN_PROGRESS', { running: 1, pending: 1 }), old(2)]
            : t < seconds
              ? [dep(OURS, 'PRIMARY', 13, 'IN_PROGRESS', { running: 2 }), old(1)]
              : [dep(OURS, 'PRIMARY', 13, 'COMPLETED', { running: 2 })],
      events: [started(2, 0)],
      stopped: []
    })
  }
}

function stoppedTask(id: string, at: number, failure: 'crash' | 'pull'): Task {
  return {
    taskArn: `arn:aws:ecs:eu-north-1:123456789012:task/${CLUSTER}/${id}`,
    taskDefinitionArn: REV(13),
    startedBy: OURS,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    createdAt: new Date(EPOCH + (at - 30) * 1000),
    stoppedAt: new Date(EPOCH + at * 1000),
    ...(failure === 'crash'
      ? {
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'app', exitCode: 1 }]
        }
      : {
          stopCode: 'TaskFailedToStart',
          stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
          containers: [{ name: 'app', reason: 'CannotPullContainerError' }]
        })
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
  return {
    name: 'crash loop',
    final: undefined,
    truth: 'failure',
    reference: { at: third + BREAKER_ROLLBACK_SECONDS, what: 'breaker would finish' },
    describe: `ECS: 3rd task stopped at ${third} s; never settles (breaker off); a breaker would finish at ~${third + BREAKER_ROLLBACK_SECONDS} s`,
    at: t => {
      const cycle = Math.floor(t / 30)
      const inCycle = t - cycle * 30
      const stopped: Task[] = []
      const events = []
      for (let k = 0; k <= cycle; k++) {
        events.unshift(started(2, k * 30))
        if (k < cycle) {
          stopped.unshift(
            stoppedTask(`c${k}a`, (k + 1) * 30, 'crash'),
            stoppedTask(`c${k}b`, (k + 1) * 30, 'crash')
          )
        }
      }
      const ours =
        inCycle < 20
          ? dep(OURS, 'PRIMARY', 13, 'IN_PROGRESS', { pending: 2 })
          : dep(OURS, 'PRIMARY', 13, 'IN_PROGRESS', { running: 2 })
      return {
        deployments: [ours, dep(OLD, 'ACTIVE', 12, 'COMPLETED', { running: 2 })],
        events,
        stopped
      }
    }
  }
}

/**
 * Two tasks every 30 s fail to start (image pull); ECS counts them in failedTasks. At 4 ≥ 3
 * (60 s) the circuit breaker marks the rollout FAILED and rolls back to revision 12, which
 * completes at 120 s.
 */
function circuitBreaker(): Timeline {
  const trips = 60
  const done = trips + BREAKER_ROLLBACK_SECONDS
  const old = (running: number) => dep(OLD, 'ACTIVE', 12, 'COMPLETED', { running })
  return {
    name: 'circuit-breaker rollback',
    final: done,
    truth: 'failure',
    reference: { at: done, what: 'rollback COMPLETED' },
    describe: `ECS: FAILED at ${trips} s, its own rollback COMPLETED at ${done} s (final)`,
    at: t => {
      const stopped = [
        ...(t >= 60 ? [stoppedTask('p1a', 60, 'pull'), stoppedTask('p1b', 60, 'pull')] : []),
        ...(t >= 30 ? [stoppedTask('p0a', 30, 'pull'), stoppedTask('p0b', 30, 'pull')] : [])
      ]
      const failedEvents =
        t >= trips
          ? [
              { at: trips, message: `(service ${SERVICE}) rolling back to deployment ${OLD}.` },
              {
                at: trips,
                message: `(service ${SERVICE}) (deployment ${OURS}) deployment failed: tasks failed to start.`
              }
            ]
          : []
      const events = [...failedEvents, started(2, 30), started(2, 0)].filter(e => e.at <= t)
      const rollback = 'ecs-svc/rollback'
      const deployments =
        t < 30
          ? [dep(OURS, 'PRIMARY', 13, 'IN_PROGRESS', { pending: 2 }), old(2)]
          : t < trips
            ? [dep(OURS, 'PRIMARY', 13, 'IN_PROGRESS', { pending: 2, failed: 2 }), old(2)]
            : t < done
              ? [
                  dep(rollback, 'PRIMARY', 12, 'IN_PROGRESS', { running: t < 90 ? 0 : 2 }),
                  dep(
                    OURS,
                    'ACTIVE',
                    13,
                    'FAILED',
                    { failed: 4 },
                    'ECS deployment circuit breaker: tasks failed to start.'
                  ),
                  old(t < 90 ? 2 : 0)
                ]
              : [dep(rollback, 'PRIMARY', 12, 'COMPLETED', { running: 2 })]
      return { deployments, events, stopped }
    }
  }
}

// ---------------------------------------------------------------- a fake ECS over a timeline

interface Counts {
  DescribeServices: number
  other: number
}

/** An ECS client whose answers follow `timeline`, read at `now()` seconds. */
function fakeEcsClient(timeline: Timeline, phase: number, now: () => number, counts: Counts) {
  const snapshot = (): Snapshot => timeline.at(Math.max(0, now() - phase))
  const service = (s: Snapshot): Service => {
    const primary = s.deployments.find(d => d.status === 'PRIMARY')
    return {
      serviceName: SERVICE,
      status: 'ACTIVE',
      taskDefinition: primary?.taskDefinition,
      desiredCount: primary?.desiredCount ?? 0,
      runningCount: s.deployments.reduce((n, d) => n + (d.runningCount ?? 0), 0),
      deployments: s.deployments,
      events: s.events.map((e, i) => ({
        id: String(i),
        createdAt: new Date(EPOCH + (e.at + phase) * 1000),
        message: e.message
      }))
    }
  }
  const shift = (task: Task): Task => ({
    ...task,
    createdAt: new Date((task.createdAt?.getTime() ?? EPOCH) + phase * 1000),
    stoppedAt: new Date((task.stoppedAt?.getTime() ?? EPOCH) + phase * 1000)
  })
  return {
    send(command: unknown): Promise<unknown> {
      const metadata = { $metadata: { httpStatusCode: 200 } }
      if (command instanceof DescribeServicesCommand) {
        counts.DescribeServices += 1
        return Promise.resolve({ services: [service(snapshot())], failures: [], ...metadata })
      }
      counts.other += 1
      if (command instanceof ListTasksCommand) {
        return Promise.resolve({ taskArns: snapshot().stopped.map(t => t.taskArn), ...metadata })
      }
      if (command instanceof DescribeTasksCommand) {
        const wanted = new Set(command.input.tasks ?? [])
        const tasks = snapshot()
          .stopped.filter(t => wanted.has(t.taskArn ?? ''))
          .map(shift)
        return Promise.resolve({ tasks, failures: [], ...metadata })
      }
      if (command instanceof DescribeTaskDefinitionCommand) {
        return Promise.resolve({
          taskDefinition: {
            taskDefinitionArn: command.input.taskDefinition,
            containerDefinitions: [
              {
                name: 'app',
                logConfiguration: {
                  logDriver: 'awslogs',
                  options: { 'awslogs-group': '/ecs/api', 'awslogs-stream-prefix': 'ecs' }
                }
              }
            ]
          },
          tags: [],
          ...metadata
        })
      }
      return Promise.reject(new Error(`the bench's ECS does not answer ${String(command)}`))
    }
  }
}

function fakeLogsClient(counts: Counts) {
  return {
    send(): Promise<unknown> {
      counts.other += 1
      return Promise.resolve({
        events: [
          { timestamp: EPOCH, logStreamName: 'ecs/app/x', message: 'KeyError: DATABASE_URL' }
        ]
      })
    }
  }
}

// ---------------------------------------------------------------- the tools

interface Run {
  verdict: 'success' | 'failure' | 'timeout'
  /** Seconds after UpdateService at which the tool reported. */
  at: number
  counts: Counts
}

async function ours(timeline: Timeline, phase: number): Promise<Run> {
  let now = 0
  const clock: Clock = {
    now: () => EPOCH + now * 1000,
    sleep: ms => {
      now += ms / 1000
      return Promise.resolve()
    }
  }
  const counts: Counts = { DescribeServices: 0, other: 0 }
  const ecs = new Ecs(
    fakeEcsClient(timeline, phase, () => now, counts) as unknown as ECSClient,
    CLUSTER
  )
  const logs = new Logs(fakeLogsClient(counts) as unknown as CloudWatchLogsClient)
  const [watched] = await quietly(() =>
    watchRollouts({ ecs, clock }, [{ move: ourMove(SERVICE), way: 'out' }], {
      timeoutMs: OUR_TIMEOUT_MINUTES * 60_000,
      pollMs: POLL_SECONDS * 1000,
      until: 'all-finished',
      many: false,
      journal: { note: () => undefined }
    })
  )
  if (!watched) throw new Error('nothing was watched')
  const at = now
  if (watched.outcome.kind !== 'completed') {
    // The calls that explain a failure count too; they take no virtual time here.
    await quietly(() =>
      explainFailure(
        { ecs, logs },
        {
          service: SERVICE,
          deploymentId: OURS,
          revision: REV(13),
          since: EPOCH,
          logGroup: undefined,
          snapshot: watched.service,
          known: watched.stoppedTasks,
          reader: watched.reader
        }
      )
    )
  }
  const verdict =
    watched.outcome.kind === 'completed'
      ? 'success'
      : watched.outcome.kind === 'timeout'
        ? 'timeout'
        : 'failure'
  return { verdict, at, counts }
}

/** The SDK's real waiter, on virtual time. */
async function sdkWaiter(
  timeline: Timeline,
  phase: number,
  options: {
    minDelay: number
    maxDelay?: number
    maxWaitSeconds: number
    /** Like the official action since v2.6.2: once stable, read the service once more and
     * fail when our deployment is gone (rolled back) or FAILED. */
    checkDeployment?: boolean
  }
): Promise<Run> {
  const counts: Counts = { DescribeServices: 0, other: 0 }
  const timers: { at: number; seq: number; fire: () => void }[] = []
  let now = 0
  let seq = 0
  const realSetTimeout = globalThis.setTimeout
  const realNow = Date.now
  globalThis.setTimeout = ((fire: () => void, ms?: number) => {
    timers.push({ at: now + (ms ?? 0) / 1000, seq: seq++, fire })
    return 0
  }) as unknown as typeof setTimeout
  Date.now = () => EPOCH + now * 1000
  try {
    const client = fakeEcsClient(timeline, phase, () => now, counts) as unknown as ECSClient
    let outcome: Run['verdict'] | undefined
    const { minDelay, maxDelay, maxWaitSeconds, checkDeployment } = options
    void waitUntilServicesStable(
      { client, minDelay, maxWaitTime: maxWaitSeconds, ...(maxDelay ? { maxDelay } : {}) },
      { cluster: CLUSTER, services: [SERVICE] }
    ).then(
      async () => {
        if (!checkDeployment) return (outcome = 'success')
        const answer = (await client.send(
          new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] })
        )) as { services?: Service[] }
        const ours = answer.services?.[0]?.deployments?.find(d => d.id === OURS)
        outcome = !ours || ours.rolloutState === 'FAILED' ? 'failure' : 'success'
      },
      (error: unknown) =>
        (outcome = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'failure')
    )
    for (;;) {
      // Let every pending promise run before the clock moves.
      await new Promise<void>(resolve => setImmediate(resolve))
      if (outcome) return { verdict: outcome, at: now, counts }
      timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = timers.shift()
      if (!next) throw new Error('the waiter stopped without an answer')
      now = next.at
      next.fire()
    }
  } finally {
    globalThis.setTimeout = realSetTimeout
    Date.now = realNow
  }
}

const TOOLS: { name: string; run: (timeline: Timeline, phase: number) => Promise<Run> }[] = [
  { name: `ours (poll ${POLL_SECONDS} s)`, run: ours },
  {
    name: 'official v2.6.3, defaults (waiter 15–600 s, 30 min)',
    // Without wait-max-delay-seconds the ECS waiter's own maxDelay (600 s) applies.
    run: (timeline, phase) =>
      sdkWaiter(timeline, phase, {
        minDelay: 15,
        maxWaitSeconds: OFFICIAL_MAX_WAIT_SECONDS,
        checkDeployment: true
      })
  },
  {
    name: 'official v2.6.3, wait-max-delay-seconds: 15',
    run: (timeline, phase) =>
      sdkWaiter(timeline, phase, {
        minDelay: 15,
        maxDelay: 15,
        maxWaitSeconds: OFFICIAL_MAX_WAIT_SECONDS,
        checkDeployment: true
      })
  },
  {
    name: 'ecspresso (waiter max 15 s, 10 min)',
    run: (timeline, phase) =>
      sdkWaiter(timeline, phase, {
        minDelay: 15,
        maxDelay: 15,
        maxWaitSeconds: ECSPRESSO_MAX_WAIT_SECONDS
      })
  }
]

// ---------------------------------------------------------------- running and printing

interface Row {
  timeline: string
  tool: string
  verdict: string
  reportedP50: number
  reportedP95: number
  lagP50: number
  lagP95: number
  describeServices: number
  other: number
  perMinute: number
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
  const random = Math.random
  const rows: Row[] = []
  try {
    for (const timeline of timelines) {
      for (const tool of TOOLS) {
        const phases = seeded(7)
        Math.random = seeded(42)
        const runs: { run: Run; phase: number }[] = []
        for (let i = 0; i < RUNS; i++) {
          const phase = phases() * PHASE_SPREAD_SECONDS
          runs.push({ run: await tool.run(timeline, phase), phase })
        }
        const lags = runs.map(r => r.run.at - (timeline.reference.at + r.phase))
        const verdicts = new Map<string, number>()
        for (const { run } of runs) verdicts.set(run.verdict, (verdicts.get(run.verdict) ?? 0) + 1)
        const calls = runs.map(r => r.run.counts.DescribeServices + r.run.counts.other)
        const minutes = runs.map(r => Math.max(r.run.at, 1) / 60)
        rows.push({
          timeline: timeline.name,
          tool: tool.name,
          verdict: [...verdicts]
            .map(
              ([v, n]) =>
                `${v}${v !== timeline.truth ? ' (wrong)' : ''}${n === RUNS ? '' : ` ${n}/${RUNS}`}`
            )
            .join(', '),
          reportedP50: percentile(
            runs.map(r => r.run.at),
            50
          ),
          reportedP95: percentile(
            runs.map(r => r.run.at),
            95
          ),
          lagP50: percentile(lags, 50),
          lagP95: percentile(lags, 95),
          describeServices: mean(runs.map(r => r.run.counts.DescribeServices)),
          other: mean(runs.map(r => r.run.counts.other)),
          perMinute: mean(calls.map((c, i) => c / (minutes[i] ?? 1)))
        })
      }
    }
  } finally {
    Math.random = random
  }

  console.log(
    `Rollout watch benchmark: ${RUNS} runs a timeline and tool; each run starts the watch 0–${PHASE_SPREAD_SECONDS} s (seeded) before ECS's events.`
  )
  console.log(
    'lag = seconds between ECS reaching the reference state and the tool reporting (negative: reported before it).'
  )
  console.log('')
  for (const timeline of timelines) {
    console.log(
      `${timeline.name} — ${timeline.describe}; lag measured against: ${timeline.reference.what}`
    )
    printTable(rows.filter(r => r.timeline === timeline.name))
    console.log('')
  }
  await printSeveralServices()
  printTargets(rows, timelines)
}

// ---------------------------------------------------------------- several services as one unit

/** Assumed time of one build and push, which a step per service repeats. */
const BUILD_AND_PUSH_SECONDS = 90

/**
 * N services, each a rolling update completing at its own seeded time (60–240 s), watched
 * together by one step, against one single-service step per service run one after another.
 */
async function severalServices(count: number, runs: number): Promise<string[]> {
  const random = seeded(11 * count)
  const polls: number[] = []
  const lags: number[] = []
  const together: number[] = []
  const oneByOne: number[] = []
  for (let r = 0; r < runs; r++) {
    const durations = Array.from({ length: count }, () => 60 + Math.round(random() * 180))
    const names = durations.map((_, i) => `svc-${i}`)
    const timelines = new Map(names.map((name, i) => [name, rolling(durations[i] ?? 60)]))
    let now = 0
    const clock: Clock = {
      now: () => EPOCH + now * 1000,
      sleep: ms => {
        now += ms / 1000
        return Promise.resolve()
      }
    }
    const counts: Counts = { DescribeServices: 0, other: 0 }
    const calls: number[] = []
    const client = {
      send(command: unknown): Promise<unknown> {
        if (!(command instanceof DescribeServicesCommand)) {
          counts.other += 1
          return Promise.resolve({ taskArns: [], tasks: [], $metadata: {} })
        }
        counts.DescribeServices += 1
        const asked = command.input.services ?? []
        calls.push(asked.length)
        const services = asked.map(name => {
          const snap = (timelines.get(name) ?? rolling(60)).at(now)
          const primary = snap.deployments.find(d => d.status === 'PRIMARY')
          return {
            serviceName: name,
            status: 'ACTIVE',
            taskDefinition: primary?.taskDefinition,
            deployments: snap.deployments,
            events: []
          }
        })
        return Promise.resolve({ services, failures: [], $metadata: {} })
      }
    }
    const ecs = new Ecs(client as unknown as ECSClient, CLUSTER)
    const watched = await quietly(() =>
      watchRollouts(
        { ecs, clock },
        names.map(name => ({ move: ourMove(name), way: 'out' as const })),
        {
          timeoutMs: OUR_TIMEOUT_MINUTES * 60_000,
          pollMs: POLL_SECONDS * 1000,
          until: 'first-failure',
          many: true,
          journal: { note: () => undefined }
        }
      )
    )
    if (watched.some(w => w.outcome.kind !== 'completed')) throw new Error('a rollout failed')
    const last = Math.max(...durations)
    const pollCount = Math.max(...watched.map(w => w.polls))
    polls.push(counts.DescribeServices / pollCount)
    lags.push(now - last)
    together.push(BUILD_AND_PUSH_SECONDS + now)
    // One step per service: each builds and pushes again, then waits for its own rollout.
    oneByOne.push(
      durations.reduce(
        (sum, d) => sum + BUILD_AND_PUSH_SECONDS + Math.ceil(d / POLL_SECONDS) * POLL_SECONDS,
        0
      )
    )
  }
  return [
    `${count}`,
    fmt(mean(polls)),
    `${fmt(percentile(lags, 50))} / ${fmt(percentile(lags, 95))}`,
    `${fmt(percentile(together, 50))} / ${fmt(percentile(together, 95))}`,
    `${fmt(percentile(oneByOne, 50))} / ${fmt(percentile(oneByOne, 95))}`
  ]
}

async function printSeveralServices(): Promise<void> {
  const header = [
    'services',
    'DescribeServices a poll',
    'lag after the last completes p50/p95 (s)',
    'one step p50/p95 (s)',
    'a step per service in turn p50/p95 (s)'
  ]
  const rows: string[][] = []
  for (const count of [1, 5, 10]) rows.push(await severalServices(count, Math.max(20, RUNS / 4)))
  console.log(
    `several services — each a rolling update completing at a seeded 60–240 s; a build and push takes an assumed ${BUILD_AND_PUSH_SECONDS} s; the step per service in turn repeats it and waits for each rollout to its poll`
  )
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (values: string[]) =>
    `| ${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`
  console.log(line(header))
  console.log(`|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`)
  for (const r of rows) console.log(line(r))
  console.log('')
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1)
}

function printTable(rows: Row[]): void {
  const header = [
    'tool',
    'verdict',
    'reported p50/p95 (s)',
    'lag p50/p95 (s)',
    'DescribeServices',
    'other calls',
    'calls/min'
  ]
  const cells = rows.map(r => [
    r.tool,
    r.verdict,
    `${fmt(r.reportedP50)} / ${fmt(r.reportedP95)}`,
    `${fmt(r.lagP50)} / ${fmt(r.lagP95)}`,
    fmt(r.describeServices),
    fmt(r.other),
    fmt(r.perMinute)
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map(c => (c[i] ?? '').length)))
  const line = (values: string[]) =>
    `| ${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`
  console.log(line(header))
  console.log(`|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`)
  for (const c of cells) console.log(line(c))
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1)
}

function printTargets(rows: Row[], timelines: Timeline[]): void {
  const mine = rows.filter(r => r.tool.startsWith('ours'))
  const successes = timelines.filter(t => t.truth === 'success').map(t => t.name)
  const worstLag = Math.max(...mine.filter(r => successes.includes(r.timeline)).map(r => r.lagP95))
  const crash = mine.find(r => r.timeline === 'crash loop')
  const breaker = timelines.find(t => t.name === 'crash loop')?.reference.at ?? NaN
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT MET')
  console.log('Targets')
  console.log(
    `- ours notices within one poll (${POLL_SECONDS} s) of ECS at p95: worst p95 lag on the successful rollouts ${fmt(worstLag)} s — ${mark(worstLag <= POLL_SECONDS)}`
  )
  if (crash) {
    console.log(
      `- a crash loop reported before ECS's circuit breaker would finish (~${breaker} s after its events begin): reported at p95 ${fmt(crash.reportedP95)} s, ${fmt(-crash.lagP95)} s before — ${mark(crash.lagP95 < 0)}`
    )
  }
  const tripped = mine.find(r => r.timeline === 'circuit-breaker rollback')
  if (tripped) {
    console.log(
      `- circuit-breaker rollback: ours reports it within ${fmt(tripped.lagP95 + BREAKER_ROLLBACK_SECONDS)} s (p95) of ECS marking the rollout FAILED, ${fmt(-tripped.lagP95)} s before ECS's rollback completes; the waiters answer only once it has (the official action then fails, ecspresso reports success) — ${mark(tripped.lagP95 + BREAKER_ROLLBACK_SECONDS <= POLL_SECONDS)}`
    )
  }
  for (const r of mine) {
    const budget = Math.floor(r.reportedP50 / POLL_SECONDS) + 1
    console.log(
      `- ${r.timeline}: ${fmt(r.describeServices)} DescribeServices for ~${budget} polls (one per poll), plus ${fmt(r.other)} calls to read stopped tasks and explain a failure`
    )
  }
}

await main()
