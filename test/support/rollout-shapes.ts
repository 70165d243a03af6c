// The deployments, services and stopped tasks the rollout's unit tests build their ECS answers
// from: revision 13 is the one being rolled out by deployment ecs-svc/new, at T0.
import type { Deployment, Service, Task } from '@aws-sdk/client-ecs'

import { T0 } from './constants.js'

export { T0 }
export const REV = (n: number): string =>
  `arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:${n}`
export const ARN = (id: string): string => `arn:aws:ecs:eu-north-1:123456789012:task/cluster/${id}`

export function dep(
  id: string,
  status: 'PRIMARY' | 'ACTIVE',
  revision: number,
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED',
  counts: { running?: number; desired?: number; pending?: number; failed?: number } = {},
  extra: Partial<Deployment> = {}
): Deployment {
  return {
    id,
    status,
    taskDefinition: REV(revision),
    runningCount: counts.running ?? 0,
    desiredCount: counts.desired ?? 2,
    pendingCount: counts.pending ?? 0,
    failedTasks: counts.failed ?? 0,
    rolloutState,
    createdAt: new Date(T0),
    ...extra
  }
}

export const svc = (deployments: Deployment[], events: string[] = []): Service => ({
  status: 'ACTIVE',
  deployments,
  events: events.map((message, i) => ({ id: String(i), message, createdAt: new Date(T0 + 1000) }))
})

/** A task of deployment ecs-svc/new on revision 13 that stopped 20 s after T0. */
export function task(id: string, extra: Partial<Task> = {}): Task {
  return {
    taskArn: ARN(id),
    taskDefinitionArn: REV(13),
    startedBy: 'ecs-svc/new',
    lastStatus: 'STOPPED',
    createdAt: new Date(T0 + 1000),
    stoppedAt: new Date(T0 + 20_000),
    ...extra
  }
}

/** Such a task whose essential container `app` exited with `exitCode`. */
export const crashed = (id: string, exitCode = 1, extra: Partial<Task> = {}): Task =>
  task(id, {
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [
      { name: 'app', exitCode },
      { name: 'log-router', exitCode: 0 }
    ],
    ...extra
  })

/** The stopped-task query of that rollout. */
export const query = { service: 's', deploymentId: 'ecs-svc/new', revision: REV(13), since: T0 }
