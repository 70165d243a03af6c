// The stopped tasks of a deployment: which are ours, which are failures, and reading them
// without describing a task twice.
import type { Task } from '@aws-sdk/client-ecs'
import type { Deps } from '../deps.js'

export interface StoppedTaskQuery {
  service: string
  /** Tasks a service deployment starts carry its id in `startedBy`. */
  deploymentId: string
  revision: string
  /** Epoch ms; tasks created before it belong to an earlier rollout. */
  since: number
}

/** The stopped tasks of our deployment among those of the service, newest first. Pure. */
export function ourStoppedTasks(tasks: Task[], query: StoppedTaskQuery): Task[] {
  return tasks
    .filter(t => t.startedBy === query.deploymentId || t.taskDefinitionArn === query.revision)
    .filter(t => (t.createdAt?.getTime() ?? query.since) >= query.since)
    .sort((a, b) => stoppedTime(b) - stoppedTime(a))
}

function stoppedTime(task: Task): number {
  return (task.stoppedAt ?? task.stoppingAt ?? task.createdAt)?.getTime() ?? 0
}

/**
 * Reads stopped tasks, describing each one only once it has fully stopped: a look during the
 * watch costs one ListTasks plus one DescribeTasks for the tasks not seen before.
 */
export class StoppedTaskReader {
  private readonly described = new Map<string, Task>()

  async read(deps: Pick<Deps, 'ecs'>, query: StoppedTaskQuery): Promise<Task[]> {
    const arns = await deps.ecs.taskArns(query.service, 'STOPPED')
    const fresh = arns.filter(arn => !this.described.has(arn))
    const tasks = fresh.length > 0 ? await deps.ecs.tasks(fresh) : []
    for (const task of tasks) {
      // Exit codes arrive once the task is STOPPED; until then it is described again.
      if (task.taskArn && task.lastStatus === 'STOPPED') this.described.set(task.taskArn, task)
    }
    const known = arns.flatMap(arn => this.described.get(arn) ?? [])
    const stopping = tasks.filter(t => t.lastStatus !== 'STOPPED')
    return ourStoppedTasks([...known, ...stopping], query)
  }
}

/**
 * Why a task counts as a failure of its deployment, or undefined when it was stopped for
 * another reason (scale-in, replacement by a newer deployment, Spot, a user). Pure.
 *
 * Failures: it failed to start (image pull, secrets, ENI…), an essential container exited,
 * or it failed a container or load balancer health check.
 */
export function taskFailure(task: Task): string | undefined {
  const reason = task.stoppedReason ?? ''
  const failed =
    task.stopCode === 'TaskFailedToStart' ||
    task.stopCode === 'EssentialContainerExited' ||
    /health ?checks?/i.test(reason)
  if (!failed) return undefined
  const containers = task.containers ?? []
  const telling = containers.filter(c => (c.exitCode ?? 0) !== 0 || c.reason)
  const shown = (telling.length > 0 ? telling : containers.filter(c => c.exitCode !== undefined))
    .map(
      c =>
        `${c.name ?? '?'}: ${c.exitCode === undefined ? 'no exit code' : `exit ${c.exitCode}`}${c.reason ? `, ${c.reason}` : ''}`
    )
    .join('; ')
  return `${reason || task.stopCode || 'stopped'}${shown ? ` (${shown})` : ''}`
}

export function failingTasks(tasks: Task[]): Task[] {
  return tasks.filter(t => taskFailure(t) !== undefined)
}

/** `3 tasks of deployment X failed: 3× Essential container in task exited (app: exit 1)`. Pure. */
export function failureSummary(failing: Task[], deploymentId: string): string {
  const counts = new Map<string, number>()
  for (const task of failing) {
    const failure = taskFailure(task) ?? 'stopped'
    counts.set(failure, (counts.get(failure) ?? 0) + 1)
  }
  const kinds = [...counts].map(([failure, n]) => `${n}× ${failure}`).join('; ')
  return `${failing.length} tasks of deployment ${deploymentId} failed: ${kinds}`
}
