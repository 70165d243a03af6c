// The scripted ECS's own seams that the rollout benchmark leans on: a story replayed on the same
// fake, and a story read on another clock than the fake's.
import { expect, test } from 'vitest'
import { T0 } from '../../test/support/constants.js'
import {
  FakeEcs,
  OUR_DEPLOYMENT,
  rollingUpdate,
  SERVICE,
  settled
} from '../../test/support/scripted-ecs.js'

const primary = async (ecs: FakeEcs) => {
  const [service] = await ecs.deps.ecs.services([SERVICE])
  return service?.deployments?.map(d => `${d.id} ${d.rolloutState} ${d.runningCount}`)
}

test('replay starts again with another story: its clock at 0, every call forgotten', async () => {
  const ecs = new FakeEcs(settled(SERVICE))
  await ecs.deps.clock.sleep(40_000)
  await ecs.deps.ecs.services([SERVICE])
  ecs.updatedAt.push(12)
  ecs.extraLogs.task = ['line']

  ecs.replay({ script: rollingUpdate(30) })

  expect(ecs.clock.seconds).toBe(0)
  expect(ecs.calls('DescribeServices')).toBe(0)
  expect(ecs.updatedAt).toEqual([])
  expect(ecs.extraLogs).toEqual({})
  expect(await primary(ecs)).toEqual(['ecs-svc/new IN_PROGRESS 0', 'ecs-svc/old COMPLETED 2'])
  await ecs.deps.clock.sleep(30_000)
  expect(await primary(ecs)).toEqual([`${OUR_DEPLOYMENT} COMPLETED 2`])
  expect(ecs.calls('DescribeServices')).toBe(2)
})

test('a story read on another clock follows it, not the fake clock', async () => {
  let now = T0
  const ecs = new FakeEcs({ script: rollingUpdate(30) }, { time: () => now })
  await ecs.deps.clock.sleep(60_000)
  expect(await primary(ecs)).toEqual(['ecs-svc/new IN_PROGRESS 0', 'ecs-svc/old COMPLETED 2'])
  now = T0 + 30_000
  expect(await primary(ecs)).toEqual(['ecs-svc/new COMPLETED 2'])
})
