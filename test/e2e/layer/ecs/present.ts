// The model as the ECS API answers it: counts derived from the tasks, dates as epoch seconds.
import type { Deployment, Task } from '@aws-sdk/client-ecs'
import { isLive, type SimService } from './model.js'

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
}

/** JSON with Date values as epoch seconds, the way the ECS JSON protocol carries timestamps. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: Json, key: string, replaced: unknown) {
    const original = this[key]
    return original instanceof Date ? original.getTime() / 1000 : replaced
  })
}
