// Deploys, rollbacks and recoveries that meet AWS faults the SDK's retries could not carry: the
// step must say what the service runs. UpdateService in particular can be applied while its answer
// is lost (a dropped connection on the last attempt), so the service is read before anything is
// undone or reported as unchanged.
import { rolloutPolicy } from '../../src/inputs/policy.js'
import { DescribeImagesCommand } from '@aws-sdk/client-ecr'
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  UpdateServiceCommand
} from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { flat, flatService } from '../../test/support/results.js'
import { parseInputs } from '../../src/inputs/inputs.js'
import { deploy } from '../../src/modes/deploy.js'
import { rollback } from '../../src/modes/rollback.js'
import { newResult } from '../../src/model/result.js'
import { NEW_DIGEST, arn } from '../../test/support/task-definitions.js'
import { DEPLOY_INPUTS, NEW, OLD, deployWorld } from '../../test/support/deploy-world.js'
import { deployment, service } from '../../test/support/ecs-answers.js'
import {
  CURRENT,
  FAMILY,
  REGISTERED,
  THIRD_DIGEST,
  rollbackWorld
} from '../../test/support/verify-rollback-world.js'
import {
  completesAfter,
  digestOf,
  FakeEcs,
  freshResult,
  freshRun,
  inputsFor,
  OLD_DEPLOYMENT,
  OUR_DEPLOYMENT,
  rev,
  ROLLOUT,
  SERVICE,
  settled,
  type Step,
  superviseRollout,
  withImageInEcr
} from '../../test/support/scripted-ecs.js'

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
    { region: 'eu-north-1', cluster: inputs.cluster, services: inputs.services },
    { commit: '', actor: '', repository: '', runUrl: '', notes: '' }
  )
  return { ...w, inputs, result }
}

describe('an UpdateService whose answer is lost', () => {
  test('applied all the same: the deploy watches that deployment and keeps the revision', async () => {
    const w = world(true)
    await deploy(w.inputs, w.deps, w.result)
    expect(flat(w.result)).toMatchObject({
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
  expect(flat(w.result).previousTaskDefinitionArn).toBe(OLD)
  // The outputs say what the service runs: the revision it ran, untouched.
  expect(flat(w.result).taskDefinitionArn).toBe(OLD)
})

const stdout = (): string =>
  vi
    .mocked(process.stdout.write)
    .mock.calls.map(c => String(c[0]))
    .join('')

/**
 * A rollback whose UpdateService fails; `applied`: ECS made the change anyway. `to` is a digest
 * (a revision is registered for it) or an existing revision.
 */
function rollbackFault(to: 'image' | 'revision', applied: boolean) {
  const target =
    to === 'image'
      ? { arn: REGISTERED, digest: THIRD_DIGEST }
      : { arn: arn(FAMILY, 38), digest: NEW_DIGEST }
  const w = rollbackWorld(target)
  w.ecsMock.on(UpdateServiceCommand).rejects(LOST)
  w.ecsMock.on(DescribeServicesCommand).callsFake(() => {
    const updated = applied && w.ecsMock.commandCalls(UpdateServiceCommand).length > 0
    return {
      services: [
        service([
          updated
            ? deployment('ecs-svc/9', target.arn, 'PRIMARY', 'COMPLETED', 2)
            : deployment('ecs-svc/1', CURRENT, 'PRIMARY', 'COMPLETED', 2)
        ])
      ]
    }
  })
  const values: Record<string, string> = {
    mode: 'rollback',
    cluster: 'babyshield-cluster',
    service: 'babyshield-backend-service',
    'ecr-repository': 'babyshield-backend',
    'aws-region': 'eu-north-1',
    'rollback-to': to === 'image' ? THIRD_DIGEST : '38'
  }
  const inputs = parseInputs(name => values[name] ?? '')
  const result = newResult(
    'rollback',
    { region: 'eu-north-1', cluster: inputs.cluster, services: inputs.services },
    { commit: '', actor: '', repository: '', runUrl: '', notes: '' }
  )
  return { ...w, inputs, result, target }
}

describe('mode: rollback, an UpdateService whose answer is lost', () => {
  test('applied all the same: the rollback is watched and verified; the revision is kept', async () => {
    const w = rollbackFault('image', true)
    await rollback(w.inputs, w.deps, w.result)
    expect(flat(w.result)).toMatchObject({
      status: 'succeeded',
      rolledBack: true,
      verified: true,
      taskDefinitionArn: REGISTERED,
      previousTaskDefinitionArn: CURRENT
    })
    expect(w.ecsMock.commandCalls(DeregisterTaskDefinitionCommand)).toHaveLength(0)
    expect(stdout()).toContain(
      `::warning::Could not update ECS service babyshield-backend-service to ${REGISTERED}: TimeoutError: socket hang up. ECS applied the update all the same: deployment ecs-svc/9 rolls out ${FAMILY}:44; watching it.`
    )
  })

  test('not applied: the registered revision is deregistered and nothing was rolled back', async () => {
    const w = rollbackFault('image', false)
    await expect(rollback(w.inputs, w.deps, w.result)).rejects.toThrow(
      `Could not update ECS service babyshield-backend-service to ${REGISTERED}: TimeoutError: socket hang up. Nothing was rolled back: the service still runs ${FAMILY}:41; revision ${FAMILY}:44 was deregistered.`
    )
    expect(w.ecsMock.commandCalls(DeregisterTaskDefinitionCommand)).toHaveLength(1)
    expect(flat(w.result).rolledBack).toBe(false)
  })

  test('not applied, to an existing revision: nothing is deregistered', async () => {
    const w = rollbackFault('revision', false)
    await expect(rollback(w.inputs, w.deps, w.result)).rejects.toThrow(
      `TimeoutError: socket hang up. Nothing was rolled back: the service still runs ${FAMILY}:41.`
    )
    expect(w.ecsMock.commandCalls(DeregisterTaskDefinitionCommand)).toHaveLength(0)
  })

  test('the service cannot be read either: nothing is undone and the step says it cannot tell', async () => {
    const w = rollbackFault('image', false)
    w.ecsMock
      .on(DescribeServicesCommand)
      .resolvesOnce({
        services: [service([deployment('ecs-svc/1', CURRENT, 'PRIMARY', 'COMPLETED', 2)])]
      })
      .rejects(LOST)
    await expect(rollback(w.inputs, w.deps, w.result)).rejects.toThrow(
      `TimeoutError: socket hang up. Could not tell whether ECS applied the rollback (Could not describe ECS service babyshield-backend-service in cluster babyshield-cluster: TimeoutError: socket hang up): the service ran ${FAMILY}:41 before this step and may be moving to ${FAMILY}:44, which was left registered.`
    )
    expect(w.ecsMock.commandCalls(DeregisterTaskDefinitionCommand)).toHaveLength(0)
    expect(flat(w.result).rolledBack).toBe(false)
  })
})

/** Our rollout of 13 is stuck at 1/2 running until timeout-minutes, then rolled back to 12. */
const STUCK: Step[] = [
  {
    at: 0,
    deployments: [
      { id: OUR_DEPLOYMENT, revision: 13, running: 1, pending: 1, state: 'IN_PROGRESS' },
      { id: OLD_DEPLOYMENT, revision: 12, running: 2, state: 'COMPLETED' }
    ]
  }
]

describe('the rollback after a failed rollout, an UpdateService whose answer is lost', () => {
  const inputs = inputsFor({ 'timeout-minutes': '1' })

  test('applied all the same: the rollback is followed and verified', async () => {
    const ecs = new FakeEcs({ script: STUCK, lostUpdateAnswers: [1] })
    const result = freshResult()
    await expect(
      superviseRollout(ecs.deps, rolloutPolicy(inputs), result, ROLLOUT)
    ).rejects.toThrow('Rolled back: the service runs babyshield-backend-task:12')
    expect(ecs.updatedTo()).toEqual([rev(12)])
    expect(flatService(result)).toMatchObject({ rolledBack: true, taskDefinitionArn: rev(12) })
    expect(result.timeline.map(e => e.message)).toContain(
      'rollback started: deployment ecs-svc/update-1 → babyshield-backend-task:12'
    )
    expect(stdout()).toContain(
      `::warning::Could not update ECS service babyshield-backend-service to ${rev(12)}: TimeoutError: socket hang up. ECS applied the update all the same: deployment ecs-svc/update-1 rolls out babyshield-backend-task:12; watching it.`
    )
  })

  test('not applied: the service is left on the failed revision, and mode: rollback is advised', async () => {
    const ecs = new FakeEcs({ script: STUCK })
    ecs.ecsMock.on(UpdateServiceCommand).rejects(LOST)
    const result = freshResult()
    await expect(
      superviseRollout(ecs.deps, rolloutPolicy(inputs), result, ROLLOUT)
    ).rejects.toThrow(
      `The rollback to babyshield-backend-task:12 could not be started (Could not update ECS service babyshield-backend-service to ${rev(12)}: TimeoutError: socket hang up): the service is left on babyshield-backend-task:13; run this action with mode: rollback.`
    )
    expect(result.rolledBack).toBe(false)
  })

  test('the service cannot be read either: the step says it cannot tell which revision it is on', async () => {
    const ecs = new FakeEcs({ script: STUCK })
    ecs.ecsMock.on(UpdateServiceCommand).callsFake(() => {
      ecs.ecsMock.on(DescribeServicesCommand).rejects(LOST)
      throw LOST
    })
    const result = freshResult()
    await expect(
      superviseRollout(ecs.deps, rolloutPolicy(inputs), result, ROLLOUT)
    ).rejects.toThrow(
      `Could not tell whether the rollback to babyshield-backend-task:12 was started (Could not update ECS service babyshield-backend-service to ${rev(12)}: TimeoutError: socket hang up; Could not describe ECS service babyshield-backend-service in cluster babyshield-cluster: TimeoutError: socket hang up): the service may be left on babyshield-backend-task:13 or moving to babyshield-backend-task:12. Check it in the ECS console; if it is still on babyshield-backend-task:13, run this action with mode: rollback.`
    )
    expect(result.rolledBack).toBe(false)
  })
})

describe('an UpdateService answer that names an earlier service deployment', () => {
  test('the rollback follows its own service deployment, found by its revision, and completes', async () => {
    // The rollout of 13 is stuck; the rollback's answer names the rollout's (stopped) service
    // deployment as current: ECS had not caught up.
    const ecs = withImageInEcr(
      new FakeEcs(
        settled(SERVICE, {
          afterUpdate: (revision, id) =>
            revision === 13
              ? [
                  {
                    at: 0,
                    deployments: [
                      { id, revision: 13, running: 1, pending: 1, state: 'IN_PROGRESS' },
                      { id: `ecs-svc/${SERVICE}-old`, revision: 12, running: 2, state: 'COMPLETED' }
                    ]
                  }
                ]
              : completesAfter(20)(revision, id),
          staleUpdateAnswers: [2]
        })
      )
    )
    const result = freshRun()
    await expect(
      deploy(inputsFor({ image: digestOf(13), 'timeout-minutes': '1' }), ecs.deps, result)
    ).rejects.toThrow(
      /^The rollout of babyshield-backend-task:13 failed: it did not finish within 1 minute .*\. Rolled back: the service runs babyshield-backend-task:12 \(.*\) again, verified\.$/
    )
    expect(ecs.updatedTo()).toEqual([rev(13), rev(12)])
    expect(stdout()).toContain(
      'ECS named the service deployment update-1 for this update of babyshield-backend-service, but it rolls out another revision: following update-2, which rolls out babyshield-backend-task:12.'
    )
  })
})
