// A task definition with fields newer than the bundled AWS SDK (which drops what it does not
// know when it reads an answer): a deploy carries them into the new revision as they were.
import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type RegisterTaskDefinitionCommandInput
} from '@aws-sdk/client-ecs'
import { beforeEach, expect, test } from 'vitest'
import { keepAnswerBody, sendWhole } from '../../src/aws/raw.js'
import { ecs, stackControl } from './support/aws.js'
import { runAction } from './support/run-action.js'
import { waitForSteadyState } from './support/world.js'
import {
  ACTION_INPUTS,
  APP_CONTAINER,
  CLUSTER,
  seed,
  SERVICE,
  taskDefinitionInput,
  type Seeded
} from './seed.js'

/** The task definition's JSON as the stack answers it, not as the SDK reads it. */
async function asSent(arn: string): Promise<Record<string, unknown>> {
  const command = new DescribeTaskDefinitionCommand({ taskDefinition: arn })
  const raw: { body?: unknown } = {}
  keepAnswerBody(command, raw)
  await ecs.send(command)
  return (raw.body as { taskDefinition: Record<string, unknown> }).taskDefinition
}

let seeded: Seeded
beforeEach(async () => {
  seeded = await seed()
})

test('a field the SDK does not know survives the deploy, and the log names it', async () => {
  // The service moves to a revision with a field at the top and one in the app container.
  const input = taskDefinitionInput(seeded.seedImage.reference) as unknown as Record<
    string,
    unknown
  >
  const future = {
    ...input,
    futureScheduling: { mode: 'spread-evenly', weight: 3 },
    containerDefinitions: (input.containerDefinitions as Record<string, unknown>[]).map(c =>
      c.name === APP_CONTAINER ? { ...c, futureRestartPolicy: { attempts: 2 } } : c
    )
  }
  const command = new RegisterTaskDefinitionCommand(
    future as unknown as RegisterTaskDefinitionCommandInput
  )
  sendWhole(command, future, () => undefined)
  const registered = await ecs.send(command)
  const from = registered.taskDefinition?.taskDefinitionArn ?? ''
  expect(await asSent(from)).toHaveProperty('futureScheduling')
  await ecs.send(
    new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: from })
  )
  await stackControl.settle()
  await waitForSteadyState()

  const run = await runAction(ACTION_INPUTS)

  expect(run.exitCode, run.stdout).toBe(0)
  const named = run.stdout
    .split('\n')
    .find(line => line.includes('the bundled AWS SDK does not know'))
  expect(named).toMatch(/^babyshield-backend-task:2 has fields the bundled AWS SDK does not know: /)
  expect(named).toContain('futureScheduling')
  expect(named).toContain('containerDefinitions[api].futureRestartPolicy')
  expect(named).toContain('They are carried into the new revision as ECS returned them.')
  const next = await asSent(run.outputs['task-definition-arn'] ?? '')
  expect(next.futureScheduling).toEqual({ mode: 'spread-evenly', weight: 3 })
  const api = (next.containerDefinitions as Record<string, unknown>[]).find(
    c => c.name === APP_CONTAINER
  )
  expect(api?.futureRestartPolicy).toEqual({ attempts: 2 })
  expect(api?.image).toBe(run.outputs.image)
})
