// The scan gate in the modes: a deploy's image is judged before any revision is registered (a
// refusal changes nothing), a dry run says what the gate would decide without waiting, and a
// rollback only warns about its target's findings.
import * as core from '@actions/core'
import type { Deps } from '../deps.js'
import { scanPolicy } from '../inputs/cleanup-scan.js'
import type { Inputs } from '../inputs/inputs.js'
import { ReportedError } from '../model/errors.js'
import { repositoryNameOf, repositoryOf } from '../model/names.js'
import type { Reporter } from '../report/report.js'
import { rollbackScan, scanGate, scanNow } from '../scan/scan-gate.js'
import type { ImagePlan } from './image.js'

/**
 * Waits for the scan of the image the deploy runs (pushed now as `digest`, or already in ECR) and
 * judges it. Throws when the gate refuses it: the caller runs this before anything changes, so
 * the error goes on to say that nothing was deployed.
 */
export async function gateDeploy(
  inputs: Inputs,
  deps: Deps,
  report: Reporter,
  plan: ImagePlan,
  digest: string
): Promise<void> {
  const policy = scanPolicy(inputs)
  if (!policy) return
  const image = existingImage(plan) ?? { repository: plan.repository.name, digest }
  const outcome = await core.group(`Scan gate: fail-on-severity ${policy.failOn}`, () =>
    scanGate({ ...image, policy }, deps)
  )
  report.scanned(outcome, 'deploy')
  for (const warning of outcome.warnings) core.warning(warning, { title: 'Scan gate' })
  if (outcome.verdict === 'refuse') throw new ReportedError(outcome.reason)
}

/** Dry run: what the gate would decide now, or what it would wait for; it never waits. */
export async function gatePlanned(
  inputs: Inputs,
  deps: Deps,
  report: Reporter,
  plan: ImagePlan
): Promise<void> {
  const policy = scanPolicy(inputs)
  if (!policy) return
  const wait = `up to scan-timeout-minutes (${inputs.scanTimeoutMinutes} min)`
  const image = existingImage(plan)
  if (!image) {
    core.info(
      `dry-run: fail-on-severity ${policy.failOn}: after the push the gate would wait ${wait} for the ECR scan of the image built, and refuse it on a finding at or above ${policy.failOn}${policy.allow.length ? ' not in allow-cves' : ''}; an image not built yet has no scan to judge.`
    )
    return
  }
  const now = await scanNow({ ...image, policy }, deps)
  if ('pending' in now) {
    core.info(
      `dry-run: the ECR scan of ${image.repository}@${image.digest} is ${now.pending}: the gate would wait for it ${wait}, then judge it.`
    )
    return
  }
  report.scanned(now.outcome, 'dry-run')
  core.info(
    `dry-run: the gate would ${now.outcome.verdict === 'refuse' ? 'refuse the deploy: nothing would be deployed' : 'let the deploy go on'}.`
  )
}

/** The image already in ECR that the deploy names, with its push time; none when it builds. */
function existingImage(
  plan: ImagePlan
): { repository: string; digest: string; pushedAt?: Date } | undefined {
  if (!plan.existingDigest) return undefined
  return {
    repository: plan.repository.name,
    digest: plan.existingDigest,
    ...(plan.pushedAt ? { pushedAt: plan.pushedAt } : {})
  }
}

/** A service's rollback target: the image its revision names, pinned to `digest`. */
export interface RollbackImage {
  choice: { image: string; digest: string }
  /** The ecr-repository input's repository, when given. */
  repository: { name: string; uri: string } | undefined
}

/**
 * Each target image's scan, read once (never waited for): a warning when it has findings at or
 * above the level. A rollback is never blocked.
 */
export async function warnRollbackTargets(
  inputs: Inputs,
  deps: Deps,
  report: Reporter,
  targets: RollbackImage[]
): Promise<void> {
  const policy = scanPolicy(inputs)
  if (!policy) return
  const seen = new Set<string>()
  for (const { choice, repository } of targets) {
    if (seen.has(choice.digest)) continue
    seen.add(choice.digest)
    const request = { repository: repositoryName(choice.image, repository), digest: choice.digest }
    const note = await core.group(`Scan of the rollback target ${choice.digest}`, () =>
      rollbackScan({ ...request, policy }, deps)
    )
    report.scanned(note.outcome, 'rollback')
    if (note.warning) core.warning(note.warning, { title: 'The rollback target has findings' })
  }
}

/** The repository's name: the given one when the image is in it, else the image's path. */
function repositoryName(image: string, given: RollbackImage['repository']): string {
  if (given && repositoryOf(image) === given.uri) return given.name
  return repositoryNameOf(image)
}
