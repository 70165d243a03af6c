// Deploys that meet AWS faults the SDK's retries could not carry: the step must say what the
// service runs. UpdateService in particular can be applied while its answer is lost (a dropped
// connection on the last attempt), so the deploy looks at the service before undoing anything.
import { DescribeImagesCommand } from '@aws-sdk/client-ecr'
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  UpdateServiceCommand
} from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { parseInputs } from '../../src/inputs.js'
import { deploy } from '../../src/modes/deploy.js'
import { newResult } from '../../src/result.js'
import { NEW_DIGEST } from '../fixtures/task-definitions.js'
import { DEPLOY_INPUTS, NEW, OLD, deployWorld } from '../helpers/deploy-world.js'
import { deployment, service } from '../helpers/ecs-answers.js'

const LOST = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })

beforeEach(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
})

/** A deploy of an image in ECR whose UpdateService fails; `applied`: ECS made the change anyway. */
function world(applied: boolean) {
  const w = deployWorld()
  w.ecrMock
    .on(DescribeImagesCommand, { imageIds: [{ imageDigest: NEW_DIGEST }] })
    .resolves({ imageDetails: [{ imageDigest: NEW_DIGEST, imageTags: ['v7'] }] })
  w.ecsMock.on(UpdateServiceCommand).rejects(LOST)
  w.ecsMock.on(DescribeServicesCommand).callsFake(() => {
    const updated = applied && w.ecsMock.commandCalls(UpdateServiceCommand).length > 0
    return {
      services: [
        service([
          updated
            ? deployment('ecs-svc/2', NEW, 'PRIMARY', 'COMPLETED', 2)
            : deployment('ecs-svc/1', OLD, 'PRIMARY', 'COMPLETED', 2)
        ])
      ]
    }
  })
  const inputs = parseInputs(name => ({ ...DEPLOY_INPUTS, image: NEW_DIGEST })[name] ?? '')
  const result = newResult(
    'deploy',
    { region: 'eu-north-1', cluster: inputs.cluster, service: inputs.service },
    { commit: '', actor: '', repository: '', runUrl: '', notes: '' }
  )
  return { ...w, inputs, result }
}

describe('an UpdateService whose answer is lost', () => {
  test('applied all the same: the deploy watches that deployment and keeps the revision', async () => {
    const w = world(true)
    await deploy(w.inputs, w.deps, w.result)
    expect(w.result).toMatchObject({
      status: 'succeeded',
      taskDefinitionArn: NEW,
      previousTaskDefinitionArn: OLD,
      verified: true
    })
    expect(w.ecsMock.commandCalls(DeregisterTaskDefinitionCommand)).toHaveLength(0)
    const log = vi
      .mocked(process.stdout.write)
      .mock.calls.map(c => String(c[0]))
      .join('')
    expect(log).toContain(
      '::warning::Could not update ECS service babyshield-backend-service to ' +
        `${NEW}: TimeoutError: socket hang up. ECS applied the update all the same: deployment ecs-svc/2 rolls out babyshield-backend-task:42; watching it.`
    )
  })

  test('not applied: the new revision is deregistered and the service is said to be unchanged', async () => {
    const w = world(false)
    await expect(deploy(w.inputs, w.deps, w.result)).rejects.toThrow(
      'TimeoutError: socket hang up. The service still runs babyshield-backend-task:41; revision babyshield-backend-task:42 was deregistered.'
    )
    expect(w.ecsMock.commandCalls(DeregisterTaskDefinitionCommand)).toHaveLength(1)
  })

  test('the service cannot be read either: nothing is undone and the step says it cannot tell', async () => {
    const w = world(false)
    w.ecsMock
      .on(DescribeServicesCommand)
      .resolvesOnce({
        services: [service([deployment('ecs-svc/1', OLD, 'PRIMARY', 'COMPLETED', 2)])]
      })
      .resolvesOnce({
        services: [service([deployment('ecs-svc/1', OLD, 'PRIMARY', 'COMPLETED', 2)])]
      })
      .rejects(LOST)
    await expect(deploy(w.inputs, w.deps, w.result)).rejects.toThrow(
      'TimeoutError: socket hang up. Could not tell whether ECS applied the update (Could not describe ECS service babyshield-backend-service in cluster babyshield-cluster: TimeoutError: socket hang up): the service ran babyshield-backend-task:41 before this step and may be moving to babyshield-backend-task:42, which was left registered.'
    )
    expect(w.ecsMock.commandCalls(DeregisterTaskDefinitionCommand)).toHaveLength(0)
  })
})

test('a failure after the service was read still reports the revision it runs', async () => {
  const w = world(false)
  w.ecrMock
    .on(DescribeImagesCommand, { imageIds: [{ imageDigest: NEW_DIGEST }] })
    .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
  await expect(deploy(w.inputs, w.deps, w.result)).rejects.toThrow(
    `Could not look up image ${NEW_DIGEST} in ECR repository babyshield-backend: ThrottlingException: Rate exceeded`
  )
  expect(w.result.previousTaskDefinitionArn).toBe(OLD)
  expect(w.result.taskDefinitionArn).toBeUndefined()
})
