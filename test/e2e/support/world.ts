// Reading (and, for test set-up, changing) what the stack holds: ECR images, task definition
// revisions, the service and its tasks, log lines.
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { DescribeImagesCommand } from '@aws-sdk/client-ecr'
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ContainerDefinition,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type Task,
  type TaskDefinition
} from '@aws-sdk/client-ecs'
import { rm } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { APP_CONTAINER, CLUSTER, FAMILY, REPOSITORY, REPOSITORY_URI, SERVICE } from '../seed.js'
import { ecr, ecs, logs, stackControl } from './aws.js'
import { buildAndPush, makeBuildContext } from './docker.js'

/**
 * Fields ECS sets itself; RegisterTaskDefinition does not take them. Kept apart from the
 * action's own list on purpose: the tests that compare revisions must not inherit its mistakes.
 */
export const READ_ONLY_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt'
] as const

export async function images(): Promise<{ digest: string; tags: string[] }[]> {
  const answer = await ecr.send(new DescribeImagesCommand({ repositoryName: REPOSITORY }))
  return (answer.imageDetails ?? [])
    .map(i => ({ digest: i.imageDigest ?? '', tags: [...(i.imageTags ?? [])].sort() }))
    .sort((a, b) => a.digest.localeCompare(b.digest))
}

export async function ecrDigest(tag: string): Promise<string | undefined> {
  const answer = await ecr.send(
    new DescribeImagesCommand({ repositoryName: REPOSITORY, imageIds: [{ imageTag: tag }] })
  )
  return answer.imageDetails?.[0]?.imageDigest
}

export async function revisions(): Promise<string[]> {
  const answer = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: FAMILY }))
  return answer.taskDefinitionArns ?? []
}

export async function taskDefinition(
  reference: string
): Promise<{ definition: TaskDefinition; tags: Record<string, string> }> {
  const answer = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: reference, include: ['TAGS'] })
  )
  const tags = Object.fromEntries((answer.tags ?? []).map(t => [t.key ?? '', t.value ?? '']))
  return { definition: answer.taskDefinition!, tags }
}

export async function service(name = SERVICE): Promise<Service> {
  const answer = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [name] }))
  return answer.services![0]!
}

export async function tasks(
  desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING',
  name = SERVICE
): Promise<Task[]> {
  const arns: string[] = []
  let nextToken: string | undefined
  do {
    const page = await ecs.send(
      new ListTasksCommand({ cluster: CLUSTER, serviceName: name, desiredStatus, nextToken })
    )
    arns.push(...(page.taskArns ?? []))
    nextToken = page.nextToken
  } while (nextToken)
  if (arns.length === 0) return []
  const answer = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns }))
  return answer.tasks ?? []
}

/** The digests the service's running tasks run in the app container (or `container`). */
export async function runningDigests(name = SERVICE, container = APP_CONTAINER): Promise<string[]> {
  const running = await tasks('RUNNING', name)
  return running.map(t => t.containers?.find(c => c.name === container)?.imageDigest ?? '')
}

/** What must not change when the action refuses its inputs. */
export async function snapshot(): Promise<unknown> {
  const current = await service()
  return {
    images: await images(),
    revisions: await revisions(),
    taskDefinition: current.taskDefinition,
    deployments: (current.deployments ?? []).map(d => d.id),
    desiredCount: current.desiredCount
  }
}

export function isSteady(current: Service): boolean {
  const deployments = current.deployments ?? []
  return (
    deployments.length === 1 &&
    deployments[0]?.rolloutState === 'COMPLETED' &&
    current.runningCount === current.desiredCount
  )
}

export async function waitForSteadyState(timeoutMs = 30_000, name = SERVICE): Promise<Service> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const current = await service(name)
    if (isSteady(current)) return current
    if (Date.now() > deadline) throw new Error(`service not steady after ${timeoutMs} ms`)
    await sleep(200)
  }
}

export async function logLines(logGroup: string, stream: string): Promise<string[]> {
  const answer = await logs.send(
    new GetLogEventsCommand({ logGroupName: logGroup, logStreamName: stream })
  )
  return (answer.events ?? []).map(e => e.message ?? '')
}

/** Builds and pushes a new image (random content) as `tag`; returns its registry digest. */
export async function pushNewImage(tag: string): Promise<string> {
  const context = await makeBuildContext()
  try {
    return await buildAndPush(context, `${REPOSITORY_URI}:${tag}`)
  } finally {
    await rm(context, { recursive: true, force: true })
  }
}

/** Registers a copy of `from` with the app container on `image`, and `more` containers added. */
export async function registerRevision(
  from: string,
  image: string,
  more: ContainerDefinition[] = []
): Promise<string> {
  const { definition, tags } = await taskDefinition(from)
  const input: Record<string, unknown> = { ...definition }
  for (const field of READ_ONLY_FIELDS) delete input[field]
  input.containerDefinitions = [
    ...(definition.containerDefinitions?.map(c =>
      c.name === APP_CONTAINER ? { ...c, image } : c
    ) ?? []),
    ...more
  ]
  input.tags = Object.entries(tags).map(([key, value]) => ({ key, value }))
  const answer = await ecs.send(
    new RegisterTaskDefinitionCommand(input as unknown as RegisterTaskDefinitionCommandInput)
  )
  return answer.taskDefinition?.taskDefinitionArn ?? ''
}

/**
 * Puts a newer image in service without the action (a deploy done before the test starts):
 * push, register, update, run the rollout to its end. Returns the new digest and revision.
 */
export async function deployDirectly(
  tag: string,
  from: string
): Promise<{ digest: string; taskDefinitionArn: string }> {
  const digest = await pushNewImage(tag)
  const taskDefinitionArn = await registerRevision(from, `${REPOSITORY_URI}@${digest}`)
  await ecs.send(
    new UpdateServiceCommand({
      cluster: CLUSTER,
      service: SERVICE,
      taskDefinition: taskDefinitionArn
    })
  )
  await stackControl.settle()
  await waitForSteadyState()
  return { digest, taskDefinitionArn }
}
