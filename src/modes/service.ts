// The prologue every mode shares: read the service, refuse one that is not ACTIVE, read the
// revision it runs and choose the container whose image is in question.
import * as core from '@actions/core'
import type { ContainerDefinition, Service, Tag, TaskDefinition } from '@aws-sdk/client-ecs'
import type { Repository } from '../aws/ecr.js'
import type { Inputs } from '../inputs/inputs.js'
import type { Deps } from '../deps.js'
import { NothingChangedError } from '../model/errors.js'
import type { Revision } from '../model/move.js'
import { shortArn } from '../model/names.js'
import type { Reporter } from '../report/report.js'
import { asRevision, chooseContainer, pinnedAlike, sameImageContainers } from '../revision/next.js'
import { bakeTimeProblem, pauseHooks, pauseProblem } from '../rollout/service-deployments.js'
import { scaledToZero } from '../verify/checks.js'

export interface ServiceState {
  /** The service as the input names it. */
  name: string
  service: Service
  /** The revision the service runs. */
  current: TaskDefinition
  currentTags: Tag[]
  currentArn: string
  container: ContainerDefinition
  containerName: string
  /**
   * The other containers on the image: whose image is in the repository, which a deploy repins
   * too (verify: those the revision pins to the very same image).
   */
  sameImage: string[]
  /** The repository, when the mode has one. */
  repository: Repository | undefined
  /** What the service runs now, as the outputs describe it. */
  before: Revision
}

export interface ServiceRead {
  /** The service name or ARN. */
  name: string
  /** What a refusal says was not done; verify changes nothing and says so its own way. */
  notDone: 'deployed' | 'rolled back' | 'verified'
  /** The container-name input. */
  containerName: string | undefined
  /** Read once the revision is known (a failure then names what the service runs). */
  repository: () => Promise<Repository | undefined>
  /** Print what the service runs (verify prints its own line). */
  announce: boolean
  /** The rollout's timeout, checked against the service's bake time; undefined when not watched. */
  timeoutMinutes?: number
  /** What the step does at PAUSE hooks, checked against the service's hooks when watched. */
  pauses?: { approve: boolean; watchMinutes: number }
}

/** The service and what it runs; throws, having changed nothing, when it cannot be deployed to. */
export async function readService(
  deps: Pick<Deps, 'ecs'>,
  report: Pick<Reporter, 'read' | 'runsRevision'>,
  read: ServiceRead
): Promise<ServiceState> {
  const service = await deps.ecs.service(read.name)
  // Known from here on, even for a service refused below: a failed step still reports what the
  // service runs. A deleted service runs nothing.
  if (service.taskDefinition && service.status !== 'INACTIVE') {
    report.runsRevision(read.name, service.taskDefinition)
  }
  if (service.status !== 'ACTIVE') {
    const status = service.status ?? 'not active'
    throw new NothingChangedError(
      read.notDone === 'verified'
        ? `ECS service ${read.name} in cluster ${deps.ecs.cluster} is ${status}${status === 'INACTIVE' ? ' (deleted)' : ''}: there is nothing to verify`
        : `ECS service ${read.name} is ${status}: nothing was ${read.notDone}`
    )
  }
  const controller = controllerProblem(
    read.name,
    service.deploymentController?.type,
    read.notDone === 'verified'
  )
  if (controller) throw new NothingChangedError(controller)
  if (read.timeoutMinutes !== undefined) {
    const bake = bakeTimeProblem(read.name, service, read.timeoutMinutes)
    if (bake.refusal) throw new NothingChangedError(bake.refusal)
    if (bake.warning) core.warning(bake.warning)
    if (read.pauses) {
      const pause = pauseProblem(read.name, service, read.pauses, read.timeoutMinutes)
      if (pause.refusal) throw new NothingChangedError(pause.refusal)
      if (pause.warning) core.warning(pause.warning)
    }
  }
  if (!service.taskDefinition) throw new Error(`ECS service ${read.name} has no task definition`)
  const {
    taskDefinition: current,
    tags: currentTags,
    unknownFields
  } = await deps.ecs.taskDefinition(service.taskDefinition)
  if (unknownFields && read.notDone !== 'verified') {
    core.info(
      `${shortArn(service.taskDefinition)} has fields the bundled AWS SDK does not know: ${unknownFields.join(', ')}. They are carried into the new revision as ECS returned them.`
    )
  }
  const currentArn = current.taskDefinitionArn ?? service.taskDefinition
  const repository = await read.repository()
  const container = chooseContainer(current, read.containerName, repository?.uri)
  const containerName = container.name ?? ''
  // verify checks the containers the revision pins alike; a deploy repins the repository's.
  const sameImage =
    read.notDone === 'verified'
      ? pinnedAlike(current, containerName)
      : sameImageContainers(current, container, repository?.uri)
  const before = asRevision(current, currentTags, containerName)
  report.read(read.name, { containerName, sameImage, before })
  if (service.desiredCount === 0 && read.notDone !== 'verified') {
    core.warning(scaledToZero(read.name))
  }
  if (read.announce) {
    core.info(
      `Service ${read.name} runs ${shortArn(currentArn)}; container ${containerName} runs ${container.image ?? '?'}${sameImage.length > 0 ? `; ${sameImage.join(', ')} ${sameImage.length === 1 ? 'runs' : 'run'} an image of the same repository too` : ''}`
    )
  }
  return {
    name: read.name,
    service,
    current,
    currentTags,
    currentArn,
    container,
    containerName,
    sameImage,
    repository,
    before
  }
}

/**
 * Why a service's deployment controller cannot take a new task definition by UpdateService, or
 * undefined when it can (ECS's own controller). Pure.
 */
export function controllerProblem(
  name: string,
  controller: string | undefined,
  verifying = false
): string | undefined {
  if (verifying && (controller === 'CODE_DEPLOY' || controller === 'EXTERNAL')) {
    const tool = controller === 'CODE_DEPLOY' ? 'CodeDeploy' : 'another tool'
    return `ECS service ${name} uses the ${controller} deployment controller: its rollouts are task sets of ${tool}, which this action's checks do not read, so there is nothing it can verify. Check it with ${controller === 'CODE_DEPLOY' ? 'CodeDeploy' : 'that tool'}`
  }
  if (controller === 'CODE_DEPLOY') {
    return `ECS service ${name} uses the CODE_DEPLOY deployment controller: its task definition changes only through a CodeDeploy deployment (an AppSpec), not UpdateService, so this action changes nothing. Deploy it with CodeDeploy (aws-actions/amazon-ecs-deploy-task-definition with codedeploy-appspec), or move the service to ECS's own controller, whose BLUE_GREEN strategy this action watches`
  }
  if (controller === 'EXTERNAL') {
    return `ECS service ${name} uses the EXTERNAL deployment controller: its task sets are managed by another tool (CreateTaskSet, UpdateServicePrimaryTaskSet), not UpdateService, so this action changes nothing. Deploy it with that tool, or move the service to ECS's own controller`
  }
  return undefined
}

/**
 * approve-pauses with no PAUSE hook on any service of the step approves nothing: refused, since
 * the user expects pauses that will not come. A service without hooks among others is said.
 */
export function pausesToApprove(states: ServiceState[], approve: boolean): void {
  if (!approve) return
  const without = states.filter(state => pauseHooks(state.service).length === 0)
  if (without.length === states.length) {
    const names = states.map(state => state.name).join(', ')
    throw new Error(
      `approve-pauses is true, but ECS service${states.length === 1 ? '' : 's'} ${names} ${states.length === 1 ? 'has' : 'have'} no PAUSE lifecycle hook in ${states.length === 1 ? 'its' : 'their'} deployment configuration: there is no pause to approve. Leave approve-pauses false, or add a PAUSE hook to the service`
    )
  }
  for (const state of without) {
    core.info(
      `ECS service ${state.name} has no PAUSE lifecycle hook: approve-pauses does not concern it.`
    )
  }
}

/** What the step does at PAUSE hooks, from the inputs. */
export function pausesOf(inputs: Pick<Inputs, 'approvePauses' | 'pauseWatchMinutes'>): {
  approve: boolean
  watchMinutes: number
} {
  return { approve: inputs.approvePauses, watchMinutes: inputs.pauseWatchMinutes }
}
