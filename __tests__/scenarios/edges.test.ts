// The edges a production user hits: a service scaled to 0, a revision of another family, the
// digest that already runs, notes too long for a tag or with characters a tag cannot hold.
import * as core from '@actions/core'
import { RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { parseInputs } from '../../src/inputs/inputs.js'
import { deploy } from '../../src/modes/deploy.js'
import { rollback } from '../../src/modes/rollback.js'
import { babyshield } from '../../test/support/task-definitions.js'
import { CLUSTER, SERVICE } from '../../test/support/ecs-answers.js'
import { resultFor } from '../../test/support/inputs.js'
import { flat } from '../../test/support/results.js'
import {
  completesAfter,
  digestOf,
  FakeEcs,
  freshRun,
  inputsFor,
  only,
  rev,
  settled,
  withImageInEcr
} from '../../test/support/scripted-ecs.js'
import { HISTORY, rollbackWorld } from '../../test/support/verify-rollback-world.js'

vi.mock('@actions/core')

beforeEach(() => {
  vi.mocked(core.warning).mockClear()
  vi.mocked(core.notice).mockClear()
})

const warnings = () => vi.mocked(core.warning).mock.calls.map(c => String(c[0]))

describe('a service scaled to 0', () => {
  test('is deployed: the revision is set and verified, the task checks are skipped and it is said why', async () => {
    const ecs = withImageInEcr(
      new FakeEcs({
        script: [
          {
            at: 0,
            deployments: [
              { id: 'ecs-svc/old', revision: 12, desired: 0, running: 0, state: 'COMPLETED' }
            ]
          }
        ],
        afterUpdate: completesAfter(5, 0)
      })
    )
    const result = freshRun()

    await deploy(inputsFor({ image: digestOf(13) }), ecs.deps, result)

    expect(result.status).toBe('succeeded')
    expect(only(result)).toMatchObject({ taskDefinitionArn: rev(13), verified: true })
    const checks = Object.fromEntries(only(result).checks.map(c => [c.name, c.status]))
    expect(checks).toMatchObject({
      'running = desired': 'pass',
      'tasks run the service revision': 'skip',
      'tasks run the expected digest': 'skip'
    })
    expect(warnings()).toContain(
      `ECS service ${SERVICE} is scaled to 0 (desiredCount 0): its revision is changed, but no task runs it until the service scales up, so only the revision can be verified, not running tasks.`
    )
  })
})

describe('rollback-to a revision of another family', () => {
  test('is refused before any change, naming both families', async () => {
    const staging = {
      ...babyshield,
      family: 'babyshield-staging-task',
      taskDefinitionArn:
        'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-staging-task:5',
      revision: 5,
      status: 'ACTIVE' as const
    }
    const w = rollbackWorld({ arn: staging.taskDefinitionArn, digest: digestOf(5) }, [
      ...HISTORY,
      staging
    ])
    const values: Record<string, string> = {
      mode: 'rollback',
      cluster: CLUSTER,
      service: SERVICE,
      'ecr-repository': 'babyshield-backend',
      'aws-region': 'eu-north-1',
      'rollback-to': staging.taskDefinitionArn
    }
    const i = parseInputs(name => values[name] ?? '')
    const result = resultFor(i)

    await expect(rollback(i, w.deps, result)).rejects.toThrow(
      `rollback-to '${staging.taskDefinitionArn}': task definition babyshield-staging-task:5 is of family babyshield-staging-task, not babyshield-backend-task, the family the service runs: only a revision of the service's own family is a rollback target. Nothing was changed; the service runs babyshield-backend-task:41.`
    )
    expect(w.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0)
    expect(flat(result).rolledBack).toBe(false)
  })
})

describe('deploying what already runs, with long notes', () => {
  test('the digest that runs: a notice says only the audit tags differ; long notes: a warning says what the tag keeps', async () => {
    const ecs = withImageInEcr(
      new FakeEcs({
        script: [
          {
            at: 0,
            deployments: [{ id: 'ecs-svc/old', revision: 13, running: 2, state: 'COMPLETED' }]
          }
        ]
      })
    )
    const notes = 'n'.repeat(300)
    const run = freshRun()
    run.audit.notes = notes

    await deploy(inputsFor({ image: digestOf(13), 'deployment-notes': notes }), ecs.deps, run)

    expect(vi.mocked(core.notice).mock.calls.map(c => String(c[0]))).toEqual([
      `ECS service ${SERVICE} already runs ${digestOf(13)} (babyshield-backend-task:13): the new revision differs only in its audit tags, and the rollout restarts the tasks on the same image.`
    ])
    expect(warnings()).toContain(
      'deployment-notes is 300 characters: the deploy:notes tag of the revision keeps the first 256; the job summary and the GitHub deployment keep them all.'
    )
  })
})

describe('notes with emoji and Markdown', () => {
  test('the deploy warns that the deploy:notes tag shows them as _, and registers the tag so', async () => {
    const ecs = withImageInEcr(new FakeEcs(settled(SERVICE)))
    const notes = '🚀 **hotfix** for #123'
    const run = freshRun()
    run.audit.notes = notes

    await deploy(inputsFor({ image: digestOf(13), 'deployment-notes': notes }), ecs.deps, run)

    expect(warnings()).toContain(
      'deployment-notes has characters an ECS tag value cannot hold (🚀 * #): the deploy:notes tag of the revision shows each as _; the job summary and the GitHub deployment keep the notes as written.'
    )
    const tags = ecs.ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input.tags
    expect(tags).toContainEqual({ key: 'deploy:notes', value: '_ __hotfix__ for _123' })
  })
})

describe('a service on another deployment controller', () => {
  test.each(['CODE_DEPLOY', 'EXTERNAL'] as const)(
    '%s: refused before anything is registered or updated, saying what to use instead',
    async type => {
      const ecs = withImageInEcr(
        new FakeEcs({
          script: [
            {
              at: 0,
              deployments: [{ id: 'ecs-svc/old', revision: 12, running: 2, state: 'COMPLETED' }]
            }
          ],
          serviceFields: { deploymentController: { type } }
        })
      )
      const error = await deploy(inputsFor({ image: digestOf(13) }), ecs.deps, freshRun()).then(
        () => undefined,
        (e: unknown) => e as Error
      )
      expect(error?.message).toContain(
        `ECS service ${SERVICE} uses the ${type} deployment controller`
      )
      expect(error?.message).toContain('not UpdateService, so this action changes nothing')
      expect(ecs.registeredAt).toEqual([])
      expect(ecs.updatedTo()).toEqual([])
    }
  )
})
