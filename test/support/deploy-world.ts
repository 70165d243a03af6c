// A deploy that goes right from end to end, with the AWS SDK clients mocked: the world the
// hostile-input and secret tests run whole runs against.
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand
} from '@aws-sdk/client-ecr'
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type RegisterTaskDefinitionCommandInput,
  type Service
} from '@aws-sdk/client-ecs'
import {
  NEW_DIGEST,
  OLD_DIGEST,
  REPOSITORY_URI,
  arn,
  babyshield,
  babyshieldTags
} from './task-definitions.js'
import { deployment, service, task } from './ecs-answers.js'
import { mockedDeps } from './fakes.js'

export const OLD = arn('babyshield-backend-task', 41)
export const NEW = arn('babyshield-backend-task', 42)
export const REGISTRY = '123456789012.dkr.ecr.eu-north-1.amazonaws.com'
/** The ECR password; the authorization token is base64 of `AWS:<password>`. */
export const ECR_PASSWORD = 'eyJwYXlsb2FkIjoiZWNyLXBhc3N3b3JkLWRvLW5vdC1wcmludCJ9'
export const ECR_TOKEN = Buffer.from(`AWS:${ECR_PASSWORD}`).toString('base64')
export const TODAY_TAG = 'production-fixed-20261126'

/** Inputs of a deploy that builds, as INPUT_* values. */
export const DEPLOY_INPUTS: Record<string, string> = {
  cluster: 'babyshield-cluster',
  service: 'babyshield-backend-service',
  'ecr-repository': 'babyshield-backend',
  'aws-region': 'eu-north-1'
}

export interface WorldOptions {
  /** Tags ECR already has; the automatic tag is chosen after them. */
  existingTags?: string[]
  immutable?: boolean
  /** The digest docker push reports. */
  pushedDigest?: string
  /** The digest ECR lists for today's tag after the push. */
  ecrDigest?: string
  /** DescribeServices answers between the update and the completed rollout. */
  rollingOut?: Service[]
}

export function deployWorld(env: NodeJS.ProcessEnv = {}, options: WorldOptions = {}) {
  const world = mockedDeps({ digest: options.pushedDigest ?? NEW_DIGEST, env })
  const { ecrMock, ecsMock } = world
  ecrMock.on(DescribeRepositoriesCommand).resolves({
    repositories: [
      {
        repositoryName: 'babyshield-backend',
        repositoryUri: REPOSITORY_URI,
        imageTagMutability: options.immutable ? 'IMMUTABLE' : 'MUTABLE'
      }
    ]
  })
  ecrMock
    .on(DescribeImagesCommand)
    .rejects(Object.assign(new Error('image not found'), { name: 'ImageNotFoundException' }))
  ecrMock.on(DescribeImagesCommand, { filter: { tagStatus: 'TAGGED' } }).resolves({
    imageDetails: [
      { imageDigest: OLD_DIGEST, imageTags: options.existingTags ?? ['production-fixed-20261120'] }
    ]
  })
  for (const tag of [TODAY_TAG, `${TODAY_TAG}-v2`]) {
    ecrMock.on(DescribeImagesCommand, { imageIds: [{ imageTag: tag }] }).resolves({
      imageDetails: [{ imageDigest: options.ecrDigest ?? NEW_DIGEST, imageTags: [tag] }]
    })
  }
  ecrMock.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [{ authorizationToken: ECR_TOKEN, proxyEndpoint: `https://${REGISTRY}` }]
  })
  ecsMock
    .on(DescribeTaskDefinitionCommand)
    .resolves({ taskDefinition: babyshield, tags: babyshieldTags })
  ecsMock
    .on(RegisterTaskDefinitionCommand)
    .callsFake((input: RegisterTaskDefinitionCommandInput) => ({
      taskDefinition: { ...input, taskDefinitionArn: NEW, revision: 42, status: 'ACTIVE' }
    }))
  ecsMock.on(UpdateServiceCommand).resolves({
    service: service([
      deployment('ecs-svc/2', NEW, 'PRIMARY', 'IN_PROGRESS', 0),
      deployment('ecs-svc/1', OLD, 'ACTIVE', 'COMPLETED', 2)
    ])
  })
  const before = { services: [service([deployment('ecs-svc/1', OLD, 'PRIMARY', 'COMPLETED', 2)])] }
  let answers = ecsMock.on(DescribeServicesCommand).resolvesOnce(before).resolvesOnce(before)
  for (const rolling of options.rollingOut ?? [])
    answers = answers.resolvesOnce({ services: [rolling] })
  answers.resolves({
    services: [service([deployment('ecs-svc/2', NEW, 'PRIMARY', 'COMPLETED', 2)])]
  })
  ecsMock.on(ListTasksCommand).resolves({ taskArns: ['t1', 't2'] })
  ecsMock.on(DescribeTasksCommand).resolves({
    tasks: [task('t1', NEW, 'api', NEW_DIGEST), task('t2', NEW, 'api', NEW_DIGEST)]
  })
  return world
}
