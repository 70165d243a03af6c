// Cleanup after a deploy that succeeded: the ACTIVE revisions of each family this step deployed
// beyond the newest keep-revisions, and the images of the repository beyond the newest
// keep-images, except what the cluster uses, what `rollback-to: previous` would choose, and what
// a kept revision pins. Optional work: nothing it meets fails the step. It returns what it
// removed (or, in a dry run, would remove) and why it kept the rest; the mode reports it.
import * as core from '@actions/core'
import type { Repository } from '../aws/ecr.js'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import { familyOf, revisionOf, shortArn, shortDigest } from '../model/names.js'
import { describer, readInUse, type InUse } from './in-use.js'
import { planImages, planRevisions, pinsOf, type ImagePlan, type RevisionPlan } from './plan.js'
import { tagRules } from './protected-tags.js'

/** The most revisions one run deregisters; the oldest go first, the rest at the next deploy. */
export const MAX_DEREGISTER = 100

/** A service this step deployed, and what it deployed. */
export interface DeployedService {
  service: string
  /** The revision the service runs after the deploy. */
  taskDefinitionArn: string
  /** The container whose image the deploy replaced. */
  containerName: string
  digest: string
}

export interface CleanupRequest {
  deployed: DeployedService[]
  /** keep-revisions; undefined: revisions are not cleaned up. */
  keepRevisions?: number
  /** keep-images; undefined (or no repository): images are not cleaned up. */
  keepImages?: number
  repository?: Repository
  /** Tags that keep an image besides the built-in rules (the build cache reference in use). */
  protectedTags?: string[]
  dryRun: boolean
}

export interface RevisionCleanup {
  plan: RevisionPlan
  deregistered: string[]
  failed: { arn: string; reason: string }[]
  /** Beyond MAX_DEREGISTER this run: left for the next deploy. */
  deferred: string[]
}

export interface ImageCleanup {
  repository: string
  plan: ImagePlan
  deleted: string[]
  failed: { digest: string; reason: string }[]
}

export interface CleanupOutcome {
  dryRun: boolean
  /** Set when nothing was judged (what could not be read); nothing was removed then. */
  skipped?: string
  revisions: RevisionCleanup[]
  images?: ImageCleanup
  warnings: string[]
  /** How long the cleanup took, reading included. */
  tookMs: number
}

export async function cleanUp(
  request: CleanupRequest,
  deps: Pick<Deps, 'ecr' | 'ecs' | 'clock'>
): Promise<CleanupOutcome> {
  const start = deps.clock.now()
  const outcome: CleanupOutcome = {
    dryRun: request.dryRun,
    revisions: [],
    warnings: [],
    tookMs: 0
  }
  const images = request.keepImages !== undefined && request.repository !== undefined
  if (request.keepRevisions === undefined && !images) return outcome
  const done = (): CleanupOutcome => ({ ...outcome, tookMs: deps.clock.now() - start })
  const families = familiesOf(request.deployed)

  let use: InUse
  const active = new Map<string, string[]>()
  try {
    for (const family of families.keys()) active.set(family, await deps.ecs.revisions(family))
    use = await readInUse(
      {
        containers: new Map([...families].map(([family, f]) => [family, f.containerName])),
        revisions: active,
        ...(images && request.repository ? { repositoryUri: request.repository.uri } : {})
      },
      deps
    )
  } catch (error) {
    skip(outcome, `could not read what the cluster uses: ${errorText(error)}`)
    return done()
  }

  if (request.keepRevisions !== undefined) {
    for (const [family, { deployed }] of families) {
      const plan = planRevisions({
        family,
        active: active.get(family) ?? [],
        deployed,
        keep: request.keepRevisions,
        holds: use.holds
      })
      outcome.revisions.push(await deregister(plan, request.dryRun, deps, outcome.warnings))
    }
  }
  if (images && request.repository && request.keepImages !== undefined) {
    outcome.images = await cleanImages(request, request.keepImages, request.repository, {
      use,
      active,
      revisions: outcome.revisions,
      deps,
      warnings: outcome.warnings
    })
  }
  return done()
}

interface Family {
  containerName: string
  /** The newest revision of the family this step deployed. */
  deployed: string
}

function familiesOf(deployed: DeployedService[]): Map<string, Family> {
  const families = new Map<string, Family>()
  for (const d of deployed) {
    const family = familyOf(d.taskDefinitionArn)
    const known = families.get(family)
    if (!known || revisionOf(d.taskDefinitionArn) > revisionOf(known.deployed)) {
      families.set(family, { containerName: d.containerName, deployed: d.taskDefinitionArn })
    }
  }
  return families
}

function skip(outcome: CleanupOutcome, why: string): void {
  const warning = `Cleanup skipped, nothing was removed: ${why}`
  core.warning(warning)
  outcome.skipped = why
  outcome.warnings.push(warning)
}

async function deregister(
  plan: RevisionPlan,
  dryRun: boolean,
  deps: Pick<Deps, 'ecs'>,
  warnings: string[]
): Promise<RevisionCleanup> {
  const now = plan.remove.slice(0, MAX_DEREGISTER)
  const cleanup: RevisionCleanup = {
    plan,
    deregistered: [],
    failed: [],
    deferred: plan.remove.slice(MAX_DEREGISTER)
  }
  core.info(
    `${plan.family}: ${plan.keep.length} ACTIVE revisions kept, ${plan.remove.length} to deregister`
  )
  for (const kept of plan.keep)
    core.info(`  keeps ${shortArn(kept.arn)}: ${kept.reasons.join('; ')}`)
  for (const arn of now) {
    if (dryRun) {
      core.info(`  dry-run: would deregister ${shortArn(arn)}`)
      continue
    }
    try {
      await deps.ecs.deregister(arn)
      cleanup.deregistered.push(arn)
      core.info(`  deregistered ${shortArn(arn)}`)
    } catch (error) {
      const reason = errorText(error)
      cleanup.failed.push({ arn, reason })
      warnings.push(`Could not deregister ${shortArn(arn)}: ${reason}`)
      core.warning(`Could not deregister ${shortArn(arn)}: ${reason}`)
    }
  }
  if (cleanup.deferred.length) {
    core.info(
      `  ${cleanup.deferred.length} more left for the next deploy (at most ${MAX_DEREGISTER} a run)`
    )
  }
  return cleanup
}

interface ImageContext {
  use: InUse
  active: Map<string, string[]>
  revisions: RevisionCleanup[]
  deps: Pick<Deps, 'ecr' | 'ecs'>
  warnings: string[]
}

async function cleanImages(
  request: CleanupRequest,
  keep: number,
  repository: Repository,
  context: ImageContext
): Promise<ImageCleanup> {
  const { use, deps, warnings } = context
  const cleanup: ImageCleanup = {
    repository: repository.name,
    plan: { remove: [], keep: [] },
    deleted: [],
    failed: []
  }
  let plan: ImagePlan
  try {
    const describe = describer(use.described, deps)
    const pins = [...use.pins]
    for (const arn of keptRevisions(context, request.dryRun)) {
      pins.push(...pinsOf(await describe(arn), repository.uri, 'a kept ACTIVE revision'))
    }
    plan = planImages({
      images: await deps.ecr.images(repository.name),
      keep,
      deployed: request.deployed.map(d => d.digest),
      pins,
      rules: tagRules(request.protectedTags ?? [])
    })
  } catch (error) {
    const warning = `Image cleanup skipped, no image was deleted: ${errorText(error)}`
    core.warning(warning)
    warnings.push(warning)
    return cleanup
  }
  cleanup.plan = plan
  core.info(`${repository.name}: ${plan.keep.length} images kept, ${plan.remove.length} to delete`)
  for (const kept of plan.keep) {
    core.info(`  keeps ${imageName(kept.image)}: ${kept.reasons.join('; ')}`)
  }
  const digests = plan.remove.map(image => image.digest)
  if (request.dryRun) {
    for (const image of plan.remove) core.info(`  dry-run: would delete ${imageName(image)}`)
    return cleanup
  }
  if (digests.length === 0) return cleanup
  try {
    const answer = await deps.ecr.deleteImages(repository.name, digests)
    cleanup.deleted = answer.deleted
    cleanup.failed = answer.failures
  } catch (error) {
    cleanup.failed = digests.map(digest => ({ digest, reason: errorText(error) }))
  }
  for (const image of plan.remove.filter(i => cleanup.deleted.includes(i.digest))) {
    core.info(`  deleted ${imageName(image)}`)
  }
  for (const failure of cleanup.failed) {
    const warning = `Could not delete image ${failure.digest} of ${repository.name}: ${failure.reason}`
    warnings.push(warning)
    core.warning(warning)
  }
  return cleanup
}

/**
 * The revisions that stay ACTIVE after the revision cleanup (in a dry run: would stay): every
 * ACTIVE one when revisions are not cleaned up.
 */
function keptRevisions(context: ImageContext, dryRun: boolean): string[] {
  const cleaned = new Map(context.revisions.map(r => [r.plan.family, r]))
  return [...context.active].flatMap(([family, arns]) => {
    const cleanup = cleaned.get(family)
    if (!cleanup) return arns
    const gone = new Set(
      dryRun ? cleanup.plan.remove.slice(0, MAX_DEREGISTER) : cleanup.deregistered
    )
    return arns.filter(arn => !gone.has(arn))
  })
}

/** `production-fixed-20261120 (sha256:0123456789ab)`, or the digest alone when untagged. */
export function imageName(image: { digest: string; tags: string[] }): string {
  const digest = shortDigest(image.digest)
  return image.tags.length ? `${image.tags.join(', ')} (${digest})` : digest
}
