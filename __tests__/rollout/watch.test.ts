import type { Service } from '@aws-sdk/client-ecs'
import { describe, expect, test, vi } from 'vitest'
import { AwsError } from '../../src/aws/clients.js'
import type { Ecs } from '../../src/aws/ecs.js'
import { clockTime, watchRollout } from '../../src/rollout/watch.js'
import { T0, REV, dep, svc } from '../helpers/rollout-shapes.js'

vi.mock('@actions/core')

test('clockTime is minutes:seconds', () => {
  expect([0, 5_000, 65_000, 725_999].map(clockTime)).toEqual(['0:00', '0:05', '1:05', '12:05'])
})

describe('watchRollout', () => {
  function fakeDeps(answers: (Service | Error)[]) {
    let t = T0
    const sleeps: number[] = []
    const service = vi.fn(() => {
      const next = answers.length > 1 ? answers.shift() : answers[0]
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next ?? svc([]))
    })
    return {
      deps: {
        ecs: {
          service,
          services: (names: string[]) => Promise.all(names.map(() => service()))
        } as unknown as Ecs,
        clock: {
          now: () => t,
          sleep: (ms: number) => {
            sleeps.push(ms)
            t += ms
            return Promise.resolve()
          }
        }
      },
      sleeps,
      elapsed: () => t - T0,
      service
    }
  }
  const request = {
    service: 's',
    deploymentId: 'ecs-svc/new',
    revision: REV(13),
    previousRevision: REV(12),
    timeoutMs: 60_000,
    pollMs: 5_000,
    label: 'rollout'
  }

  test('polls at a steady pollMs and never sleeps past the timeout', async () => {
    const world = fakeDeps([svc([dep('ecs-svc/new', 'PRIMARY', 13, 'IN_PROGRESS')])])
    const watched = await watchRollout(world.deps, { ...request, timeoutMs: 12_000 }, [])
    expect(watched.outcome.kind).toBe('timeout')
    expect(world.sleeps).toEqual([5_000, 5_000, 2_000])
    expect(world.elapsed()).toBe(12_000)
    expect(watched.polls).toBe(4)
  })

  test('an error that is not throttling or an outage ends the watch at once', async () => {
    const denied = new AwsError(
      'Could not describe ECS service s in cluster c',
      Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' })
    )
    const world = fakeDeps([denied])
    await expect(watchRollout(world.deps, request, [])).rejects.toBe(denied)
    expect(world.service).toHaveBeenCalledTimes(1)
  })

  test('a line is written only when the progress changes', async () => {
    const rolling = svc([dep('ecs-svc/new', 'PRIMARY', 13, 'IN_PROGRESS', { pending: 2 })])
    const world = fakeDeps([
      rolling,
      rolling,
      rolling,
      svc([dep('ecs-svc/new', 'PRIMARY', 13, 'COMPLETED', { running: 2 })])
    ])
    const timeline: { at: string; message: string }[] = []
    const watched = await watchRollout(world.deps, request, timeline)
    expect(watched.outcome).toEqual({ kind: 'completed' })
    expect(timeline).toEqual([
      {
        at: '2026-11-26T12:00:00.000Z',
        message: 'rollout 0/2 running, 2 pending, 0 failed, IN_PROGRESS'
      },
      {
        at: '2026-11-26T12:00:15.000Z',
        message: 'rollout 2/2 running, 0 pending, 0 failed, COMPLETED'
      }
    ])
  })
})
