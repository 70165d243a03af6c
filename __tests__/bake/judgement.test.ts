// The judgement asks the health URL as verification does: each request may take the 10 s the
// README states, whatever poll-seconds is, so a URL that answers 200 in 6 s is healthy in the bake
// as it was when verified.
import { beforeEach, expect, test, vi } from 'vitest'
import { Judgement } from '../../src/bake/judgement.js'
import { askHealth } from '../../src/bake/signals.js'
import { FakeEcs, inputsFor, ROLLOUT, settled, SERVICE } from '../../test/support/scripted-ecs.js'
import { rolloutPolicy } from '../../src/inputs/policy.js'

vi.mock('@actions/core')
vi.mock('../../src/bake/signals.js', async importOriginal => ({
  ...(await importOriginal<typeof import('../../src/bake/signals.js')>()),
  askHealth: vi.fn(() => Promise.resolve([{ answer: { status: 200 }, at: 0 }]))
}))

beforeEach(() => vi.mocked(askHealth).mockClear())

test.each(['5', '1', '30'])('poll-seconds %s: each health request may take 10 s', async poll => {
  const ecs = new FakeEcs(settled(SERVICE))
  const policy = rolloutPolicy(
    inputsFor({
      'poll-seconds': poll,
      'bake-minutes': '5',
      'health-check-url': 'https://api.babyshield.example/healthz'
    })
  )
  const judgement = await Judgement.begin(
    ecs.deps,
    policy,
    [{ move: ROLLOUT, baseline: undefined, since: ecs.clock.now() }],
    { note: () => undefined, baking: () => undefined }
  )
  await judgement.look({
    labels: new Map([[SERVICE, 'bake']]),
    testTraffic: false,
    checkPrimary: false
  })
  expect(vi.mocked(askHealth)).toHaveBeenCalledWith(
    'https://api.babyshield.example/healthz',
    ecs.clock,
    10_000,
    expect.any(Function)
  )
})
