// The new revision's tasks of a service, as a bake sees them: those that run, and those that
// stopped since, described once each; a task that stopped as a failure is the release's.
import type { Task } from '@aws-sdk/client-ecs'
import type { Deps } from '../deps.js'
import { taskFailure } from '../rollout/stopped-tasks.js'

export class NewTasks {
  /** New-revision tasks seen, by ARN, as last described. */
  private readonly seen = new Map<string, Task>()
  private readonly running = new Set<string>()
  private readonly stopping = new Set<string>()
  /** New tasks that stopped as failures, in the order seen. */
  readonly failed: Task[] = []

  constructor(private readonly revision: string) {}

  /** Every new task seen, running or stopped. */
  get all(): Task[] {
    return [...this.seen.values()]
  }

  /** Lists the service's running tasks; describes new ones, and those that have stopped since. */
  async look(deps: Pick<Deps, 'ecs'>, service: string): Promise<void> {
    const arns = await deps.ecs.taskArns(service, 'RUNNING')
    const unknown = arns.filter(arn => !this.seen.has(arn))
    for (const task of unknown.length > 0 ? await deps.ecs.tasks(unknown) : []) {
      if (task.taskArn && task.taskDefinitionArn === this.revision) {
        this.seen.set(task.taskArn, task)
        this.running.add(task.taskArn)
      }
    }
    for (const arn of this.running) {
      if (!arns.includes(arn)) {
        this.running.delete(arn)
        this.stopping.add(arn)
      }
    }
    if (this.stopping.size === 0) return
    for (const task of await deps.ecs.tasks([...this.stopping])) {
      if (!task.taskArn || task.lastStatus !== 'STOPPED') continue
      this.stopping.delete(task.taskArn)
      this.seen.set(task.taskArn, task)
      if (taskFailure(task)) this.failed.push(task)
    }
  }

  /** Minutes the tasks have run since `since`, together; at least a minute a task, so a start is not a rate. */
  minutes(now: number, since: number): number {
    let total = 0
    for (const task of this.seen.values()) {
      const from = (task.startedAt ?? task.createdAt)?.getTime() ?? since
      const to = task.stoppedAt?.getTime() ?? now
      total += Math.max(0, to - Math.max(from, since)) / 60_000
    }
    return Math.max(total, this.seen.size)
  }
}
