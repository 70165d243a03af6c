// The model as the ECS API answers it: counts derived from the tasks, dates as epoch seconds.
import type { Deployment, Task } from '@aws-sdk/client-ecs'
import { isLive, serviceRevisionArn, type SimService, type SimServiceDeployment } from './model.js'

type Json = Record<string, unknown>

function counts(tasks: Task[]): { runningCount: number; pendingCount: number } {
  const live = tasks.filter(isLive)
  const runningCount = live.filter(t => t.lastStatus === 'RUNNING').length
  return { runningCount, pendingCount: live.length - runningCount }
}

export function presentDeployments(service: SimService): Deployment[] {
  return service.deployments.map(d => ({
    ...d.deployment,
    ...counts(service.tasks.filter(t => t.startedBy === d.deployment.id))
  }))
}

function revisionSummary(service: SimService, deploymentId: string, weight: number): Json {
  const tasks = service.tasks.filter(t => t.startedBy === deploymentId)
  const deployment = service.deployments.find(d => d.deployment.id === deploymentId)
  return {
    arn: serviceRevisionArn(service, deploymentId),
    requestedTaskCount: deployment ? (deployment.deployment.desiredCount ?? 0) : 0,
    ...countsOf(tasks),
    requestedTestTrafficWeight: weight,
    requestedProductionTrafficWeight: weight
  }
}

function countsOf(tasks: Task[]): Json {
  const { runningCount, pendingCount } = counts(tasks)
  return { runningTaskCount: runningCount, pendingTaskCount: pendingCount }
}

/** A service deployment as DescribeServiceDeployments answers it. */
export function presentServiceDeployment(service: SimService, d: SimServiceDeployment): Json {
  return {
    serviceDeploymentArn: d.arn,
    serviceArn: service.arn,
    clusterArn: service.clusterArn,
    createdAt: d.createdAt,
    startedAt: d.startedAt,
    ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
    updatedAt: d.finishedAt ?? d.startedAt,
    sourceServiceRevisions: d.sourceDeploymentIds.map(id =>
      revisionSummary(service, id, 100 - d.productionWeight)
    ),
    targetServiceRevision: revisionSummary(service, d.targetDeploymentId, d.productionWeight),
    status: d.status,
    ...(d.statusReason ? { statusReason: d.statusReason } : {}),
    ...(d.lifecycleStage ? { lifecycleStage: d.lifecycleStage } : {}),
    deploymentConfiguration: service.deploymentConfiguration,
    ...(d.rollback ? { rollback: d.rollback } : {}),
    ...(d.alarms ? { alarms: d.alarms } : {})
  }
}

/** A service deployment as ListServiceDeployments answers it. */
export function presentServiceDeploymentBrief(service: SimService, d: SimServiceDeployment): Json {
  return {
    serviceDeploymentArn: d.arn,
    serviceArn: service.arn,
    clusterArn: service.clusterArn,
    createdAt: d.createdAt,
    startedAt: d.startedAt,
    ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
    targetServiceRevisionArn: serviceRevisionArn(service, d.targetDeploymentId),
    status: d.status,
    ...(d.statusReason ? { statusReason: d.statusReason } : {})
  }
}

/** Overwrites, in moto's service answer, what the layer knows better. */
export function patchService(json: Json, service: SimService): void {
  const primary = service.deployments[0]
  if (primary) json.taskDefinition = primary.deployment.taskDefinition
  json.desiredCount = service.desiredCount
  Object.assign(json, counts(service.tasks))
  json.deployments = presentDeployments(service)
  json.events = service.events
  json.deploymentConfiguration = service.deploymentConfiguration
  json.createdAt = service.createdAt
  json.launchType = service.launchType
  json.platformVersion = service.platformVersion
  json.platformFamily = 'Linux'
  if (service.networkConfiguration) json.networkConfiguration = service.networkConfiguration
  json.deploymentController = service.deploymentController
  json.loadBalancers = service.loadBalancers
  const current = service.serviceDeployments[0]
  if (current) json.currentServiceDeployment = current.arn
}

/** JSON with Date values as epoch seconds, the way the ECS JSON protocol carries timestamps. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: Json, key: string, replaced: unknown) {
    const original = this[key]
    return original instanceof Date ? original.getTime() / 1000 : replaced
  })
}
