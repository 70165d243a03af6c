// ECS's deployment controllers and strategies on the local stack: a CODE_DEPLOY service is refused
// before anything changes; a BLUE_GREEN service is watched through its service deployment, baked
// and completed; ECS's own rollback of a blue/green deployment is a failure, verified on the old
// revision.
import { CreateServiceCommand, DescribeServicesCommand } from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test } from 'vitest'
import { ecs, stackControl } from './support/aws.js'
import { runAction } from './support/run-action.js'
import { revisions, waitForSteadyState } from './support/world.js'
import { ACTION_INPUTS, CLUSTER, seed, type Seeded } from './seed.js'

const BLUE_GREEN = 'babyshield-bg-service'
const CODE_DEPLOY = 'babyshield-codedeploy-service'

let seeded: Seeded
beforeEach(async () => {
  seeded = await seed()
})

/** A second service of the seeded revision, deployed as `options` say. */
async function createService(
  name: string,
  options: {
    deploymentController?: 'ECS' | 'CODE_DEPLOY'
    strategy?: 'BLUE_GREEN'
    bakeTimeInMinutes?: number
  }
): Promise<void> {
  const current = await ecs.send(
    new DescribeServicesCommand({ cluster: CLUSTER, services: [seeded.service] })
  )
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: name,
      taskDefinition: seeded.taskDefinitionArn,
      desiredCount: 2,
      launchType: 'FARGATE',
      ...(current.services?.[0]?.networkConfiguration
        ? { networkConfiguration: current.services[0].networkConfiguration }
        : {}),
      ...(options.deploymentController
        ? { deploymentController: { type: options.deploymentController } }
        : {}),
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        ...(options.strategy
          ? { strategy: options.strategy, bakeTimeInMinutes: options.bakeTimeInMinutes ?? 0 }
          : {})
      }
    })
  )
  await stackControl.settle()
}

describe('deployment controllers', () => {
  test('a CODE_DEPLOY service is refused with nothing changed', async () => {
    await createService(CODE_DEPLOY, { deploymentController: 'CODE_DEPLOY' })
    const before = await revisions()

    const run = await runAction({ ...ACTION_INPUTS, service: CODE_DEPLOY })

    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(
      `ECS service ${CODE_DEPLOY} uses the CODE_DEPLOY deployment controller`
    )
    expect(run.stdout).not.toMatch(/docker push|Registered/)
    expect(await revisions()).toEqual(before)
  })
})

describe('a BLUE_GREEN service', () => {
  const inputs = { ...ACTION_INPUTS, service: BLUE_GREEN, 'timeout-minutes': '10' }

  test('is watched through its service deployment: scaled up, shifted, baked, cleaned up, verified', async () => {
    await createService(BLUE_GREEN, { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 3 })

    const run = await runAction(inputs)

    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.verified).toBe('true')
    expect(run.stdout).toMatch(/rollout IN_PROGRESS SCALE_UP \(starting the new revision\)/)
    expect(run.stdout).toMatch(
      /rollout IN_PROGRESS BAKE_TIME \(baking\): new revision 2\/2 running, 100% of production traffic; old 2 running/
    )
    expect(run.stdout).toMatch(/rollout SUCCESSFUL no stage yet/)
    const current = await waitForSteadyState(30_000, BLUE_GREEN)
    expect(current.taskDefinition).toBe(run.outputs['task-definition-arn'])
  })

  test('ECS rolls it back when an alarm trips during the bake: a failure, verified on the old revision', async () => {
    await createService(BLUE_GREEN, { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 3 })
    await stackControl.nextRollout({ outcome: 'bake-rollback', service: BLUE_GREEN })

    const run = await runAction(inputs)

    expect(run.exitCode).toBe(1)
    expect(run.outputs['rolled-back']).toBe('true')
    expect(run.stdout).toContain(
      'ECS rolled the deployment back (ROLLBACK_IN_PROGRESS, at BAKE_TIME): CloudWatch alarm babyshield-api-5xx is in ALARM'
    )
    expect(run.stdout).toContain(
      'ECS already rolled the deployment back; this step did not start a second rollback'
    )
    const current = await waitForSteadyState(30_000, BLUE_GREEN)
    expect(current.taskDefinition).toBe(seeded.taskDefinitionArn)
    expect(run.outputs['task-definition-arn']).toBe(seeded.taskDefinitionArn)
  })
})
