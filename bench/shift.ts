// Benchmark, not a test: a CANARY release whose new revision starts logging errors during its
// canary step, judged while ECS shifts the traffic (now) against judged after SUCCESSFUL and
// rolled back by a new deployment (as before: the bake began once the deployment was done). Each
// run deploys to the scripted ECS of the scenario tests on virtual time; the same seeded seconds
// go to both. It prints, for each: the seconds from the first bad line readable to the traffic
// back on the old revision, the highest share of production traffic the bad revision got, and
// its traffic-minutes (share × minutes) while bad.
//
//   npm run bench:shift            (RUNS=200 by default)
import type { ServiceDeployment } from '@aws-sdk/client-ecs'
import { deploy } from '../src/modes/deploy.js'
import {
  digestOf,
  FakeEcs,
  freshRun,
  inputsFor,
  withImageInEcr,
  type Step,
  type TimedLog
} from '../test/support/scripted-ecs.js'
import { markdownTable, percentile, quietly, runsFromEnv, seeded } from './support.js'

const RUNS = runsFromEnv()
const POLL_SECONDS = 5
const BAKE_MINUTES = 5
/** The canary: 10 % from 15 s for ten minutes, then all of it, ECS's bake of five minutes. */
const CANARY_PERCENT = 10
const CANARY_AT = 15
const CANARY_SECONDS = 600
const FULL_AT = CANARY_AT + CANARY_SECONDS
const SUCCESSFUL_AT = FULL_AT + 300
/** ECS's shift of the traffic back once a deployment is stopped (StopServiceDeployment). */
const SHIFT_BACK_SECONDS = 10

const OLD = { id: 'ecs-svc/old', revision: 12, running: 2, state: 'COMPLETED' as const }
const CONFIG = {
  deploymentConfiguration: {
    strategy: 'CANARY' as const,
    canaryConfiguration: {
      canaryPercent: CANARY_PERCENT,
      canaryBakeTimeInMinutes: CANARY_SECONDS / 60
    },
    bakeTimeInMinutes: 5
  }
}

const target = (weight: number): Partial<ServiceDeployment> => ({
  targetServiceRevision: {
    arn: 'target',
    requestedTaskCount: 2,
    runningTaskCount: 2,
    requestedProductionTrafficWeight: weight
  }
})

/**
 * A canary walk of `revision`; `staged` false hides the stages (as the watch before this release
 * saw them: the judgement began only at SUCCESSFUL).
 */
function canary(revision: number, id: string, staged: boolean): Step[] {
  const stage = (name: string): Partial<ServiceDeployment> =>
    staged ? { lifecycleStage: name as ServiceDeployment['lifecycleStage'] } : {}
  const both = [
    { id, revision, running: 2, state: 'IN_PROGRESS' as const },
    { ...OLD, revision: revision === 12 ? 13 : 12, status: 'ACTIVE' as const }
  ]
  return [
    { at: 0, deployments: both, serviceDeployment: { status: 'IN_PROGRESS', ...target(0) } },
    {
      at: CANARY_AT,
      serviceDeployment: { ...stage('PRODUCTION_TRAFFIC_SHIFT'), ...target(CANARY_PERCENT) }
    },
    { at: FULL_AT, serviceDeployment: { ...target(100) } },
    { at: FULL_AT + 5, serviceDeployment: { ...stage('BAKE_TIME') } },
    {
      at: SUCCESSFUL_AT,
      deployments: [{ id, revision, running: 2, state: 'COMPLETED' }],
      serviceDeployment: { status: 'SUCCESSFUL', lifecycleStage: undefined }
    }
  ]
}

/** ECS's rollback of a stopped deployment: the traffic back in SHIFT_BACK_SECONDS, then done. */
const rolledBack: Step[] = [
  { at: 0, serviceDeployment: { status: 'ROLLBACK_IN_PROGRESS' } },
  {
    at: SHIFT_BACK_SECONDS,
    deployments: [OLD],
    serviceDeployment: { ...target(0) }
  },
  { at: SHIFT_BACK_SECONDS + 5, serviceDeployment: { status: 'ROLLBACK_SUCCESSFUL' } }
]

interface Run {
  /** Seconds from the first bad line readable to all the traffic back on the old revision. */
  back: number | undefined
  /** The bad revision's highest share of production traffic, in %. */
  peak: number
  /** Share × minutes of production traffic the bad revision served while bad. */
  exposure: number
}

/** The production weight of the new revision at second `t` of a canary walk started at `start`. */
function weightAt(t: number, start: number): number {
  if (t < start + CANARY_AT) return 0
  return t < start + FULL_AT ? CANARY_PERCENT : 100
}

/** One deploy whose new tasks log 12 ERROR lines at `at` seconds of the canary. */
async function once(at: number, staged: boolean): Promise<Run> {
  const burst: TimedLog[] = Array.from({ length: 12 }, (_, i) => ({
    at,
    task: `update-1-${i % 2}`,
    message: `ERROR KeyError: recall_severity #${i}`
  }))
  const ecs = withImageInEcr(
    new FakeEcs({
      script: [{ at: 0, deployments: [OLD] }],
      serviceFields: CONFIG,
      afterUpdate: (revision, id) => canary(revision, id, staged),
      afterRollback: rolledBack,
      timedLogs: burst
    })
  )
  const inputs = inputsFor({
    image: digestOf(13),
    'bake-minutes': String(BAKE_MINUTES),
    'poll-seconds': String(POLL_SECONDS),
    'timeout-minutes': '40'
  })
  await quietly(() => deploy(inputs, ecs.deps, freshRun()).catch(() => undefined))
  const stop = /^Stop ROLLBACK at ([\d.]+)$/.exec(ecs.serviceDeploymentActions[0] ?? '')
  const update = ecs.updatedAt[1]
  // Now: ECS shifts the traffic back once stopped. Before: a rollback deployment, itself a
  // canary, gives the old revision 10 % at first and all of it only when its canary step ends.
  const end = stop
    ? Number(stop[1]) + SHIFT_BACK_SECONDS
    : update === undefined
      ? undefined
      : update + FULL_AT
  const shareAt = (t: number): number =>
    stop || update === undefined || t < update ? weightAt(t, 0) : 100 - weightAt(t, update)
  let peak = 0
  let exposure = 0
  for (let t = at; t < (end ?? at); t += 1) {
    peak = Math.max(peak, shareAt(t))
    exposure += shareAt(t) / 100 / 60
  }
  return { back: end === undefined ? undefined : end - at, peak, exposure }
}

function row(name: string, runs: Run[]): string[] {
  const back = runs.flatMap(r => (r.back === undefined ? [] : [r.back]))
  const exposure = runs.map(r => r.exposure)
  // None caught: no time to the traffic back to say.
  const seconds = (p: number) => (back.length > 0 ? percentile(back, p).toFixed(0) : '—')
  return [
    name,
    `${back.length}/${runs.length}`,
    seconds(50),
    seconds(95),
    `${Math.max(...runs.map(r => r.peak))} %`,
    percentile(exposure, 50).toFixed(2)
  ]
}

async function main(): Promise<void> {
  const random = seeded(20)
  const now: Run[] = []
  const before: Run[] = []
  for (let i = 0; i < RUNS; i++) {
    // Any second of the canary step, with any phase against the polls.
    const at = Math.round((CANARY_AT + 5 + random() * (CANARY_SECONDS - 30)) * 10) / 10
    now.push(await once(at, true))
    before.push(await once(at, false))
  }
  console.log(
    `A CANARY release (${CANARY_PERCENT} % for ${CANARY_SECONDS / 60} min) whose new tasks log 12 ERROR lines at a random second of the canary step: ${RUNS} runs, poll ${POLL_SECONDS} s, bake ${BAKE_MINUTES} min, ECS's shift back ${SHIFT_BACK_SECONDS} s (virtual time).\n`
  )
  console.log(
    'seconds from the first bad line readable to all production traffic back on the old revision, the highest share of it the bad revision got, its traffic-minutes'
  )
  console.log(
    markdownTable(
      ['judged', 'caught', 'p50 s', 'p95 s', 'max share', 'traffic-min'],
      [
        row('while ECS shifts the traffic (StopServiceDeployment)', now),
        row('after SUCCESSFUL, rolled back by a new deployment', before)
      ]
    )
  )
  console.log(
    "\nSeconds from the first bad line readable to all production traffic back on the old revision; the bad revision's highest share of production traffic while bad; its traffic-minutes (share × minutes) at the median."
  )
}

await main()
