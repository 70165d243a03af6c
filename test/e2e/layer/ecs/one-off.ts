// One-off tasks (RunTask), which moto starts but never runs, stops or gives an exit code: here a
// task is checked as ECS checks it, starts (its images pulled from the local registry), writes
// its log lines, and exits with a scripted code, or runs until StopTask. Scripted through
// POST /_stack/next-task, else it exits 0.
import { randomBytes } from 'node:crypto'
import type { Task, TaskDefinition } from '@aws-sdk/client-ecs'
import { stopTask, type RolloutEffects } from './rollout.js'

export const TASK_OUTCOMES = ['exit', 'refused', 'hang'] as const
export type TaskOutcome = (typeof TASK_OUTCOMES)[number]

/** How the next one-off task goes. */
export interface TaskScript {
  /** exit (default): runs, then exits with exitCode; refused: RunTask starts nothing; hang: runs until stopped. */
  outcome: TaskOutcome
  /** exit: the overridden container's exit code (default 0). */
  exitCode?: number
  /** What the overridden container logs (default: the command, then a line that it is done). */
  logLines?: string[]
  /** exit: ticks it runs before it exits (default 2). */
  runTicks?: number
  /** refused: RunTask's failure reason (default RESOURCE:ENI). */
  reason?: string
}

/** What RunTask was asked, for the tests to read back. */
export interface RunRequest {
  launchType?: string
  capacityProviderStrategy?: unknown
  platformVersion?: string
  networkConfiguration?: unknown
  overrides?: { containerOverrides?: { name?: string; command?: string[] }[] }
  tags?: { key?: string; value?: string }[]
  startedBy?: string
  clientToken?: string
}

interface OneOff {
  task: Task
  definition: TaskDefinition
  script: TaskScript
  request: RunRequest
  region: string
  ticksRunning: number
}

export class InvalidRunTask extends Error {}

type Container = NonNullable<Task['containers']>[number]

function byContainer<T>(task: Task, pick: (c: Container) => T): Record<string, T> {
  return Object.fromEntries((task.containers ?? []).map(c => [c.name ?? '', pick(c)]))
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

export class OneOffTasks {
  private tasks: OneOff[] = []
  private scripts: TaskScript[] = []

  reset(): void {
    this.tasks = []
    this.scripts = []
  }

  next(script: TaskScript): void {
    if (!TASK_OUTCOMES.includes(script.outcome)) {
      throw new InvalidRunTask(`outcome must be one of ${TASK_OUTCOMES.join(', ')}`)
    }
    this.scripts.push(script)
  }

  all(): Task[] {
    return this.tasks.map(t => t.task)
  }

  /**
   * RunTask, checked as ECS checks it: a launch type and a capacity provider strategy exclude
   * each other, awsvpc needs a network configuration, an override names a container of the
   * revision. A clientToken seen before answers with the same task.
   */
  run(
    body: Record<string, unknown>,
    definition: TaskDefinition,
    where: { region: string; accountId: string; clusterArn: string; clusterName: string },
    now: Date
  ): { tasks: Task[]; failures: { reason: string }[] } {
    const request = body as RunRequest & { count?: number }
    const known = this.tasks.find(
      t => request.clientToken && t.request.clientToken === request.clientToken
    )
    if (known) return { tasks: [known.task], failures: [] }
    if ((request.count ?? 1) !== 1)
      throw new InvalidRunTask('The layer runs one task a RunTask call.')
    if (request.launchType && request.capacityProviderStrategy) {
      throw new InvalidRunTask(
        'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.'
      )
    }
    if (definition.networkMode === 'awsvpc' && !request.networkConfiguration) {
      throw new InvalidRunTask(
        "Network Configuration must be provided when networkMode 'awsvpc' is specified."
      )
    }
    const names = new Set((definition.containerDefinitions ?? []).map(c => c.name))
    for (const override of request.overrides?.containerOverrides ?? []) {
      if (!names.has(override.name)) {
        throw new InvalidRunTask(
          `Override for container named ${override.name ?? ''} is not a container in the TaskDefinition.`
        )
      }
    }
    const script = this.scripts.shift() ?? { outcome: 'exit' }
    if (script.outcome === 'refused')
      return { tasks: [], failures: [{ reason: script.reason ?? 'RESOURCE:ENI' }] }
    const id = hex(16)
    const task: Task = {
      taskArn: `arn:aws:ecs:${where.region}:${where.accountId}:task/${where.clusterName}/${id}`,
      clusterArn: where.clusterArn,
      taskDefinitionArn: definition.taskDefinitionArn,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      ...(request.startedBy ? { startedBy: request.startedBy } : {}),
      group: `family:${definition.family ?? ''}`,
      ...(request.launchType ? { launchType: request.launchType as Task['launchType'] } : {}),
      ...(request.capacityProviderStrategy ? { capacityProviderName: 'FARGATE' } : {}),
      platformVersion: '1.4.0',
      createdAt: now,
      version: 1,
      overrides: { containerOverrides: request.overrides?.containerOverrides ?? [] },
      containers: (definition.containerDefinitions ?? []).map(c => ({
        containerArn: `arn:aws:ecs:${where.region}:${where.accountId}:container/${where.clusterName}/${id}/${hex(8)}`,
        taskArn: `arn:aws:ecs:${where.region}:${where.accountId}:task/${where.clusterName}/${id}`,
        name: c.name,
        image: c.image,
        lastStatus: 'PENDING'
      })),
      tags: request.tags ?? []
    }
    this.tasks.push({ task, definition, script, request, region: where.region, ticksRunning: 0 })
    return { tasks: [task], failures: [] }
  }

  /** StopTask of a one-off task; false when the task is not one. */
  stop(reference: string, reason: string | undefined, now: Date): Task | undefined {
    const found = this.tasks.find(
      t => t.task.taskArn === reference || t.task.taskArn?.endsWith(`/${reference}`)
    )
    if (!found) return undefined
    if (found.task.desiredStatus === 'RUNNING') {
      const running = (found.task.containers ?? []).filter(c => c.lastStatus === 'RUNNING')
      stopTask(found.task, now, {
        stopCode: 'UserInitiated',
        stoppedReason: reason ?? 'Task stopped by user',
        // SIGTERM: a process that was running exits 143.
        exitCodes: Object.fromEntries(running.map(c => [c.name ?? '', 143]))
      })
    }
    return found.task
  }

  /** One tick of every live one-off task: PROVISIONING → PENDING → RUNNING → its scripted end. */
  async step(fx: RolloutEffects): Promise<void> {
    for (const oneOff of this.tasks) {
      const task = oneOff.task
      if (task.desiredStatus !== 'RUNNING') continue
      if (task.lastStatus === 'PROVISIONING') task.lastStatus = 'PENDING'
      else if (task.lastStatus === 'PENDING') await this.start(oneOff, fx)
      else if (task.lastStatus === 'RUNNING') await this.runOn(oneOff, fx)
    }
  }

  private overridden(oneOff: OneOff): { name: string; command: string[] } {
    const override = oneOff.request.overrides?.containerOverrides?.[0]
    const name = override?.name ?? oneOff.definition.containerDefinitions?.[0]?.name ?? ''
    return { name, command: override?.command ?? [] }
  }

  private async start(oneOff: OneOff, fx: RolloutEffects): Promise<void> {
    const task = oneOff.task
    const now = fx.now()
    for (const container of task.containers ?? []) {
      const pulled = await fx.resolveDigest(container.image ?? '')
      if ('error' in pulled) {
        stopTask(task, now, {
          stopCode: 'TaskFailedToStart',
          stoppedReason: `CannotPullContainerError: pull image manifest has been retried 5 time(s): ${pulled.error}`
        })
        return
      }
      container.imageDigest = pulled.digest
    }
    task.lastStatus = 'RUNNING'
    task.startedAt = now
    for (const container of task.containers ?? []) container.lastStatus = 'RUNNING'
    const { name, command } = this.overridden(oneOff)
    const definition = oneOff.definition.containerDefinitions?.find(c => c.name === name)
    const lines = oneOff.script.logLines ?? [`$ ${command.join(' ')}`, 'done']
    if (definition) await fx.writeLogs(oneOff.region, task, definition, lines)
  }

  private async runOn(oneOff: OneOff, fx: RolloutEffects): Promise<void> {
    oneOff.ticksRunning++
    const script = oneOff.script
    if (script.outcome === 'hang' || oneOff.ticksRunning < (script.runTicks ?? 2)) return
    const { name } = this.overridden(oneOff)
    const others = (oneOff.task.containers ?? []).filter(c => c.name !== name)
    stopTask(oneOff.task, fx.now(), {
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      exitCodes: {
        [name]: script.exitCode ?? 0,
        ...Object.fromEntries(others.map(c => [c.name ?? '', 143]))
      }
    })
  }

  /** What the tests read back: each task, how it ended, and what RunTask was asked. */
  status(): unknown[] {
    return this.tasks.map(({ task, request }) => ({
      taskArn: task.taskArn,
      taskDefinitionArn: task.taskDefinitionArn,
      lastStatus: task.lastStatus,
      stopCode: task.stopCode,
      stoppedReason: task.stoppedReason,
      exitCodes: byContainer(task, c => c.exitCode),
      imageDigests: byContainer(task, c => c.imageDigest),
      request
    }))
  }
}
