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
  // The current one for its tags, then newest first, and no further than the one chosen.
  expect(
    w.ecsMock.commandCalls(DescribeTaskDefinitionCommand).map(c => c.args[0].input.taskDefinition)
  ).toEqual([10, 9, 8, 7, 6].map(n => arn(FAMILY, n)))
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

/**
 * A family whose revisions name what they replaced (deploy:replaces): n → [digest character,
 * the revision it replaced]. The current one is 7.
 */
function replacingWorld(revisions: Record<number, [string, number?]>) {
  const w = mockedDeps({ digest: digest('c') })
  w.ecsMock.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
    const n = Number(input.taskDefinition.split(':').pop())
    const [c, replaced] = revisions[n] ?? ['0']
    return {
      taskDefinition: {
        taskDefinitionArn: arn(FAMILY, n),
        status: 'ACTIVE',
        containerDefinitions: [{ name: 'api', image: `${REPOSITORY_URI}@${digest(c)}` }]
      },
      tags: replaced ? [{ key: 'deploy:replaces', value: `${FAMILY}:${replaced}` }] : []
    }
  })
  w.ecsMock.on(ListTaskDefinitionsCommand).resolves({
    taskDefinitionArns: Object.keys(revisions).map(n => arn(FAMILY, Number(n)))
  })
  return w
}

const described = (w: ReturnType<typeof replacingWorld>) =>
  w.ecsMock
    .commandCalls(DescribeTaskDefinitionCommand)
    .map(c => Number(String(c.args[0].input.taskDefinition).split(':').pop()))

test('revisions newer than the one the current revision replaced never ran: passed over unread', async () => {
  // 5 and 6 were registered by deploys that never reached the service (a failed migration, a
  // killed runner); 7 replaced 4.
  const w = replacingWorld({ 4: ['d', 2], 5: ['a', 4], 6: ['b', 4], 7: ['c', 4] })
  const previous = await findPrevious(
    { currentArn: arn(FAMILY, 7), containerName: 'api', runningDigest: digest('c') },
    w.deps
  )
  expect(previous.found?.taskDefinition.taskDefinitionArn).toBe(arn(FAMILY, 4))
  expect(previous.skipped).toEqual([
    'babyshield-backend-task:6 is newer than babyshield-backend-task:4, the revision babyshield-backend-task:7 replaced (its deploy:replaces tag): no service ran it before babyshield-backend-task:7',
    'babyshield-backend-task:5 is newer than babyshield-backend-task:4, the revision babyshield-backend-task:7 replaced (its deploy:replaces tag): no service ran it before babyshield-backend-task:7'
  ])
  // The current revision's tags are read when not given; 5 and 6 are never described.
  expect(described(w)).toEqual([7, 4])
})

test('a revision passed over for its digest hands on what it replaced; given tags are not read again', async () => {
  // 7 replaced 6, which runs the same digest; 6 replaced 3, so 4 and 5 never ran.
  const w = replacingWorld({ 3: ['d'], 4: ['a', 3], 5: ['b', 3], 6: ['c', 3], 7: ['c', 6] })
  const previous = await findPrevious(
    {
      currentArn: arn(FAMILY, 7),
      currentTags: [{ key: 'deploy:replaces', value: `${FAMILY}:6` }],
      containerName: 'api',
      runningDigest: digest('c')
    },
    w.deps
  )
  expect(previous.found?.taskDefinition.taskDefinitionArn).toBe(arn(FAMILY, 3))
  expect(previous.skipped.map(s => s.split(' ').slice(0, 5).join(' '))).toEqual([
    'babyshield-backend-task:6 runs the same digest',
    'babyshield-backend-task:5 is newer than babyshield-backend-task:3,',
    'babyshield-backend-task:4 is newer than babyshield-backend-task:3,'
  ])
  expect(described(w)).toEqual([6, 3])
})
