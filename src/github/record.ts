// A deploy or rollback as a GitHub deployment with statuses, so the repository's Environments page
// shows what runs where. Optional work: a token without rights or an unreachable API only warns.
import * as core from '@actions/core'
import { errorText } from '../model/errors.js'
import { shortArn, shortDigest } from '../model/names.js'
import type { PlannedMove } from '../model/move.js'
import type { Mode, RunResult, ServiceResult } from '../model/result.js'
import { GitHubApi, GitHubApiError, TimeoutError } from './api.js'
import { auditFromEnv } from './context.js'

/** What one request to the GitHub API may take before the record is given up. */
export const GITHUB_TIMEOUT_MS = 10_000
/**
 * How many of the environment's newest deployments are looked at for the one this replaces: one
 * page, GitHub's largest. When other services of the environment deployed more often than that
 * since this service's last deploy, its earlier record stays active beside the new one.
 */
const RECENT_DEPLOYMENTS = 100
/** GitHub refuses longer status descriptions. */
const MAX_DESCRIPTION = 140

export type RecordedTask = 'deploy' | 'rollback'

/** What a deployment record needs to know of the run, built once from the inputs. */
export interface RecordSettings {
  /** Empty: nothing is recorded. */
  token: string | undefined
  environment: string
  mode: Mode
  dryRun: boolean
  region: string
  cluster: string
  notes: string
}

/**
 * What is rolled out, known when the record is made: just before UpdateService. GitHub cannot
 * change a payload later, so the outcome goes in the final status.
 */
export type DeploymentPayload = {
  mode: RecordedTask
  cluster: string
  service: string
  region: string
  /** `URI@sha256:…`, pinned in taskDefinitionArn. */
  image: string | null
  digest: string | null
  /** The revision the service is pointed at. */
  taskDefinitionArn: string | null
  /** The revision the service ran before this step. */
  previousTaskDefinitionArn: string | null
  tag: string | null
  notes: string
}

/** The body of POST /repos/{owner}/{repo}/deployments. */
export interface DeploymentRequest {
  ref: string
  task: RecordedTask
  environment: string
  auto_merge: false
  required_contexts: string[]
  transient_environment: false
  production_environment: boolean
  description: string
  payload: DeploymentPayload
}

export type RecordPlan =
  | { kind: 'skip'; warning?: string }
  | {
      kind: 'record'
      owner: string
      repo: string
      request: DeploymentRequest
      environmentUrl: string
      logUrl: string
    }

export interface DeploymentRecord {
  api: GitHubApi
  owner: string
  repo: string
  id: number
  environment: string
  environmentUrl: string
  logUrl: string
  payload: DeploymentPayload
}

export interface FinalStatus {
  /** in_progress: started and not watched (wait: false); ECS goes on with it. */
  state: 'success' | 'failure' | 'in_progress'
  description: string
}

/** Whether and how this run's rollout, as `rolling` describes it, is recorded. Pure. */
export function planRecord(
  inputs: RecordSettings,
  env: NodeJS.ProcessEnv,
  rolling: PlannedMove
): RecordPlan {
  if (!inputs.token || inputs.dryRun || inputs.mode === 'verify') return { kind: 'skip' }
  const [owner, repo, ...rest] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo || rest.length > 0) {
    return {
      kind: 'skip',
      warning:
        'No GitHub deployment is recorded: GITHUB_REPOSITORY is not set to owner/repo (the runner sets it in a workflow)'
    }
  }
  // A rollback's record is of the commit the service returns to, when the revision says it.
  const ref = (inputs.mode === 'rollback' && rolling.commit) || env.GITHUB_SHA || ''
  if (!ref) {
    return {
      kind: 'skip',
      warning:
        'No GitHub deployment is recorded: GITHUB_SHA is not set (the runner sets it in a workflow)'
    }
  }
  const task: RecordedTask = inputs.mode
  const payload = rolloutPayload(inputs, task, rolling)
  return {
    kind: 'record',
    owner,
    repo,
    request: {
      ref,
      task,
      environment: inputs.environment,
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
      production_environment: inputs.environment.toLowerCase() === 'production',
      description: truncate(
        `${task} ${shortArn(rolling.service)} in ${shortArn(inputs.cluster)} (${inputs.region})`
      ),
      payload
    },
    environmentUrl: serviceConsoleUrl(inputs.region, inputs.cluster, rolling.service),
    logUrl: auditFromEnv(env, '').runUrl
  }
}

function rolloutPayload(
  inputs: RecordSettings,
  task: RecordedTask,
  rolling: PlannedMove
): DeploymentPayload {
  return {
    mode: task,
    cluster: inputs.cluster,
    service: rolling.service,
    region: inputs.region,
    image: rolling.to.image || null,
    digest: rolling.to.digest || null,
    taskDefinitionArn: rolling.to.taskDefinitionArn || null,
    previousTaskDefinitionArn: rolling.from.taskDefinitionArn || null,
    tag: rolling.to.tag || null,
    notes: inputs.notes
  }
}

/** The ECS console page of the service: the deployment's environment URL. Pure. */
export function serviceConsoleUrl(region: string, cluster: string, service: string): string {
  const r = encodeURIComponent(region)
  const c = encodeURIComponent(shortArn(cluster))
  const s = encodeURIComponent(shortArn(service))
  return `https://${r}.console.aws.amazon.com/ecs/v2/clusters/${c}/services/${s}/health?region=${r}`
}

/**
 * The state and the one-line description of a service's final status, from the run's result:
 * the services of a step succeed or fail together. Pure.
 */
export function finalStatus(result: RunResult, service: ServiceResult): FinalStatus {
  const runs = service.runs
  const revision = runs?.taskDefinitionArn ? shortArn(runs.taskDefinitionArn) : ''
  if (result.status === 'started') {
    return {
      state: 'in_progress',
      description: truncate(
        `started, not watched or verified by this step (wait: false): ${revision || 'the new revision'} rolling out`
      )
    }
  }
  if (result.status === 'succeeded') {
    const digest = runs?.digest ? shortDigest(runs.digest) : 'unchanged image'
    const what = revision ? `${revision} runs ${digest}` : `runs ${digest}`
    return {
      state: 'success',
      description: truncate(`${service.verified ? 'verified: ' : ''}${what}`)
    }
  }
  const back = service.rolledBack ? `; rolled back to ${revision || 'the previous revision'}` : ''
  return {
    state: 'failure',
    description: truncate(`failed${back}: ${result.error ?? `${result.mode} failed`}`)
  }
}

/** Whether a deployment's payload names the same ECS service. Pure. */
export function isSameService(
  payload: unknown,
  target: { cluster: string; service: string }
): boolean {
  const value = payloadObject(payload)
  return value?.cluster === target.cluster && value.service === target.service
}

/** IDs of earlier deployments of the same service whose latest state is success. Pure. */
export function replacedDeployments(
  deployments: { id: number; payload: unknown; latestState: string | undefined }[],
  ours: { id: number; cluster: string; service: string }
): number[] {
  return deployments
    .filter(d => d.id !== ours.id && d.latestState === 'success' && isSameService(d.payload, ours))
    .map(d => d.id)
}

function payloadObject(payload: unknown): Record<string, unknown> | undefined {
  let value = payload
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch {
      return undefined
    }
  }
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
}

/** What a failed GitHub call means for the user; never includes the token. Pure. */
export function describeGitHubError(error: unknown, where: string): string {
  const message = errorText(error)
  if (error instanceof GitHubApiError) {
    if (error.status === 401 || error.status === 403 || error.status === 404) {
      return `GitHub answered ${error.status} (${message}): the github-token may not write deployments in ${where}; give the job 'permissions: deployments: write', or leave github-token empty`
    }
    return `GitHub answered ${error.status}: ${message}`
  }
  if (error instanceof TimeoutError) return 'the GitHub API did not answer in time'
  return `the GitHub API could not be reached: ${message}`
}

/**
 * Creates the deployment of the rollout `rolling` describes, and its in_progress status. Called
 * when the rollout starts, so a step that fails before it records nothing: nothing was deployed.
 * Never throws: without a record the deploy goes on, and the reason is a warning.
 */
export async function startDeploymentRecord(
  inputs: RecordSettings,
  env: NodeJS.ProcessEnv,
  rolling: PlannedMove,
  timeoutMs = GITHUB_TIMEOUT_MS
): Promise<DeploymentRecord | undefined> {
  const plan = planRecord(inputs, env, rolling)
  if (plan.kind === 'skip') {
    if (plan.warning) core.warning(plan.warning)
    return undefined
  }
  const where = `${plan.owner}/${plan.repo}`
  try {
    const api = new GitHubApi(
      inputs.token ?? '',
      env.GITHUB_API_URL || 'https://api.github.com',
      timeoutMs
    )
    const created = await api.post<{ id?: number; message?: string }>(
      `/repos/${plan.owner}/${plan.repo}/deployments`,
      plan.request
    )
    if (typeof created?.id !== 'number') {
      throw new Error(`GitHub did not create a deployment: ${created?.message ?? ''}`)
    }
    const record: DeploymentRecord = {
      api,
      owner: plan.owner,
      repo: plan.repo,
      id: created.id,
      environment: plan.request.environment,
      environmentUrl: plan.environmentUrl,
      logUrl: plan.logUrl,
      payload: plan.request.payload
    }
    await setStatus(record, record.id, 'in_progress', plan.request.description, record.logUrl)
    core.info(
      `GitHub deployment ${record.id} in ${where}: ${record.environment}, ${plan.request.task} in progress`
    )
    return record
  } catch (error) {
    core.warning(
      `Could not record the ${plan.request.task} as a GitHub deployment: ${describeGitHubError(error, where)}. The ${plan.request.task} goes on without one.`
    )
    return undefined
  }
}

/**
 * Gives the deployment its final status and, on success, marks the deployment it replaced
 * inactive. Never throws.
 */
export async function finishDeploymentRecord(
  record: DeploymentRecord | undefined,
  result: RunResult,
  service: ServiceResult
): Promise<void> {
  if (!record) return
  const where = `${record.owner}/${record.repo}`
  const status = finalStatus(result, service)
  try {
    await setStatus(record, record.id, status.state, status.description, record.logUrl)
    core.info(`GitHub deployment ${record.id}: ${status.state}, ${status.description}`)
  } catch (error) {
    core.warning(
      `Could not set GitHub deployment ${record.id} to ${status.state}: ${describeGitHubError(error, where)}`
    )
    return
  }
  if (status.state !== 'success') return
  try {
    for (const { id, logUrl } of await replaced(record)) {
      // The inactive status keeps the replaced deployment's own run as its log, not this one's.
      await setStatus(record, id, 'inactive', `replaced by deployment ${record.id}`, logUrl)
      core.info(`GitHub deployment ${id}: inactive, replaced by ${record.id}`)
    }
  } catch (error) {
    core.warning(
      `Could not mark the deployment that ${record.id} replaced inactive: ${describeGitHubError(error, where)}`
    )
  }
}

/**
 * We mark the replaced deployment inactive ourselves instead of relying on auto_inactive:
 * GitHub applies that only to non-production environments, and it would also retire records of
 * other services that share the environment.
 */
async function replaced(
  record: DeploymentRecord
): Promise<{ id: number; logUrl: string | undefined }[]> {
  const base = `/repos/${record.owner}/${record.repo}/deployments`
  const deployments = await record.api.get<{ id: number; payload: unknown }[]>(base, {
    environment: record.environment,
    per_page: RECENT_DEPLOYMENTS
  })
  const ours = { id: record.id, cluster: record.payload.cluster, service: record.payload.service }
  const candidates = deployments.filter(d => d.id !== ours.id && isSameService(d.payload, ours))
  const withStates = []
  const logUrls = new Map<number, string | undefined>()
  for (const deployment of candidates) {
    const statuses = await record.api.get<{ state?: string; log_url?: string }[]>(
      `${base}/${deployment.id}/statuses`,
      { per_page: 1 }
    )
    withStates.push({ ...deployment, latestState: statuses[0]?.state })
    logUrls.set(deployment.id, statuses[0]?.log_url || undefined)
  }
  return replacedDeployments(withStates, ours).map(id => ({ id, logUrl: logUrls.get(id) }))
}

async function setStatus(
  record: DeploymentRecord,
  deploymentId: number,
  state: 'in_progress' | 'success' | 'failure' | 'inactive',
  description: string,
  /** The run the status links to as its log: this one, or the replaced deployment's own. */
  logUrl: string | undefined
): Promise<void> {
  await record.api.post(
    `/repos/${record.owner}/${record.repo}/deployments/${deploymentId}/statuses`,
    {
      state,
      description: truncate(description),
      environment_url: record.environmentUrl,
      ...(logUrl ? { log_url: logUrl } : {}),
      auto_inactive: false
    }
  )
}

function truncate(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > MAX_DESCRIPTION ? `${line.slice(0, MAX_DESCRIPTION - 3)}...` : line
}
