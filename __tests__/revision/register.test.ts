import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Tag,
  type TaskDefinition
} from '@aws-sdk/client-ecs'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { registerRevision, isTwin, sweepText, type TwinQuery } from '../../src/revision/register.js'
import { nextRevision } from '../../src/revision/next.js'
import {
  NEW_DIGEST,
  OLD_DIGEST,
  REPOSITORY_URI,
  arn,
  babyshield,
  babyshieldTags
} from '../../test/support/task-definitions.js'
import { mockedDeps } from '../../test/support/fakes.js'

const FAMILY = 'babyshield-backend-task'
const RUN = 'https://github.com/babyshield/backend/actions/runs/77'
const IMAGE = `${REPOSITORY_URI}@${NEW_DIGEST}`
const START = Date.parse('2026-11-26T10:00:00Z')
/** The service runs revision 41. */
const TARGET = { containerName: 'api', running: arn(FAMILY, 41) }

const input: RegisterTaskDefinitionCommandInput = nextRevision(babyshield, babyshieldTags, {
  containerName: 'api',
  image: IMAGE,
  auditTags: [
    { key: 'deploy:image-tag', value: 'production-fixed-20261126' },
    { key: 'deploy:run', value: RUN }
  ]
})

interface Revision {
  taskDefinition: TaskDefinition
  tags: Tag[]
}

/** A revision of the family as DescribeTaskDefinition shows it. */
function revision(
  number: number,
  options: { image?: string; run?: string; registeredAt?: Date | undefined } = {}
): Revision {
  const containerDefinitions = (babyshield.containerDefinitions ?? []).map(c =>
    c.name === 'api' ? { ...c, image: options.image ?? IMAGE } : c
  )
  const registeredAt = 'registeredAt' in options ? options.registeredAt : new Date(START + 500)
  return {
    taskDefinition: {
      ...babyshield,
      taskDefinitionArn: arn(FAMILY, number),
      revision: number,
      containerDefinitions,
      ...(registeredAt ? { registeredAt } : { registeredAt: undefined })
    },
    tags: [...babyshieldTags, { key: 'deploy:run', value: options.run ?? RUN }]
  }
}

/**
 * A family in ECS: what ListTaskDefinitions, DescribeTaskDefinition and Deregister see. The list
 * comes oldest first in pages of 10, whatever `sort` asks, as moto answers.
 */
function family(world: ReturnType<typeof mockedDeps>, revisions: Revision[]) {
  const active = new Map(revisions.map(r => [r.taskDefinition.taskDefinitionArn ?? '', r]))
  world.ecsMock.on(ListTaskDefinitionsCommand).callsFake((call: { nextToken?: string }) => {
    const all = [...active.keys()].sort(
      (a, b) => Number(a.split(':').pop()) - Number(b.split(':').pop())
    )
    const from = Number(call.nextToken ?? 0)
    const next = from + 10 < all.length ? String(from + 10) : undefined
    return { taskDefinitionArns: all.slice(from, from + 10), ...(next ? { nextToken: next } : {}) }
  })
  world.ecsMock
    .on(DescribeTaskDefinitionCommand)
    .callsFake((call: { taskDefinition: string }) => active.get(call.taskDefinition))
  world.ecsMock
    .on(DeregisterTaskDefinitionCommand)
    .callsFake((call: { taskDefinition: string }) => {
      active.delete(call.taskDefinition)
      return { taskDefinition: { taskDefinitionArn: call.taskDefinition, status: 'INACTIVE' } }
    })
  return active
}

function sdkError(name: string, fault: 'client' | 'server', attempts: number): Error {
  return Object.assign(new Error(name), { name, $fault: fault, $metadata: { attempts } })
}

let stdout: string[]
beforeEach(() => {
  stdout = []
  vi.spyOn(process.stdout, 'write').mockImplementation(chunk => {
    stdout.push(String(chunk))
    return true
  })
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('registerRevision', () => {
  test('one attempt: the revision is returned and nothing else is looked at', async () => {
    const world = mockedDeps({ digest: NEW_DIGEST })
    world.ecsMock.on(RegisterTaskDefinitionCommand).resolves({
      taskDefinition: revision(43).taskDefinition,
      $metadata: { attempts: 1 }
    })
    const registered = await registerRevision(world.deps, input, TARGET)
    expect(registered.taskDefinitionArn).toBe(arn(FAMILY, 43))
    expect(world.ecsMock.commandCalls(ListTaskDefinitionsCommand)).toHaveLength(0)
    expect(world.ecsMock.commandCalls(DeregisterTaskDefinitionCommand)).toHaveLength(0)
  })

  test('a retried call deregisters the twin an earlier attempt registered, and says so', async () => {
    const world = mockedDeps({ digest: NEW_DIGEST })
    world.clock.time = START
    const active = family(world, [
      revision(41, { image: `${REPOSITORY_URI}@${OLD_DIGEST}`, run: 'earlier run' }),
      revision(42),
      revision(43)
    ])
    world.ecsMock.on(RegisterTaskDefinitionCommand).resolves({
      taskDefinition: revision(43).taskDefinition,
      $metadata: { attempts: 2 }
    })

    const registered = await registerRevision(world.deps, input, TARGET)

    expect(registered.taskDefinitionArn).toBe(arn(FAMILY, 43))
    expect([...active.keys()]).toEqual([arn(FAMILY, 41), arn(FAMILY, 43)])
    expect(stdout.join('')).toContain(
      '::warning::RegisterTaskDefinition was retried: an earlier attempt had registered babyshield-backend-task:42 as well; it was deregistered'
    )
  })

  test('in a long family listed oldest first, the twin among the newest is found', async () => {
    const world = mockedDeps({ digest: NEW_DIGEST })
    world.clock.time = START
    const older = Array.from({ length: 27 }, (_, i) =>
      revision(i + 1, { image: `${REPOSITORY_URI}@${OLD_DIGEST}`, run: `run ${i + 1}` })
    )
    const active = family(world, [...older, revision(28), revision(29)])
    world.ecsMock.on(RegisterTaskDefinitionCommand).resolves({
      taskDefinition: revision(29).taskDefinition,
      $metadata: { attempts: 2 }
    })

    await registerRevision(world.deps, input, { containerName: 'api', running: arn(FAMILY, 27) })

    expect(world.ecsMock.commandCalls(ListTaskDefinitionsCommand)).toHaveLength(3)
    expect(active.has(arn(FAMILY, 28))).toBe(false)
    expect(active.size).toBe(28)
  })

  test('the running revision, other runs, newer revisions and other images are left alone', async () => {
    const world = mockedDeps({ digest: NEW_DIGEST })
    world.clock.time = START
    const active = family(world, [
      revision(40, { registeredAt: new Date(START - 3_600_000) }),
      revision(41),
      revision(42, { image: `${REPOSITORY_URI}@${OLD_DIGEST}` }),
      revision(43),
      revision(44),
      revision(39, { run: 'https://github.com/babyshield/backend/actions/runs/76' })
    ])
    world.ecsMock.on(RegisterTaskDefinitionCommand).resolves({
      taskDefinition: revision(43).taskDefinition,
      $metadata: { attempts: 2 }
    })

    await registerRevision(world.deps, input, TARGET)

    // 40 is this run's and the same image, but was registered before the call started; 41 looks
    // like a twin, but the service runs it; 39 is another run's.
    expect(world.ecsMock.commandCalls(DeregisterTaskDefinitionCommand)).toHaveLength(0)
    expect(active.size).toBe(6)
    expect(stdout.join('')).toContain(
      'RegisterTaskDefinition took 2 attempts; no earlier attempt left a revision behind.'
    )
  })

  test('a call that failed after its attempts were applied leaves no revision behind', async () => {
    const world = mockedDeps({ digest: NEW_DIGEST })
    world.clock.time = START
    const active = family(world, [revision(41, { run: 'earlier run' }), revision(42), revision(43)])
    world.ecsMock.on(RegisterTaskDefinitionCommand).rejects(sdkError('TimeoutError', 'client', 6))

    const error = await registerRevision(world.deps, input, TARGET).catch((e: unknown) => e)

    expect(String(error)).toContain(
      'Could not register a task definition revision for family babyshield-backend-task: TimeoutError'
    )
    expect(String(error)).toContain(
      'nothing was deployed and the service is unchanged; an earlier attempt had registered'
    )
    expect(String(error)).toMatch(
      /an earlier attempt had registered babyshield-backend-task:43, babyshield-backend-task:42 as well; they were deregistered/
    )
    expect([...active.keys()]).toEqual([arn(FAMILY, 41)])
  })

  test('a refusal on the first attempt is not followed by a search', async () => {
    const world = mockedDeps({ digest: NEW_DIGEST })
    world.ecsMock
      .on(RegisterTaskDefinitionCommand)
      .rejects(sdkError('ClientException', 'client', 1))
    await expect(registerRevision(world.deps, input, TARGET)).rejects.toThrow(
      /ClientException; nothing was deployed and the service is unchanged$/
    )
    expect(world.ecsMock.commandCalls(ListTaskDefinitionsCommand)).toHaveLength(0)
  })

  test('without a run tag (a local run) there is nothing to tell twins by: no search', async () => {
    const world = mockedDeps({ digest: NEW_DIGEST })
    family(world, [revision(42), revision(43)])
    world.ecsMock.on(RegisterTaskDefinitionCommand).resolves({
      taskDefinition: revision(43).taskDefinition,
      $metadata: { attempts: 3 }
    })
    const untagged = { ...input, tags: input.tags?.filter(t => t.key !== 'deploy:run') ?? [] }
    await registerRevision(world.deps, untagged, TARGET)
    expect(world.ecsMock.commandCalls(ListTaskDefinitionsCommand)).toHaveLength(0)
  })

  test('a search that fails is a warning that says where to look; the deploy goes on', async () => {
    const world = mockedDeps({ digest: NEW_DIGEST })
    world.ecsMock
      .on(ListTaskDefinitionsCommand)
      .rejects(sdkError('ThrottlingException', 'client', 6))
    world.ecsMock.on(RegisterTaskDefinitionCommand).resolves({
      taskDefinition: revision(43).taskDefinition,
      $metadata: { attempts: 2 }
    })
    const registered = await registerRevision(world.deps, input, TARGET)
    expect(registered.taskDefinitionArn).toBe(arn(FAMILY, 43))
    expect(stdout.join('')).toContain(
      `looking for revisions an earlier attempt registered failed (Could not list the revisions of task definition family babyshield-backend-task: ThrottlingException: ThrottlingException): check the ACTIVE revisions of babyshield-backend-task tagged deploy:run=${RUN}`
    )
  })
})

describe('isTwin', () => {
  const query: TwinQuery = {
    run: RUN,
    containerName: 'api',
    image: IMAGE,
    kept: arn(FAMILY, 43),
    running: arn(FAMILY, 41),
    startedAt: START
  }
  test.each<[string, Revision, boolean]>([
    ['same run and image, older than the kept one', revision(42), true],
    ['the kept revision itself', revision(43), false],
    ['newer than the kept one', revision(44), false],
    ['the revision the service runs', revision(41), false],
    ['another run', revision(42, { run: 'other' }), false],
    ['another image', revision(42, { image: `${REPOSITORY_URI}@${OLD_DIGEST}` }), false],
    [
      'registered long before the call',
      revision(42, { registeredAt: new Date(START - 3_600_000) }),
      false
    ],
    [
      'registered a little before the call (clock skew)',
      revision(42, { registeredAt: new Date(START - 5_000) }),
      true
    ],
    ['no registeredAt (moto)', revision(42, { registeredAt: undefined }), true]
  ])('%s: %s', (_case, candidate, expected) => {
    expect(isTwin(candidate, query)).toBe(expected)
  })

  test('with no kept revision (the call failed), any revision of the run and image', () => {
    const { kept: _kept, ...failed } = query
    expect(isTwin(revision(44), failed)).toBe(true)
  })
})

describe('sweepText', () => {
  test.each<[string, Parameters<typeof sweepText>[0], string]>([
    ['nothing found', { dropped: [] }, ''],
    [
      'one twin',
      { dropped: [arn(FAMILY, 42)] },
      'an earlier attempt had registered babyshield-backend-task:42 as well; it was deregistered'
    ],
    [
      'a twin, then a failure',
      { dropped: [arn(FAMILY, 42)], failure: 'boom' },
      'an earlier attempt had registered babyshield-backend-task:42 as well; it was deregistered; looking for revisions an earlier attempt registered failed (boom): check the ACTIVE revisions of fam tagged deploy:run=run'
    ]
  ])('%s', (_case, sweep, text) => {
    expect(sweepText(sweep, 'fam', 'run')).toBe(text)
  })
})
