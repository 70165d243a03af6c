// The bench's world in its private stack: the e2e suite's production-like service and task
// definition, but with images in a repository of the bench's own, so pushes to the shared
// registry never show up in the e2e suite's ECR.
import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs'
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr'
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type RegisterTaskDefinitionCommandInput,
  type Service
} from '@aws-sdk/client-ecs'
import { rm } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  APP_CONTAINER,
  CLUSTER,
  FAMILY,
  LOG_GROUP,
  SERVICE,
  taskDefinitionInput
} from '../../test/e2e/seed.js'
import { REGISTRY_HOST } from '../../test/e2e/stack/config.js'
import { buildAndPush, makeBuildContext } from '../../test/e2e/support/docker.js'
import { READ_ONLY_FIELDS } from '../../test/e2e/support/world.js'
import type { PrivateStack } from './private-stack.js'

export { APP_CONTAINER, CLUSTER, FAMILY, SERVICE }
export const REPOSITORY = 'reliability-backend'
export const REPOSITORY_URI = `${REGISTRY_HOST}/${REPOSITORY}`

export interface Image {
  tag: string
  digest: string
}

/** Builds and pushes one image per tag (random content: a digest of its own each). */
export async function pushImages(tags: string[]): Promise<Image[]> {
  const images: Image[] = []
  for (const tag of tags) {
    const context = await makeBuildContext()
    try {
      images.push({ tag, digest: await buildAndPush(context, `${REPOSITORY_URI}:${tag}`) })
    } finally {
      await rm(context, { recursive: true, force: true })
    }
  }
  return images
}

const ids = (xml: string, tag: string): string[] =>
  [...xml.matchAll(new RegExp(`<${tag}>([^<]+)</${tag}>`, 'g'))].map(m => m[1] ?? '')

/**
 * A fresh world: cluster, repository (with every image the registry holds for it), log group,
 * the task definition pinned to `image`, and the service running it, settled.
 */
export async function seedWorld(
  stack: PrivateStack,
  image: Image,
  stepMs: number
): Promise<string> {
  await stack.reset(stepMs)
  await stack.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }))
  await stack.ecr.send(
    new CreateRepositoryCommand({ repositoryName: REPOSITORY, imageTagMutability: 'MUTABLE' })
  )
  await stack.logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }))
  await stack.syncRegistry()
  const registered = await stack.ecs.send(
    new RegisterTaskDefinitionCommand(taskDefinitionInput(`${REPOSITORY_URI}@${image.digest}`))
  )
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn ?? ''
  const subnets = ids(
    await stack.query({ Action: 'DescribeSubnets', Version: '2016-11-15' }),
    'subnetId'
  )
  const groups = ids(
    await stack.query({
      Action: 'DescribeSecurityGroups',
      Version: '2016-11-15',
      'Filter.1.Name': 'group-name',
      'Filter.1.Value.1': 'default'
    }),
    'groupId'
  )
  await stack.ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: SERVICE,
      taskDefinition: taskDefinitionArn,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: subnets.slice(0, 2),
          securityGroups: groups.slice(0, 1),
          assignPublicIp: 'DISABLED'
        }
      },
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: true },
        maximumPercent: 200,
        minimumHealthyPercent: 100
      }
    })
  )
  await stack.settle()
  return taskDefinitionArn
}

/** The worker: a second service of its own family on the same image, for multi-service runs. */
export const WORKER = 'reliability-worker'

/** Adds the worker service (2 tasks), settled, running `image`; returns its revision. */
export async function seedWorker(stack: PrivateStack, image: Image): Promise<string> {
  const input = taskDefinitionInput(`${REPOSITORY_URI}@${image.digest}`)
  const registered = await stack.ecs.send(
    new RegisterTaskDefinitionCommand({ ...input, family: `${WORKER}-task` })
  )
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn ?? ''
  const web = await describeService(stack)
  await stack.ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: WORKER,
      taskDefinition: taskDefinitionArn,
      desiredCount: 2,
      launchType: 'FARGATE',
      ...(web.networkConfiguration ? { networkConfiguration: web.networkConfiguration } : {}),
      deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 }
    })
  )
  await stack.settle()
  return taskDefinitionArn
}

export async function describeService(stack: PrivateStack, name = SERVICE): Promise<Service> {
  const answer = await stack.ecs.send(
    new DescribeServicesCommand({ cluster: CLUSTER, services: [name] })
  )
  const service = answer.services?.[0]
  if (!service) throw new Error(`the bench stack has no service ${name}`)
  return service
}

export function isSteady(service: Service): boolean {
  const deployments = service.deployments ?? []
  return (
    deployments.length === 1 &&
    deployments[0]?.rolloutState === 'COMPLETED' &&
    service.runningCount === service.desiredCount
  )
}

/** The service once steady, or as it is after `timeoutMs`. */
export async function settledService(
  stack: PrivateStack,
  timeoutMs = 20_000,
  name = SERVICE
): Promise<Service> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const service = await describeService(stack, name)
    if (isSteady(service) || Date.now() > deadline) return service
    await sleep(250)
  }
}

/** Waits until the service has a deployment in progress other than `from`; returns its revision. */
export async function rolloutStarted(
  stack: PrivateStack,
  from: string,
  timeoutMs = 60_000
): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const service = await describeService(stack)
    const primary = service.deployments?.find(d => d.status === 'PRIMARY')
    if (primary?.rolloutState === 'IN_PROGRESS' && primary.taskDefinition !== from) {
      return primary.taskDefinition ?? ''
    }
    if (Date.now() > deadline) throw new Error('no rollout started within the time given')
    await sleep(100)
  }
}

export async function revisionStatus(stack: PrivateStack, arn: string): Promise<string> {
  const answer = await stack.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))
  return answer.taskDefinition?.status ?? 'missing'
}

export async function activeRevisions(stack: PrivateStack): Promise<string[]> {
  const answer = await stack.ecs.send(
    new ListTaskDefinitionsCommand({ familyPrefix: FAMILY, status: 'ACTIVE' })
  )
  return answer.taskDefinitionArns ?? []
}

/** Someone else's deploy: a copy of `from` with the app container on `image`, then UpdateService. */
export async function deployBehindTheActionsBack(
  stack: PrivateStack,
  from: string,
  image: Image
): Promise<string> {
  const { taskDefinition, tags } = await stack.ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: from, include: ['TAGS'] })
  )
  const input: Record<string, unknown> = { ...taskDefinition }
  for (const field of READ_ONLY_FIELDS) delete input[field]
  input.containerDefinitions = taskDefinition?.containerDefinitions?.map(c =>
    c.name === APP_CONTAINER ? { ...c, image: `${REPOSITORY_URI}@${image.digest}` } : c
  )
  if (tags && tags.length > 0) input.tags = tags
  const registered = await stack.ecs.send(
    new RegisterTaskDefinitionCommand(input as unknown as RegisterTaskDefinitionCommandInput)
  )
  const arn = registered.taskDefinition?.taskDefinitionArn ?? ''
  await stack.ecs.send(
    new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: arn })
  )
  return arn
}
