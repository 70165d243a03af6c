// The checks that say a service really runs what it should. Pure judgements over what ECS
// answered, and one function that gathers the answers.
import type { Service, Task } from '@aws-sdk/client-ecs'
import type { Deps } from './deps.js'
import type { Check, LogExcerpt } from './result.js'

export interface Expectation {
  service: string
  /** The revision every running task must run. */
  taskDefinitionArn: string
  containerName: string
  /** `sha256:…` every running task's container must run. */
  digest: string
  healthCheckUrl: string | undefined
  /** Empty: the container's awslogs-group. */
  logGroup: string | undefined
  logsSinceMinutes: number
}

export interface Verification {
  checks: Check[]
  logs?: LogExcerpt
}

export function serviceChecks(service: Service): Check[] {
  const deployments = service.deployments ?? []
  const primary = deployments.find(d => d.status === 'PRIMARY')
  const running = service.runningCount ?? 0
  const desired = service.desiredCount ?? 0
  return [
    {
      name: 'service active',
      status: service.status === 'ACTIVE' ? 'pass' : 'fail',
      detail: `status ${service.status ?? 'unknown'}`
    },
    {
      name: 'one deployment, completed',
      status: deployments.length === 1 && primary?.rolloutState === 'COMPLETED' ? 'pass' : 'fail',
      detail:
        deployments
          .map(d => `${d.status ?? '?'} ${d.rolloutState ?? '?'} ${shortArn(d.taskDefinition)}`)
          .join('; ') || 'no deployments'
    },
    {
      name: 'running = desired',
      status: running === desired ? 'pass' : 'fail',
      detail: `${running} running, ${desired} desired`
    }
  ]
}

export function taskChecks(tasks: Task[], expected: Expectation): Check[] {
  const wrongRevision = tasks.filter(t => t.taskDefinitionArn !== expected.taskDefinitionArn)
  const digests = tasks.map(t => ({
    id: taskId(t.taskArn),
    digest: t.containers?.find(c => c.name === expected.containerName)?.imageDigest
  }))
  const wrongDigest = digests.filter(d => d.digest !== expected.digest)
  return [
    {
      name: 'tasks run the service revision',
      status: tasks.length > 0 && wrongRevision.length === 0 ? 'pass' : 'fail',
      detail:
        tasks.length === 0
          ? 'no running tasks'
          : wrongRevision.length === 0
            ? `${tasks.length} of ${tasks.length} tasks run ${shortArn(expected.taskDefinitionArn)}`
            : `${wrongRevision.length} of ${tasks.length} tasks run another revision: ${wrongRevision
                .map(t => `${taskId(t.taskArn)} runs ${shortArn(t.taskDefinitionArn)}`)
                .join(', ')}`
    },
    {
      name: 'tasks run the expected digest',
      status: tasks.length > 0 && wrongDigest.length === 0 ? 'pass' : 'fail',
      detail:
        tasks.length === 0
          ? 'no running tasks'
          : wrongDigest.length === 0
            ? `${tasks.length} of ${tasks.length} tasks run ${expected.containerName}@${expected.digest}`
            : `${wrongDigest.length} of ${tasks.length} tasks run another image in ${expected.containerName}: ${wrongDigest
                .map(d => `${d.id} runs ${d.digest ?? 'no reported digest'}`)
                .join(', ')}`
    }
  ]
}

/** Every check of what runs now, reading the service and all its running tasks. */
export async function verifyRunning(deps: Deps, expected: Expectation): Promise<Verification> {
  const service = await deps.ecs.service(expected.service)
  const tasks = await deps.ecs.tasks(await deps.ecs.taskArns(expected.service, 'RUNNING'))
  return { checks: [...serviceChecks(service), ...taskChecks(tasks, expected)] }
}

export function allPassed(checks: Check[]): boolean {
  return checks.length > 0 && checks.every(c => c.status !== 'fail')
}

export function shortArn(arn: string | undefined): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : 'unknown'
}

export function taskId(arn: string | undefined): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : 'unknown'
}
