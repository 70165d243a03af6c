// What the cluster uses, read from ECS: every deployment and task set of every service of the
// cluster, what `rollback-to: previous` would choose for each, and the running tasks. The holds
// on revisions and the pins on images of the repository, each with its reason.
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs'
import type { Deps } from '../deps.js'
import { familyOf, pinnedDigest, repositoryOf, shortArn, taskId } from '../model/names.js'
import { findPrevious } from '../revision/previous.js'
import { pinsOf, type Hold, type Pin } from './plan.js'

export interface UseScope {
  /** The families this step deployed, each with the container whose image it replaced. */
  containers: Map<string, string>
  /** Their ACTIVE revisions, already listed: `previous` walks them without listing again. */
  revisions?: Map<string, string[]>
  /** The repository's URI when images are cleaned up too. */
  repositoryUri?: string
}

export interface InUse {
  holds: Hold[]
  pins: Pin[]
  /** Every task definition described on the way, by ARN (kept revisions' pins reuse them). */
  described: Map<string, TaskDefinition>
}

export async function readInUse(scope: UseScope, deps: Pick<Deps, 'ecs'>): Promise<InUse> {
  const use: InUse = { holds: [], pins: [], described: new Map() }
  const describe = describer(use.described, deps)
  const hold = async (arn: string, reason: string): Promise<void> => {
    use.holds.push({ arn, reason })
    if (scope.repositoryUri) {
      use.pins.push(...pinsOf(await describe(arn), scope.repositoryUri, reason))
    }
  }

  const arns = await deps.ecs.serviceArns()
  const services = arns.length ? await deps.ecs.services(arns) : []
  for (const service of services) {
    const name = service.serviceName ?? shortArn(service.serviceArn)
    for (const deployment of service.deployments ?? []) {
      if (deployment.taskDefinition) {
        await hold(
          deployment.taskDefinition,
          `ECS service ${name}'s ${deployment.status ?? ''} deployment`
        )
      }
    }
    const current = service.taskDefinition
    if (current && !service.deployments?.some(d => d.taskDefinition === current)) {
      await hold(current, `ECS service ${name}'s task definition`)
    }
    for (const taskSet of service.taskSets ?? []) {
      if (taskSet.taskDefinition)
        await hold(taskSet.taskDefinition, `a task set of ECS service ${name}`)
    }
    const target = await previousOf(service, scope, describe, deps)
    if (target)
      await hold(target, `what rollback-to: previous would choose for ECS service ${name}`)
  }

  const tasks = await deps.ecs.tasks(await deps.ecs.clusterTaskArns('RUNNING'))
  for (const task of tasks) {
    const reason = `running task ${taskId(task.taskArn)}${task.group ? ` (${task.group})` : ''}`
    if (task.taskDefinitionArn) use.holds.push({ arn: task.taskDefinitionArn, reason })
    if (!scope.repositoryUri) continue
    for (const container of task.containers ?? []) {
      if (!container.image || repositoryOf(container.image) !== scope.repositoryUri) continue
      // The digest the task pulled, whatever its image reference says.
      if (container.imageDigest) use.pins.push({ digest: container.imageDigest, reason })
    }
  }
  return use
}

/** DescribeTaskDefinition once an ARN: the answers are kept in `described`. */
export function describer(
  described: Map<string, TaskDefinition>,
  deps: Pick<Deps, 'ecs'>
): (arn: string) => Promise<TaskDefinition> {
  return async arn => {
    const known = described.get(arn)
    if (known) return known
    const { taskDefinition } = await deps.ecs.taskDefinition(arn)
    described.set(arn, taskDefinition)
    return taskDefinition
  }
}

/**
 * The revision `previous` would choose for the service, when it matters here: the service's
 * family is one this step deployed, or it runs an image of the repository.
 */
async function previousOf(
  service: Service,
  scope: UseScope,
  describe: (arn: string) => Promise<TaskDefinition>,
  deps: Pick<Deps, 'ecs'>
): Promise<string | undefined> {
  const currentArn = service.taskDefinition
  if (!currentArn) return undefined
  const ours = scope.containers.get(familyOf(currentArn))
  if (!ours && !scope.repositoryUri) return undefined
  const current = await describe(currentArn)
  const container =
    current.containerDefinitions?.find(c => c.name === ours) ??
    (scope.repositoryUri
      ? current.containerDefinitions?.find(
          c => c.image && repositoryOf(c.image) === scope.repositoryUri
        )
      : undefined)
  if (!container?.name) return undefined
  const revisions = scope.revisions?.get(familyOf(currentArn))
  const previous = await findPrevious(
    {
      currentArn,
      containerName: container.name,
      runningDigest: pinnedDigest(container.image),
      ...(revisions ? { revisions } : {})
    },
    deps
  )
  return previous.found?.taskDefinition.taskDefinitionArn
}
