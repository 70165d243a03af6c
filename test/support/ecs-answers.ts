// DescribeServices / DescribeTasks answers as ECS gives them, for scripting a rollout.
import type { Deployment, Service, Task } from '@aws-sdk/client-ecs'
import { ACCOUNT, CLUSTER, REGION, SERVICE } from './constants.js'

export { CLUSTER, SERVICE }

export function deployment(
  id: string,
  taskDefinition: string,
  status: 'PRIMARY' | 'ACTIVE',
  rolloutState: Deployment['rolloutState'],
  running: number,
  desired = 2,
  extra: Partial<Deployment> = {}
): Deployment {
  return {
    id,
    status,
    taskDefinition,
    desiredCount: desired,
    runningCount: running,
    pendingCount: Math.max(0, desired - running),
    failedTasks: 0,
    rolloutState,
    createdAt: new Date('2026-11-26T10:00:00Z'),
    ...extra
  }
}

export function service(deployments: Deployment[], extra: Partial<Service> = {}): Service {
  const primary = deployments.find(d => d.status === 'PRIMARY')
  return {
    serviceName: SERVICE,
    serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/${SERVICE}`,
    status: 'ACTIVE',
    taskDefinition: primary?.taskDefinition ?? '',
    desiredCount: primary?.desiredCount ?? 2,
    runningCount: deployments.reduce((sum, d) => sum + (d.runningCount ?? 0), 0),
    deployments,
    events: [],
    ...extra
  }
}

export function task(
  id: string,
  taskDefinitionArn: string,
  container: string,
  digest: string,
  extra: Partial<Task> = {}
): Task {
  return {
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/${id}`,
    taskDefinitionArn,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    containers: [{ name: container, imageDigest: digest, lastStatus: 'RUNNING' }],
    ...extra
  }
}
