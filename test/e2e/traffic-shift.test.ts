// Judged while ECS shifts the traffic, end to end: the bundled action deploys CANARY, LINEAR and
// BLUE_GREEN services of the local stack whose releases go bad at a step of the shift (the
// layer's errors-at-canary, errors-at-stage, test-traffic-unhealthy) or wait at PAUSE hooks. What
// ECS did is read from the layer (/_stack/status), sampled while the step runs: the production
// weights the new revision had, and the hooks it waited at.
import { setTimeout as sleep } from 'node:timers/promises'
import { beforeEach, describe, expect, test } from 'vitest'
import { healthUrl, stackControl, testTrafficUrl } from './support/aws.js'
import { runAction, type ActionRun } from './support/run-action.js'
import { decodeEntities } from './support/summary-text.js'
import { runningDigests, waitForSteadyState } from './support/world.js'
import {
  ACTION_INPUTS,
  FAMILY,
  STRATEGY_SERVICES,
  createStrategyService,
  seed,
  type Seeded
} from './seed.js'

const CANARY = STRATEGY_SERVICES.canary
const LINEAR = STRATEGY_SERVICES.linear
const BLUE_GREEN = STRATEGY_SERVICES.blueGreen

/**
 * The step's inputs: a bake of 15 s (the judgement runs through the shift, then what is left of
 * it), and a timeout above ECS's bake times, which the action counts in real minutes.
 */
const JUDGED = { ...ACTION_INPUTS, 'bake-minutes': '0.25', 'timeout-minutes': '30' }

let seeded: Seeded
beforeEach(async () => {
  // A step of 300 ms, a minute of ECS's bake or hook timeout 600 ms.
  seeded = await seed({ stepMs: 300, bakeMinuteMs: 600 })
})

/** A service deployment as /_stack/status lists it. */
interface StatusDeployment {
  arn: string
  status: string
  lifecycleStage?: string
  productionWeight: number
  hooks: string[]
}

/** What ECS did with the newest service deployment of a service while the step ran. */
interface Seen {
  /** The production weights of the new revision, in the order they came (repeats dropped). */
  weights: number[]
  /** `STAGE STATUS` of every PAUSE hook seen. */
  hooks: string[]
  /** Where it ended. */
  last: StatusDeployment
}

async function newest(name: string): Promise<StatusDeployment | undefined> {
  const status = await stackControl.status()
  const services = status.services as { arn: string; serviceDeployments: StatusDeployment[] }[]
  return services.find(s => s.arn.endsWith(`/${name}`))?.serviceDeployments[0]
}

/**
 * Runs the action while reading what ECS says of `name` every 100 ms (a step lasts 300), then once
 * more when it ends: the service deployment the step started, and what it went through.
 */
async function deployWatched(
  name: string,
  inputs: Record<string, string>
): Promise<{ run: ActionRun; seen: Seen }> {
  const before = (await newest(name))?.arn
  const samples: StatusDeployment[] = []
  let running = true
  const sampling = (async () => {
    while (running) {
      const current = await newest(name)
      if (current && current.arn !== before) samples.push(current)
      await sleep(100)
    }
  })()
  const run = await runAction({ ...inputs, service: name })
  running = false
  await sampling
  // ECS's rollback goes on after the step ends only if the step did not follow it; read the end.
  const last = await newest(name)
  if (!last || last.arn === before) throw new Error(`${name}: no service deployment was started`)
  const mine = [...samples.filter(s => s.arn === last.arn), last]
  const weights = mine
    .map(s => s.productionWeight)
    .filter((weight, i, all) => i === 0 || all[i - 1] !== weight)
  const hooks = [...new Set(mine.flatMap(s => s.hooks))]
  return { run, seen: { weights, hooks, last } }
}

function resultOf(run: ActionRun): Record<string, unknown> {
  return JSON.parse(run.outputs.result ?? '{}') as Record<string, unknown>
}

/** Why the step failed, as the result output says it (the log escapes % in its annotations). */
function failure(run: ActionRun): string {
  return String(resultOf(run).error)
}

/** The summary's stages of the judgement during the shift (`A → B → C`), as plain text. */
function judgedStages(run: ActionRun): string {
  const row = decodeEntities(run.summary)
    .split('\n')
    .find(line => line.startsWith('| While ECS shifted the traffic |'))
  return row?.split('|')[2]?.trim() ?? ''
}

/** The service runs the seed's revision and image again, on every task, and the outputs say so. */
async function backOnTheSeed(name: string, run: ActionRun): Promise<void> {
  expect(run.outputs['rolled-back']).toBe('true')
  expect(run.outputs.verified).toBe('false')
  expect(run.outputs['task-definition-arn']).toBe(seeded.taskDefinitionArn)
  expect(run.outputs['previous-task-definition-arn']).toBe(seeded.taskDefinitionArn)
  expect(resultOf(run)).toMatchObject({
    status: 'failed',
    rolledBack: true,
    taskDefinitionArn: seeded.taskDefinitionArn,
    failedTaskDefinitionArn: expect.stringMatching(
      new RegExp(`:task-definition/${FAMILY}:2$`)
    ) as unknown
  })
  const current = await waitForSteadyState(10_000, name)
  expect(current.taskDefinition).toBe(seeded.taskDefinitionArn)
  expect(await runningDigests(name)).toEqual([seeded.seedImage.digest, seeded.seedImage.digest])
}

const pauseAt = (
  stage: 'POST_SCALE_UP' | 'POST_TEST_TRAFFIC_SHIFT' | 'PRE_PRODUCTION_TRAFFIC_SHIFT',
  timeoutInMinutes: number,
  action: 'CONTINUE' | 'ROLLBACK'
) => ({
  targetType: 'PAUSE' as const,
  lifecycleStages: [stage],
  timeoutConfiguration: { timeoutInMinutes, action }
})

describe('a CANARY release', () => {
  test('whose new revision logs errors at the canary is stopped there: ECS sends the 10 % back', async () => {
    await createStrategyService(seeded, CANARY, {
      strategy: 'CANARY',
      // Six seconds of canary on the layer's clock: time enough to judge it, not to wait it out.
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 10 },
      bakeTimeInMinutes: 1
    })
    await stackControl.nextRollout({ outcome: 'errors-at-canary', service: CANARY })

    const { run, seen } = await deployWatched(CANARY, JUDGED)

    expect(run.exitCode, run.stdout).toBe(1)
    expect(failure(run)).toMatch(
      new RegExp(
        `^The rollout of ${FAMILY}:2 failed: it regressed at PRODUCTION_TRAFFIC_SHIFT 10 % of production traffic, \\d:\\d\\d after the new revision was first judged beside the old one: the new tasks logged \\d+ error lines .*KeyError: recall_severity.*Stopped the service deployment \\(StopServiceDeployment ROLLBACK\\): ECS sent the traffic back: the service runs ${FAMILY}:1 \\([^)]+\\) again, verified\\.`
      )
    )
    expect(run.stdout).toMatch(
      /babyshield-canary-service: StopServiceDeployment ROLLBACK \([^)]+\): ECS sends the traffic back/
    )
    // The bad revision never had more than the canary's share; ECS's rollback took it to 0.
    expect(Math.max(...seen.weights)).toBe(10)
    expect(seen.weights.at(-1)).toBe(0)
    expect(seen.last.status).toBe('ROLLBACK_SUCCESSFUL')
    await backOnTheSeed(CANARY, run)
  })

  test('that stays quiet is judged through the canary and ECS’s bake, then baked: success', async () => {
    await createStrategyService(seeded, CANARY, {
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
      bakeTimeInMinutes: 3
    })

    const { run, seen } = await deployWatched(CANARY, JUDGED)

    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.verified).toBe('true')
    expect(run.outputs['rolled-back']).toBe('false')
    // ECS's deployment took about 10 s, 7 of them judged: the rest of the 15 s is baked after.
    expect(run.stdout).toMatch(/Rollout of \S+ completed after[^]*\nBaking 0:0\d: every 1 s/)
    expect(run.stdout).toMatch(/the bake passed: watched 0:1\d in \d+ polls/)
    const bake = (resultOf(run).checks as { name: string; status: string; detail: string }[]).find(
      c => c.name === 'bake'
    )
    expect(bake?.status).toBe('pass')
    expect(bake?.detail).toMatch(
      /^watched 0:1\d in \d+ polls \(0:0\d of it while ECS shifted the traffic: .*PRODUCTION_TRAFFIC_SHIFT 10 %, .*BAKE_TIME 100 %.*\): 0 error lines in the new tasks/
    )
    expect(run.summary).toContain('While ECS shifted the traffic')
    expect(seen.weights).toEqual([0, 10, 100])
    expect(seen.last.status).toBe('SUCCESSFUL')
    const current = await waitForSteadyState(10_000, CANARY)
    expect(current.taskDefinition).toBe(run.outputs['task-definition-arn'])
    expect(current.taskDefinition).not.toBe(seeded.taskDefinitionArn)
  })
})

describe('a LINEAR release', () => {
  test('that turns bad at its second step is stopped at 50 %, having passed 25 %', async () => {
    await createStrategyService(seeded, LINEAR, {
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 5 },
      bakeTimeInMinutes: 1
    })
    await stackControl.nextRollout({
      outcome: 'errors-at-stage',
      service: LINEAR,
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      productionWeight: 50
    })

    const { run, seen } = await deployWatched(LINEAR, JUDGED)

    expect(run.exitCode, run.stdout).toBe(1)
    expect(failure(run)).toMatch(
      new RegExp(
        `^The rollout of ${FAMILY}:2 failed: it regressed at PRODUCTION_TRAFFIC_SHIFT 50 % of production traffic, .*the new tasks logged \\d+ error lines .*Stopped the service deployment \\(StopServiceDeployment ROLLBACK\\): ECS sent the traffic back: the service runs ${FAMILY}:1 \\([^)]+\\) again, verified\\.`
      )
    )
    // Judged quiet at 25 % (and at the one-step pause before the next), stopped at 50 %.
    expect(judgedStages(run)).toMatch(
      /(: | → )PRODUCTION_TRAFFIC_SHIFT 25 % → (PRE_PRODUCTION_TRAFFIC_SHIFT 25 % → )?PRODUCTION_TRAFFIC_SHIFT 50 %$/
    )
    expect(seen.weights).toEqual([0, 25, 50, 0])
    expect(seen.last.status).toBe('ROLLBACK_SUCCESSFUL')
    await backOnTheSeed(LINEAR, run)
  })
})

describe('PAUSE lifecycle hooks', () => {
  test('approve-pauses: each pause before a step is watched 3 s without a regression, then continued', async () => {
    await createStrategyService(seeded, CANARY, {
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 2 },
      bakeTimeInMinutes: 1,
      // Twelve seconds on the layer's clock, then ECS would roll back by itself.
      lifecycleHooks: [pauseAt('PRE_PRODUCTION_TRAFFIC_SHIFT', 20, 'ROLLBACK')]
    })

    const { run, seen } = await deployWatched(CANARY, {
      ...JUDGED,
      'approve-pauses': 'true',
      'pause-watch-minutes': '0.05'
    })

    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.verified).toBe('true')
    const paused = run.stdout.match(
      /ECS paused the deployment of babyshield-canary-service at PRE_PRODUCTION_TRAFFIC_SHIFT \(PAUSE hook ecs-pause-\S+\): it waits for ContinueServiceDeployment; at \d\d:\d\d:\d\d \(in 0:\d\d\) ECS will ROLLBACK by itself\. This step continues it once the release was watched 0:03 there without a regression \(approve-pauses\)\./g
    )
    // One pause before the canary, one before the rest of the traffic.
    expect(paused).toHaveLength(2)
    const continued = run.stdout.match(
      /babyshield-canary-service: no regression in 0:0[3-5] at PRE_PRODUCTION_TRAFFIC_SHIFT: ContinueServiceDeployment CONTINUE \(hook ecs-pause-\S+, \S+\)\./g
    )
    expect(continued).toHaveLength(2)
    expect(seen.hooks).toEqual([
      'PRE_PRODUCTION_TRAFFIC_SHIFT AWAITING_ACTION',
      'PRE_PRODUCTION_TRAFFIC_SHIFT SUCCEEDED'
    ])
    expect(seen.weights).toEqual([0, 10, 100])
    expect(seen.last.status).toBe('SUCCESSFUL')
    expect((await waitForSteadyState(10_000, CANARY)).taskDefinition).toBe(
      run.outputs['task-definition-arn']
    )
  })

  test('a regression at a pause rolls the deployment back at its hook, before any production traffic', async () => {
    await createStrategyService(seeded, BLUE_GREEN, {
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 1,
      // Left alone, ECS would go on: only the step can roll it back here.
      lifecycleHooks: [pauseAt('POST_SCALE_UP', 30, 'CONTINUE')]
    })
    await stackControl.nextRollout({
      outcome: 'errors-at-stage',
      service: BLUE_GREEN,
      stage: 'POST_SCALE_UP'
    })

    const { run, seen } = await deployWatched(BLUE_GREEN, {
      ...JUDGED,
      'approve-pauses': 'true',
      'pause-watch-minutes': '0.1'
    })

    expect(run.exitCode, run.stdout).toBe(1)
    expect(failure(run)).toMatch(
      new RegExp(
        `^The rollout of ${FAMILY}:2 failed: it regressed at POST_SCALE_UP 0 % of production traffic, .*the new tasks logged \\d+ error lines .*Rolled back at its paused hook \\(ContinueServiceDeployment ROLLBACK\\): ECS sent the traffic back: the service runs ${FAMILY}:1 \\([^)]+\\) again, verified\\.`
      )
    )
    expect(run.stdout).not.toContain('ContinueServiceDeployment CONTINUE')
    expect(seen.hooks).toEqual(['POST_SCALE_UP AWAITING_ACTION', 'POST_SCALE_UP FAILED'])
    expect(seen.weights).toEqual([0])
    expect(seen.last.status).toBe('ROLLBACK_SUCCESSFUL')
    await backOnTheSeed(BLUE_GREEN, run)
  })

  test('test-traffic-url failing behind the test listener rolls back before production traffic moves', async () => {
    await createStrategyService(
      seeded,
      BLUE_GREEN,
      {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 1,
        lifecycleHooks: [pauseAt('POST_TEST_TRAFFIC_SHIFT', 30, 'CONTINUE')]
      },
      { testListener: true }
    )
    await stackControl.nextRollout({ outcome: 'test-traffic-unhealthy', service: BLUE_GREEN })

    const { run, seen } = await deployWatched(BLUE_GREEN, {
      ...JUDGED,
      'approve-pauses': 'true',
      'pause-watch-minutes': '0.1',
      'test-traffic-url': testTrafficUrl(BLUE_GREEN),
      'health-check-url': healthUrl(BLUE_GREEN)
    })

    expect(run.exitCode, run.stdout).toBe(1)
    expect(failure(run)).toMatch(
      new RegExp(
        `^The rollout of ${FAMILY}:2 failed: it regressed at POST_TEST_TRAFFIC_SHIFT 0 % of production traffic, .*GET \\S+/test-traffic/health did not answer 2xx 3 times in a row .*Rolled back at its paused hook \\(ContinueServiceDeployment ROLLBACK\\): ECS sent the traffic back`
      )
    )
    expect(seen.hooks).toEqual([
      'POST_TEST_TRAFFIC_SHIFT AWAITING_ACTION',
      'POST_TEST_TRAFFIC_SHIFT FAILED'
    ])
    // Production traffic never reached the new revision.
    expect(seen.weights).toEqual([0])
    expect(seen.last.status).toBe('ROLLBACK_SUCCESSFUL')
    await backOnTheSeed(BLUE_GREEN, run)
    expect((await fetch(healthUrl(BLUE_GREEN))).status).toBe(200)
  })
})
