// The thin ECS calls that read a whole cluster: its services and its tasks, every page.
import { ListServicesCommand, ListTasksCommand } from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test } from 'vitest'
import { mockedDeps } from '../../test/support/fakes.js'

let world: ReturnType<typeof mockedDeps>
beforeEach(() => {
  world = mockedDeps({ digest: `sha256:${'1'.repeat(64)}` })
})

describe('Ecs', () => {
  test('serviceArns: every page of the cluster', async () => {
    world.ecsMock
      .on(ListServicesCommand)
      .resolvesOnce({ serviceArns: ['a', 'b'], nextToken: 'n' })
      .resolvesOnce({ serviceArns: ['c'] })
    expect(await world.deps.ecs.serviceArns()).toEqual(['a', 'b', 'c'])
    expect(world.ecsMock.commandCalls(ListServicesCommand).map(c => c.args[0].input)).toEqual([
      { cluster: 'babyshield-cluster', maxResults: 100 },
      { cluster: 'babyshield-cluster', maxResults: 100, nextToken: 'n' }
    ])
  })

  test("clusterTaskArns: the whole cluster's tasks, no service named; taskArns names it", async () => {
    world.ecsMock
      .on(ListTasksCommand)
      .resolvesOnce({ taskArns: ['t1'], nextToken: 'n' })
      .resolves({ taskArns: ['t2'] })
    expect(await world.deps.ecs.clusterTaskArns('RUNNING')).toEqual(['t1', 't2'])
    expect(await world.deps.ecs.taskArns('api', 'STOPPED')).toEqual(['t2'])
    expect(world.ecsMock.commandCalls(ListTasksCommand).map(c => c.args[0].input)).toEqual([
      { cluster: 'babyshield-cluster', desiredStatus: 'RUNNING' },
      { cluster: 'babyshield-cluster', desiredStatus: 'RUNNING', nextToken: 'n' },
      { cluster: 'babyshield-cluster', serviceName: 'api', desiredStatus: 'STOPPED' }
    ])
  })
})
