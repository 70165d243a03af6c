import { DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs'
import { expect, test } from 'vitest'
import { findPrevious } from '../../src/revision/previous.js'
import { REPOSITORY_URI, arn } from '../../test/support/task-definitions.js'
import { mockedDeps } from '../../test/support/fakes.js'

const FAMILY = 'babyshield-backend-task'
const digest = (c: string) => `sha256:${c.repeat(64)}`

/** Revision n of the family: its api container's image, and whether it is still ACTIVE. */
const REVISIONS: Record<number, { image: string; status?: string }> = {
  6: { image: `${REPOSITORY_URI}@${digest('6')}` },
  7: { image: `${REPOSITORY_URI}:production-fixed-20261101` },
  8: { image: `${REPOSITORY_URI}@${digest('8')}`, status: 'INACTIVE' },
  9: { image: `${REPOSITORY_URI}@${digest('9')}` },
  10: { image: `${REPOSITORY_URI}@${digest('9')}` }
}

function world() {
  const w = mockedDeps({ digest: digest('9') })
  w.ecsMock.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
    const n = Number(input.taskDefinition.split(':').pop())
    const r = REVISIONS[n]
    return {
      taskDefinition: {
        taskDefinitionArn: arn(FAMILY, n),
        status: r?.status ?? 'ACTIVE',
        containerDefinitions: [{ name: 'api', image: r?.image }]
      },
      tags: []
    }
  })
  w.ecsMock
    .on(ListTaskDefinitionsCommand)
    .resolves({ taskDefinitionArns: [6, 7, 8, 9, 10].map(n => arn(FAMILY, n)) })
  return w
}

test('the newest earlier revision with another digest, and why the newer ones were passed over', async () => {
  const w = world()
  const previous = await findPrevious(
    { currentArn: arn(FAMILY, 10), containerName: 'api', runningDigest: digest('9') },
    w.deps
  )
  expect(previous.found?.taskDefinition.taskDefinitionArn).toBe(arn(FAMILY, 6))
  expect(previous.found?.digest).toBe(digest('6'))
  expect(previous.skipped).toEqual([
    `babyshield-backend-task:9 runs the same digest (${digest('9')})`,
    'babyshield-backend-task:8 is INACTIVE (deregistered): ECS does not deploy it',
    `babyshield-backend-task:7 runs ${REPOSITORY_URI}:production-fixed-20261101 in api, not pinned by digest`
  ])
  // Described newest first, and no further than the one chosen.
  expect(
    w.ecsMock.commandCalls(DescribeTaskDefinitionCommand).map(c => c.args[0].input.taskDefinition)
  ).toEqual([9, 8, 7, 6].map(n => arn(FAMILY, n)))
})

test('revisions already listed are not listed again; none qualifies: nothing found', async () => {
  const w = world()
  const previous = await findPrevious(
    {
      currentArn: arn(FAMILY, 10),
      containerName: 'api',
      runningDigest: digest('9'),
      revisions: [arn(FAMILY, 9), arn(FAMILY, 10)]
    },
    w.deps
  )
  expect(previous).toEqual({
    skipped: [`babyshield-backend-task:9 runs the same digest (${digest('9')})`]
  })
  expect(w.ecsMock.commandCalls(ListTaskDefinitionsCommand)).toEqual([])
})
