// Worlds for verify and rollback runs, with the AWS SDK clients mocked: a settled service on
// revision 41 of babyshield-backend-task (api pinned to OLD_DIGEST) and the family's history.
import { DescribeImagesCommand, DescribeRepositoriesCommand } from '@aws-sdk/client-ecr'
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type DescribeTaskDefinitionCommandInput,
  type DescribeTasksCommandInput,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition
} from '@aws-sdk/client-ecs'
import {
  NEW_DIGEST,
  OLD_DIGEST,
  REPOSITORY_URI,
  arn,
  babyshield,
  babyshieldTags
} from './task-definitions.js'
import { CLUSTER, deployment, service, task } from './ecs-answers.js'
import { mockedDeps } from './fakes.js'

export const FAMILY = 'babyshield-backend-task'
export const CURRENT = arn(FAMILY, 41)
export const THIRD_DIGEST = `sha256:${'c'.repeat(64)}`
/** The revision RegisterTaskDefinition answers with. */
export const REGISTERED = arn(FAMILY, 44)

const taskArn = (i: number) => `arn:aws:ecs:eu-north-1:123456789012:task/${CLUSTER}/t${i}`

/**
 * A settled service on revision 41 (api pinned to OLD_DIGEST) with `count` tasks, listed 100 a
 * page as ListTasks does; `digestOf` says what each task's api container runs.
 */
export function verifyWorld(
  options: {
    count?: number
    digestOf?: (i: number) => string
    taskDefinition?: TaskDefinition
  } = {}
) {
  const w = mockedDeps({ digest: '' })
  const count = options.count ?? 2
  const digestOf = options.digestOf ?? (() => OLD_DIGEST)
  w.ecrMock.on(DescribeRepositoriesCommand).resolves({
    repositories: [{ repositoryName: 'babyshield-backend', repositoryUri: REPOSITORY_URI }]
  })
  w.ecrMock
    .on(DescribeImagesCommand, { imageIds: [{ imageTag: 'production-fixed-20261120' }] })
    .resolves({
      imageDetails: [{ imageDigest: OLD_DIGEST, imageTags: ['production-fixed-20261120'] }]
    })
  w.ecrMock
    .on(DescribeImagesCommand, { imageIds: [{ imageTag: 'production-fixed-20261126' }] })
    .resolves({
      imageDetails: [{ imageDigest: NEW_DIGEST, imageTags: ['production-fixed-20261126'] }]
    })
  w.ecsMock.on(DescribeServicesCommand).resolves({
    services: [service([deployment('ecs-svc/1', CURRENT, 'PRIMARY', 'COMPLETED', count, count)])]
  })
  w.ecsMock
    .on(DescribeTaskDefinitionCommand)
    .resolves({ taskDefinition: options.taskDefinition ?? babyshield, tags: babyshieldTags })
  const arns = Array.from({ length: count }, (_, i) => taskArn(i))
  const pages = Array.from({ length: Math.ceil(count / 100) }, (_, p) =>
    arns.slice(p * 100, p * 100 + 100)
  )
  w.ecsMock.on(ListTasksCommand).callsFake((input: { nextToken?: string }) => {
    const page = Number(input.nextToken ?? '0')
    return {
      taskArns: pages[page] ?? [],
      ...(page + 1 < pages.length ? { nextToken: String(page + 1) } : {})
    }
  })
  w.ecsMock.on(DescribeTasksCommand).callsFake((input: DescribeTasksCommandInput) => ({
    tasks: (input.tasks ?? []).map(a => {
      const i = Number(a.slice(a.lastIndexOf('/t') + 2))
      return task(`t${i}`, CURRENT, 'api', digestOf(i))
    })
  }))
  return w
}

export function revision(number: number, digest: string, extra: Partial<TaskDefinition> = {}) {
  return {
    ...babyshield,
    taskDefinitionArn: arn(FAMILY, number),
    revision: number,
    containerDefinitions: babyshield.containerDefinitions?.map(c =>
      c.name === 'api' ? { ...c, image: `${REPOSITORY_URI}@${digest}` } : c
    ),
    ...extra
  }
}

/**
 * The family's history: 43 and 42 are newer, failed deploys; the service runs 41 (OLD_DIGEST);
 * 40 is a config-only change with the same digest; 39 was deregistered after it was listed;
 * 38 runs NEW_DIGEST; 37 an older image still.
 */
export const HISTORY: TaskDefinition[] = [
  revision(43, THIRD_DIGEST),
  revision(42, THIRD_DIGEST),
  revision(41, OLD_DIGEST),
  revision(40, OLD_DIGEST, { cpu: '2048' }),
  revision(39, THIRD_DIGEST, { status: 'INACTIVE' }),
  revision(38, NEW_DIGEST, { memory: '4096' }),
  revision(37, `sha256:${'d'.repeat(64)}`)
]

/**
 * A service on revision 41 whose rollback to `target` (running `digest`) rolls out and settles,
 * with tasks running what the target pins.
 */
export function rollbackWorld(
  target: { arn: string; digest: string },
  history: TaskDefinition[] = HISTORY
) {
  const w = mockedDeps({ digest: '' })
  const { ecrMock, ecsMock } = w
  ecrMock.on(DescribeRepositoriesCommand).resolves({
    repositories: [{ repositoryName: 'babyshield-backend', repositoryUri: REPOSITORY_URI }]
  })
  ecrMock
    .on(DescribeImagesCommand)
    .rejects(Object.assign(new Error('not found'), { name: 'ImageNotFoundException' }))
  ecrMock
    .on(DescribeImagesCommand, { imageIds: [{ imageTag: 'production-fixed-20261119' }] })
    .resolves({
      imageDetails: [{ imageDigest: THIRD_DIGEST, imageTags: ['production-fixed-20261119'] }]
    })
  ecrMock.on(DescribeImagesCommand, { imageIds: [{ imageDigest: THIRD_DIGEST }] }).resolves({
    imageDetails: [{ imageDigest: THIRD_DIGEST, imageTags: ['production-fixed-20261119'] }]
  })
  ecsMock.on(ListTaskDefinitionsCommand).resolves({
    taskDefinitionArns: history.map(td => td.taskDefinitionArn ?? '')
  })
  ecsMock
    .on(DescribeTaskDefinitionCommand)
    .callsFake((input: DescribeTaskDefinitionCommandInput) => {
      const ref = input.taskDefinition ?? ''
      const found = history.find(
        td => td.taskDefinitionArn === ref || `${FAMILY}:${td.revision}` === ref
      )
      if (!found) {
        throw Object.assign(new Error('Unable to describe task definition.'), {
          name: 'ClientException'
        })
      }
      return { taskDefinition: found, tags: babyshieldTags }
    })
  ecsMock
    .on(RegisterTaskDefinitionCommand)
    .callsFake((input: RegisterTaskDefinitionCommandInput) => ({
      taskDefinition: { ...input, taskDefinitionArn: REGISTERED, revision: 44 }
    }))
  ecsMock.on(UpdateServiceCommand).resolves({
    service: service([
      deployment('ecs-svc/9', target.arn, 'PRIMARY', 'IN_PROGRESS', 0),
      deployment('ecs-svc/1', arn(FAMILY, 41), 'ACTIVE', 'COMPLETED', 2)
    ])
  })
  ecsMock
    .on(DescribeServicesCommand)
    .resolvesOnce({
      services: [service([deployment('ecs-svc/1', arn(FAMILY, 41), 'PRIMARY', 'COMPLETED', 2)])]
    })
    .resolvesOnce({
      services: [
        service([
          deployment('ecs-svc/9', target.arn, 'PRIMARY', 'IN_PROGRESS', 1),
          deployment('ecs-svc/1', arn(FAMILY, 41), 'ACTIVE', 'COMPLETED', 1)
        ])
      ]
    })
    .resolves({
      services: [service([deployment('ecs-svc/9', target.arn, 'PRIMARY', 'COMPLETED', 2)])]
    })
  ecsMock.on(ListTasksCommand).resolves({ taskArns: ['t1', 't2'] })
  ecsMock.on(DescribeTasksCommand).resolves({
    tasks: [
      task('t1', target.arn, 'api', target.digest),
      task('t2', target.arn, 'api', target.digest)
    ]
  })
  return w
}
