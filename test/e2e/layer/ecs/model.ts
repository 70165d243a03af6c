// The layer's model of ECS services: what moto does not keep (deployments that roll over,
// tasks, service events), in the SDK's own shapes so that answers look like the real API's.
import { randomBytes, randomUUID } from 'node:crypto'
import type {
  ContainerDefinition,
  Deployment,
  DeploymentConfiguration,
  LoadBalancer,
  DeploymentLifecycleHookAction,
  DeploymentLifecycleHookStatus,
  NetworkConfiguration,
  ServiceDeploymentLifecycleStage,
  ServiceDeploymentStatus,
  ServiceEvent,
  Task,
  TaskDefinition
} from '@aws-sdk/client-ecs'
import { stepBakeMinutes, strategyOf, trafficSteps, type Strategy } from './traffic.js'

export const OUTCOMES = [
  'success',
  'crashloop',
  'circuit-breaker',
  'stuck',
  'bake-rollback',
  'errors-after-steady',
  'unhealthy-after-steady',
  '5xx-after-steady',
  'slow-after-steady',
  'errors-at-canary',
  'unhealthy-at-canary',
  'errors-at-stage',
  'unhealthy-at-stage',
  'test-traffic-unhealthy'
] as const
export type Outcome = (typeof OUTCOMES)[number]

/** How a rollout will go; scripted through POST /_stack/next-rollout, else `success`. */
export interface RolloutScript {
  outcome: Outcome
  /** Only for this service name; empty: the next rollout of any service. */
  service?: string
  /** crashloop/circuit-breaker: the container that exits (default: see crashingContainer). */
  container?: string
  /** crashloop/circuit-breaker: its exit code (default 1). */
  exitCode?: number
  /** crashloop/circuit-breaker: the container's `reason` ('' for none). */
  containerReason?: string
  /** crashloop/circuit-breaker: what the crashing container logs before it exits. */
  logLines?: string[]
  /** circuit-breaker: failed tasks at which the breaker trips (default 2, see rollout.ts). */
  failureThreshold?: number
  /** Running tasks of this rollout also log this line (e.g. an ERROR for verify to count). */
  errorLogLine?: string
  /** errors-after-steady / unhealthy-after-steady: steps after COMPLETED until the trouble (default 4). */
  afterSteps?: number
  /**
   * errors-after-steady: steps during which the tasks log `logLines` (default 3); errors-at-*:
   * (default: every step while they run).
   */
  errorSteps?: number
  /** 5xx-after-steady: the share of the new revision's requests answered 5xx (default 0.1). */
  errorShare?: number
  /** slow-after-steady: how many times the new revision's p99 grows (default 2). */
  latencyFactor?: number
  /** errors-at-stage / unhealthy-at-stage / test-traffic-unhealthy: the stage the trouble starts at. */
  stage?: Stage
  /** …and the least production weight the new revision must have by then (default 0). */
  productionWeight?: number
}

/**
 * A stage of a service deployment's walk. PRE_PRODUCTION_TRAFFIC_SHIFT is a lifecycle hook stage
 * the SDK's ServiceDeploymentLifecycleStage does not list; the walk shows it (see README).
 */
export type Stage = ServiceDeploymentLifecycleStage | 'PRE_PRODUCTION_TRAFFIC_SHIFT'

/** A PAUSE hook of the stage the service deployment is at. */
export interface SimHook {
  hookId: string
  stage: Stage
  status: DeploymentLifecycleHookStatus
  expiresAt: Date
  timeoutAction: DeploymentLifecycleHookAction
}

export interface SimDeployment {
  /** The answer's shape; counts are filled in from the tasks when presented. */
  deployment: Deployment & { id: string; taskDefinition: string }
  script: RolloutScript
  taskDefinition: TaskDefinition
  /** The service deployment it belongs to (a circuit breaker's rollback shares the failed one's). */
  serviceDeployment: SimServiceDeployment
  /** Steps since it COMPLETED, for the outcomes that go bad after steady. */
  stepsSinceCompleted?: number
  /** Steps it has served production traffic (load-balancer.ts), for 5xx- and slow-after-steady. */
  stepsServing?: number
  /** When its scripted trouble (errors-at-*, unhealthy-at-*, test-traffic-unhealthy) began. */
  troubleSince?: Date
  /** Steps it has logged its scripted error lines. */
  troubleSteps?: number
  /** Early success came before the old tasks left: "steady state" is still to be said. */
  steadyPending?: boolean
}

/**
 * A service deployment as ListServiceDeployments and DescribeServiceDeployments show it: the move
 * from the deployments that ran (sources) to one (target), through lifecycle stages.
 */
export interface SimServiceDeployment {
  arn: string
  createdAt: Date
  startedAt: Date
  finishedAt?: Date
  updatedAt: Date
  status: ServiceDeploymentStatus
  statusReason?: string
  lifecycleStage?: Stage
  targetDeploymentId: string
  sourceDeploymentIds: string[]
  /** The service's deployment configuration when it began (what ECS shows with it). */
  config: DeploymentConfiguration
  /** The strategy of the service when it began: all but ROLLING walk the stages. */
  strategy: Strategy
  /** Production traffic on the target, in percent. */
  productionWeight: number
  /** Test traffic on the target, in percent, where the service has a test listener rule. */
  testWeight: number
  /** Whether test traffic has a listener rule of its own; without one it goes where production goes. */
  testListener: boolean
  /** The target's production weight after each step of the shift, and the last step taken (-1: none). */
  trafficSteps: number[]
  trafficStep: number
  /** A minute of bake or hook timeout on the layer's clock, when it began. */
  bakeMinuteMs: number
  /** How long the bake between two production steps lasts, and when the current one ends. */
  stepBakeMs: number
  stepBakeEndsAt?: Date
  /** How long its BAKE_TIME lasts on the layer's clock, and when it ends once begun. */
  bakeMs: number
  bakeEndsAt?: Date
  /** The PAUSE hooks of the stage `hookStage` (the current one once opened). */
  hooks: SimHook[]
  hookStage?: Stage
  rollback?: { reason: string; startedAt: Date; serviceRevisionArn: string }
  /** Steps seen ROLLBACK_REQUESTED so far, and ROLLBACK_IN_PROGRESS (traffic-shifting strategies). */
  rollbackRequestSteps?: number
  rollbackSteps?: number
  /** Early success criteria were met: SUCCESSFUL while the walk goes on. */
  earlySuccess?: boolean
  alarms?: { status: 'TRIGGERED'; alarmNames: string[]; triggeredAlarmNames: string[] }
}

export interface SimService {
  arn: string
  name: string
  clusterArn: string
  clusterName: string
  region: string
  accountId: string
  desiredCount: number
  launchType: string
  platformVersion: string
  networkConfiguration: NetworkConfiguration | undefined
  deploymentConfiguration: DeploymentConfiguration
  createdAt: Date
  /** PRIMARY first, then ACTIVE ones, newest first (the order ECS answers with). */
  deployments: SimDeployment[]
  /** Every task the service ever had, stopped ones included, oldest first. */
  tasks: Task[]
  /** Newest first, at most 100, as ECS keeps them. */
  events: ServiceEvent[]
  /** The last deployment that completed: where the circuit breaker rolls back to. */
  lastCompleted: { id: string; taskDefinition: TaskDefinition } | undefined
  /** Whether "unable to consistently start tasks" was said for the current PRIMARY. */
  saidUnableToStart: boolean
  /** ECS, CODE_DEPLOY or EXTERNAL, as created. */
  deploymentController: { type: string }
  /** Newest first. */
  serviceDeployments: SimServiceDeployment[]
  /** The stand-in health URL answers 503 (unhealthy-after-steady), until the next deployment. */
  unhealthy?: boolean
  /** As created or updated; the layer's load balancer traffic (load-balancer.ts) follows them. */
  loadBalancers: LoadBalancer[]
  /** What the load balancer traffic keeps between steps (load-balancer.ts). */
  traffic?: TrafficState
  /** A load balancer routes test traffic by a rule of its own (advancedConfiguration.testListenerRule). */
  testListener: boolean
  /** Every service revision a deployment of it ran, by deployment id (DescribeServiceRevisions). */
  revisions: Map<string, SimRevision>
}

/** What a service revision ran: kept after its deployment is gone. */
export interface SimRevision {
  deploymentId: string
  taskDefinition: TaskDefinition
  createdAt: Date
}

/** The load balancer's side of a service: which target group serves what, and what is owed. */
export interface TrafficState {
  /** Clock time the last requests were counted up to. */
  countedTo: number
  /** The target group production traffic goes to when no deployment shifts it. */
  production: string
  /** The target group each deployment's tasks are registered with. */
  groups: Map<string, string>
  /** Fractions of a request and of a 5xx answer not written yet, by target group. */
  owed: Map<string, { requests: number; errors: number }>
}

export const DEFAULT_DEPLOYMENT_CONFIGURATION: DeploymentConfiguration = {
  deploymentCircuitBreaker: { enable: false, rollback: false },
  maximumPercent: 200,
  minimumHealthyPercent: 100
}

export function newDeploymentId(): string {
  // ECS ids are ecs-svc/ followed by 19 digits.
  const digits = randomBytes(8).readBigUInt64BE() % 10n ** 19n
  return `ecs-svc/${digits.toString().padStart(19, '1')}`
}

/** The ARN of a service revision: one deployment's configuration of the service. */
export function serviceRevisionArn(service: SimService, deploymentId: string): string {
  return `arn:aws:ecs:${service.region}:${service.accountId}:service-revision/${service.clusterName}/${service.name}/${deploymentId.replace('ecs-svc/', '')}`
}

/** A new service deployment to `targetDeploymentId` from the deployments running now. */
export function newServiceDeployment(
  service: SimService,
  targetDeploymentId: string,
  now: Date,
  bakeMinuteMs: number
): SimServiceDeployment {
  const config = structuredClone(service.deploymentConfiguration)
  const sources = service.deployments.map(d => d.deployment.id)
  // A first deployment, with nothing running yet, has nothing to shift traffic from.
  const strategy = sources.length > 0 ? strategyOf(config) : 'ROLLING'
  const shifts = strategy !== 'ROLLING'
  const serviceDeployment: SimServiceDeployment = {
    arn: `arn:aws:ecs:${service.region}:${service.accountId}:service-deployment/${service.clusterName}/${service.name}/${randomBytes(16).toString('base64url').slice(0, 22)}`,
    createdAt: now,
    startedAt: now,
    updatedAt: now,
    status: 'IN_PROGRESS',
    targetDeploymentId,
    sourceDeploymentIds: sources,
    config,
    strategy,
    productionWeight: shifts ? 0 : 100,
    testWeight: shifts ? 0 : 100,
    testListener: service.testListener,
    trafficSteps: trafficSteps(config),
    trafficStep: -1,
    bakeMinuteMs,
    stepBakeMs: stepBakeMinutes(config) * bakeMinuteMs,
    bakeMs: (config.bakeTimeInMinutes ?? 0) * bakeMinuteMs,
    hooks: [],
    ...(shifts ? { lifecycleStage: 'PRE_SCALE_UP' as const } : {})
  }
  for (const earlier of service.serviceDeployments) {
    if (earlier.status === 'IN_PROGRESS' || earlier.status === 'PENDING') {
      earlier.status = 'STOPPED'
      earlier.statusReason = `Service deployment ${serviceDeployment.arn} replaced it.`
      earlier.finishedAt = now
      earlier.updatedAt = now
    }
  }
  service.serviceDeployments.unshift(serviceDeployment)
  return serviceDeployment
}

/** Test traffic on the target as ECS reports it: production's where no test listener rule routes it. */
export function testWeightOf(d: SimServiceDeployment): number {
  return d.testListener ? d.testWeight : d.productionWeight
}

export function newDeployment(
  service: SimService,
  taskDefinition: TaskDefinition,
  script: RolloutScript,
  now: Date,
  options: { reason?: string; serviceDeployment?: SimServiceDeployment; bakeMinuteMs?: number } = {}
): SimDeployment {
  const id = newDeploymentId()
  service.revisions.set(id, { deploymentId: id, taskDefinition, createdAt: now })
  const reason = options.reason
  const serviceDeployment =
    options.serviceDeployment ??
    newServiceDeployment(service, id, now, options.bakeMinuteMs ?? 1000)
  return {
    serviceDeployment,
    deployment: {
      id,
      status: 'PRIMARY',
      taskDefinition: taskDefinition.taskDefinitionArn ?? '',
      desiredCount: service.desiredCount,
      pendingCount: 0,
      runningCount: 0,
      failedTasks: 0,
      createdAt: now,
      updatedAt: now,
      launchType: service.launchType as Deployment['launchType'],
      platformVersion: service.platformVersion,
      platformFamily: 'Linux',
      ...(service.networkConfiguration
        ? { networkConfiguration: service.networkConfiguration }
        : {}),
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: reason ?? `ECS deployment ${id} in progress.`
    },
    script,
    taskDefinition
  }
}

export function taskId(task: Task): string {
  return (task.taskArn ?? '').split('/').pop() ?? ''
}

export function isLive(task: Task): boolean {
  return task.desiredStatus === 'RUNNING'
}

export function tasksOf(service: SimService, deployment: SimDeployment): Task[] {
  return service.tasks.filter(t => t.startedBy === deployment.deployment.id)
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

function privateIp(): string {
  const b = randomBytes(2)
  return `10.0.${b[0]! % 64}.${(b[1]! % 250) + 2}`
}

/** A new task of `deployment`, PROVISIONING, shaped like a Fargate task in awsvpc mode. */
export function newTask(service: SimService, deployment: SimDeployment, now: Date): Task {
  const id = randomHex(16)
  const taskArn = `arn:aws:ecs:${service.region}:${service.accountId}:task/${service.clusterName}/${id}`
  const definition = deployment.taskDefinition
  const attachmentId = randomUUID()
  const ip = privateIp()
  const subnet =
    service.networkConfiguration?.awsvpcConfiguration?.subnets?.[0] ?? 'subnet-00000000'
  const zone = `${service.region}${'abc'[Number.parseInt(id.slice(0, 2), 16) % 3]}`
  return {
    taskArn,
    clusterArn: service.clusterArn,
    taskDefinitionArn: definition.taskDefinitionArn,
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    cpu: definition.cpu,
    memory: definition.memory,
    containers: (definition.containerDefinitions ?? []).map(c =>
      newContainer(service, c, id, taskArn, ip, attachmentId)
    ),
    startedBy: deployment.deployment.id,
    group: `service:${service.name}`,
    launchType: service.launchType as Task['launchType'],
    platformVersion: '1.4.0',
    platformFamily: 'Linux',
    availabilityZone: zone,
    connectivity: 'CONNECTED',
    connectivityAt: now,
    createdAt: now,
    version: 1,
    healthStatus: 'UNKNOWN',
    enableExecuteCommand: false,
    ephemeralStorage: definition.ephemeralStorage ?? { sizeInGiB: 20 },
    overrides: {
      containerOverrides: (definition.containerDefinitions ?? []).map(c => ({ name: c.name })),
      inferenceAcceleratorOverrides: []
    },
    attachments: [
      {
        id: attachmentId,
        type: 'ElasticNetworkInterface',
        status: 'ATTACHED',
        details: [
          { name: 'subnetId', value: subnet },
          { name: 'networkInterfaceId', value: `eni-${randomHex(8).slice(0, 17)}` },
          { name: 'macAddress', value: randomHex(6).replace(/(..)(?!$)/g, '$1:') },
          {
            name: 'privateDnsName',
            value: `ip-${ip.replaceAll('.', '-')}.${service.region}.compute.internal`
          },
          { name: 'privateIPv4Address', value: ip }
        ]
      }
    ],
    tags: []
  }
}

function newContainer(
  service: SimService,
  definition: ContainerDefinition,
  taskIdHex: string,
  taskArn: string,
  ip: string,
  attachmentId: string
): NonNullable<Task['containers']>[number] {
  return {
    containerArn: `arn:aws:ecs:${service.region}:${service.accountId}:container/${service.clusterName}/${taskIdHex}/${randomUUID()}`,
    taskArn,
    name: definition.name,
    image: definition.image,
    lastStatus: 'PENDING',
    networkBindings: [],
    networkInterfaces: [{ attachmentId, privateIpv4Address: ip }],
    ...(definition.healthCheck ? { healthStatus: 'UNKNOWN' as const } : {}),
    cpu: String(definition.cpu ?? 0),
    ...(definition.memory !== undefined ? { memory: String(definition.memory) } : {}),
    ...(definition.memoryReservation !== undefined
      ? { memoryReservation: String(definition.memoryReservation) }
      : {})
  }
}
