// The model as the ECS API answers it: counts derived from the tasks, dates as epoch seconds.
import type { Deployment, Task } from '@aws-sdk/client-ecs'
import { hookDetails } from './hooks.js'
import {
  isLive,
  serviceRevisionArn,
  testWeightOf,
  type SimRevision,
  type SimService,
  type SimServiceDeployment
} from './model.js'

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

/** A revision's share of the traffic; a rolling deployment shifts none, and ECS shows none. */
interface Weights {
  test: number
  production: number
}

function revisionSummary(
  service: SimService,
  deploymentId: string,
  weights: Weights | undefined
): Json {
  const tasks = service.tasks.filter(t => t.startedBy === deploymentId)
  const deployment = service.deployments.find(d => d.deployment.id === deploymentId)
  return {
    arn: serviceRevisionArn(service, deploymentId),
    requestedTaskCount: deployment ? (deployment.deployment.desiredCount ?? 0) : 0,
    ...countsOf(tasks),
    ...(weights
      ? {
          requestedTestTrafficWeight: weights.test,
          requestedProductionTrafficWeight: weights.production
        }
      : {})
  }
}

/** 100 − x without 0.1-step drift (100 − 33.3 = 66.7, not 66.69999999999999). */
const rest = (weight: number): number => Math.round((100 - weight) * 10) / 10

function countsOf(tasks: Task[]): Json {
  const { runningCount, pendingCount } = counts(tasks)
  return { runningTaskCount: runningCount, pendingTaskCount: pendingCount }
}

/** A service deployment as DescribeServiceDeployments answers it. */
export function presentServiceDeployment(service: SimService, d: SimServiceDeployment): Json {
  const shifts = d.strategy !== 'ROLLING'
  const target = { test: testWeightOf(d), production: d.productionWeight }
  const source = { test: rest(target.test), production: rest(target.production) }
  const hooks = hookDetails(d)
  return {
    serviceDeploymentArn: d.arn,
    serviceArn: service.arn,
    clusterArn: service.clusterArn,
    createdAt: d.createdAt,
    startedAt: d.startedAt,
    ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
    updatedAt: d.updatedAt,
    sourceServiceRevisions: d.sourceDeploymentIds.map(id =>
      revisionSummary(service, id, shifts ? source : undefined)
    ),
    targetServiceRevision: revisionSummary(
      service,
      d.targetDeploymentId,
      shifts ? target : undefined
    ),
    status: d.status,
    ...(d.statusReason ? { statusReason: d.statusReason } : {}),
    ...(d.lifecycleStage ? { lifecycleStage: d.lifecycleStage } : {}),
    ...(hooks.length > 0
      ? {
          lifecycleHookDetails: hooks.map(h => ({
            hookId: h.hookId,
            targetType: 'PAUSE',
            status: h.status,
            expiresAt: h.expiresAt,
            timeoutAction: h.timeoutAction
          }))
        }
      : {}),
    deploymentConfiguration: d.config,
    ...(d.rollback ? { rollback: d.rollback } : {}),
    ...(d.alarms ? { alarms: d.alarms } : {})
  }
}

/** A service revision as DescribeServiceRevisions answers it; image digests from its tasks. */
export function presentServiceRevision(service: SimService, r: SimRevision): Json {
  const containers = service.tasks
    .filter(t => t.startedBy === r.deploymentId)
    .flatMap(t => t.containers ?? [])
  return {
    serviceRevisionArn: serviceRevisionArn(service, r.deploymentId),
    serviceArn: service.arn,
    clusterArn: service.clusterArn,
    taskDefinition: r.taskDefinition.taskDefinitionArn,
    launchType: service.launchType,
    platformVersion: service.platformVersion,
    platformFamily: 'Linux',
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
    containerImages: (r.taskDefinition.containerDefinitions ?? []).map(c => {
      const digest = containers.find(run => run.name === c.name && run.imageDigest)?.imageDigest
      return { containerName: c.name, image: c.image, ...(digest ? { imageDigest: digest } : {}) }
    }),
    guardDutyEnabled: false,
    createdAt: r.createdAt
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
