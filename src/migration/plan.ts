// The migration's one-off task, planned: which container of which revision runs what, and
// where, all read from the service so that nothing is copied by hand. Pure.
import type { RunTaskCommandInput, Service, Tag, TaskDefinition } from '@aws-sdk/client-ecs'
import { shortArn } from '../model/names.js'
import type { Audit } from '../model/result.js'
import { AUDIT_TAG, tagValue } from '../revision/audit.js'
import { commandLine } from './command.js'

/** Where a task of the service runs: RunTask's placement fields, as the service has them. */
export type Placement = Pick<
  RunTaskCommandInput,
  | 'launchType'
  | 'capacityProviderStrategy'
  | 'platformVersion'
  | 'networkConfiguration'
  | 'enableECSManagedTags'
>

export interface MigrationPlan {
  argv: string[]
  container: string
  placement: Placement
  startedBy: string
  tags: Tag[]
  timeoutMs: number
  pollMs: number
  /** The service whose network configuration it borrows, for the messages. */
  service: string
}

/** The tag that says what a one-off task was for. */
export const PURPOSE_TAG = 'deploy:purpose'

/** The service's placement. A capacity provider strategy and a launch type exclude each other. */
export function placementOf(service: Service): Placement {
  const strategy = service.capacityProviderStrategy ?? []
  const placement: Placement = {}
  if (strategy.length > 0) placement.capacityProviderStrategy = strategy
  else if (service.launchType) placement.launchType = service.launchType
  if (service.platformVersion) placement.platformVersion = service.platformVersion
  if (service.networkConfiguration?.awsvpcConfiguration) {
    placement.networkConfiguration = service.networkConfiguration
  }
  if (service.enableECSManagedTags !== undefined) {
    placement.enableECSManagedTags = service.enableECSManagedTags
  }
  return placement
}

/** `FARGATE 1.4.0, subnets a, b, security groups sg-1, public IP DISABLED`. */
export function placementText(placement: Placement): string {
  const parts: string[] = []
  const strategy = placement.capacityProviderStrategy
  if (strategy?.length) {
    const providers = strategy.map(
      s => `${s.capacityProvider ?? '?'}${s.weight !== undefined ? ` weight ${s.weight}` : ''}`
    )
    parts.push(`capacity providers ${providers.join(', ')}`)
  } else {
    parts.push(placement.launchType ?? "the cluster's default capacity provider strategy")
  }
  if (placement.platformVersion) parts.push(`platform version ${placement.platformVersion}`)
  const vpc = placement.networkConfiguration?.awsvpcConfiguration
  if (vpc) {
    parts.push(`subnets ${(vpc.subnets ?? []).join(', ') || 'none'}`)
    if (vpc.securityGroups?.length) parts.push(`security groups ${vpc.securityGroups.join(', ')}`)
    parts.push(`public IP ${vpc.assignPublicIp ?? 'DISABLED'}`)
  }
  return parts.join(', ')
}

/** Why the container cannot run the migration, or undefined when it can. */
export function containerProblem(
  taskDefinition: TaskDefinition,
  container: string
): string | undefined {
  const names = (taskDefinition.containerDefinitions ?? []).flatMap(c => (c.name ? [c.name] : []))
  if (names.includes(container)) return undefined
  return `migration-container '${container}' is not a container of ${shortArn(taskDefinition.taskDefinitionArn)}: expected one of ${names.join(', ')}`
}

/**
 * Who started the task, as ECS's `startedBy` takes it (128 letters, digits, `-`, `_`, `/`):
 * `deploy-action/run-RUNID-ATTEMPT`, or `deploy-action/local` outside GitHub Actions.
 */
export function startedByOf(env: NodeJS.ProcessEnv): string {
  const run = env.GITHUB_RUN_ID
  if (!run) return 'deploy-action/local'
  const name = `deploy-action/run-${run}-${env.GITHUB_RUN_ATTEMPT || '1'}`
  return name.replace(/[^A-Za-z0-9_/-]/g, '_').slice(0, 128)
}

/** The task's tags: what it is for, and the run, commit and image tag that started it. */
export function migrationTags(audit: Audit, imageTag: string): Tag[] {
  const tags: Tag[] = [
    { key: PURPOSE_TAG, value: 'migration' },
    { key: AUDIT_TAG.run, value: audit.runUrl },
    { key: AUDIT_TAG.commit, value: audit.commit },
    { key: AUDIT_TAG.imageTag, value: imageTag }
  ]
  return tags.filter(t => t.value).map(t => ({ key: t.key, value: tagValue(t.value ?? '') }))
}

/** The sentence that says what runs, where: for the log, dry run and the summary. */
export function describePlan(plan: MigrationPlan, revision: string): string {
  return `${commandLine(plan.argv)} in container ${plan.container} of ${revision}, as a one-off task in the network configuration of ${plan.service} (${placementText(plan.placement)}), for at most ${plan.timeoutMs / 60_000} min`
}

/** What the inputs ask of the migration. */
export interface MigrationRequest {
  argv: string[]
  /** Undefined: the container whose image the deploy replaces. */
  container: string | undefined
  timeoutMs: number
  pollMs: number
}

/**
 * The migration of a deploy, run on the new revision of its first service, in that service's
 * network configuration. Throws when the container is not one of the revision's.
 */
export function planMigration(
  request: MigrationRequest,
  env: NodeJS.ProcessEnv,
  first: { name: string; service: Service; current: TaskDefinition; containerName: string }
): MigrationPlan {
  const container = request.container ?? first.containerName
  const problem = containerProblem(first.current, container)
  if (problem) throw new Error(problem)
  return {
    argv: request.argv,
    container,
    placement: placementOf(first.service),
    startedBy: startedByOf(env),
    tags: [],
    timeoutMs: request.timeoutMs,
    pollMs: request.pollMs,
    service: first.name
  }
}
