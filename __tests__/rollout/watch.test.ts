import type { Service } from '@aws-sdk/client-ecs'
import { describe, expect, test, vi } from 'vitest'
import { AwsError } from '../../src/aws/clients.js'
import type { Ecs } from '../../src/aws/ecs.js'
import type { Move } from '../../src/model/move.js'
import { clockTime, watchRollouts, type WatchOptions } from '../../src/rollout/watch.js'
import { T0, REV, dep, svc } from '../../test/support/rollout-shapes.js'

vi.mock('@actions/core')

test('clockTime is minutes:seconds', () => {
  expect([0, 5_000, 65_000, 725_999].map(clockTime)).toEqual(['0:00', '0:05', '1:05', '12:05'])
})

describe('watchRollouts', () => {
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
  const move: Move = {
    service: 's',
    containerName: 'app',
    from: { taskDefinitionArn: REV(12) },
    to: { taskDefinitionArn: REV(13) },
    strategy: 'ROLLING',
    deploymentId: 'ecs-svc/new'
  }
  const options: WatchOptions = {
    timeoutMs: 60_000,
    pollMs: 5_000,
    until: 'all-finished',
    many: false,
    journal: { note: () => undefined }
  }
  /** Watches the one move out; the journal's lines go to `timeline`, stamped by the world's clock. */
  async function watchRollout(
    world: ReturnType<typeof fakeDeps>,
    overrides: Partial<WatchOptions> = {},
    timeline: { at: string; message: string }[] = []
  ) {
    const journal = {
      note: (_service: string, message: string) => {
        timeline.push({ at: new Date(world.deps.clock.now()).toISOString(), message })
      }
    }
    const [watched] = await watchRollouts(world.deps, [{ move, way: 'out' }], {
      ...options,
      journal,
      ...overrides
    })
    if (!watched) throw new Error('nothing was watched')
    return watched
  }

  test('polls at a steady pollMs and never sleeps past the timeout', async () => {
    const world = fakeDeps([svc([dep('ecs-svc/new', 'PRIMARY', 13, 'IN_PROGRESS')])])
    const watched = await watchRollout(world, { timeoutMs: 12_000 })
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
    await expect(watchRollout(world)).rejects.toBe(denied)
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
    const watched = await watchRollout(world, {}, timeline)
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
