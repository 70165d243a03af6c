// After ECS calls the rollout done: the bake watches the new revision for bake-minutes more and
// puts the last good one back when it regresses: a burst of errors in the new tasks, a health URL
// that turns 5xx, a new task that stops. The old revision's own errors are not the release's.
import * as core from '@actions/core'
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { deploy } from '../../src/modes/deploy.js'
import { renderSummary } from '../../src/report/summary.js'
import {
  completesAfter,
  digestOf,
  FakeEcs,
  freshRun,
  inputsFor,
  only,
  rev,
  revOf,
  SERVICE,
  settled,
  withImageInEcr,
  type Story,
  type TimedLog
} from '../../test/support/scripted-ecs.js'

vi.mock('@actions/core')

const OLD_TASK = `${SERVICE}-old-0`
/** The tasks of the rollout the deploy starts (UpdateService 1). */
const NEW_TASKS = ['update-1-0', 'update-1-1']
const HEALTH_URL = 'https://api.babyshield.example/healthz'

/** The old revision logs 4 ERROR lines in the 10 minutes before the deploy: 0.2 a task a minute. */
const OLD_ERRORS: TimedLog[] = [-500, -400, -200, -100].map(at => ({
  at,
  task: OLD_TASK,
  message: `ERROR upstream timeout (recalls feed) at ${at}`
}))

function world(timedLogs: TimedLog[] = OLD_ERRORS, extra: Partial<Story> = {}) {
  return withImageInEcr(new FakeEcs(settled(SERVICE, { timedLogs, ...extra })))
}

/** Seconds after the start at which the new tasks log these lines (the update is at 0). */
const newLines = (
  at: number,
  count: number,
  message = 'ERROR KeyError: recall_severity'
): TimedLog[] =>
  Array.from({ length: count }, (_, i) => ({
    at,
    task: NEW_TASKS[i % 2] ?? '',
    message: `${message} #${i + 1}`
  }))

function bakeInputs(values: Record<string, string> = {}) {
  return {
    inputs: inputsFor({ image: digestOf(13), 'bake-minutes': '5', ...values }),
    result: freshRun()
  }
}

const printed = (): string[] => vi.mocked(core.info).mock.calls.map(c => String(c[0]))

/** The health URL answers 200, or what `status` says for the fake clock's second. */
function healthAnswers(ecs: FakeEcs, status: (second: number) => number) {
  const asked: number[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(() => {
      asked.push(ecs.clock.seconds)
      return Promise.resolve(new Response(null, { status: status(ecs.clock.seconds) }))
    })
  )
  return asked
}

beforeEach(() => {
  vi.mocked(core.info).mockClear()
  vi.mocked(core.error).mockClear()
  vi.mocked(core.warning).mockClear()
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('a bake that passes', () => {
  test('quiet: five minutes watched after the rollout, the errors counted against the old rate, then success', async () => {
    const ecs = world([...OLD_ERRORS, ...newLines(100, 1)])
    const { inputs, result } = bakeInputs()

    await deploy(inputs, ecs.deps, result)

    expect(result.status).toBe('succeeded')
    expect(ecs.updatedTo()).toEqual([rev(13)])
    const service = only(result)
    expect(service.verified).toBe(true)
    expect(service.bake).toMatchObject({
      status: 'passed',
      bakeMs: 300_000,
      errors: { counted: true, lines: 1, before: { lines: 4, tasks: 2, minutes: 10 } },
      failedTasks: 0
    })
    // The bake began once the rollout completed (20 s) and lasted five minutes.
    expect(ecs.clock.seconds).toBeGreaterThanOrEqual(320)
    expect(ecs.clock.seconds).toBeLessThan(330)
    expect(service.checks.find(c => c.name === 'bake')).toMatchObject({ status: 'pass' })
    expect(service.checks.find(c => c.name === 'bake')?.detail).toMatch(
      /^watched 5:00 in \d+ polls: 1 error line in the new tasks over [\d.]+ task-minutes \([\d.]+\/task\/min; before the deploy 0\.2\/task\/min in 2 tasks of babyshield-backend-task:12\), no new task stopped$/
    )
    expect(printed()).toContain(
      'bake 0:00 of 5:00: 0 error lines in new tasks (before 0.2/task/min)'
    )
    // A line every 30 s and when a count changes, not one a poll (61 polls).
    const lines = printed().filter(l => l.startsWith('bake '))
    expect(lines.length).toBeGreaterThan(10)
    expect(lines.length).toBeLessThan(15)
    expect(printed()).toContain(
      'bake 5:00 of 5:00: 1 error line in new tasks (before 0.2/task/min)'
    )
    expect(renderSummary(result)).toContain('### Bake')
  })

  test('the old revision’s errors, however many, are not the new release’s', async () => {
    const oldBurst: TimedLog[] = Array.from({ length: 40 }, (_, i) => ({
      at: -300 + i,
      task: OLD_TASK,
      message: `ERROR database pool exhausted #${i}`
    }))
    // The old task keeps logging while it drains, during the rollout.
    const draining: TimedLog[] = [5, 10, 15].map(at => ({
      at,
      task: OLD_TASK,
      message: 'ERROR shutting down'
    }))
    const ecs = world([...oldBurst, ...draining])
    const { inputs, result } = bakeInputs()
    await deploy(inputs, ecs.deps, result)
    expect(result.status).toBe('succeeded')
    expect(only(result).bake?.errors.lines).toBe(0)
  })

  test('a health blip that answers 2xx again is tolerated', async () => {
    const ecs = world()
    // One 503, the first request from 100 s on; 200 before and after.
    let blipped = false
    const asked = healthAnswers(ecs, second => {
      if (second < 100 || blipped) return 200
      blipped = true
      return 503
    })
    const { inputs, result } = bakeInputs({ 'health-check-url': HEALTH_URL })
    await deploy(inputs, ecs.deps, result)
    expect(result.status).toBe('succeeded')
    const health = only(result).bake?.health
    // Every request but the verification's one, before the bake, is the bake's.
    expect(health?.asked).toBe(asked.length - 1)
    expect((health?.asked ?? 0) - (health?.ok ?? 0)).toBe(1)
    expect(health?.bad).toEqual([expect.stringMatching(/^12:01:4\d 503$/)])
  })
})

describe('a bake that finds a regression rolls back, verified', () => {
  test('an error burst in the new tasks: decided within a poll of the lines, back on revision 12', async () => {
    const ecs = world([...OLD_ERRORS, ...newLines(120, 12)])
    const { inputs, result } = bakeInputs()

    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)

    const message = (error as Error).message
    expect(message).toMatch(
      /^The rollout of babyshield-backend-task:13 failed: it regressed 1:4\d into the 5:00 bake: the new tasks logged 12 error lines \([\d.]+\/task\/min; 0\.2\/task\/min before the deploy in 2 tasks of babyshield-backend-task:12; the limit is 3× that, and at least 5 lines\); the last: ERROR KeyError: recall_severity #10 \| ERROR KeyError: recall_severity #11 \| ERROR KeyError: recall_severity #12\. Rolled back: the service runs babyshield-backend-task:12 \(.*@sha256:0+12\) again, verified\.$/
    )
    expect(ecs.updatedTo()).toEqual([rev(13), rev(12)])
    // The update was at 0 s, the lines readable at 120 s: the rollback started within one poll.
    const rolledBackAt = ecs.updatedAt[1] ?? 0
    expect(rolledBackAt).toBeGreaterThanOrEqual(120)
    expect(rolledBackAt).toBeLessThanOrEqual(125)
    const service = only(result)
    expect(service).toMatchObject({ rolledBack: true, verified: false, taskDefinitionArn: rev(12) })
    expect(service.bake).toMatchObject({ status: 'regressed', errors: { lines: 12 } })
    // One annotation, as for any failed rollout.
    expect(vi.mocked(core.error).mock.calls.map(c => c[1])).toEqual([
      { title: 'Rollout of babyshield-backend-task:13 failed' }
    ])
  })

  test('below bake-error-min the new tasks pass, however high their rate', async () => {
    const ecs = world([...newLines(120, 4)])
    const { inputs, result } = bakeInputs()
    await deploy(inputs, ecs.deps, result)
    expect(result.status).toBe('succeeded')
  })

  test('the health URL turns 503: three bad answers a second apart, then the rollback', async () => {
    const ecs = world()
    healthAnswers(ecs, second => (second >= 150 ? 503 : 200))
    const { inputs, result } = bakeInputs({ 'health-check-url': HEALTH_URL })

    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)

    const message = (error as Error).message
    expect(message).toMatch(
      new RegExp(
        `^The rollout of babyshield-backend-task:13 failed: it regressed 2:1\\d into the 5:00 bake: GET ${HEALTH_URL.replaceAll('.', '\\.')} did not answer 2xx 3 times in a row \\(12:02:3\\d 503, 12:02:3\\d 503, 12:02:3\\d 503\\)\\.`
      )
    )
    expect(ecs.updatedTo()).toEqual([rev(13), rev(12)])
    // First bad answer at 150–155 s; confirmed 2 s later; the rollback follows at once.
    expect(ecs.updatedAt[1]).toBeGreaterThanOrEqual(152)
    expect(ecs.updatedAt[1]).toBeLessThanOrEqual(158)
  })

  test('a new task stops during the bake: rolled back, the task and its lines shown', async () => {
    const id = 'ecs-svc/update-1'
    const ecs = world(OLD_ERRORS, {
      afterUpdate: (revision, deploymentId) => {
        if (revision !== 13) return completesAfter(20)(revision, deploymentId)
        return [
          ...completesAfter(20)(revision, deploymentId),
          {
            at: 90,
            deployments: [{ id, revision: 13, running: 1, state: 'COMPLETED' }],
            stopped: [
              {
                id: 'update-1-1',
                deploymentId: id,
                revision: 13,
                exitCode: 137,
                containerReason: 'OutOfMemoryError: Container killed due to memory usage',
                ranFor: 80
              }
            ]
          }
        ]
      },
      logs: { 'update-1-1': ['INFO  loading recall index', 'Killed'] }
    })
    const { inputs, result } = bakeInputs()

    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)

    expect((error as Error).message).toMatch(
      /^The rollout of babyshield-backend-task:13 failed: it regressed 1:1\d into the 5:00 bake: task update-1-1 of the new revision stopped: Essential container in task exited \(app: exit 137, OutOfMemoryError: Container killed due to memory usage\)\. Rolled back: /
    )
    expect(ecs.updatedTo()).toEqual([rev(13), rev(12)])
    expect(only(result).stoppedTasks[0]?.logLines).toEqual(['INFO  loading recall index', 'Killed'])
  })

  test('a noisy neighbour under the same stream prefix does not raise the old rate', async () => {
    // Another service logs as ecs/app/<task> too: 600 ERROR lines in the ten minutes before.
    const neighbour: TimedLog[] = Array.from({ length: 600 }, (_, i) => ({
      at: -590 + i,
      task: 'internal-api-7f3',
      message: `ERROR upstream refused #${i}`
    }))
    const ecs = world([...OLD_ERRORS, ...neighbour, ...newLines(60, 116)])
    const { inputs, result } = bakeInputs()
    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(
      /the new tasks logged 116 error lines \([\d.]+\/task\/min; 0\.2\/task\/min before the deploy in 2 tasks of babyshield-backend-task:12;/
    )
    expect(ecs.updatedTo()).toEqual([rev(13), rev(12)])
    expect(only(result).bake?.errors.before).toMatchObject({ lines: 4, tasks: 2 })
  })

  test('the ratio decides above bake-error-min: 60 lines late in the bake, about 3× the old rate, pass at ratio 4 and fail at ratio 2', async () => {
    // 40 lines before the deploy: 2 a task a minute.
    const busy: TimedLog[] = Array.from({ length: 40 }, (_, i) => ({
      at: -500 + i * 10,
      task: OLD_TASK,
      message: `ERROR upstream timeout #${i}`
    }))
    const quiet = world([...busy, ...newLines(290, 60)])
    const passing = bakeInputs({ 'bake-error-ratio': '4' })
    await deploy(passing.inputs, quiet.deps, passing.result)
    expect(passing.result.status).toBe('succeeded')

    const strict = world([...busy, ...newLines(290, 60)])
    const failing = bakeInputs({ 'bake-error-ratio': '2' })
    const error = await deploy(failing.inputs, strict.deps, failing.result).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(
      /the new tasks logged 60 error lines \([\d.]+\/task\/min; 2\/task\/min before the deploy in 2 tasks of babyshield-backend-task:12; the limit is 2× that, and at least 5 lines\)/
    )
  })

  test('a few lines where the old revision had none are not significant: 5 lines late in a quiet bake pass', async () => {
    // About 9.6 task-minutes of 29.6: all 5 lines new has p = 0.32^5 = 0.004, above 0.002.
    const ecs = world([...newLines(290, 5)])
    const { inputs, result } = bakeInputs()
    await deploy(inputs, ecs.deps, result)
    expect(result.status).toBe('succeeded')
  })

  test('another deployment replaces ours during the bake: the step fails, saying by whom, and leaves it', async () => {
    const ecs = world(OLD_ERRORS, {
      afterUpdate: (revision, id) => [
        ...completesAfter(20)(revision, id),
        {
          at: 120,
          deployments: [
            { id: 'ecs-svc/someone-else', revision: 14, pending: 2, state: 'IN_PROGRESS' },
            { id, revision: 13, status: 'ACTIVE', running: 2, state: 'COMPLETED' }
          ]
        }
      ]
    })
    const { inputs, result } = bakeInputs()
    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(
      /^The rollout of babyshield-backend-task:13 did not finish: deployment ecs-svc\/update-1 was replaced during the bake by deployment ecs-svc\/someone-else \(babyshield-backend-task:14\), which this step did not start, 1:4\d into the 5:00 bake\. This step does not roll back over another deployment: the service now rolls out babyshield-backend-task:14 \(deployment ecs-svc\/someone-else\)\.$/
    )
    expect(ecs.updatedTo()).toEqual([rev(13)])
    expect(only(result)).toMatchObject({ taskDefinitionArn: rev(14), verified: false })
  })

  test('rollback-on-failure false: the regression fails the step and the service stays', async () => {
    const ecs = world([...newLines(60, 8)])
    const { inputs, result } = bakeInputs({ 'rollback-on-failure': 'false' })
    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)
    expect((error as Error).message).toContain('rollback-on-failure is false')
    expect(ecs.updatedTo()).toEqual([rev(13)])
  })
})

describe('before anything changes', () => {
  test('a pattern CloudWatch refuses fails the step before the revision is registered', async () => {
    const ecs = world()
    // Balanced, so the input check lets it through; CloudWatch refuses it.
    const pattern = '{ $.level = }'
    ecs.logsMock.on(FilterLogEventsCommand, { filterPattern: pattern }).rejects(
      Object.assign(new Error('Invalid character(s) in term'), {
        name: 'InvalidParameterException',
        $fault: 'client'
      })
    )
    const { inputs, result } = bakeInputs({ 'bake-error-patterns': pattern })
    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(
      /^bake-error-patterns is not accepted by CloudWatch Logs \(.*Invalid character\(s\) in term\): give filter patterns it takes.*Nothing was deployed; the service still runs babyshield-backend-task:12\.$/
    )
    expect(ecs.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
    expect(ecs.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0)
  })
})

describe('several services bake together', () => {
  test('the worker’s errors take both back; the web service’s bake stops with it', async () => {
    const WEB = 'babyshield-web'
    const WORKER = 'babyshield-worker'
    const burst: TimedLog[] = Array.from({ length: 10 }, (_, i) => ({
      at: 60,
      task: `${WORKER}-update-1-${i % 2}`,
      message: `ERROR KeyError: QUEUE_URL #${i}`
    }))
    const ecs = withImageInEcr(
      new FakeEcs({ [WEB]: settled(WEB), [WORKER]: settled(WORKER, { timedLogs: burst }) })
    )
    const inputs = inputsFor({
      image: digestOf(13),
      service: `${WEB},${WORKER}`,
      'bake-minutes': '5'
    })
    const result = freshRun([WEB, WORKER])

    const error = await deploy(inputs, ecs.deps, result).catch((e: unknown) => e)

    const message = (error as Error).message
    expect(message).toMatch(
      /^ECS service babyshield-worker: The rollout of babyshield-worker-task:13 failed: it regressed 0:[34]\d into the 5:00 bake: the new tasks logged 10 error lines/
    )
    expect(ecs.updatedTo(WEB)).toEqual([revOf(WEB, 13), revOf(WEB, 12)])
    expect(ecs.updatedTo(WORKER)).toEqual([revOf(WORKER, 13), revOf(WORKER, 12)])
    expect(result.services.map(s => s.bake?.status)).toEqual(['stopped', 'regressed'])
    expect(printed().some(l => l.startsWith('bake babyshield-worker 0:'))).toBe(true)
  })

  test('dry run says what the bake would watch, and bakes nothing', async () => {
    const ecs = world()
    const { inputs, result } = bakeInputs({ 'dry-run': 'true', 'health-check-url': HEALTH_URL })
    await deploy(inputs, ecs.deps, result)
    expect(printed()).toContain(
      `dry-run: after the rollout, would bake 5:00: the new tasks must keep running, their lines matching ERROR stay under 3× the rate before the deploy (and 5 lines), and ${HEALTH_URL} answer 2xx.`
    )
    expect(ecs.logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(0)
  })
})
