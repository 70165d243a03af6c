// Rollouts that succeed: quickly, slowly, and through throttled polls.
import { rolloutPolicy } from '../../src/inputs/policy.js'
import * as core from '@actions/core'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import {
  FakeEcs,
  freshResult,
  inputsFor,
  rollingUpdate,
  ROLLOUT,
  superviseRollout
} from '../../test/support/scripted-ecs.js'

vi.mock('@actions/core')

beforeEach(() => {
  vi.mocked(core.info).mockClear()
  vi.mocked(core.warning).mockClear()
})

describe('a rollout that succeeds', () => {
  test('is done on the first poll that sees it completed, after one line per change', async () => {
    const ecs = new FakeEcs({ script: rollingUpdate(30) })
    const result = freshResult()

    await superviseRollout(
      ecs.deps,
      rolloutPolicy(inputsFor({ 'poll-seconds': '5' })),
      result,
      ROLLOUT
    )

    expect(ecs.clock.seconds).toBe(30)
    expect(ecs.clock.sleeps.every(ms => ms === 5000)).toBe(true)
    // Seven watch polls (0, 5, … 30 s) and the one verification reads.
    expect(ecs.calls('DescribeServices')).toBe(7 + 1)
    expect(ecs.stoppedLooks()).toBe(0)
    expect(result.timeline.map(e => e.message)).toEqual([
      'rollout 0/2 running, 2 pending, 0 failed, IN_PROGRESS; 1 other deployment, 2 running',
      'rollout 1/2 running, 1 pending, 0 failed, IN_PROGRESS; 1 other deployment, 2 running',
      'rollout 2/2 running, 0 pending, 0 failed, IN_PROGRESS; 1 other deployment, 1 running',
      'rollout 2/2 running, 0 pending, 0 failed, COMPLETED'
    ])
    expect(result.verified).toBe(true)
    expect(result.rolledBack).toBe(false)
  })

  test('a slow start (image pull for minutes) is waited for, not judged', async () => {
    const ecs = new FakeEcs({
      script: [
        ...rollingUpdate(6 * 60).filter(s => s.at !== 180),
        { at: 1, events: ['(service babyshield-backend-service) was unable to place a task.'] }
      ]
    })
    const result = freshResult()

    await superviseRollout(
      ecs.deps,
      rolloutPolicy(inputsFor({ 'timeout-minutes': '15' })),
      result,
      ROLLOUT
    )

    expect(ecs.clock.seconds).toBe(360)
    expect(ecs.calls('DescribeServices')).toBe(360 / 5 + 1 + 1)
    expect(ecs.calls('UpdateService')).toBe(0)
    expect(result.timeline).toHaveLength(3)
    expect(result.verified).toBe(true)
  })

  test('throttled polls are counted and waited out, and the rollout still completes', async () => {
    const ecs = new FakeEcs({
      script: [...rollingUpdate(60), { at: 10, throttled: true }, { at: 40, throttled: false }]
    })
    const result = freshResult()

    await superviseRollout(ecs.deps, rolloutPolicy(inputsFor()), result, ROLLOUT)

    expect(ecs.clock.seconds).toBe(60)
    // Polls at 10, 15, … 35 s were throttled: six of thirteen.
    expect(vi.mocked(core.warning)).toHaveBeenCalledWith(
      expect.stringContaining('6 of 13 polls of babyshield-backend-service were throttled')
    )
    const throttledLines = vi
      .mocked(core.info)
      .mock.calls.map(([line]) => line)
      .filter(line => line.startsWith('rollout poll throttled by ECS'))
    expect(throttledLines).toHaveLength(6)
    expect(result.verified).toBe(true)
  })
})
