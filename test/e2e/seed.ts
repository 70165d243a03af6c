// A fresh world like production's: moto and the layer reset, then the cluster, the ECR
// repository with a first image, the log group, a rich two-container task definition, the
// Application Load Balancer with its two target groups and an alarm, and the service running it
// (2 tasks behind the load balancer, image pinned by digest). Tests call seed() before each case.
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch'
import { CreateLogGroupCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs'
import { CreateRepositoryCommand, DescribeImagesCommand } from '@aws-sdk/client-ecr'
import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  type DeploymentConfiguration,
  type NetworkConfiguration,
  type RegisterTaskDefinitionCommandInput
} from '@aws-sdk/client-ecs'
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { setTimeout as sleep } from 'node:timers/promises'
import { rm } from 'node:fs/promises'
import { ACCOUNT_ID, REGION, REGISTRY_HOST } from './stack/config.js'
import { cloudwatch, ecr, ecs, elbv2, logs, queryApi, stackControl } from './support/aws.js'
import { buildAndPush, makeBuildContext } from './support/docker.js'

export const CLUSTER = 'babyshield-cluster'
export const SERVICE = 'babyshield-backend-service'
export const REPOSITORY = 'babyshield-backend'
export const FAMILY = 'babyshield-backend-task'
export const LOG_GROUP = '/ecs/babyshield-backend'
export const APP_CONTAINER = 'api'
export const SIDECAR_CONTAINER = 'otel-collector'
export const REPOSITORY_URI = `${REGISTRY_HOST}/${REPOSITORY}`
/** A second service that runs the same image: the API's worker, with a family of its own. */
export const WORKER_SERVICE = 'babyshield-worker'
export const WORKER_FAMILY = 'babyshield-worker-task'
export const WORKER_CONTAINER = 'worker'
/** The Application Load Balancer in front of the API, its two target groups, and an alarm on it. */
export const LOAD_BALANCER = 'babyshield-api'
export const TARGET_GROUP = 'babyshield-api-blue'
/** The alternate target group, for a BLUE_GREEN deployment of the API. */
export const ALTERNATE_TARGET_GROUP = 'babyshield-api-green'
export const ALARM = 'babyshield-api-5xx'
/** The first image's tag: an earlier day's, so today's deploys start at `production-fixed-<today>`. */
export const SEED_TAG = 'production-fixed-20250601'

/** The inputs a workflow for the seeded service gives (polling every second keeps tests short). */
export const ACTION_INPUTS = {
  cluster: CLUSTER,
  service: SERVICE,
  'ecr-repository': REPOSITORY,
  'poll-seconds': '1',
  'timeout-minutes': '3',
  // The default bake watches five real minutes: the suite bakes where a test asks (bake.test.ts).
  'bake-minutes': '0'
}

export interface Seeded {
  region: string
  cluster: string
  clusterArn: string
  service: string
  serviceArn: string
  repository: string
  repositoryUri: string
  logGroup: string
  family: string
  taskDefinitionArn: string
  seedImage: { tag: string; digest: string; reference: string }
  /** ARNs of the load balancer and of its target groups (the service is behind `blue`). */
  loadBalancer: { arn: string; blue: string; green: string }
}

export interface SeedOptions {
  /** Time between rollout steps in the layer (default: the layer's, 500 ms). */
  stepMs?: number
  /** Requests a minute the API's load balancer takes (default: the layer's, 600). */
  requestsPerMinute?: number
  /** How long a minute of bake or PAUSE hook timeout lasts in the layer (default 1000 ms). */
  bakeMinuteMs?: number
}

/** The task definition the service starts with, `image` pinned by digest. */
export function taskDefinitionInput(image: string): RegisterTaskDefinitionCommandInput {
  const awslogs = (prefix: string) => ({
    logDriver: 'awslogs' as const,
    options: {
      'awslogs-group': LOG_GROUP,
      'awslogs-region': REGION,
      'awslogs-stream-prefix': prefix
    }
  })
  return {
    family: FAMILY,
    taskRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/babyshield-backend-task`,
    executionRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/ecsTaskExecutionRole`,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '1024',
    memory: '2048',
    runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
    ephemeralStorage: { sizeInGiB: 30 },
    volumes: [{ name: 'app-tmp' }, { name: 'otel-config' }],
    containerDefinitions: [
      {
        name: APP_CONTAINER,
        image,
        essential: true,
        cpu: 768,
        memory: 1536,
        memoryReservation: 1024,
        portMappings: [
          {
            containerPort: 8000,
            hostPort: 8000,
            protocol: 'tcp',
            name: 'api-http',
            appProtocol: 'http'
          }
        ],
        environment: [
          { name: 'APP_ENV', value: 'production' },
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'PORT', value: '8000' },
          // Deliberately empty: it must survive a new revision as an empty value.
          { name: 'FEATURE_FLAGS', value: '' }
        ],
        secrets: [
          {
            name: 'DATABASE_URL',
            valueFrom: `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:babyshield/database-url-AbCdEf`
          },
          {
            name: 'JWT_SECRET',
            valueFrom: `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter/babyshield/jwt-secret`
          }
        ],
        logConfiguration: awslogs('ecs'),
        healthCheck: {
          command: ['CMD-SHELL', 'curl -fsS http://localhost:8000/healthz || exit 1'],
          interval: 30,
          timeout: 5,
          retries: 3,
          startPeriod: 60
        },
        mountPoints: [{ sourceVolume: 'app-tmp', containerPath: '/tmp/app', readOnly: false }],
        dependsOn: [{ containerName: SIDECAR_CONTAINER, condition: 'START' }],
        ulimits: [{ name: 'nofile', softLimit: 65536, hardLimit: 65536 }],
        stopTimeout: 30,
        dockerLabels: { 'com.babyshield.component': 'api' }
      },
      {
        name: SIDECAR_CONTAINER,
        image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.41.1',
        essential: false,
        cpu: 128,
        memoryReservation: 256,
        command: ['--config=/etc/ecs/ecs-default-config.yaml'],
        mountPoints: [{ sourceVolume: 'otel-config', containerPath: '/etc/otel', readOnly: true }],
        logConfiguration: awslogs('ecs')
      }
    ],
    tags: [
      { key: 'service', value: 'babyshield-backend' },
      { key: 'team', value: 'platform' },
      { key: 'cost-center', value: 'cc-1234' }
    ]
  }
}

/** The default VPC's subnets and security group that moto creates in every region. */
async function defaultNetwork(): Promise<{
  vpc: string
  subnets: string[]
  securityGroups: string[]
}> {
  const ids = (xml: string, tag: string): string[] =>
    [...xml.matchAll(new RegExp(`<${tag}>([^<]+)</${tag}>`, 'g'))].map(m => m[1]!)
  const described = await queryApi('ec2', { Action: 'DescribeSubnets', Version: '2016-11-15' })
  const subnets = ids(described, 'subnetId')
  const groups = await queryApi('ec2', {
    Action: 'DescribeSecurityGroups',
    Version: '2016-11-15',
    'Filter.1.Name': 'group-name',
    'Filter.1.Value.1': 'default'
  })
  return {
    vpc: ids(described, 'vpcId')[0] ?? '',
    subnets: subnets.slice(0, 2),
    securityGroups: ids(groups, 'groupId').slice(0, 1)
  }
}

/** The awsvpc configuration of the seed's services: the default VPC's, no public IP. */
async function privateNetwork(): Promise<NetworkConfiguration> {
  const network = await defaultNetwork()
  return {
    awsvpcConfiguration: {
      subnets: network.subnets,
      securityGroups: network.securityGroups,
      assignPublicIp: 'DISABLED'
    }
  }
}

/** Waits until ECR knows `tag` with `digest` (the bridge puts pushed images into moto). */
async function waitForImage(tag: string, digest: string): Promise<void> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const found = await ecr
      .send(
        new DescribeImagesCommand({ repositoryName: REPOSITORY, imageIds: [{ imageTag: tag }] })
      )
      .then(r => r.imageDetails?.[0]?.imageDigest)
      .catch(() => undefined)
    if (found === digest) return
    if (Date.now() > deadline) {
      throw new Error(
        `ECR never showed ${REPOSITORY}:${tag} as ${digest} (got ${found ?? 'nothing'}); see .e2e/layer/layer.log`
      )
    }
    await sleep(100)
  }
}

async function pushSeedImage(): Promise<{ tag: string; digest: string; reference: string }> {
  // Fixed content: the engine's build cache makes the same image, so the same digest, every time.
  const context = await makeBuildContext('babyshield-backend seed image\n')
  try {
    const digest = await buildAndPush(context, `${REPOSITORY_URI}:${SEED_TAG}`)
    await waitForImage(SEED_TAG, digest)
    return { tag: SEED_TAG, digest, reference: `${REPOSITORY_URI}@${digest}` }
  } finally {
    await rm(context, { recursive: true, force: true })
  }
}

/**
 * The load balancer: target groups blue (the service's) and green (its alternate), the production
 * listener forwarding to blue at weight 100 and green at 0, and the alarm on blue's 5xx answers.
 */
async function loadBalancer(network: {
  vpc: string
  subnets: string[]
  securityGroups: string[]
}): Promise<Seeded['loadBalancer']> {
  const created = await elbv2.send(
    new CreateLoadBalancerCommand({
      Name: LOAD_BALANCER,
      Subnets: network.subnets,
      SecurityGroups: network.securityGroups,
      Type: 'application',
      Scheme: 'internal'
    })
  )
  const arn = created.LoadBalancers?.[0]?.LoadBalancerArn ?? ''
  const targetGroup = async (name: string): Promise<string> => {
    const group = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: 8000,
        VpcId: network.vpc,
        TargetType: 'ip',
        HealthCheckPath: '/healthz'
      })
    )
    return group.TargetGroups?.[0]?.TargetGroupArn ?? ''
  }
  const blue = await targetGroup(TARGET_GROUP)
  const green = await targetGroup(ALTERNATE_TARGET_GROUP)
  await elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: arn,
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: blue, Weight: 100 },
              { TargetGroupArn: green, Weight: 0 }
            ]
          }
        }
      ]
    })
  )
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: ALARM,
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: [
        { Name: 'TargetGroup', Value: blue.slice(blue.indexOf('targetgroup/')) },
        { Name: 'LoadBalancer', Value: arn.slice(arn.indexOf('app/')) }
      ],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 50,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching'
    })
  )
  return { arn, blue, green }
}

export async function seed(options: SeedOptions = {}): Promise<Seeded> {
  await stackControl.reset({
    ...(options.stepMs === undefined ? {} : { stepMs: options.stepMs }),
    ...(options.requestsPerMinute === undefined
      ? {}
      : { requestsPerMinute: options.requestsPerMinute }),
    ...(options.bakeMinuteMs === undefined ? {} : { bakeMinuteMs: options.bakeMinuteMs })
  })
  const cluster = await ecs.send(
    new CreateClusterCommand({
      clusterName: CLUSTER,
      settings: [{ name: 'containerInsights', value: 'enabled' }],
      tags: [{ key: 'environment', value: 'production' }]
    })
  )
  await ecr.send(
    new CreateRepositoryCommand({
      repositoryName: REPOSITORY,
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: true }
    })
  )
  await logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }))
  await logs.send(new PutRetentionPolicyCommand({ logGroupName: LOG_GROUP, retentionInDays: 30 }))

  const seedImage = await pushSeedImage()
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand(taskDefinitionInput(seedImage.reference))
  )
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn ?? ''

  const network = await defaultNetwork()
  const balancer = await loadBalancer(network)
  const created = await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: SERVICE,
      taskDefinition: taskDefinitionArn,
      loadBalancers: [
        { targetGroupArn: balancer.blue, containerName: APP_CONTAINER, containerPort: 8000 }
      ],
      desiredCount: 2,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      networkConfiguration: await privateNetwork(),
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: true },
        maximumPercent: 200,
        minimumHealthyPercent: 100
      },
      propagateTags: 'TASK_DEFINITION',
      enableECSManagedTags: true,
      tags: [{ key: 'environment', value: 'production' }]
    })
  )
  // The first rollout runs to its end at once: the service is "already running".
  await stackControl.settle()

  return {
    region: REGION,
    cluster: CLUSTER,
    clusterArn: cluster.cluster?.clusterArn ?? '',
    service: SERVICE,
    serviceArn: created.service?.serviceArn ?? '',
    repository: REPOSITORY,
    repositoryUri: REPOSITORY_URI,
    logGroup: LOG_GROUP,
    family: FAMILY,
    taskDefinitionArn,
    seedImage,
    loadBalancer: balancer
  }
}

/**
 * Adds the worker: its own family (one container running the seed image, command `worker`) and
 * service (2 tasks), already steady. For tests that ship the API and its worker together.
 */
export async function seedWorker(seeded: Seeded): Promise<{ taskDefinitionArn: string }> {
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: WORKER_FAMILY,
      taskRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/babyshield-backend-task`,
      executionRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/ecsTaskExecutionRole`,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      containerDefinitions: [
        {
          name: WORKER_CONTAINER,
          image: seeded.seedImage.reference,
          essential: true,
          command: ['python', '-m', 'babyshield.worker'],
          environment: [{ name: 'APP_ENV', value: 'production' }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': LOG_GROUP,
              'awslogs-region': REGION,
              'awslogs-stream-prefix': 'worker'
            }
          }
        }
      ],
      tags: [{ key: 'service', value: 'babyshield-worker' }]
    })
  )
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn ?? ''
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: WORKER_SERVICE,
      taskDefinition: taskDefinitionArn,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: await privateNetwork(),
      deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 }
    })
  )
  await stackControl.settle()
  return { taskDefinitionArn }
}

/** Services that deploy by ECS's other strategies, for tests that create one (README: The seed). */
export const STRATEGY_SERVICES = {
  blueGreen: 'babyshield-bg-service',
  linear: 'babyshield-linear-service',
  canary: 'babyshield-canary-service',
  earlySuccess: 'babyshield-early-service'
} as const

const ELB = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT_ID}`

/**
 * A blue/green load balancer with a test listener rule (advancedConfiguration.testListenerRule):
 * the layer then keeps test traffic apart from production. Nothing is checked against ELB.
 */
export const TEST_LISTENER_LOAD_BALANCER = {
  targetGroupArn: `${ELB}:targetgroup/babyshield-blue/0a1b2c3d4e5f6a7b`,
  containerName: APP_CONTAINER,
  containerPort: 8000,
  advancedConfiguration: {
    alternateTargetGroupArn: `${ELB}:targetgroup/babyshield-green/7b6a5f4e3d2c1b0a`,
    productionListenerRule: `${ELB}:listener-rule/app/babyshield/0a1b2c3d4e5f6a7b/1a2b3c4d5e6f7a8b/0f1e2d3c4b5a6978`,
    testListenerRule: `${ELB}:listener-rule/app/babyshield/0a1b2c3d4e5f6a7b/8b7a6f5e4d3c2b1a/8796a5b4c3d2e1f0`,
    roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/ecsInfrastructureRoleForLoadBalancers`
  }
}

/**
 * Adds a service of the seeded revision (2 tasks, the seed's network) that deploys as
 * `deploymentConfiguration` says (strategy, linear or canary steps, bake time, PAUSE hooks, early
 * success), already steady; with `testListener`, behind TEST_LISTENER_LOAD_BALANCER. Returns its ARN.
 */
export async function createStrategyService(
  seeded: Seeded,
  name: string,
  deploymentConfiguration: DeploymentConfiguration,
  options: { testListener?: boolean; desiredCount?: number } = {}
): Promise<string> {
  const created = await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: name,
      taskDefinition: seeded.taskDefinitionArn,
      desiredCount: options.desiredCount ?? 2,
      launchType: 'FARGATE',
      networkConfiguration: await privateNetwork(),
      ...(options.testListener ? { loadBalancers: [TEST_LISTENER_LOAD_BALANCER] } : {}),
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        ...deploymentConfiguration
      }
    })
  )
  await stackControl.settle()
  return created.service?.serviceArn ?? ''
}
