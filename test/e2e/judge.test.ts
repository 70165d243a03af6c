// The judge end to end: the bundled action bakes a release behind the seeded load balancer, reads
// its target group's minutes from moto's CloudWatch (written by the layer) against the ten
// minutes before the deploy, and rolls back a release whose 5xx share jumps after steady. The
// judge needs three whole minutes of the new revision, so each run lasts a few real minutes.
import { beforeEach, describe, expect, test } from 'vitest'
import { stackControl } from './support/aws.js'
import { runAction } from './support/run-action.js'
import { service, waitForSteadyState } from './support/world.js'
import { ACTION_INPUTS, FAMILY, seed, type Seeded } from './seed.js'

/** 100 requests a second: enough for every minute to be judged. */
const RATE = 6000
const RUN_MS = 9 * 60_000

let seeded: Seeded
beforeEach(async () => {
  seeded = await seed({ requestsPerMinute: RATE })
})

describe('the judge on the load balancer’s minutes', () => {
  test(
    'a quiet release: the 5xx share and p99 of its minutes pass against the minutes before the deploy',
    async () => {
      const run = await runAction(
        { ...ACTION_INPUTS, 'bake-minutes': '4.5', 'timeout-minutes': '8' },
        {},
        { timeoutMs: RUN_MS }
      )
      expect(run.exitCode, run.stdout).toBe(0)
      expect(run.stdout).toMatch(
        /: 5xx share [\d.]+ % of [\d,]+ requests against 0\.\d+ % of [\d,]+ requests: /
      )
      expect(run.summary).toMatch(/\| 5xx share \| ✅ passed \| [\d.]+ % of [\d,]+ requests \|/)
      expect(run.summary).toContain('xychart-beta')
    },
    RUN_MS + 60_000
  )

  test(
    '5xx after steady: a tenth of the new revision’s requests answered 5xx, rolled back by the judge',
    async () => {
      await stackControl.nextRollout({ outcome: '5xx-after-steady', afterSteps: 2 })

      const run = await runAction(
        { ...ACTION_INPUTS, 'bake-minutes': '6', 'timeout-minutes': '8' },
        {},
        { timeoutMs: RUN_MS }
      )

      expect(run.exitCode).toBe(1)
      expect(run.outputs['rolled-back']).toBe('true')
      // The step's error is an annotation, whose % the runner's command escapes as %25.
      expect(run.stdout).toMatch(
        new RegExp(
          `The rollout of ${FAMILY}:2 failed: it regressed \\d:\\d\\d into the 6:00 bake: 5xx share \\d+(\\.\\d+)? %(25)? of [\\d,]+ requests against 0\\.\\d+ %(25)? of [\\d,]+ requests: .*above the 1\\.25× allowed and significant .*Rolled back: the service runs ${FAMILY}:1 \\([^)]+\\) again, verified\\.`
        )
      )
      expect(run.summary).toMatch(/\| 5xx share \| ❌ regressed \|/)
      expect((await waitForSteadyState(30_000)).taskDefinition).toBe(seeded.taskDefinitionArn)
      expect((await service()).deployments).toHaveLength(1)
    },
    RUN_MS + 60_000
  )
})
