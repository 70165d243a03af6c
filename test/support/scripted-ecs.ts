// A scripted ECS for rollout stories: the service's deployments, events and stopped tasks
// change at set seconds of a fake clock. The real Ecs and Logs wrappers run on top, through
// SDK clients mocked with aws-sdk-client-mock, so every API call is counted.
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput
} from '@aws-sdk/client-cloudwatch-logs'
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type Deployment,
  type Service,
  type ServiceDeployment,
  type Task,
  type TaskDefinition
} from '@aws-sdk/client-ecs'
import { DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr'
import { mockClient } from 'aws-sdk-client-mock'
import { Ecr } from '../../src/aws/ecr.js'
import { Ecs } from '../../src/aws/ecs.js'
import { Logs } from '../../src/aws/logs.js'
import type { Deps } from '../../src/deps.js'
import { fakeLoadBalancer } from './load-balancer.js'
import type { Docker } from '../../src/docker/docker.js'
import type { Inputs } from '../../src/inputs/inputs.js'
import { inputsOf } from './inputs.js'
import {
  newResult,
  newServiceResult,
  type RunResult,
  type ServiceResult
} from '../../src/model/result.js'
import { FakeClock } from './fakes.js'
import { flatService, type FlatService } from './results.js'
import type { Move } from '../../src/model/move.js'
import { watchOver } from '../../src/modes/release.js'
import { Reporter } from '../../src/report/report.js'
import type { RolloutPolicy } from '../../src/supervise/supervise.js'

import { CLUSTER, REPOSITORY_URI, SERVICE, T0 } from './constants.js'

export { CLUSTER, REPOSITORY_URI, SERVICE, T0 }

export const rev = (n: number): string =>
  `arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:${n}`
export const digestOf = (n: number): string => `sha256:${String(n).padStart(64, '0')}`

export interface DeploymentSpec {
  id: string
  status?: 'PRIMARY' | 'ACTIVE'
  revision: number
  desired?: number
  running?: number
  pending?: number
  failed?: number
  state: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED'
  reason?: string
  /** Seconds; defaults to the step that first lists it. */
  createdAt?: number
}

export interface Step {
  /** Seconds since the story began (or since UpdateService, in `afterUpdate`). */
  at: number
  /** Replaces the service's deployments when given. */
  deployments?: DeploymentSpec[]
  /** Service events that happen at this moment. */
  events?: string[]
  /** Tasks that stop at this moment. */
  stopped?: StoppedSpec[]
  /** DescribeServices is throttled (after the SDK's retries) from here until a step says false. */
  throttled?: boolean
  /** The service deployment of the last update, from here: fields merged over the earlier ones. */
  serviceDeployment?: Partial<ServiceDeployment>
}

export interface StoppedSpec {
  id: string
  deploymentId: string
  revision: number
  stopCode?: Task['stopCode']
  reason?: string
  exitCode?: number
  containerReason?: string
  /** Seconds the task ran before it stopped. */
  ranFor?: number
}

export interface Story {
  script: Step[]
  /** What ECS does after an UpdateService to `revision`, relative to the call. */
  afterUpdate?: (revision: number, deploymentId: string) => Step[]
  /** Log lines of a task, by task id. */
  logs?: Record<string, string[]>
  /** Revisions whose image is a tag, not a digest. */
  taggedRevisions?: number[]
  /** UpdateService calls (1 = the first) that ECS applies but whose answer is lost. */
  lostUpdateAnswers?: number[]
  /**
   * UpdateService calls (1 = the first) whose answer names the service deployment of the update
   * before as current (eventual consistency): the new one is only found by listing them.
   */
  staleUpdateAnswers?: number[]
  /** The service's task definition family, when it is not the one its name gives. */
  family?: string
  /** Fields of the service's DescribeServices answer besides the deployments (its controller…). */
  serviceFields?: Partial<Service>
  /** UpdateService calls (1 = the first) that ECS refuses, changing nothing. */
  refusedUpdates?: number[]
  /**
   * What ECS does after ContinueServiceDeployment CONTINUE, relative to the call: the rest of the
   * script is replaced by it (a story that pauses at a hook lists nothing after the pause).
   */
  afterContinue?: Step[]
  /**
   * What ECS does after StopServiceDeployment ROLLBACK, or ContinueServiceDeployment ROLLBACK,
   * relative to the call. By default: the traffic back at once, the first deployment of the
   * script PRIMARY again, ROLLBACK_SUCCESSFUL 5 s later.
   */
  afterRollback?: Step[]
  /**
   * Log lines that appear at a second of the story (negative: before it began), in the stream
   * of container app of a task (`ecs/app/<task id>`). FilterLogEvents honours their time, the
   * stream names or prefix asked, and a pattern (the line contains its term).
   */
  timedLogs?: TimedLog[]
}

export interface TimedLog {
  at: number
  task: string
  message: string
}

interface State {
  deployments: Deployment[]
  events: { createdAt: Date; message: string }[]
  stopped: Task[]
  throttled: boolean
  serviceDeployment: Partial<ServiceDeployment> | undefined
}

/** A service settled on revision 12 of its family; an update rolls out and completes in 20 s. */
export function settled(name: string, extra: Partial<Story> = {}): Story {
  return {
    script: [
      {
        at: 0,
        deployments: [{ id: `ecs-svc/${name}-old`, revision: 12, running: 2, state: 'COMPLETED' }]
      }
    ],
    ...extra
  }
}

/** A rollback that ECS completes after `seconds`. */
export function completesAfter(seconds: number, desired = 2): NonNullable<Story['afterUpdate']> {
  return (revision, id) => [
    {
      at: 0,
      deployments: [{ id, revision, desired, running: 0, pending: desired, state: 'IN_PROGRESS' }]
    },
    { at: seconds, deployments: [{ id, revision, desired, running: desired, state: 'COMPLETED' }] }
  ]
}

/** One service of the fake: its story, and what was done to it. */
class FakeService {
  script: Step[]
  updates = 0
  /** The deployment of the last UpdateService, and its revision. */
  lastUpdate: { id: string; revision: number } | undefined
  /** Every UpdateService: the second it came, and the revision it rolled out. */
  readonly history: { at: number; revision: number }[] = []
  readonly registeredAt: number[] = []
  readonly updatedAt: number[] = []
  constructor(
    readonly name: string,
    readonly family: string,
    readonly story: Story
  ) {
    this.script = [...story.script].sort((a, b) => a.at - b.at)
  }
}

/** The services of one story (the service of these stories) or of stories by service name. */
function servicesOf(stories: Story | Record<string, Story>): FakeService[] {
  const byName: Record<string, Story> =
    'script' in stories ? { [SERVICE]: stories as Story } : stories
  return Object.entries(byName).map(
    ([name, story]) => new FakeService(name, story.family ?? familyOf(name), story)
  )
}

/** The task definition family of a service of these stories. */
export function familyOf(service: string): string {
  return service === SERVICE ? 'babyshield-backend-task' : `${service}-task`
}

const arnIn = (family: string, n: number): string =>
  `arn:aws:ecs:eu-north-1:123456789012:task-definition/${family}:${n}`

export const revOf = (service: string, n: number): string => arnIn(familyOf(service), n)

/**
 * ECS for one service (a Story) or several (stories by service name), each with its own task
 * definition family and script, answering the calls of all of them as ECS does.
 */
export class FakeEcs {
  readonly clock = new FakeClock(T0)
  readonly ecsMock = mockClient(ECSClient)
  readonly logsMock = mockClient(CloudWatchLogsClient)
  private services: FakeService[]
  /** Seconds at which RegisterTaskDefinition was called, for any service. */
  readonly registeredAt: number[] = []
  /** Seconds at which UpdateService was called, for any service. */
  readonly updatedAt: number[] = []
  /** Tasks outside the services (one-off tasks), described with theirs. */
  readonly extraTasks: (() => Task[])[] = []
  /** Log lines of tasks outside the services, by task id. */
  readonly extraLogs: Record<string, string[]> = {}
  /**
   * What a running task of a revision reports of its containers, when a test's registry knows the
   * revision; else its one container app runs digestOf(revision).
   */
  taskContainers?: (taskDefinitionArn: string) => Task['containers'] | undefined
  /**
   * StopServiceDeployment and ContinueServiceDeployment calls in order, with the second of the
   * story: `Stop ROLLBACK at 45`, `Continue CONTINUE h1 at 130`.
   */
  readonly serviceDeploymentActions: string[] = []
  readonly deps: Deps
  private readonly time: () => number

  /**
   * `time`: where the stories read the time, when the code under test sleeps on timers rather
   * than on the fake's clock (the SDK's own waiters, run on fake timers: `() => Date.now()`).
   */
  constructor(stories: Story | Record<string, Story>, options: { time?: () => number } = {}) {
    this.time = options.time ?? (() => this.clock.now())
    this.services = servicesOf(stories)
    const ecsClient = new ECSClient({ region: 'eu-north-1' })
    const logsClient = new CloudWatchLogsClient({ region: 'eu-north-1' })
    this.ecsMock.on(DescribeServicesCommand).callsFake((input: { services?: string[] }) => {
      const asked = (input.services ?? []).map(name => this.named(name))
      const states = asked.map(service => this.state(service))
      if (states.some(state => state.throttled)) throw throttling()
      return {
        services: asked.map((service, i) => this.service(service, states[i])),
        failures: [],
        // As every SDK answer has it; the SDK's waiters name an answer by its status.
        $metadata: { httpStatusCode: 200 }
      }
    })
    this.ecsMock
      .on(ListTasksCommand)
      .callsFake((input: { desiredStatus?: string; serviceName?: string }) => {
        const service = this.named(input.serviceName ?? SERVICE)
        return {
          taskArns: (input.desiredStatus === 'STOPPED'
            ? this.state(service).stopped
            : this.running(service)
          ).map(t => t.taskArn)
        }
      })
    this.ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks?: string[] }) => {
      const all = [
        ...this.services.flatMap(service => [
          ...this.state(service).stopped,
          ...this.running(service)
        ]),
        ...this.extraTasks.flatMap(tasks => tasks())
      ]
      return { tasks: all.filter(t => input.tasks?.includes(t.taskArn ?? '')), failures: [] }
    })
    this.ecsMock
      .on(DescribeTaskDefinitionCommand)
      .callsFake((input: { taskDefinition?: string }) => {
        const ref = input.taskDefinition ?? ''
        const family = ref.slice(ref.lastIndexOf('/') + 1).split(':')[0] ?? ''
        const service = this.services.find(s => s.family === family) ?? this.first()
        return {
          taskDefinition: this.taskDefinitionOf(service, Number(ref.split(':').pop())),
          tags: []
        }
      })
    this.ecsMock.on(RegisterTaskDefinitionCommand).callsFake((input: { family?: string }) => {
      const service = this.services.find(s => s.family === input.family) ?? this.first()
      this.registeredAt.push(this.seconds)
      service.registeredAt.push(this.seconds)
      return { taskDefinition: { ...this.taskDefinitionOf(service, 13) } }
    })
    this.ecsMock
      .on(UpdateServiceCommand)
      .callsFake((input: { service?: string; taskDefinition?: string }) => {
        const service = this.named(input.service ?? SERVICE)
        service.updates += 1
        this.updatedAt.push(this.seconds)
        service.updatedAt.push(this.seconds)
        const revision = Number(input.taskDefinition?.split(':').pop())
        const id =
          service.name === SERVICE
            ? `ecs-svc/update-${service.updates}`
            : `ecs-svc/${service.name}-update-${service.updates}`
        const steps = (service.story.afterUpdate ?? completesAfter(20))(revision, id)
        const before = service.script
        service.lastUpdate = { id, revision }
        service.history.push({ at: this.clock.seconds, revision })
        this.follow(service, steps)
        if (service.story.lostUpdateAnswers?.includes(service.updates)) {
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })
        }
        if (service.story.refusedUpdates?.includes(service.updates)) {
          service.script = before
          throw Object.assign(new Error('The service cannot be updated right now.'), {
            name: 'InvalidParameterException',
            $fault: 'client'
          })
        }
        const answer = this.service(service)
        if (service.story.staleUpdateAnswers?.includes(service.updates)) {
          return {
            service: {
              ...answer,
              currentServiceDeployment: this.updateArn(service, service.updates - 1)
            }
          }
        }
        return { service: answer }
      })
    this.ecsMock
      .on(DescribeServiceDeploymentsCommand)
      .callsFake((input: { serviceDeploymentArns?: string[] }) => ({
        serviceDeployments: (input.serviceDeploymentArns ?? []).flatMap(arn => {
          const service = this.services.find(s => arn === this.serviceDeploymentArn(s))
          if (!service) return this.earlier(arn)
          const found = this.state(service).serviceDeployment
          return found ? [{ serviceDeploymentArn: arn, ...found }] : []
        }),
        failures: []
      }))
    this.ecsMock.on(ListServiceDeploymentsCommand).callsFake((input: { service?: string }) => {
      const service = this.named(input.service ?? SERVICE)
      const current = this.state(service).serviceDeployment
      return {
        serviceDeployments: service.history
          .map((update, i) => ({
            serviceDeploymentArn: this.updateArn(service, i + 1),
            createdAt: at(update.at),
            targetServiceRevisionArn: this.serviceRevisionArn(service, update.revision),
            status: i + 1 === service.updates ? (current?.status ?? 'IN_PROGRESS') : 'STOPPED'
          }))
          .reverse()
      }
    })
    this.ecsMock
      .on(DescribeServiceRevisionsCommand)
      .callsFake((input: { serviceRevisionArns?: string[] }) => ({
        serviceRevisions: (input.serviceRevisionArns ?? []).flatMap(arn => {
          const service = this.services.find(s => arn.includes(`/${s.name}/`))
          const revision = Number(arn.split('/').pop())
          return service
            ? [{ serviceRevisionArn: arn, taskDefinition: arnIn(service.family, revision) }]
            : []
        }),
        failures: []
      }))
    this.ecsMock
      .on(StopServiceDeploymentCommand)
      .callsFake((input: { serviceDeploymentArn?: string; stopType?: string }) => {
        const service = this.deployedBy(input.serviceDeploymentArn)
        this.serviceDeploymentActions.push(`Stop ${input.stopType ?? ''} at ${this.seconds}`)
        this.follow(service, service.story.afterRollback ?? this.rolledBack(service))
        return { serviceDeploymentArn: input.serviceDeploymentArn }
      })
    this.ecsMock
      .on(ContinueServiceDeploymentCommand)
      .callsFake((input: { serviceDeploymentArn?: string; action?: string; hookId?: string }) => {
        const service = this.deployedBy(input.serviceDeploymentArn)
        this.serviceDeploymentActions.push(
          `Continue ${input.action ?? ''} ${input.hookId ?? ''} at ${this.seconds}`
        )
        this.follow(
          service,
          input.action === 'ROLLBACK'
            ? (service.story.afterRollback ?? this.rolledBack(service))
            : (service.story.afterContinue ?? [])
        )
        return { serviceDeploymentArn: input.serviceDeploymentArn }
      })
    this.logsMock.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsCommandInput) => ({
      events: [
        ...(input.logStreamNames ?? []).flatMap(stream => {
          const id = stream.split('/').pop() ?? ''
          return [
            ...this.services.flatMap(service => service.story.logs?.[id] ?? []),
            ...(this.extraLogs[id] ?? [])
          ].map((message, i) => ({ timestamp: T0 + i, logStreamName: stream, message }))
        }),
        ...this.timedLogEvents(input)
      ]
    }))
    this.deps = {
      ecr: {} as Ecr,
      ecs: new Ecs(ecsClient, CLUSTER),
      logs: new Logs(logsClient),
      ...fakeLoadBalancer(this.clock).reads,
      docker: {} as Docker,
      clock: this.clock,
      env: {}
    }
  }

  /**
   * Starts again with `stories`, as a new fake would (the clock back at their first second, every
   * call forgotten), without mocking the clients again: a benchmark plays hundreds of stories.
   */
  replay(stories: Story | Record<string, Story>): void {
    this.services = servicesOf(stories)
    this.clock.time = this.clock.start
    this.clock.sleeps = []
    const lists = [
      this.registeredAt,
      this.updatedAt,
      this.extraTasks,
      this.serviceDeploymentActions
    ]
    for (const list of lists) list.length = 0
    for (const id of Object.keys(this.extraLogs)) delete this.extraLogs[id]
    this.ecsMock.resetHistory()
    this.logsMock.resetHistory()
  }

  /** Seconds since the stories began. */
  private get seconds(): number {
    return (this.time() - T0) / 1000
  }

  /** The timed log lines FilterLogEvents would find now. */
  private timedLogEvents(input: FilterLogEventsCommandInput) {
    const term = (input.filterPattern ?? '').replace(/^"|"$/g, '')
    return this.services.flatMap(service =>
      (service.story.timedLogs ?? []).flatMap((line, i) => {
        const stream = `ecs/app/${line.task}`
        const timestamp = T0 + line.at * 1000
        const wanted =
          line.at <= this.seconds &&
          timestamp >= (input.startTime ?? -Infinity) &&
          timestamp <= (input.endTime ?? Infinity) &&
          (input.logStreamNames
            ? input.logStreamNames.includes(stream)
            : stream.startsWith(input.logStreamNamePrefix ?? '')) &&
          line.message.includes(term)
        return wanted
          ? [
              {
                timestamp,
                logStreamName: stream,
                message: line.message,
                eventId: `${service.name}-${i}`
              }
            ]
          : []
      })
    )
  }

  calls(command: 'DescribeServices' | 'ListTasks' | 'DescribeTasks' | 'UpdateService'): number {
    switch (command) {
      case 'DescribeServices':
        return this.ecsMock.commandCalls(DescribeServicesCommand).length
      case 'ListTasks':
        return this.ecsMock.commandCalls(ListTasksCommand).length
      case 'DescribeTasks':
        return this.ecsMock.commandCalls(DescribeTasksCommand).length
      case 'UpdateService':
        return this.ecsMock.commandCalls(UpdateServiceCommand).length
    }
  }

  /** ListTasks calls for stopped tasks. */
  stoppedLooks(): number {
    return this.ecsMock
      .commandCalls(ListTasksCommand)
      .filter(call => call.args[0].input.desiredStatus === 'STOPPED').length
  }

  /** The DescribeServices answer right now, as ECS would give it. */
  serviceNow(name = SERVICE): { services: Service[]; failures: [] } {
    return { services: [this.service(this.named(name))], failures: [] }
  }

  /** The revisions UpdateService pointed services at, in order; of one service when named. */
  updatedTo(service?: string): string[] {
    return this.ecsMock
      .commandCalls(UpdateServiceCommand)
      .filter(call => !service || call.args[0].input.service === service)
      .map(call => call.args[0].input.taskDefinition ?? '')
  }

  /** The revision the service's PRIMARY deployment runs now. */
  runsNow(name = SERVICE): string | undefined {
    return this.service(this.named(name)).taskDefinition
  }

  taskDefinition(revision: number, service = SERVICE): TaskDefinition {
    return this.taskDefinitionOf(this.named(service), revision)
  }

  private taskDefinitionOf(service: FakeService, revision: number): TaskDefinition {
    const tagged = service.story.taggedRevisions?.includes(revision)
    return {
      taskDefinitionArn: arnIn(service.family, revision),
      family: service.family,
      revision,
      status: 'ACTIVE',
      containerDefinitions: [
        {
          name: 'app',
          image: tagged
            ? `${REPOSITORY_URI}:production-fixed-20261101`
            : `${REPOSITORY_URI}@${digestOf(revision)}`,
          essential: true,
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/babyshield-backend', 'awslogs-stream-prefix': 'ecs' }
          }
        }
      ]
    }
  }

  /** What ECS does next (steps relative to now) replaces the rest of the service's script. */
  private follow(service: FakeService, steps: Step[]): void {
    const now = this.seconds
    service.script = [
      ...service.script.filter(s => s.at <= now),
      ...steps.map(s => ({ ...s, at: s.at + now }))
    ]
  }

  /** The service whose last update made this service deployment. */
  private deployedBy(arn: string | undefined): FakeService {
    const service = this.services.find(s => arn && arn === this.serviceDeploymentArn(s))
    if (!service) {
      throw Object.assign(new Error(`Service deployment ${arn ?? ''} not found`), {
        name: 'ServiceDeploymentNotFoundException',
        $fault: 'client'
      })
    }
    return service
  }

  /** ECS's rollback of the last update: traffic back on the script's first deployment. */
  private rolledBack(service: FakeService): Step[] {
    const old = service.script[0]?.deployments?.[0]
    const ours = service.lastUpdate
    if (!old || !ours) return []
    const back = { ...old, status: 'PRIMARY' as const, running: old.desired ?? 2 }
    return [
      {
        at: 0,
        deployments: [
          { ...back, state: 'IN_PROGRESS' },
          { id: ours.id, revision: ours.revision, status: 'ACTIVE', state: 'FAILED' }
        ],
        serviceDeployment: {
          status: 'ROLLBACK_IN_PROGRESS',
          statusReason: 'Service deployment rolled back because of StopServiceDeployment',
          rollback: { reason: 'Service deployment stopped by user' },
          targetServiceRevision: { requestedProductionTrafficWeight: 0 }
        }
      },
      {
        at: 5,
        deployments: [{ ...back, state: 'COMPLETED' }],
        serviceDeployment: { status: 'ROLLBACK_SUCCESSFUL', lifecycleStage: undefined }
      }
    ]
  }

  /** The ARN of the service deployment of the service's last update, when a step gave it one. */
  private serviceDeploymentArn(service: FakeService): string | undefined {
    if (service.updates === 0) return undefined
    return this.updateArn(service, service.updates)
  }

  /** The ARN of the service deployment of the service's `n`th update. */
  private updateArn(service: FakeService, n: number): string {
    return `arn:aws:ecs:eu-north-1:123456789012:service-deployment/${CLUSTER}/${service.name}/update-${n}`
  }

  private serviceRevisionArn(service: FakeService, revision: number): string {
    return `arn:aws:ecs:eu-north-1:123456789012:service-revision/${CLUSTER}/${service.name}/${revision}`
  }

  /** An earlier update's service deployment: a newer one stopped it. */
  private earlier(arn: string): ServiceDeployment[] {
    const service = this.services.find(s => arn.includes(`/${s.name}/update-`))
    if (!service) return []
    const n = Number(arn.split('-').pop())
    const update = service.history[n - 1]
    if (!update || n >= service.updates) return []
    return [
      {
        serviceDeploymentArn: arn,
        status: 'STOPPED',
        statusReason: `stopped by a newer deployment (update-${n + 1})`,
        targetServiceRevision: { arn: this.serviceRevisionArn(service, update.revision) },
        createdAt: at(update.at)
      }
    ]
  }

  private first(): FakeService {
    const [first] = this.services
    if (!first) throw new Error('a FakeEcs without services')
    return first
  }

  private named(name: string): FakeService {
    const short = name.slice(name.lastIndexOf('/') + 1)
    const service = this.services.find(s => s.name === short)
    if (!service) throw new Error(`FakeEcs has no service ${name}`)
    return service
  }

  private state(service: FakeService): State {
    const now = this.seconds
    const state: State = {
      deployments: [],
      events: [],
      stopped: [],
      throttled: false,
      serviceDeployment: undefined
    }
    const created = new Map<string, number>()
    for (const step of service.script) {
      if (step.at > now) break
      if (step.deployments) {
        state.deployments = step.deployments.map((spec, i) => {
          if (!created.has(spec.id)) created.set(spec.id, spec.createdAt ?? step.at)
          return deployment(service, spec, i, created.get(spec.id) ?? step.at)
        })
      }
      for (const message of step.events ?? []) {
        state.events.unshift({ createdAt: at(step.at), message })
      }
      for (const spec of step.stopped ?? []) {
        state.stopped.unshift(stoppedTask(service, spec, step.at))
      }
      if (step.throttled !== undefined) state.throttled = step.throttled
      if (step.serviceDeployment) {
        state.serviceDeployment = { ...state.serviceDeployment, ...step.serviceDeployment }
      }
    }
    return state
  }

  private service(service: FakeService, state = this.state(service)): Service {
    const primary = state.deployments.find(d => d.status === 'PRIMARY')
    return {
      serviceName: service.name,
      status: 'ACTIVE',
      taskDefinition: primary?.taskDefinition,
      desiredCount: primary?.desiredCount ?? 0,
      runningCount: state.deployments.reduce((n, d) => n + (d.runningCount ?? 0), 0),
      deployments: state.deployments,
      events: state.events.map((e, i) => ({ id: String(i), ...e })),
      ...(state.serviceDeployment && this.serviceDeploymentArn(service)
        ? { currentServiceDeployment: this.serviceDeploymentArn(service) }
        : {}),
      ...service.story.serviceFields
    }
  }

  private running(service: FakeService): Task[] {
    return this.state(service).deployments.flatMap(d =>
      Array.from({ length: d.runningCount ?? 0 }, (_, i) => {
        const revision = Number(d.taskDefinition?.split(':').pop())
        return {
          taskArn: taskArn(`${(d.id ?? '').replace('ecs-svc/', '')}-${i}`),
          taskDefinitionArn: d.taskDefinition,
          startedBy: d.id,
          lastStatus: 'RUNNING',
          desiredStatus: 'RUNNING',
          containers: this.taskContainers?.(d.taskDefinition ?? '') ?? [
            { name: 'app', imageDigest: digestOf(revision) }
          ]
        }
      })
    )
  }
}

function deployment(
  service: FakeService,
  spec: DeploymentSpec,
  index: number,
  createdAt: number
): Deployment {
  return {
    id: spec.id,
    status: spec.status ?? (index === 0 ? 'PRIMARY' : 'ACTIVE'),
    taskDefinition: arnIn(service.family, spec.revision),
    desiredCount: spec.desired ?? 2,
    runningCount: spec.running ?? 0,
    pendingCount: spec.pending ?? 0,
    failedTasks: spec.failed ?? 0,
    rolloutState: spec.state,
    ...(spec.reason ? { rolloutStateReason: spec.reason } : {}),
    createdAt: at(createdAt),
    updatedAt: at(createdAt)
  }
}

export function taskArn(id: string): string {
  return `arn:aws:ecs:eu-north-1:123456789012:task/${CLUSTER}/${id}`
}

function stoppedTask(service: FakeService, spec: StoppedSpec, stoppedAt: number): Task {
  return {
    taskArn: taskArn(spec.id),
    taskDefinitionArn: arnIn(service.family, spec.revision),
    startedBy: spec.deploymentId,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: spec.stopCode ?? 'EssentialContainerExited',
    stoppedReason: spec.reason ?? 'Essential container in task exited',
    createdAt: at(stoppedAt - (spec.ranFor ?? 10)),
    stoppedAt: at(stoppedAt),
    containers: [
      {
        name: 'app',
        ...(spec.exitCode === undefined ? {} : { exitCode: spec.exitCode }),
        ...(spec.containerReason ? { reason: spec.containerReason } : {})
      }
    ]
  }
}

/**
 * The platform's Date, kept before anything can fake it: the rollout benchmark fakes Date for the
 * SDK's waiter, and a faked Date is slow to make by the thousand, as the stories make them.
 */
const PlatformDate = Date

function at(seconds: number): Date {
  return new PlatformDate(T0 + seconds * 1000)
}

export function throttling(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    $retryable: { throttling: true }
  })
}

/** Inputs of a deploy to the fake; it bakes only when a test gives bake-minutes. */
export function inputsFor(values: Record<string, string> = {}): Inputs {
  return inputsOf({ 'bake-minutes': '0', ...values })
}

/** Gives the fake an ECR whose repository has the image of revision 13 (digestOf(13)). */
export function withImageInEcr(ecs: FakeEcs): FakeEcs {
  const ecr = mockClient(ECRClient)
  ecr.on(DescribeRepositoriesCommand).resolves({
    repositories: [{ repositoryName: 'babyshield-backend', repositoryUri: REPOSITORY_URI }]
  })
  ecr.on(DescribeImagesCommand).resolves({
    imageDetails: [{ imageDigest: digestOf(13), imageTags: ['production-fixed-20261126'] }]
  })
  ecs.deps.ecr = new Ecr(new ECRClient({ region: 'eu-north-1' }))
  return ecs
}

/** Gives the fake an ECR whose repository has an image of every digest it is asked for. */
export function withAnyImageInEcr(ecs: FakeEcs): FakeEcs {
  const ecr = mockClient(ECRClient)
  ecr.on(DescribeRepositoriesCommand).resolves({
    repositories: [{ repositoryName: 'babyshield-backend', repositoryUri: REPOSITORY_URI }]
  })
  ecr.on(DescribeImagesCommand).callsFake((input: { imageIds?: { imageDigest?: string }[] }) => ({
    imageDetails: (input.imageIds ?? []).map(id => ({ imageDigest: id.imageDigest, imageTags: [] }))
  }))
  ecs.deps.ecr = new Ecr(new ECRClient({ region: 'eu-north-1' }))
  return ecs
}

export const OUR_DEPLOYMENT = 'ecs-svc/new'
export const OLD_DEPLOYMENT = 'ecs-svc/old'

/** Our deployment: revision 13 replaces revision 12. */
export const ROLLOUT: Move = {
  service: SERVICE,
  containerName: 'app',
  from: { taskDefinitionArn: rev(12) },
  to: { taskDefinitionArn: rev(13), digest: digestOf(13) },
  strategy: 'ROLLING',
  deploymentId: OUR_DEPLOYMENT
}

/**
 * Supervises a started move as deploy and rollback do, reporting into `result` (the service's
 * part of a run); throws the step's error when it fails.
 */
export async function superviseRollout(
  deps: Deps,
  policy: RolloutPolicy,
  result: ServiceResult,
  move: Move
): Promise<void> {
  const run = freshRun([result.service])
  run.services = [result]
  await watchOver(deps, policy, new Reporter(run, deps.clock), [{ move }])
}

/** A deploy's result for the service of these stories, or for the services named. */
export function freshRun(
  services: string[] = [SERVICE],
  mode: RunResult['mode'] = 'deploy'
): RunResult {
  return newResult(
    mode,
    { region: 'eu-north-1', cluster: CLUSTER, services },
    { commit: 'abc123', actor: 'dev', repository: 'babyshield/api', runUrl: '', notes: '' }
  )
}

/** The service's part of a fresh result: what a rollout reports into. */
export function freshResult(): ServiceResult {
  return newServiceResult(SERVICE)
}

/** The one service's part of a run's result, as the outputs name its fields. */
export function only(result: RunResult): FlatService {
  const [service, ...others] = result.services
  if (!service || others.length > 0) throw new Error('expected a result of one service')
  return flatService(service)
}

/** A rolling update of two tasks that ECS finishes `seconds` after the start. */
export function rollingUpdate(seconds: number): Step[] {
  return [
    {
      at: 0,
      deployments: [
        { id: OUR_DEPLOYMENT, revision: 13, running: 0, pending: 2, state: 'IN_PROGRESS' },
        { id: OLD_DEPLOYMENT, revision: 12, running: 2, state: 'COMPLETED' }
      ],
      events: [`(service ${SERVICE}) has started 2 tasks: (task a) (task b).`]
    },
    {
      at: seconds / 2,
      deployments: [
        { id: OUR_DEPLOYMENT, revision: 13, running: 1, pending: 1, state: 'IN_PROGRESS' },
        { id: OLD_DEPLOYMENT, revision: 12, running: 2, state: 'COMPLETED' }
      ]
    },
    {
      at: seconds - 5,
      deployments: [
        { id: OUR_DEPLOYMENT, revision: 13, running: 2, state: 'IN_PROGRESS' },
        { id: OLD_DEPLOYMENT, revision: 12, running: 1, state: 'COMPLETED' }
      ]
    },
    {
      at: seconds,
      deployments: [{ id: OUR_DEPLOYMENT, revision: 13, running: 2, state: 'COMPLETED' }]
    }
  ]
}

/** A service settled on revision 12 in deployment ecs-svc/old, before a strategy's walk. */
export const SETTLED_ON_12 = {
  id: 'ecs-svc/old',
  revision: 12,
  running: 2,
  state: 'COMPLETED' as const
}

/** Our deployment of revision 13, `running` of its 2 tasks up, beside the old one still running. */
export function besideOld(id: string, running: number): DeploymentSpec[] {
  return [
    { id, revision: 13, running, pending: 2 - running, state: 'IN_PROGRESS' },
    { ...SETTLED_ON_12, status: 'ACTIVE' }
  ]
}

/** A service deployment's revisions: the new one's running tasks and its production traffic. */
export function shiftedTo(running: number, weight: number): Partial<ServiceDeployment> {
  return {
    targetServiceRevision: {
      arn: 'new',
      requestedTaskCount: 2,
      runningTaskCount: running,
      requestedProductionTrafficWeight: weight
    },
    sourceServiceRevisions: [{ arn: 'old', requestedTaskCount: 2, runningTaskCount: 2 }]
  }
}
