// One-off tasks for a FakeEcs: RunTask starts a task whose life follows a story on the fake's
// clock (it starts, runs, exits with a code or never), StopTask stops it, DescribeTasks and the
// task's log stream show it. What RunTask and StopTask were asked is kept for the tests.
import {
  RunTaskCommand,
  StopTaskCommand,
  type RunTaskCommandInput,
  type Task
} from '@aws-sdk/client-ecs'
import { taskArn, T0, type FakeEcs } from './scripted-ecs.js'

export interface OneOffStory {
  /** RunTask starts nothing and answers with this failure reason. */
  refused?: string
  /** RunTask throws this. */
  error?: Error
  /** Seconds after RunTask at which the task is RUNNING (default 5). */
  runningAt?: number
  /** The task stops at runningAt, failing to start, with this reason. */
  failsToStart?: string
  /** Seconds after RunTask at which the container exits (default 20); 'never' runs until stopped. */
  exitsAt?: number | 'never'
  /** The container's exit code (default 0). */
  exitCode?: number
  /** What the container logs. */
  logs?: string[]
  /** Another essential container that runs on after the migration container exits. */
  sidecar?: boolean
  /** Seconds from StopTask until the task is STOPPED (default 2). */
  stopTakes?: number
}

interface Started {
  arn: string
  at: number
  input: RunTaskCommandInput
  stop?: { at: number; reason: string | undefined }
}

export class OneOffTasks {
  readonly started: Started[] = []

  constructor(
    private readonly ecs: FakeEcs,
    private readonly story: OneOffStory = {}
  ) {
    ecs.ecsMock.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) => {
      if (story.error) throw story.error
      if (story.refused) return { tasks: [], failures: [{ reason: story.refused }] }
      const arn = taskArn(`migration-${this.started.length + 1}`)
      this.started.push({ arn, at: ecs.clock.seconds, input })
      if (story.logs) ecs.extraLogs[arn.split('/').pop() ?? ''] = story.logs
      return { tasks: [this.task(this.started.at(-1)!)], failures: [] }
    })
    ecs.ecsMock.on(StopTaskCommand).callsFake((input: { task?: string; reason?: string }) => {
      const found = this.started.find(s => s.arn === input.task)
      if (!found)
        throw Object.assign(new Error('The referenced task was not found.'), {
          name: 'InvalidParameterException',
          $fault: 'client'
        })
      found.stop ??= { at: ecs.clock.seconds, reason: input.reason }
      return { task: this.task(found) }
    })
    ecs.extraTasks.push(() => this.started.map(s => this.task(s)))
  }

  /** The RunTask input of the one task started; throws unless exactly one was. */
  only(): RunTaskCommandInput {
    const [first, ...others] = this.started
    if (!first || others.length > 0)
      throw new Error(`expected one RunTask, got ${this.started.length}`)
    return first.input
  }

  /** StopTask reasons, in order. */
  stopReasons(): (string | undefined)[] {
    return this.started.flatMap(s => (s.stop ? [s.stop.reason] : []))
  }

  /** The task as ECS describes it now. */
  private task(started: Started): Task {
    const story = this.story
    const container = started.input.overrides?.containerOverrides?.[0]?.name ?? 'app'
    const since = this.ecs.clock.seconds - started.at
    const runningAt = story.runningAt ?? 5
    const exitsAt = story.exitsAt ?? 20
    const exited = exitsAt !== 'never' && since >= exitsAt
    const stoppedAt = started.stop
      ? started.stop.at - started.at + (story.stopTakes ?? 2)
      : Infinity
    const at = (s: number): Date => new Date(T0 + (started.at + s) * 1000)
    const base: Task = {
      taskArn: started.arn,
      taskDefinitionArn: started.input.taskDefinition,
      startedBy: started.input.startedBy,
      createdAt: at(0),
      desiredStatus: 'RUNNING'
    }
    const stopped = (fields: Partial<Task>): Task => ({
      ...base,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      ...fields
    })
    if (story.failsToStart && since >= runningAt) {
      return stopped({
        stopCode: 'TaskFailedToStart',
        stoppedReason: story.failsToStart,
        stoppedAt: at(runningAt),
        containers: [{ name: container, lastStatus: 'STOPPED' }]
      })
    }
    const exitCode = story.exitCode ?? 0
    if (since >= stoppedAt) {
      const ranToEnd = exited && exitsAt < stoppedAt
      return stopped({
        stopCode: 'UserInitiated',
        stoppedReason: started.stop?.reason ?? 'Task stopped by user',
        stoppedAt: at(stoppedAt),
        containers: [
          {
            name: container,
            lastStatus: 'STOPPED',
            ...(since >= runningAt ? { exitCode: ranToEnd ? exitCode : 143 } : {})
          },
          ...(story.sidecar
            ? [{ name: 'datadog-agent', lastStatus: 'STOPPED', exitCode: 143 }]
            : [])
        ]
      })
    }
    if (exited && !story.sidecar) {
      return stopped({
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        stoppedAt: at(exitsAt),
        containers: [{ name: container, lastStatus: 'STOPPED', exitCode }]
      })
    }
    const status = since >= runningAt ? 'RUNNING' : 'PROVISIONING'
    return {
      ...base,
      lastStatus: status,
      containers: [
        exited
          ? { name: container, lastStatus: 'STOPPED', exitCode }
          : { name: container, lastStatus: status === 'RUNNING' ? 'RUNNING' : 'PENDING' },
        ...(story.sidecar
          ? [{ name: 'datadog-agent', lastStatus: status === 'RUNNING' ? 'RUNNING' : 'PENDING' }]
          : [])
      ]
    }
  }
}
