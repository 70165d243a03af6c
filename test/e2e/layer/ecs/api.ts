// The ECS operations the layer answers itself (or answers on top of moto's answer). Every other
// operation goes to moto untouched. Services are taken into the model the first time they are
// seen (created through the layer, or found in moto), and moved on by a ticker.
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTasksCommand,
  type DeploymentConfiguration,
  type Service,
  type Task,
  type TaskDefinition
} from '@aws-sdk/client-ecs'
import { ACCOUNT_ID } from '../../stack/config.js'
import type { Moto, Upstream } from '../moto.js'
import {
  DEFAULT_DEPLOYMENT_CONFIGURATION,
  OUTCOMES,
  isLive,
  newDeployment,
  serviceRevisionArn,
  taskId,
  type RolloutScript,
  type SimService,
  type SimServiceDeployment
} from './model.js'
import {
  patchService,
  presentDeployments,
  presentServiceDeployment,
  presentServiceDeploymentBrief,
  presentServiceRevision,
  toJson
} from './present.js'
import { continueHook } from './hooks.js'
import { InvalidRunTask, OneOffTasks } from './one-off.js'
import { requestRollback } from './rollback.js'
import { say, step, stopTask, type RolloutEffects } from './rollout.js'
import { TaskDefinitionStore } from './task-definitions.js'
import { history, trafficStep } from './load-balancer.js'
import { configurationProblem, hasTestListener } from './traffic.js'
import { knownStage, scriptedFailure } from './trouble.js'

type Json = Record<string, unknown>

export interface EcsCall {
  op: string
  body: Json
  region: string
  /** Sends the original request to moto. */
  forward: () => Promise<Upstream>
}

export interface Answer {
  status: number
  body: string | Buffer
  /** Set when moto's answer is passed on as it is. */
  headers?: Upstream['headers']
}

export interface LayerConfig {
  /** Time between two steps of a rollout; a rollout of 2 tasks takes 5 steps. */
  stepMs: number
  /**
   * How long a minute lasts here for the service deployments' clocks: bake times (BAKE_TIME,
   * linear steps, the canary) and PAUSE hook timeouts.
   */
  bakeMinuteMs: number
  /** Requests a minute that a service with a load balancer takes (load-balancer.ts). */
  requestsPerMinute: number
}

export const DEFAULT_CONFIG: LayerConfig = {
  stepMs: 500,
  bakeMinuteMs: 1000,
  requestsPerMinute: 600
}

/** Enough steps for any rollout to rest; a crash loop never rests, so settle stops there. */
const SETTLE_STEPS = 50

export const HANDLED_OPS = new Set([
  'CreateService',
  'UpdateService',
  'DescribeServices',
  'DeleteService',
  'ListTasks',
  'DescribeTasks',
  'StopTask',
  'RunTask',
  'RegisterTaskDefinition',
  'DescribeTaskDefinition',
  'ListServiceDeployments',
  'DescribeServiceDeployments',
  'StopServiceDeployment',
  'ContinueServiceDeployment',
  'DescribeServiceRevisions'
])

/** What adoption needs to know about a service moto already has. */
interface ServiceRecord {
  serviceArn: string
  serviceName: string
  clusterArn: string
  desiredCount: number
  taskDefinition: string
  launchType: string | undefined
  platformVersion: string | undefined
  networkConfiguration: SimService['networkConfiguration']
  deploymentConfiguration: SimService['deploymentConfiguration'] | undefined
  deploymentController: { type: string } | undefined
  loadBalancers: SimService['loadBalancers']
  testListener: boolean
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string
  ) {
    super(message)
  }
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

function lastSegment(value: string): string {
  return value.split('/').pop() ?? value
}

function clusterName(cluster: string | undefined): string {
  return lastSegment(cluster ?? 'default')
}

function accountOf(arn: string | undefined): string {
  return arn?.startsWith('arn:') ? (arn.split(':')[4] ?? ACCOUNT_ID) : ACCOUNT_ID
}

function serviceKey(region: string, cluster: string | undefined, service: string): string {
  if (service.startsWith('arn:') && service.split('/').length === 3) return service
  return `arn:aws:ecs:${region}:${accountOf(cluster)}:service/${clusterName(cluster)}/${lastSegment(service)}`
}

function recordOf(json: Json | Service): ServiceRecord {
  const s = json as Service
  return {
    serviceArn: s.serviceArn ?? '',
    serviceName: s.serviceName ?? '',
    clusterArn: s.clusterArn ?? '',
    desiredCount: s.desiredCount ?? 0,
    taskDefinition: s.taskDefinition ?? '',
    launchType: s.launchType,
    platformVersion: s.platformVersion,
    networkConfiguration:
      s.networkConfiguration && Object.keys(s.networkConfiguration).length > 0
        ? s.networkConfiguration
        : undefined,
    deploymentConfiguration: s.deploymentConfiguration,
    deploymentController: s.deploymentController?.type
      ? { type: s.deploymentController.type }
      : undefined,
    loadBalancers: s.loadBalancers ?? [],
    testListener: hasTestListener(s.loadBalancers)
  }
}

/** ECS refuses a deployment configuration it cannot run before anything changes. */
function checkConfiguration(config: DeploymentConfiguration): void {
  const problem = configurationProblem(config)
  if (problem) throw new ApiError('InvalidParameterException', problem)
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url')
}

function decodeToken(token: string | undefined): number {
  if (!token) return 0
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      offset?: unknown
    }
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset
  } catch {
    // fall through
  }
  throw new ApiError('InvalidParameterException', 'Invalid nextToken.')
}

export class EcsLayer {
  readonly services = new Map<string, SimService>()
  /** What moto drops of task definitions, kept and put back. */
  readonly taskDefinitions = new TaskDefinitionStore()
  /** Tasks started with RunTask. */
  readonly oneOff = new OneOffTasks()
  scripts: RolloutScript[] = []
  config: LayerConfig = { ...DEFAULT_CONFIG }
  private locks = new Map<string, Promise<unknown>>()
  private generation = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly moto: Moto,
    private readonly fx: RolloutEffects,
    private readonly log: (line: string) => void
  ) {}

  // --- control -------------------------------------------------------------------------------

  start(): void {
    const tick = async (): Promise<void> => {
      await this.tick().catch((error: unknown) => this.log(`tick failed: ${String(error)}`))
      this.timer = setTimeout(() => void tick(), this.config.stepMs)
    }
    this.timer = setTimeout(() => void tick(), this.config.stepMs)
  }

  stop(): void {
    clearTimeout(this.timer)
  }

  reset(config: Partial<LayerConfig> = {}): void {
    this.generation++
    this.taskDefinitions.reset()
    this.oneOff.reset()
    this.services.clear()
    this.locks.clear()
    this.scripts = []
    this.config = { ...DEFAULT_CONFIG, ...config }
  }

  nextRollout(script: RolloutScript): void {
    if (!OUTCOMES.includes(script.outcome)) {
      throw new ApiError(
        'InvalidParameterException',
        `outcome must be one of ${OUTCOMES.join(', ')}`
      )
    }
    if (script.stage !== undefined && !knownStage(script.stage)) {
      throw new ApiError(
        'InvalidParameterException',
        `stage must be a lifecycle stage of the walk (PRE_SCALE_UP … CLEAN_UP), not ${String(script.stage)}`
      )
    }
    this.scripts.push(script)
  }

  /** Runs every service's rollout to where it rests (a crash loop rests nowhere: bounded). */
  async settle(): Promise<void> {
    for (const service of this.services.values()) await this.settleOne(service)
  }

  private async tick(): Promise<void> {
    const generation = this.generation
    for (const service of [...this.services.values()]) {
      if (generation !== this.generation) return
      const traffic = await this.locked(service.arn, async () => {
        await step(service, this.fx)
        return trafficStep(service, this.fx.now(), this.config.requestsPerMinute)
      })
      if (traffic.length > 0) await this.fx.writeTraffic(service.region, traffic)
    }
    if (generation === this.generation)
      await this.locked('one-off', () => this.oneOff.step(this.fx))
  }

  private locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve()
    const run = previous.then(work)
    this.locks.set(
      key,
      run.catch(() => undefined)
    )
    return run
  }

  private takeScript(serviceName: string): RolloutScript {
    const index = this.scripts.findIndex(s => !s.service || s.service === serviceName)
    if (index === -1) return { outcome: 'success' }
    return this.scripts.splice(index, 1)[0]!
  }

  // --- the model -------------------------------------------------------------------------------

  private async taskDefinition(region: string, reference: string): Promise<TaskDefinition> {
    const answer = await this.moto
      .ecs(region)
      .send(new DescribeTaskDefinitionCommand({ taskDefinition: reference }))
    if (!answer.taskDefinition) throw new Error(`moto has no task definition ${reference}`)
    return answer.taskDefinition
  }

  private async adopt(
    region: string,
    record: ServiceRecord,
    createdAt = new Date()
  ): Promise<SimService> {
    const definition = await this.taskDefinition(region, record.taskDefinition)
    const service: SimService = {
      arn: record.serviceArn,
      name: record.serviceName,
      clusterArn: record.clusterArn,
      clusterName: clusterName(record.clusterArn),
      region,
      accountId: accountOf(record.serviceArn),
      desiredCount: record.desiredCount,
      launchType: record.launchType ?? 'FARGATE',
      platformVersion: record.platformVersion ?? 'LATEST',
      networkConfiguration: record.networkConfiguration,
      deploymentConfiguration: record.deploymentConfiguration ?? {
        ...DEFAULT_DEPLOYMENT_CONFIGURATION
      },
      createdAt,
      deployments: [],
      tasks: [],
      events: [],
      lastCompleted: undefined,
      saidUnableToStart: false,
      deploymentController: record.deploymentController ?? { type: 'ECS' },
      serviceDeployments: [],
      loadBalancers: record.loadBalancers,
      testListener: record.testListener,
      revisions: new Map()
    }
    service.deployments.push(newDeployment(service, definition, { outcome: 'success' }, createdAt))
    this.services.set(service.arn, service)
    const before = history(service, createdAt, this.config.requestsPerMinute)
    if (before.length > 0) await this.fx.writeTraffic(region, before)
    return service
  }

  /** The service's model; a service moto has but the layer has not seen yet is taken in, settled. */
  private async service(
    region: string,
    cluster: string | undefined,
    name: string
  ): Promise<SimService | undefined> {
    const key = serviceKey(region, cluster, name)
    const known = this.services.get(key)
    if (known) return known
    const answer = await this.moto
      .ecs(region)
      .send(new DescribeServicesCommand({ cluster, services: [name] }))
    const found = answer.services?.find(s => s.status === 'ACTIVE')
    if (!found) return undefined
    const adopted =
      this.services.get(found.serviceArn ?? '') ?? (await this.adopt(region, recordOf(found)))
    await this.settleOne(adopted)
    return adopted
  }

  private async settleOne(service: SimService): Promise<void> {
    for (let i = 0; i < SETTLE_STEPS; i++) {
      if (!(await this.locked(service.arn, () => step(service, this.fx)))) return
    }
  }

  private allTasks(): Task[] {
    return [...[...this.services.values()].flatMap(s => s.tasks), ...this.oneOff.all()]
  }

  // --- operations ------------------------------------------------------------------------------

  async handle(call: EcsCall): Promise<Answer> {
    try {
      switch (call.op) {
        case 'CreateService':
          return await this.createService(call)
        case 'UpdateService':
          return await this.updateService(call)
        case 'DescribeServices':
          return await this.describeServices(call)
        case 'DeleteService':
          return await this.deleteService(call)
        case 'ListTasks':
          return await this.listTasks(call)
        case 'DescribeTasks':
          return await this.describeTasks(call)
        case 'StopTask':
          return await this.stopTask(call)
        case 'RunTask':
          return await this.runTask(call)
        case 'RegisterTaskDefinition':
          return await this.taskDefinitions.register(call.body, call.forward)
        case 'DescribeTaskDefinition':
          return await this.taskDefinitions.describe(call.forward)
        case 'ListServiceDeployments':
          return await this.listServiceDeployments(call)
        case 'DescribeServiceDeployments':
          return this.describeServiceDeployments(call)
        case 'StopServiceDeployment':
          return await this.stopServiceDeployment(call)
        case 'ContinueServiceDeployment':
          return await this.continueServiceDeployment(call)
        case 'DescribeServiceRevisions':
          return this.describeServiceRevisions(call)
        default:
          return upstreamAnswer(await call.forward())
      }
    } catch (error) {
      if (error instanceof ApiError)
        return { status: 400, body: toJson({ __type: error.type, message: error.message }) }
      throw error
    }
  }

  private async createService(call: EcsCall): Promise<Answer> {
    const requested = call.body as Partial<Service>
    const deploymentConfiguration = {
      ...DEFAULT_DEPLOYMENT_CONFIGURATION,
      ...requested.deploymentConfiguration
    }
    checkConfiguration(deploymentConfiguration)
    const upstream = await call.forward()
    if (upstream.status !== 200) return upstreamAnswer(upstream)
    const answer = JSON.parse(upstream.body.toString('utf8')) as { service: Json }
    const record = recordOf(answer.service)
    record.networkConfiguration = requested.networkConfiguration ?? record.networkConfiguration
    record.deploymentConfiguration = deploymentConfiguration
    record.testListener = hasTestListener(requested.loadBalancers) || record.testListener
    // moto does not keep the controller: the request says it.
    if (requested.deploymentController?.type) {
      record.deploymentController = { type: requested.deploymentController.type }
    }
    record.loadBalancers = requested.loadBalancers ?? record.loadBalancers
    const service = await this.adopt(call.region, record)
    patchService(answer.service, service)
    return { status: 200, body: toJson(answer) }
  }

  private async updateService(call: EcsCall): Promise<Answer> {
    const body = call.body
    const cluster = str(body.cluster)
    const name = str(body.service)
    const service = name ? await this.service(call.region, cluster, name) : undefined
    const requestedConfig = (body as Partial<Service>).deploymentConfiguration
    if (service && requestedConfig) {
      checkConfiguration({ ...service.deploymentConfiguration, ...requestedConfig })
    }
    const upstream = await call.forward()
    if (upstream.status !== 200 || !service) return upstreamAnswer(upstream)
    const answer = JSON.parse(upstream.body.toString('utf8')) as { service: Json }
    const reference = str(body.taskDefinition)
    const definition = reference ? await this.taskDefinition(call.region, reference) : undefined
    await this.locked(service.arn, async () => {
      const requested = body as Partial<Service> & { forceNewDeployment?: boolean }
      if (typeof requested.desiredCount === 'number') service.desiredCount = requested.desiredCount
      if (requested.deploymentConfiguration) {
        service.deploymentConfiguration = {
          ...service.deploymentConfiguration,
          ...requested.deploymentConfiguration
        }
      }
      if (requested.networkConfiguration)
        service.networkConfiguration = requested.networkConfiguration
      if (requested.loadBalancers) {
        service.loadBalancers = requested.loadBalancers
        service.testListener = hasTestListener(requested.loadBalancers)
      }
      if (requested.platformVersion) service.platformVersion = requested.platformVersion
      const primary = service.deployments[0]
      const changed =
        definition && definition.taskDefinitionArn !== primary?.deployment.taskDefinition
      if (requested.forceNewDeployment === true || changed || !primary) {
        const now = this.fx.now()
        for (const d of service.deployments) d.deployment.status = 'ACTIVE'
        const next = newDeployment(
          service,
          definition ?? primary!.taskDefinition,
          this.takeScript(service.name),
          now,
          { bakeMinuteMs: this.config.bakeMinuteMs }
        )
        service.deployments.unshift(next)
        service.saidUnableToStart = false
        service.unhealthy = false
        this.log(
          `${service.name}: new deployment ${next.deployment.id} (${next.script.outcome}) of ${next.deployment.taskDefinition}`
        )
      } else {
        primary.deployment.desiredCount = service.desiredCount
      }
    })
    patchService(answer.service, service)
    return { status: 200, body: toJson(answer) }
  }

  private async describeServices(call: EcsCall): Promise<Answer> {
    const upstream = await call.forward()
    if (upstream.status !== 200) return upstreamAnswer(upstream)
    const answer = JSON.parse(upstream.body.toString('utf8')) as { services?: Json[] }
    for (const json of answer.services ?? []) {
      if (json.status !== 'ACTIVE') continue
      let service = this.services.get(str(json.serviceArn) ?? '')
      if (!service) {
        service = await this.adopt(call.region, recordOf(json))
        await this.settleOne(service)
      }
      patchService(json, service)
    }
    return { status: 200, body: toJson(answer) }
  }

  private async listServiceDeployments(call: EcsCall): Promise<Answer> {
    const name = str(call.body.service)
    const service = name ? await this.service(call.region, str(call.body.cluster), name) : undefined
    if (!service) throw new ApiError('ServiceNotFoundException', 'Service not found.')
    const statuses = Array.isArray(call.body.status) ? (call.body.status as string[]) : undefined
    // Timestamps come as epoch seconds.
    const { after, before } = (call.body.createdAt ?? {}) as { after?: number; before?: number }
    const briefs = service.serviceDeployments
      .filter(d => !statuses || statuses.includes(d.status))
      .filter(d => after === undefined || d.createdAt.getTime() > after * 1000)
      .filter(d => before === undefined || d.createdAt.getTime() < before * 1000)
      .map(d => presentServiceDeploymentBrief(service, d))
    return { status: 200, body: toJson({ serviceDeployments: briefs }) }
  }

  private describeServiceDeployments(call: EcsCall): Answer {
    const arns = Array.isArray(call.body.serviceDeploymentArns)
      ? (call.body.serviceDeploymentArns as string[])
      : []
    const found = []
    const failures = []
    for (const arn of arns) {
      const service = [...this.services.values()].find(s =>
        s.serviceDeployments.some(d => d.arn === arn)
      )
      const deployment = service?.serviceDeployments.find(d => d.arn === arn)
      if (service && deployment) found.push(presentServiceDeployment(service, deployment))
      else failures.push({ arn, reason: 'MISSING' })
    }
    return { status: 200, body: toJson({ serviceDeployments: found, failures }) }
  }

  /** DescribeServiceRevisions: what each revision ran; unknown ARNs are failures (MISSING). */
  private describeServiceRevisions(call: EcsCall): Answer {
    const arns = Array.isArray(call.body.serviceRevisionArns)
      ? (call.body.serviceRevisionArns as unknown[]).map(String)
      : []
    if (arns.length === 0 || arns.length > 20) {
      throw new ApiError(
        'InvalidParameterException',
        'serviceRevisionArns must name between 1 and 20 service revisions.'
      )
    }
    const found: Json[] = []
    const failures: Json[] = []
    for (const arn of arns) {
      let answer: Json | undefined
      for (const service of this.services.values()) {
        const revision = [...service.revisions.values()].find(
          r => serviceRevisionArn(service, r.deploymentId) === arn
        )
        if (revision) answer = presentServiceRevision(service, revision)
      }
      if (answer) found.push(answer)
      else failures.push({ arn, reason: 'MISSING' })
    }
    return { status: 200, body: toJson({ serviceRevisions: found, failures }) }
  }

  /** The service deployment of this ARN, and its service; ECS's error when there is none. */
  private serviceDeployment(arn: unknown): {
    service: SimService
    deployment: SimServiceDeployment
  } {
    for (const service of this.services.values()) {
      const deployment = service.serviceDeployments.find(d => d.arn === arn)
      if (deployment) return { service, deployment }
    }
    throw new ApiError(
      'ServiceDeploymentNotFoundException',
      `The service deployment ${String(arn)} does not exist.`
    )
  }

  /**
   * StopServiceDeployment: ROLLBACK (the default) asks for ECS's rollback of a PENDING or
   * IN_PROGRESS deployment; one already rolling back goes on; a finished one is a conflict.
   */
  private async stopServiceDeployment(call: EcsCall): Promise<Answer> {
    const { service, deployment } = this.serviceDeployment(call.body.serviceDeploymentArn)
    const stopType = str(call.body.stopType) ?? 'ROLLBACK'
    if (stopType !== 'ROLLBACK') {
      throw new ApiError(
        'InvalidParameterException',
        `stopType ${stopType} is not supported: the valid value is ROLLBACK.`
      )
    }
    await this.locked(service.arn, async () => {
      const status = deployment.status
      if (status === 'PENDING' || status === 'IN_PROGRESS') {
        const reason = 'StopServiceDeployment requested a rollback (stopType ROLLBACK).'
        requestRollback(service, deployment, reason, this.fx.now())
        say(service, `(service deployment ${deployment.arn}) rollback requested.`, this.fx.now())
        return
      }
      if (['STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'].includes(status)) return
      throw new ApiError(
        'ConflictException',
        `The service deployment ${deployment.arn} is ${status} and cannot be stopped.`
      )
    })
    return { status: 200, body: toJson({ serviceDeploymentArn: deployment.arn }) }
  }

  /** ContinueServiceDeployment on a PAUSE hook AWAITING_ACTION: CONTINUE (default) or ROLLBACK. */
  private async continueServiceDeployment(call: EcsCall): Promise<Answer> {
    const { service, deployment } = this.serviceDeployment(call.body.serviceDeploymentArn)
    const hookId = str(call.body.hookId)
    if (!hookId) throw new ApiError('InvalidParameterException', 'hookId can not be blank.')
    const action = str(call.body.action) ?? 'CONTINUE'
    if (action !== 'CONTINUE' && action !== 'ROLLBACK') {
      throw new ApiError(
        'InvalidParameterException',
        `action must be CONTINUE or ROLLBACK, not ${action}.`
      )
    }
    await this.locked(service.arn, async () => {
      const now = this.fx.now()
      const decided = continueHook(deployment, hookId, action)
      if ('refused' in decided) throw new ApiError('InvalidParameterException', decided.refused)
      if ('rollback' in decided) requestRollback(service, deployment, decided.rollback, now)
      deployment.updatedAt = now
    })
    return { status: 200, body: toJson({ serviceDeploymentArn: deployment.arn }) }
  }

  private async deleteService(call: EcsCall): Promise<Answer> {
    const upstream = await call.forward()
    if (upstream.status !== 200) return upstreamAnswer(upstream)
    const name = str(call.body.service)
    const key = name ? serviceKey(call.region, str(call.body.cluster), name) : ''
    const service = this.services.get(key)
    if (service) {
      await this.locked(key, async () => {
        const now = this.fx.now()
        const live = service.tasks.filter(isLive)
        for (const task of live) {
          stopTask(task, now, {
            stopCode: 'ServiceSchedulerInitiated',
            stoppedReason: 'Service deleted'
          })
        }
        say(service, `has stopped ${live.length} running tasks.`, now)
      })
      this.services.delete(key)
    }
    return upstreamAnswer(upstream)
  }

  private async listTasks(call: EcsCall): Promise<Answer> {
    const body = call.body
    const cluster = str(body.cluster)
    const serviceName = str(body.serviceName)
    const desiredStatus = str(body.desiredStatus) ?? 'RUNNING'
    const maxResults = body.maxResults === undefined ? 100 : Number(body.maxResults)
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) {
      throw new ApiError('InvalidParameterException', 'maxResults must be between 1 and 100.')
    }
    if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus)) {
      throw new ApiError(
        'InvalidParameterException',
        'desiredStatus must be RUNNING, PENDING or STOPPED.'
      )
    }
    const offset = decodeToken(str(body.nextToken))

    let candidates: Task[]
    if (serviceName) {
      const service = await this.service(call.region, cluster, serviceName)
      candidates = service?.tasks ?? []
    } else {
      const prefix = `arn:aws:ecs:${call.region}:${accountOf(cluster)}:cluster/${clusterName(cluster)}`
      candidates = this.allTasks().filter(t => t.clusterArn === prefix)
    }
    const wanted = candidates.filter(task => {
      if (desiredStatus === 'STOPPED' ? task.desiredStatus !== 'STOPPED' : !isLive(task))
        return false
      if (desiredStatus === 'PENDING' && task.lastStatus === 'RUNNING') return false
      if (str(body.startedBy) && task.startedBy !== body.startedBy) return false
      if (
        str(body.family) &&
        !task.taskDefinitionArn?.includes(`:task-definition/${String(body.family)}:`)
      )
        return false
      return true
    })
    // Newest first: the tasks a caller is after (the ones that just stopped) on the first page.
    let arns = wanted.map(t => t.taskArn ?? '').reverse()
    if (!serviceName) {
      // Tasks started with RunTask live in moto.
      const { nextToken: _n, maxResults: _m, ...rest } = body
      const theirs = await this.moto.ecs(call.region).send(new ListTasksCommand(rest))
      arns = [...arns, ...(theirs.taskArns ?? [])]
    }
    const page = arns.slice(offset, offset + maxResults)
    const more = offset + maxResults < arns.length
    return {
      status: 200,
      body: toJson({
        taskArns: page,
        ...(more ? { nextToken: encodeToken(offset + maxResults) } : {})
      })
    }
  }

  private findTask(reference: string): Task | undefined {
    return this.allTasks().find(t => t.taskArn === reference || taskId(t) === reference)
  }

  private async describeTasks(call: EcsCall): Promise<Answer> {
    const references = Array.isArray(call.body.tasks)
      ? (call.body.tasks as unknown[]).map(String)
      : []
    const ours = references.map(r => this.findTask(r)).filter((t): t is Task => t !== undefined)
    const rest = references.filter(r => !this.findTask(r))
    const withTags = Array.isArray(call.body.include) && call.body.include.includes('TAGS')
    const tasks: unknown[] = ours.map(t => (withTags ? t : { ...t, tags: undefined }))
    const failures: unknown[] = []
    if (rest.length > 0) {
      const upstream = await call.forward()
      if (upstream.status !== 200) return upstreamAnswer(upstream)
      const answer = JSON.parse(upstream.body.toString('utf8')) as {
        tasks?: Json[]
        failures?: Json[]
      }
      const theirs = (answer.tasks ?? []).filter(t =>
        rest.some(r => t.taskArn === r || lastSegment(String(t.taskArn)) === r)
      )
      tasks.push(...theirs)
      const found = new Set(
        theirs.flatMap(t => [String(t.taskArn), lastSegment(String(t.taskArn))])
      )
      failures.push(...rest.filter(r => !found.has(r)).map(arn => ({ arn, reason: 'MISSING' })))
    }
    return { status: 200, body: toJson({ tasks, failures }) }
  }

  private async runTask(call: EcsCall): Promise<Answer> {
    const reference = str(call.body.taskDefinition)
    if (!reference)
      throw new ApiError('InvalidParameterException', 'TaskDefinition can not be blank.')
    const definition = await this.taskDefinition(call.region, reference).catch(() => {
      throw new ApiError('ClientException', 'Unable to describe task definition.')
    })
    if (definition.status === 'INACTIVE') {
      throw new ApiError('ClientException', `TaskDefinition is inactive: ${reference}`)
    }
    const cluster = str(call.body.cluster)
    const where = {
      region: call.region,
      accountId: accountOf(cluster),
      clusterArn: `arn:aws:ecs:${call.region}:${accountOf(cluster)}:cluster/${clusterName(cluster)}`,
      clusterName: clusterName(cluster)
    }
    try {
      const answer = await this.locked('one-off', async () =>
        this.oneOff.run(call.body, definition, where, this.fx.now())
      )
      return { status: 200, body: toJson(answer) }
    } catch (error) {
      if (error instanceof InvalidRunTask)
        throw new ApiError('InvalidParameterException', error.message)
      throw error
    }
  }

  private async stopTask(call: EcsCall): Promise<Answer> {
    const reference = str(call.body.task) ?? ''
    const oneOff = await this.locked('one-off', async () =>
      this.oneOff.stop(reference, str(call.body.reason), this.fx.now())
    )
    if (oneOff) return { status: 200, body: toJson({ task: oneOff }) }
    const task = this.findTask(reference)
    if (!task) return upstreamAnswer(await call.forward())
    const service = [...this.services.values()].find(s => s.tasks.includes(task))
    const stop = (): void => {
      if (!isLive(task)) return
      stopTask(task, this.fx.now(), {
        stopCode: 'UserInitiated',
        stoppedReason: str(call.body.reason) ?? 'Task stopped by user'
      })
    }
    if (service) await this.locked(service.arn, async () => stop())
    else stop()
    return { status: 200, body: toJson({ task }) }
  }

  // --- inspection ------------------------------------------------------------------------------

  status(): Json {
    return {
      config: this.config,
      scripts: this.scripts,
      services: [...this.services.values()].map(s => ({
        arn: s.arn,
        desiredCount: s.desiredCount,
        deployments: presentDeployments(s),
        tasks: s.tasks.map(t => ({
          id: taskId(t),
          startedBy: t.startedBy,
          lastStatus: t.lastStatus
        })),
        events: s.events.slice(0, 10).map(e => e.message),
        serviceDeployments: s.serviceDeployments.slice(0, 3).map(d => ({
          arn: d.arn,
          status: d.status,
          lifecycleStage: d.lifecycleStage,
          strategy: d.strategy,
          productionWeight: d.productionWeight,
          hooks: d.hooks.map(h => `${h.stage} ${h.status}`)
        })),
        ...(s.traffic
          ? {
              traffic: {
                production: s.traffic.production,
                groups: Object.fromEntries(s.traffic.groups)
              }
            }
          : {})
      })),
      oneOffTasks: this.oneOff.status()
    }
  }

  /**
   * Why the stand-in URL of a service of this name fails (production traffic: the health URL; test
   * traffic: the test-traffic URL), if a script says it does.
   */
  scriptedFailure(serviceName: string, traffic: 'production' | 'test'): string | undefined {
    for (const service of this.services.values()) {
      if (service.name !== serviceName) continue
      if (traffic === 'production' && service.unhealthy) return 'scripted: unhealthy after steady'
      const failure = scriptedFailure(service, traffic)
      if (failure) return failure
    }
    return undefined
  }

  /** Running tasks of services with this name (for the stand-in health URL). */
  runningTasks(serviceName: string): Task[] {
    return [...this.services.values()]
      .filter(s => s.name === serviceName)
      .flatMap(s => s.tasks.filter(t => isLive(t) && t.lastStatus === 'RUNNING'))
  }
}

function upstreamAnswer(upstream: Upstream): Answer {
  return { status: upstream.status, body: upstream.body, headers: upstream.headers }
}
