// ECS: services, task definitions and tasks, as thin typed calls.
import {
  ContinueServiceDeploymentCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListServiceDeploymentsCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopServiceDeploymentCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  type DesiredStatus,
  type ECSClient,
  type ListTasksCommandInput,
  type Failure,
  type RegisterTaskDefinitionCommandInput,
  type RunTaskCommandInput,
  type Service,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
  type Tag,
  type Task,
  type TaskDefinition
} from '@aws-sdk/client-ecs'
import { familyOf, revisionOf, shortArn } from '../model/names.js'
import { attempt } from './clients.js'
import { keepAnswerBody, missingPaths, sendWhole, withMissing } from './raw.js'

export interface TaskDefinitionWithTags {
  /** As ECS returned it, with the fields the bundled SDK does not know kept too. */
  taskDefinition: TaskDefinition
  tags: Tag[]
  /** The fields the bundled SDK did not know (`a`, `containerDefinitions[api].b`). */
  unknownFields?: string[]
}

export interface Registered {
  taskDefinition: TaskDefinition
  /** Attempts the SDK made: more than one means an earlier one may have registered a twin. */
  attempts: number
}

export class Ecs {
  constructor(
    private readonly client: ECSClient,
    readonly cluster: string
  ) {}

  /** The service, or an error that says it is missing. */
  async service(name: string): Promise<Service> {
    const [service] = await this.services([name])
    if (!service) throw new Error(`ECS service ${name} was not found in cluster ${this.cluster}`)
    return service
  }

  /**
   * The services in the order asked, ten a DescribeServices call (the API's limit); an error
   * names any that is missing.
   */
  async services(names: string[]): Promise<Service[]> {
    const found: Service[] = []
    for (let i = 0; i < names.length; i += 10) {
      const batch = names.slice(i, i + 10)
      const what = `ECS service${batch.length === 1 ? '' : 's'} ${batch.join(', ')}`
      const answer = await attempt(`Could not describe ${what} in cluster ${this.cluster}`, () =>
        this.client.send(new DescribeServicesCommand({ cluster: this.cluster, services: batch }))
      )
      const services = answer.services ?? []
      // Matched by name; an answer of exactly what was asked, in order, needs no names.
      const inOrder = services.length === batch.length && !answer.failures?.length
      batch.forEach((name, j) => {
        const service = services.find(s => matches(s, name)) ?? (inOrder ? services[j] : undefined)
        if (!service) {
          const failure = answer.failures?.find(f => f.arn && shortArn(f.arn) === shortArn(name))
          const reason = failure?.reason ?? answer.failures?.[0]?.reason ?? 'not found'
          throw new Error(
            `ECS service ${name} was not found in cluster ${this.cluster} (${reason})`
          )
        }
        found.push(service)
      })
    }
    return found
  }

  async taskDefinition(arnOrFamilyRevision: string): Promise<TaskDefinitionWithTags> {
    const command = new DescribeTaskDefinitionCommand({
      taskDefinition: arnOrFamilyRevision,
      include: ['TAGS']
    })
    const raw: { body?: unknown } = {}
    keepAnswerBody(command, raw)
    const answer = await attempt(`Could not describe task definition ${arnOrFamilyRevision}`, () =>
      this.client.send(command)
    )
    if (!answer.taskDefinition) {
      throw new Error(`Task definition ${arnOrFamilyRevision} was not found`)
    }
    const asSent = (raw.body as { taskDefinition?: unknown } | undefined)?.taskDefinition
    const unknownFields = asSent ? missingPaths(asSent, answer.taskDefinition) : []
    return {
      taskDefinition: asSent ? withMissing(answer.taskDefinition, asSent) : answer.taskDefinition,
      tags: answer.tags ?? [],
      ...(unknownFields.length > 0 ? { unknownFields } : {})
    }
  }

  /** The service deployments, twenty a call (the API's limit), in no particular order. */
  async serviceDeployments(arns: string[]): Promise<ServiceDeployment[]> {
    const found: ServiceDeployment[] = []
    for (let i = 0; i < arns.length; i += 20) {
      const batch = arns.slice(i, i + 20)
      const answer = await attempt(
        `Could not describe the service deployment${batch.length === 1 ? '' : 's'} ${batch.map(shortArn).join(', ')}`,
        () =>
          this.client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: batch }))
      )
      found.push(...(answer.serviceDeployments ?? []))
    }
    return found
  }

  /** The service's deployments created after `since`, newest first (one page). */
  async serviceDeploymentsSince(service: string, since: Date): Promise<ServiceDeploymentBrief[]> {
    const answer = await attempt(
      `Could not list the service deployments of ECS service ${service}`,
      () =>
        this.client.send(
          new ListServiceDeploymentsCommand({
            cluster: this.cluster,
            service,
            createdAt: { after: since }
          })
        )
    )
    return (answer.serviceDeployments ?? [])
      .filter(d => d.serviceDeploymentArn)
      .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
  }

  /** The task definition each service revision runs, by the revision's ARN (twenty a call). */
  async serviceRevisionTaskDefinitions(arns: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>()
    for (let i = 0; i < arns.length; i += 20) {
      const batch = arns.slice(i, i + 20)
      const answer = await attempt(
        `Could not describe the service revision${batch.length === 1 ? '' : 's'} ${batch.map(shortArn).join(', ')}`,
        () => this.client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: batch }))
      )
      for (const revision of answer.serviceRevisions ?? []) {
        if (revision.serviceRevisionArn && revision.taskDefinition) {
          found.set(revision.serviceRevisionArn, revision.taskDefinition)
        }
      }
    }
    return found
  }

  /**
   * Stops a service deployment in progress with a rollback: ECS shifts the traffic back to the
   * revision it replaces and ends it ROLLBACK_SUCCESSFUL.
   */
  async stopServiceDeployment(arn: string): Promise<void> {
    await attempt(`Could not stop the service deployment ${shortArn(arn)}`, () =>
      this.client.send(
        new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' })
      )
    )
  }

  /** Acts on a paused lifecycle hook: CONTINUE the deployment, or ROLLBACK it. */
  async continueServiceDeployment(
    arn: string,
    hookId: string,
    action: 'CONTINUE' | 'ROLLBACK'
  ): Promise<void> {
    await attempt(
      `Could not ${action === 'CONTINUE' ? 'continue' : 'roll back'} the service deployment ${shortArn(arn)} at its hook ${hookId}`,
      () =>
        this.client.send(
          new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action })
        )
    )
  }

  /** The new revision, and how many attempts the SDK made to register it. */
  async register(input: RegisterTaskDefinitionCommandInput): Promise<Registered> {
    const command = new RegisterTaskDefinitionCommand(input)
    // Fields the SDK does not know (carried from the current revision) go out as they came.
    sendWhole(command, input, () => undefined)
    const answer = await attempt(
      `Could not register a task definition revision for family ${input.family}`,
      () => this.client.send(command)
    )
    if (!answer.taskDefinition?.taskDefinitionArn) {
      throw new Error(`Could not register a task definition revision for family ${input.family}`)
    }
    return { taskDefinition: answer.taskDefinition, attempts: answer.$metadata?.attempts ?? 1 }
  }

  async deregister(arn: string): Promise<void> {
    await attempt(`Could not deregister task definition ${arn}`, () =>
      this.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }))
    )
  }

  /** Points the service at a revision and starts a new deployment. */
  async update(service: string, taskDefinitionArn: string): Promise<Service> {
    const answer = await attempt(
      `Could not update ECS service ${service} to ${taskDefinitionArn}`,
      () =>
        this.client.send(
          new UpdateServiceCommand({
            cluster: this.cluster,
            service,
            taskDefinition: taskDefinitionArn,
            forceNewDeployment: true
          })
        )
    )
    if (!answer.service)
      throw new Error(`Could not update ECS service ${service}: ECS answered without it`)
    return answer.service
  }

  /**
   * ACTIVE revisions of a family, every page, newest first. Sorted here: the order across
   * families that share the prefix, and of stand-ins such as moto, is not to be relied on.
   */
  async revisions(family: string): Promise<string[]> {
    const arns: string[] = []
    let nextToken: string | undefined
    do {
      const answer = await attempt(
        `Could not list the revisions of task definition family ${family}`,
        () =>
          this.client.send(
            new ListTaskDefinitionsCommand({
              familyPrefix: family,
              status: 'ACTIVE',
              sort: 'DESC',
              ...(nextToken ? { nextToken } : {})
            })
          )
      )
      // familyPrefix matches by prefix; keep the family itself only.
      arns.push(...(answer.taskDefinitionArns ?? []).filter(arn => familyOf(arn) === family))
      nextToken = answer.nextToken
    } while (nextToken)
    return arns.sort((a, b) => revisionOf(b) - revisionOf(a))
  }

  /** The ARNs of every service of the cluster, every page. */
  async serviceArns(): Promise<string[]> {
    const arns: string[] = []
    let nextToken: string | undefined
    do {
      const answer = await attempt(`Could not list the services of cluster ${this.cluster}`, () =>
        this.client.send(
          new ListServicesCommand({
            cluster: this.cluster,
            maxResults: 100,
            ...(nextToken ? { nextToken } : {})
          })
        )
      )
      arns.push(...(answer.serviceArns ?? []))
      nextToken = answer.nextToken
    } while (nextToken)
    return arns
  }

  /** Task ARNs of the service with that desired status, every page. */
  async taskArns(service: string, desiredStatus: DesiredStatus): Promise<string[]> {
    return this.listTasks(`the ${desiredStatus} tasks of ECS service ${service}`, {
      serviceName: service,
      desiredStatus
    })
  }

  /** Task ARNs of the whole cluster with that desired status, services' and standalone ones. */
  async clusterTaskArns(desiredStatus: DesiredStatus): Promise<string[]> {
    return this.listTasks(`the ${desiredStatus} tasks of cluster ${this.cluster}`, {
      desiredStatus
    })
  }

  private async listTasks(
    what: string,
    filter: Omit<ListTasksCommandInput, 'cluster' | 'nextToken'>
  ): Promise<string[]> {
    const arns: string[] = []
    let nextToken: string | undefined
    do {
      const answer = await attempt(`Could not list ${what}`, () =>
        this.client.send(
          new ListTasksCommand({
            cluster: this.cluster,
            ...filter,
            ...(nextToken ? { nextToken } : {})
          })
        )
      )
      arns.push(...(answer.taskArns ?? []))
      nextToken = answer.nextToken
    } while (nextToken)
    return arns
  }

  /** Starts one task in the cluster; the answer names the task, or why ECS did not start it. */
  async runTask(input: Omit<RunTaskCommandInput, 'cluster' | 'count'>): Promise<RunTaskAnswer> {
    const answer = await attempt(
      `Could not run a task of ${shortArn(input.taskDefinition)} in cluster ${this.cluster}`,
      () => this.client.send(new RunTaskCommand({ ...input, cluster: this.cluster, count: 1 }))
    )
    const [task] = answer.tasks ?? []
    if (task?.taskArn) return { task }
    return { failure: failureText(answer.failures ?? []) }
  }

  async stopTask(taskArn: string, reason: string): Promise<void> {
    await attempt(`Could not stop task ${shortArn(taskArn)}`, () =>
      this.client.send(new StopTaskCommand({ cluster: this.cluster, task: taskArn, reason }))
    )
  }

  /** The tasks, described 100 at a time (the API's limit). */
  async tasks(arns: string[]): Promise<Task[]> {
    const tasks: Task[] = []
    for (let i = 0; i < arns.length; i += 100) {
      const batch = arns.slice(i, i + 100)
      const answer = await attempt(
        `Could not describe ${batch.length} tasks in cluster ${this.cluster}`,
        () => this.client.send(new DescribeTasksCommand({ cluster: this.cluster, tasks: batch }))
      )
      tasks.push(...(answer.tasks ?? []))
    }
    return tasks
  }
}

/** What RunTask gave: the task it started, or why ECS started none. */
export type RunTaskAnswer = { task: Task } | { failure: string }

/** RunTask's failures as one line: `RESOURCE:MEMORY (arn…); AGENT`. Pure. */
function failureText(failures: Failure[]): string {
  if (failures.length === 0) return 'ECS answered without a task and without a reason'
  return failures
    .map(f =>
      [f.reason ?? 'no reason', f.detail, f.arn ? `(${f.arn})` : ''].filter(Boolean).join(' ')
    )
    .join('; ')
}

/** A service answers to its name and to its ARN (`…:service/CLUSTER/NAME`). */
function matches(service: Service, name: string): boolean {
  return service.serviceArn === name || service.serviceName === shortArn(name)
}
