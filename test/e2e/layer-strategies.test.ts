// The layer's service deployments while ECS shifts traffic, driven through the AWS SDK alone (no
// action): LINEAR and CANARY steps with their traffic weights, PAUSE hooks and
// ContinueServiceDeployment, StopServiceDeployment ROLLBACK, early success on a rolling service,
// the scripted releases that go bad during the shift, and what ECS refuses. The action's own
// end-to-end tests build on these shapes.
import {
  ContinueServiceDeploymentCommand,
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type Service,
  type ServiceDeployment
} from '@aws-sdk/client-ecs'
import { setTimeout as sleep } from 'node:timers/promises'
import { beforeEach, describe, expect, test } from 'vitest'
import { AWS_ENV, MOTO_URL, REGION } from './stack/config.js'
import { ecs, healthUrl, stackControl, testTrafficUrl } from './support/aws.js'
import {
  isSteady,
  logLines,
  registerRevision,
  service,
  tasks,
  waitForSteadyState
} from './support/world.js'
import {
  APP_CONTAINER,
  CLUSTER,
  LOG_GROUP,
  SERVICE,
  createStrategyService,
  seed,
  type Seeded
} from './seed.js'

/** The layer's clock for these tests: a step, and a minute of bake or hook timeout. */
const STEP_MS = 300
const MINUTE_MS = 600

const LINEAR = 'babyshield-linear-service'
const CANARY = 'babyshield-canary-service'
const BLUE_GREEN = 'babyshield-bg-service'
const EARLY = 'babyshield-early-service'

/** moto itself, behind the layer: what it keeps of the service. */
const moto = new ECSClient({
  region: REGION,
  endpoint: MOTO_URL,
  credentials: {
    accessKeyId: AWS_ENV.AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_ENV.AWS_SECRET_ACCESS_KEY
  }
})

let seeded: Seeded
beforeEach(async () => {
  seeded = await seed({ stepMs: STEP_MS, bakeMinuteMs: MINUTE_MS })
})

/** Starts a deployment of a new revision (same image) of `name`; its service deployment's ARN. */
async function deployNewRevision(name: string): Promise<{ arn: string; revision: string }> {
  const revision = await registerRevision(seeded.taskDefinitionArn, seeded.seedImage.reference)
  const answer = await ecs.send(
    new UpdateServiceCommand({ cluster: CLUSTER, service: name, taskDefinition: revision })
  )
  return { arn: answer.service?.currentServiceDeployment ?? '', revision }
}

async function read(arn: string): Promise<ServiceDeployment> {
  const answer = await ecs.send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })
  )
  return answer.serviceDeployments![0]!
}

/** One look at a service deployment: status, stage, target's production/source's production, target's test weight. */
function view(d: ServiceDeployment): string {
  const target = d.targetServiceRevision
  const source = d.sourceServiceRevisions?.[0]
  return `${d.status} ${d.lifecycleStage ?? '-'} ${target?.requestedProductionTrafficWeight}/${source?.requestedProductionTrafficWeight} test ${target?.requestedTestTrafficWeight}`
}

/** Follows a service deployment, keeping every view that differs from the one before, with when. */
class Follower {
  readonly seen: { view: string; at: number; deployment: ServiceDeployment }[] = []
  constructor(readonly arn: string) {}

  async until(
    done: (d: ServiceDeployment) => boolean,
    timeoutMs = 30_000
  ): Promise<ServiceDeployment> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const d = await read(this.arn)
      const v = view(d)
      if (this.seen.at(-1)?.view !== v) this.seen.push({ view: v, at: Date.now(), deployment: d })
      if (done(d)) return d
      if (Date.now() > deadline) {
        throw new Error(`not reached after ${timeoutMs} ms; seen:\n${this.views().join('\n')}`)
      }
      await sleep(20)
    }
  }

  views(): string[] {
    return this.seen.map(s => s.view)
  }

  /** When the first view matching `pattern` was seen. */
  firstAt(pattern: RegExp): number {
    const found = this.seen.find(s => pattern.test(s.view))
    if (!found) throw new Error(`never seen ${pattern}; seen:\n${this.views().join('\n')}`)
    return found.at
  }
}

async function pollUntil<T>(
  what: string,
  readIt: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await readIt()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`)
    await sleep(50)
  }
}

/** The ids of the tasks the service's PRIMARY deployment started. */
async function primaryTaskIds(name: string): Promise<string[]> {
  const primary = (await service(name)).deployments?.[0]?.id
  const all = [...(await tasks('RUNNING', name)), ...(await tasks('STOPPED', name))]
  return all.filter(t => t.startedBy === primary).map(t => t.taskArn?.split('/').pop() ?? '')
}

/** Error lines the app containers of these tasks wrote. */
async function errorLines(taskIds: string[]): Promise<number> {
  let count = 0
  for (const id of taskIds) {
    const lines = await logLines(LOG_GROUP, `ecs/${APP_CONTAINER}/${id}`).catch(() => [])
    count += lines.filter(l => l.startsWith('ERROR')).length
  }
  return count
}

async function status(url: string): Promise<{ status: number; body: { error?: string } }> {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as { error?: string } }
}

const sdkError = (call: Promise<unknown>) =>
  call.then(
    () => {
      throw new Error('expected ECS to refuse the call')
    },
    (error: unknown) => error as { name: string; message: string }
  )

describe('LINEAR and CANARY walks', () => {
  test('LINEAR 34 %: scale-up, test traffic, three production steps baked a minute apart, bake, clean-up', async () => {
    await createStrategyService(
      seeded,
      LINEAR,
      {
        strategy: 'LINEAR',
        linearConfiguration: { stepPercent: 34, stepBakeTimeInMinutes: 1 },
        bakeTimeInMinutes: 1
      },
      { testListener: true }
    )
    // Errors from the step that gives the new revision at least 60 % of production on.
    await stackControl.nextRollout({
      outcome: 'errors-at-stage',
      service: LINEAR,
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      productionWeight: 60
    })
    const { arn, revision } = await deployNewRevision(LINEAR)
    const follow = new Follower(arn)

    await follow.until(d => d.targetServiceRevision?.requestedProductionTrafficWeight === 34)
    const newTasks = await primaryTaskIds(LINEAR)
    expect(newTasks).toHaveLength(2)
    expect(await errorLines(newTasks)).toBe(0)
    const done = await follow.until(d => d.status === 'SUCCESSFUL')

    expect(follow.views()).toEqual([
      'IN_PROGRESS PRE_SCALE_UP 0/100 test 0',
      'IN_PROGRESS SCALE_UP 0/100 test 0',
      'IN_PROGRESS POST_SCALE_UP 0/100 test 0',
      'IN_PROGRESS TEST_TRAFFIC_SHIFT 0/100 test 100',
      'IN_PROGRESS POST_TEST_TRAFFIC_SHIFT 0/100 test 100',
      'IN_PROGRESS PRE_PRODUCTION_TRAFFIC_SHIFT 0/100 test 100',
      'IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT 34/66 test 100',
      'IN_PROGRESS PRE_PRODUCTION_TRAFFIC_SHIFT 34/66 test 100',
      'IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT 68/32 test 100',
      'IN_PROGRESS PRE_PRODUCTION_TRAFFIC_SHIFT 68/32 test 100',
      'IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT 100/0 test 100',
      'IN_PROGRESS POST_PRODUCTION_TRAFFIC_SHIFT 100/0 test 100',
      'IN_PROGRESS BAKE_TIME 100/0 test 100',
      'IN_PROGRESS CLEAN_UP 100/0 test 100',
      'SUCCESSFUL - 100/0 test 100'
    ])
    // A step bakes stepBakeTimeInMinutes (a minute: 600 ms here) before the next one; 100 % does not.
    const shifted34 = follow.firstAt(/PRODUCTION_TRAFFIC_SHIFT 34\//)
    const next = follow.firstAt(/PRE_PRODUCTION_TRAFFIC_SHIFT 34\//)
    expect(next - shifted34).toBeGreaterThanOrEqual(MINUTE_MS - 100)
    // The old revision runs until CLEAN_UP.
    const baking = follow.seen.find(s => s.view.includes('BAKE_TIME'))!.deployment
    expect(baking.sourceServiceRevisions?.[0]?.runningTaskCount).toBe(2)
    expect(baking.targetServiceRevision?.runningTaskCount).toBe(2)
    expect(done.finishedAt).toBeInstanceOf(Date)
    expect(done.deploymentConfiguration?.linearConfiguration).toEqual({
      stepPercent: 34,
      stepBakeTimeInMinutes: 1
    })
    // The scripted errors began at the 68 % step, not before.
    expect(await errorLines(newTasks)).toBeGreaterThan(0)

    const current = await waitForSteadyState(10_000, LINEAR)
    expect(current.taskDefinition).toBe(revision)
  })

  test('CANARY 10 % with errors at the canary: StopServiceDeployment ROLLBACK sends the traffic back before 100 %', async () => {
    await createStrategyService(seeded, CANARY, {
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 30 },
      bakeTimeInMinutes: 1
    })
    await stackControl.nextRollout({ outcome: 'errors-at-canary', service: CANARY })
    const beforeUpdate = new Date()
    const { arn, revision } = await deployNewRevision(CANARY)
    const follow = new Follower(arn)

    // No test listener rule: test traffic goes where production goes.
    const beforeCanary = await follow.until(d => d.lifecycleStage === 'POST_TEST_TRAFFIC_SHIFT')
    expect(beforeCanary.targetServiceRevision?.requestedTestTrafficWeight).toBe(0)
    const newTasks = await primaryTaskIds(CANARY)
    expect(await errorLines(newTasks)).toBe(0)
    const canary = await follow.until(d => d.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT')
    expect(view(canary)).toBe('IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT 10/90 test 10')
    await pollUntil(
      'error lines of the canary',
      () => errorLines(newTasks),
      n => n > 0
    )

    const stopped = await ecs.send(
      new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' })
    )
    expect(stopped.serviceDeploymentArn).toBe(arn)
    const requested = await read(arn)
    expect(view(requested)).toBe('ROLLBACK_REQUESTED PRODUCTION_TRAFFIC_SHIFT 10/90 test 10')
    const back = await follow.until(d => d.status === 'ROLLBACK_SUCCESSFUL')

    const after = follow.views().slice(follow.views().indexOf(view(requested)))
    expect(after).toEqual([
      'ROLLBACK_REQUESTED PRODUCTION_TRAFFIC_SHIFT 10/90 test 10',
      'ROLLBACK_IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT 0/100 test 0',
      'ROLLBACK_SUCCESSFUL - 0/100 test 0'
    ])
    // The new revision never had more than the canary.
    const weights = follow.seen.map(
      s => s.deployment.targetServiceRevision?.requestedProductionTrafficWeight ?? 0
    )
    expect(Math.max(...weights)).toBe(10)
    const source = back.sourceServiceRevisions?.[0]?.arn
    expect(back.statusReason).toMatch(/StopServiceDeployment requested a rollback/)
    expect(back.rollback?.reason).toBe(back.statusReason)
    expect(back.rollback?.serviceRevisionArn).toBe(source)
    expect(back.rollback?.startedAt).toBeInstanceOf(Date)
    expect(back.finishedAt).toBeInstanceOf(Date)

    // The old revision serves again, in the layer and in moto; the canary's tasks are stopped.
    const current = await service(CANARY)
    expect(current.deployments?.map(d => [d.status, d.taskDefinition, d.runningCount])).toEqual([
      ['PRIMARY', seeded.taskDefinitionArn, 2]
    ])
    const inMoto = await moto.send(
      new DescribeServicesCommand({ cluster: CLUSTER, services: [CANARY] })
    )
    expect(inMoto.services?.[0]?.taskDefinition).toBe(seeded.taskDefinitionArn)
    const stoppedTasks = (await tasks('STOPPED', CANARY)).filter(t =>
      newTasks.includes(t.taskArn?.split('/').pop() ?? '')
    )
    expect(stoppedTasks.map(t => t.stoppedReason?.endsWith(') rollback'))).toEqual([true, true])

    // What ECS says to a second stop, to a stop type it does not take, and to an unknown ARN.
    const again = await sdkError(
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }))
    )
    expect(again.name).toBe('ConflictException')
    expect(again.message).toMatch(/ROLLBACK_SUCCESSFUL and cannot be stopped/)
    const abort = await sdkError(
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ABORT' }))
    )
    expect(abort.name).toBe('InvalidParameterException')
    const unknown = await sdkError(
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: `${arn}x` }))
    )
    expect(unknown.name).toBe('ServiceDeploymentNotFoundException')

    // The step finds its own service deployment among those made since its update, and what each
    // revision runs, even once the rolled-back one's deployment is gone.
    const listed = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: CLUSTER,
        service: CANARY,
        createdAt: { after: beforeUpdate }
      })
    )
    expect(listed.serviceDeployments?.map(d => d.serviceDeploymentArn)).toEqual([arn])
    const target = back.targetServiceRevision?.arn ?? ''
    const described = await ecs.send(
      new DescribeServiceRevisionsCommand({
        serviceRevisionArns: [target, source ?? '', `${target}0`]
      })
    )
    expect(described.serviceRevisions?.map(r => [r.serviceRevisionArn, r.taskDefinition])).toEqual([
      [target, revision],
      [source, seeded.taskDefinitionArn]
    ])
    const appImage = described.serviceRevisions?.[1]?.containerImages?.find(
      c => c.containerName === APP_CONTAINER
    )
    expect(appImage?.imageDigest).toBe(seeded.seedImage.digest)
    expect(described.failures).toEqual([{ arn: `${target}0`, reason: 'MISSING' }])
  })

  test('unhealthy-at-canary: the health URL answers 503 while the canary takes traffic, 200 once it is back', async () => {
    await createStrategyService(seeded, CANARY, {
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 30 },
      bakeTimeInMinutes: 1
    })
    await stackControl.nextRollout({ outcome: 'unhealthy-at-canary', service: CANARY })
    const { arn } = await deployNewRevision(CANARY)
    const follow = new Follower(arn)

    await follow.until(d => d.lifecycleStage === 'POST_TEST_TRAFFIC_SHIFT')
    expect((await status(healthUrl(CANARY))).status).toBe(200)
    await follow.until(d => d.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT')
    const failing = await status(healthUrl(CANARY))
    expect(failing.status).toBe(503)
    expect(failing.body.error).toBe(
      'scripted: unhealthy-at-canary (20% of production traffic on the new revision)'
    )

    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }))
    await follow.until(d => d.status === 'ROLLBACK_IN_PROGRESS')
    expect((await status(healthUrl(CANARY))).status).toBe(200)
    await follow.until(d => d.status === 'ROLLBACK_SUCCESSFUL')
    expect((await status(healthUrl(CANARY))).status).toBe(200)
  })
})

describe('PAUSE lifecycle hooks', () => {
  const pauseAt = (
    stage: 'POST_SCALE_UP' | 'POST_TEST_TRAFFIC_SHIFT' | 'PRE_PRODUCTION_TRAFFIC_SHIFT',
    timeout?: { timeoutInMinutes: number; action?: 'CONTINUE' | 'ROLLBACK' }
  ) => ({
    targetType: 'PAUSE' as const,
    lifecycleStages: [stage],
    ...(timeout ? { timeoutConfiguration: timeout } : {})
  })

  test('at POST_TEST_TRAFFIC_SHIFT the deployment waits with the hook AWAITING_ACTION; the test-traffic URL fails; ContinueServiceDeployment ROLLBACK rolls it back', async () => {
    await createStrategyService(
      seeded,
      BLUE_GREEN,
      {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 1,
        lifecycleHooks: [
          pauseAt('POST_TEST_TRAFFIC_SHIFT', { timeoutInMinutes: 10, action: 'ROLLBACK' })
        ]
      },
      { testListener: true }
    )
    await stackControl.nextRollout({ outcome: 'test-traffic-unhealthy', service: BLUE_GREEN })
    const { arn } = await deployNewRevision(BLUE_GREEN)
    const follow = new Follower(arn)

    const paused = await follow.until(d => (d.lifecycleHookDetails?.length ?? 0) > 0)
    const reachedAt = Date.now()
    expect(view(paused)).toBe('IN_PROGRESS POST_TEST_TRAFFIC_SHIFT 0/100 test 100')
    const [hook] = paused.lifecycleHookDetails!
    expect(Object.keys(hook!).sort()).toEqual([
      'expiresAt',
      'hookId',
      'status',
      'targetType',
      'timeoutAction'
    ])
    expect(hook!.hookId).toMatch(/^ecs-pause-[A-Za-z0-9_-]{43}$/)
    expect([hook!.targetType, hook!.status, hook!.timeoutAction]).toEqual([
      'PAUSE',
      'AWAITING_ACTION',
      'ROLLBACK'
    ])
    expect(hook!.expiresAt).toBeInstanceOf(Date)
    // Ten minutes of the layer's clock.
    const expiresIn = hook!.expiresAt!.getTime() - reachedAt
    expect(expiresIn).toBeGreaterThan(10 * MINUTE_MS - 1000)
    expect(expiresIn).toBeLessThanOrEqual(10 * MINUTE_MS)
    // The test traffic reaches the failing revision; production does not.
    const test503 = await status(testTrafficUrl(BLUE_GREEN))
    expect(test503.status).toBe(503)
    expect(test503.body.error).toBe(
      'scripted: test-traffic-unhealthy (100% of test traffic on the new revision)'
    )
    expect((await status(healthUrl(BLUE_GREEN))).status).toBe(200)
    // It stays paused.
    await sleep(4 * STEP_MS)
    const still = await read(arn)
    expect(view(still)).toBe(view(paused))
    expect(still.lifecycleHookDetails?.[0]?.hookId).toBe(hook!.hookId)

    const wrongHook = await sdkError(
      ecs.send(
        new ContinueServiceDeploymentCommand({
          serviceDeploymentArn: arn,
          hookId: 'ecs-pause-not-this-one',
          action: 'CONTINUE'
        })
      )
    )
    expect(wrongHook.name).toBe('InvalidParameterException')
    const unknown = await sdkError(
      ecs.send(
        new ContinueServiceDeploymentCommand({
          serviceDeploymentArn: `${arn}x`,
          hookId: hook!.hookId
        })
      )
    )
    expect(unknown.name).toBe('ServiceDeploymentNotFoundException')

    await ecs.send(
      new ContinueServiceDeploymentCommand({
        serviceDeploymentArn: arn,
        hookId: hook!.hookId,
        action: 'ROLLBACK'
      })
    )
    const requested = await read(arn)
    expect(requested.status).toBe('ROLLBACK_REQUESTED')
    expect(requested.lifecycleHookDetails?.[0]?.status).toBe('FAILED')
    const back = await follow.until(d => d.status === 'ROLLBACK_SUCCESSFUL')
    expect(back.statusReason).toBe(
      `ContinueServiceDeployment rolled the service deployment back at lifecycle hook ${hook!.hookId} (POST_TEST_TRAFFIC_SHIFT).`
    )
    expect(follow.views()).toContain('ROLLBACK_IN_PROGRESS POST_TEST_TRAFFIC_SHIFT 0/100 test 0')
    expect(follow.views().some(v => /PRODUCTION_TRAFFIC_SHIFT/.test(v))).toBe(false)
    expect((await status(testTrafficUrl(BLUE_GREEN))).status).toBe(200)
    expect((await service(BLUE_GREEN)).taskDefinition).toBe(seeded.taskDefinitionArn)

    const late = await sdkError(
      ecs.send(
        new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook!.hookId })
      )
    )
    expect(late.name).toBe('InvalidParameterException')
    expect(late.message).toMatch(/ROLLBACK_SUCCESSFUL; only an IN_PROGRESS service deployment/)
  })

  test('at PRE_PRODUCTION_TRAFFIC_SHIFT of a LINEAR service it pauses before every step; CONTINUE each time to SUCCESSFUL', async () => {
    await createStrategyService(seeded, LINEAR, {
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 0 },
      bakeTimeInMinutes: 0,
      lifecycleHooks: [pauseAt('PRE_PRODUCTION_TRAFFIC_SHIFT')]
    })
    const { arn } = await deployNewRevision(LINEAR)
    const follow = new Follower(arn)
    const hookIds: string[] = []

    for (const weight of [0, 50]) {
      const paused = await follow.until(
        d =>
          d.lifecycleHookDetails?.[0]?.status === 'AWAITING_ACTION' &&
          !hookIds.includes(d.lifecycleHookDetails[0].hookId ?? '')
      )
      expect(paused.lifecycleStage).toBe('PRE_PRODUCTION_TRAFFIC_SHIFT')
      expect(paused.targetServiceRevision?.requestedProductionTrafficWeight).toBe(weight)
      // The timeout's defaults: a day, then ROLLBACK.
      const hook = paused.lifecycleHookDetails![0]!
      expect(hook.timeoutAction).toBe('ROLLBACK')
      expect(hook.expiresAt!.getTime() - Date.now()).toBeGreaterThan(1439 * MINUTE_MS)
      hookIds.push(hook.hookId!)
      await ecs.send(
        new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId })
      )
      const twice = await sdkError(
        ecs.send(
          new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId })
        )
      )
      expect(twice.name).toBe('InvalidParameterException')
    }
    await follow.until(d => d.status === 'SUCCESSFUL')

    expect(new Set(hookIds).size).toBe(2)
    expect(follow.views().filter(v => v.includes(' PRODUCTION_TRAFFIC_SHIFT'))).toEqual([
      'IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT 50/50 test 50',
      'IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT 100/0 test 100'
    ])
  })

  test.each([
    ['CONTINUE', 'SUCCESSFUL', 'PRODUCTION_TRAFFIC_SHIFT'],
    ['ROLLBACK', 'ROLLBACK_SUCCESSFUL', 'POST_SCALE_UP']
  ] as const)(
    'a hook nobody acts on times out after timeoutInMinutes and takes its action %s',
    async (action, ends, lastStageSeen) => {
      await createStrategyService(seeded, BLUE_GREEN, {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 0,
        lifecycleHooks: [pauseAt('POST_SCALE_UP', { timeoutInMinutes: 2, action })]
      })
      const { arn } = await deployNewRevision(BLUE_GREEN)
      const follow = new Follower(arn)

      const paused = await follow.until(d => (d.lifecycleHookDetails?.length ?? 0) > 0)
      const pausedAt = Date.now()
      expect(paused.lifecycleStage).toBe('POST_SCALE_UP')
      const timedOut = await follow.until(d => d.lifecycleHookDetails?.[0]?.status === 'TIMED_OUT')
      expect(Date.now() - pausedAt).toBeGreaterThanOrEqual(2 * MINUTE_MS - 200)
      expect(timedOut.lifecycleStage).toBe('POST_SCALE_UP')
      expect(timedOut.lifecycleHookDetails?.[0]?.timeoutAction).toBe(action)
      const done = await follow.until(d => d.status === ends)

      expect(follow.views().some(v => v.includes(lastStageSeen))).toBe(true)
      if (action === 'ROLLBACK') {
        expect(done.statusReason).toMatch(
          /^Lifecycle hook ecs-pause-\S+ at POST_SCALE_UP timed out; its timeout action is ROLLBACK\.$/
        )
        expect(follow.views().some(v => v.includes('TEST_TRAFFIC_SHIFT'))).toBe(false)
      }
    }
  )
})

describe('StopServiceDeployment on a rolling service', () => {
  test('a stuck rolling deployment is rolled back by a new deployment of the last completed revision', async () => {
    await stackControl.nextRollout({ outcome: 'stuck', service: SERVICE })
    const { arn } = await deployNewRevision(SERVICE)
    const follow = new Follower(arn)
    await follow.until(
      d =>
        d.targetServiceRevision?.runningTaskCount === 1 &&
        d.targetServiceRevision.pendingTaskCount === 1
    )
    // A rolling deployment shifts no traffic: ECS shows no weights.
    expect(view(await read(arn))).toBe('IN_PROGRESS - undefined/undefined test undefined')

    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }))
    expect((await read(arn)).status).toBe('ROLLBACK_REQUESTED')
    const back = await follow.until(d => d.status === 'ROLLBACK_SUCCESSFUL')

    expect(follow.views().map(v => v.split(' ')[0])).toEqual([
      'IN_PROGRESS',
      'ROLLBACK_REQUESTED',
      'ROLLBACK_IN_PROGRESS',
      'ROLLBACK_SUCCESSFUL'
    ])
    expect(back.rollback?.serviceRevisionArn).toBe(back.sourceServiceRevisions?.[0]?.arn)
    const current = await waitForSteadyState(10_000, SERVICE)
    expect(current.taskDefinition).toBe(seeded.taskDefinitionArn)
  })
})

describe('early success criteria on a rolling service', () => {
  test.each([
    [
      'DEFERRED',
      2,
      [
        'has reached a steady state.',
        'has stopped 1 running tasks: (task ID).',
        'has stopped 1 running tasks: (task ID).',
        '(deployment ID) deployment completed.'
      ]
    ],
    [
      'BLOCKING',
      0,
      [
        'has reached a steady state.',
        '(deployment ID) deployment completed.',
        'has stopped 2 running tasks: (task ID) (task ID).',
        'has started 2 tasks: (task ID) (task ID).'
      ]
    ]
  ] as const)(
    '%s: SUCCESSFUL once half the new tasks run, with %i old tasks still running',
    async (cleanup, oldRunning, lastEvents) => {
      await createStrategyService(seeded, EARLY, {
        minimumHealthyPercent: 50,
        earlySuccessCriteria: {
          enable: true,
          healthyPercent: 50,
          sourceServiceRevisionCleanup: cleanup
        }
      })
      const { arn, revision } = await deployNewRevision(EARLY)
      const follow = new Follower(arn)

      const done = await follow.until(d => d.status === 'SUCCESSFUL')
      const atSuccess = await service(EARLY)

      expect(done.targetServiceRevision?.runningTaskCount).toBe(1)
      expect(done.sourceServiceRevisions?.[0]?.runningTaskCount).toBe(oldRunning)
      expect(atSuccess.deployments?.[0]).toMatchObject({
        status: 'PRIMARY',
        taskDefinition: revision,
        rolloutState: 'COMPLETED'
      })
      // DEFERRED: DescribeServices still lists the old deployment, its tasks draining.
      expect(atSuccess.deployments?.slice(1).map(d => [d.status, d.runningCount])).toEqual(
        oldRunning > 0 ? [['ACTIVE', oldRunning]] : []
      )

      const messages = (s: Service) => (s.events ?? []).map(e => e.message ?? '')
      const steady = await pollUntil(
        'a steady state',
        () => service(EARLY),
        s => messages(s)[0]?.endsWith('has reached a steady state.') === true
      )
      expect(isSteady(steady)).toBe(true)
      expect(steady.taskDefinition).toBe(revision)
      // Newest first, ids blanked: when the old tasks left, against when ECS said it was done.
      const newest = messages(steady)
        .slice(0, 4)
        .map(m =>
          m
            .replace(`(service ${EARLY}) `, '')
            .replace(/\(task [0-9a-f]{32}\)/g, '(task ID)')
            .replace(/\(deployment ecs-svc\/\d+\)/, '(deployment ID)')
        )
      expect(newest).toEqual(lastEvents)
      expect((await read(arn)).status).toBe('SUCCESSFUL')
    }
  )
})

describe('what ECS refuses', () => {
  test.each<[string, DeploymentConfiguration, RegExp]>([
    [
      'a PAUSE hook at PRODUCTION_TRAFFIC_SHIFT',
      {
        strategy: 'LINEAR',
        lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'] }]
      },
      /PAUSE hooks cannot be configured at the PRODUCTION_TRAFFIC_SHIFT lifecycle stage/
    ],
    [
      'early success on a CANARY service',
      {
        strategy: 'CANARY',
        earlySuccessCriteria: {
          enable: true,
          healthyPercent: 100,
          sourceServiceRevisionCleanup: 'DEFERRED'
        }
      },
      /only be used with the ROLLING deployment strategy/
    ]
  ])('CreateService with %s, before anything is created', async (_name, config, message) => {
    const current = await service(SERVICE)
    const refused = await sdkError(
      ecs.send(
        new CreateServiceCommand({
          cluster: CLUSTER,
          serviceName: 'babyshield-refused-service',
          taskDefinition: seeded.taskDefinitionArn,
          desiredCount: 2,
          launchType: 'FARGATE',
          ...(current.networkConfiguration
            ? { networkConfiguration: current.networkConfiguration }
            : {}),
          deploymentConfiguration: config
        })
      )
    )

    expect(refused.name).toBe('InvalidParameterException')
    expect(refused.message).toMatch(message)
    const inMoto = await moto.send(
      new DescribeServicesCommand({ cluster: CLUSTER, services: ['babyshield-refused-service'] })
    )
    expect(inMoto.services ?? []).toEqual([])
  })
})
