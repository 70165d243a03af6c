// The cleanup in the modes: after a deploy that succeeded and was watched, the revisions and
// images nothing needs go (keep-revisions, keep-images); a dry run says what would go. Optional
// work: whatever happens here only warns, and the deploy stands.
import * as core from '@actions/core'
import type { Repository } from '../aws/ecr.js'
import { cleanUp, type CleanupOutcome, type DeployedService } from '../cleanup/clean-up.js'
import type { Deps } from '../deps.js'
import { cleanupPolicy } from '../inputs/cleanup-scan.js'
import type { Inputs } from '../inputs/inputs.js'
import { splitReference, type CacheSetting } from '../model/build.js'
import { errorText } from '../model/errors.js'
import type { Reporter } from '../report/report.js'
import type { Ready } from './release.js'
import type { ServiceState } from './service.js'

/** After the deploy succeeded: what each service now runs is what the cleanup keeps from. */
export async function cleanUpAfterDeploy(
  inputs: Inputs,
  deps: Deps,
  report: Reporter,
  ready: Ready[],
  repository: Repository
): Promise<void> {
  const deployed = ready.map(({ planned }) => ({
    service: planned.service,
    taskDefinitionArn: planned.to.taskDefinitionArn,
    containerName: planned.containerName,
    digest: planned.to.digest ?? ''
  }))
  await cleanUpFor(inputs, deps, report, { deployed, repository })
}

/**
 * Dry run: the cleanup judged on what the services run now, as nothing new is registered. After a
 * real deploy its revision and image are the newest, and what runs now is what previous chooses.
 */
export async function cleanUpPlanned(
  inputs: Inputs,
  deps: Deps,
  report: Reporter,
  plan: { states: ServiceState[]; repository: Repository; digest: string | undefined }
): Promise<void> {
  if (!cleanupPolicy(inputs)) return
  core.info(
    'dry-run: the cleanup is judged on what the services run now; after a real deploy, its new revision and image count among the newest kept.'
  )
  const deployed = plan.states.map(state => ({
    service: state.name,
    taskDefinitionArn: state.currentArn,
    containerName: state.containerName,
    digest: plan.digest ?? state.before.digest ?? ''
  }))
  await cleanUpFor(inputs, deps, report, { deployed, repository: plan.repository })
}

async function cleanUpFor(
  inputs: Inputs,
  deps: Deps,
  report: Reporter,
  what: { deployed: DeployedService[]; repository: Repository }
): Promise<void> {
  const policy = cleanupPolicy(inputs)
  if (!policy) return
  const keeps = [
    policy.keepRevisions !== undefined ? `keep-revisions ${policy.keepRevisions}` : '',
    policy.keepImages !== undefined ? `keep-images ${policy.keepImages}` : ''
  ].filter(Boolean)
  const protectedTags = cacheTags(inputs.buildCache, what.repository)
  let outcome: CleanupOutcome
  try {
    outcome = await core.group(`Cleanup: ${keeps.join(', ')}`, () =>
      cleanUp({ ...what, ...policy, protectedTags }, deps)
    )
  } catch (error) {
    const why = `it failed (what it removed before is in the log): ${errorText(error)}`
    core.warning(`Cleanup failed, the deploy stands: ${errorText(error)}`)
    outcome = { dryRun: policy.dryRun, skipped: why, revisions: [], warnings: [], tookMs: 0 }
  }
  report.cleanedUp(outcome)
}

/**
 * The tag of a build-cache reference in the deploy's repository, which no release rule knows:
 * `build-cache-main` is one of the cache's own names, `layers` is not, and both must stay.
 */
export function cacheTags(setting: CacheSetting, repository: Repository): string[] {
  if (setting.kind !== 'ref') return []
  const { name, tag } = splitReference(setting.ref)
  return name === repository.uri && tag ? [tag] : []
}
