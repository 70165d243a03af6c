import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  UpdateServiceCommand,
  type Service
} from '@aws-sdk/client-ecs'
import { describe, expect, test } from 'vitest'
import {
  deregisterUnused,
  judgeUpdate,
  startUpdate,
  startedDeployment,
  type Look,
  type ServiceUpdate,
  type UnclearUpdate
} from '../../src/rollout/start.js'
import { arn } from '../../test/support/task-definitions.js'
import { SERVICE, deployment, service } from '../../test/support/ecs-answers.js'
import { mockedDeps } from '../../test/support/fakes.js'

const OLD = arn('babyshield-backend-task', 41)
const NEW = arn('babyshield-backend-task', 42)
const LOST = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })

const onOld = service([deployment('ecs-svc/1', OLD, 'PRIMARY', 'COMPLETED', 2)])
const onNew = service([
  deployment('ecs-svc/2', NEW, 'PRIMARY', 'IN_PROGRESS', 0),
  deployment('ecs-svc/1', OLD, 'ACTIVE', 'COMPLETED', 2)
])
/** Points at the new revision, but its deployment is not listed (yet). */
const pointedNoDeployment = service([], { taskDefinition: NEW })
/** Someone else's deployment took over right after ours. */
const onOther = service([
  deployment('ecs-svc/3', arn('babyshield-backend-task', 43), 'PRIMARY', 'IN_PROGRESS', 0)
])

const lost: UnclearUpdate = { cause: 'lost', error: LOST, accepted: false }
const accepted: UnclearUpdate = { cause: 'no deployment', error: undefined, accepted: true }

describe('startedDeployment', () => {
  test.each<[string, Service, string | undefined]>([
    ['the PRIMARY deployment', onNew, 'ecs-svc/2'],
    ['no deployments', service([]), undefined],
    [
      'a PRIMARY deployment without an id',
      service([{ ...deployment('', NEW, 'PRIMARY', 'IN_PROGRESS', 0), id: undefined }]),
      undefined
    ],
    [
      'only ACTIVE deployments',
      service([deployment('ecs-svc/1', OLD, 'ACTIVE', 'COMPLETED', 2)]),
      undefined
    ]
  ])('%s', (_case, answer, id) => {
    expect(startedDeployment(answer)).toBe(id)
  })
})

describe('judgeUpdate', () => {
  test.each<[string, UnclearUpdate, Look, ServiceUpdate]>([
    [
      'answer lost, the service rolls out the revision: applied',
      lost,
      { service: onNew },
      { kind: 'answer-lost', deploymentId: 'ecs-svc/2', cause: 'lost' }
    ],
    [
      'answer lost, the service still on the old revision: not applied',
      lost,
      { service: onOld },
      { kind: 'not-applied', cause: 'lost', error: LOST }
    ],
    [
      'answer lost, someone else deployed since: not applied by us',
      lost,
      { service: onOther },
      { kind: 'not-applied', cause: 'lost', error: LOST }
    ],
    [
      'answer lost, the service cannot be read: unknown',
      lost,
      { error: 'throttled' },
      { kind: 'unknown', cause: 'lost', why: 'throttled', error: LOST }
    ],
    [
      'answer lost, the service points at the revision without its deployment: unknown',
      lost,
      { service: pointedNoDeployment },
      {
        kind: 'unknown',
        cause: 'lost',
        why: 'the service points at babyshield-backend-task:42 but shows no PRIMARY deployment of it',
        error: LOST
      }
    ],
    [
      'answered without a deployment, found on a second look: applied',
      accepted,
      { service: onNew },
      { kind: 'answer-lost', deploymentId: 'ecs-svc/2', cause: 'no deployment' }
    ],
    [
      'answered without a deployment, another revision rolls out: unknown, never undone',
      accepted,
      { service: onOther },
      {
        kind: 'unknown',
        cause: 'no deployment',
        why: "ECS accepted it, but the service's PRIMARY deployment ecs-svc/3 runs babyshield-backend-task:43",
        error: undefined
      }
    ]
  ])('%s', (_case, update, look, judged) => {
    expect(judgeUpdate(NEW, update, look)).toEqual(judged)
  })
})

describe('startUpdate', () => {
  test('an answered update is applied; the service is not read again', async () => {
    const w = mockedDeps({ digest: '' })
    w.ecsMock.on(UpdateServiceCommand).resolves({ service: onNew })
    await expect(startUpdate(w.deps, SERVICE, NEW)).resolves.toEqual({
      kind: 'applied',
      deploymentId: 'ecs-svc/2'
    })
    expect(w.ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(0)
  })

  test('a lost answer is judged by the service: applied all the same', async () => {
    const w = mockedDeps({ digest: '' })
    w.ecsMock.on(UpdateServiceCommand).rejects(LOST)
    w.ecsMock.on(DescribeServicesCommand).resolves({ services: [onNew] })
    await expect(startUpdate(w.deps, SERVICE, NEW)).resolves.toEqual({
      kind: 'answer-lost',
      deploymentId: 'ecs-svc/2',
      cause: `Could not update ECS service ${SERVICE} to ${NEW}: TimeoutError: socket hang up`
    })
  })

  test('a lost answer on a service that did not move: not applied', async () => {
    const w = mockedDeps({ digest: '' })
    w.ecsMock.on(UpdateServiceCommand).rejects(LOST)
    w.ecsMock.on(DescribeServicesCommand).resolves({ services: [onOld] })
    const update = await startUpdate(w.deps, SERVICE, NEW)
    expect(update.kind).toBe('not-applied')
  })

  test('a lost answer and an unreadable service: unknown, with both causes', async () => {
    const w = mockedDeps({ digest: '' })
    w.ecsMock.on(UpdateServiceCommand).rejects(LOST)
    w.ecsMock.on(DescribeServicesCommand).rejects(LOST)
    await expect(startUpdate(w.deps, SERVICE, NEW)).resolves.toMatchObject({
      kind: 'unknown',
      cause: `Could not update ECS service ${SERVICE} to ${NEW}: TimeoutError: socket hang up`,
      why: `Could not describe ECS service ${SERVICE} in cluster babyshield-cluster: TimeoutError: socket hang up`
    })
  })

  test('an answer without a PRIMARY deployment is looked up on the service', async () => {
    const w = mockedDeps({ digest: '' })
    w.ecsMock.on(UpdateServiceCommand).resolves({ service: service([]) })
    w.ecsMock.on(DescribeServicesCommand).resolves({ services: [onNew] })
    await expect(startUpdate(w.deps, SERVICE, NEW)).resolves.toEqual({
      kind: 'answer-lost',
      deploymentId: 'ecs-svc/2',
      cause: `ECS answered the update of ${SERVICE} without a PRIMARY deployment`
    })
  })
})

describe('deregisterUnused', () => {
  test('says the revision was deregistered', async () => {
    const w = mockedDeps({ digest: '' })
    w.ecsMock.on(DeregisterTaskDefinitionCommand).resolves({})
    await expect(deregisterUnused(w.deps, NEW)).resolves.toBe(
      'revision babyshield-backend-task:42 was deregistered'
    )
  })

  test('says why it could not be, without throwing', async () => {
    const w = mockedDeps({ digest: '' })
    w.ecsMock.on(DeregisterTaskDefinitionCommand).rejects(LOST)
    await expect(deregisterUnused(w.deps, NEW)).resolves.toBe(
      `revision babyshield-backend-task:42 could not be deregistered (Could not deregister task definition ${NEW}: TimeoutError: socket hang up)`
    )
  })
})
