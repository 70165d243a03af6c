// Choosing what a rollback returns the service to. Pure: the answers of ECS and ECR in, the
// decision (or the reason there is none) out. modes/rollback.ts does the asking.
import type { RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from '@aws-sdk/client-ecs'
import type { EcrImage } from '../aws/ecr.js'
import { cacheImageProblem } from '../model/build.js'
import type { RollbackTarget } from '../model/move.js'
import { familyOf, pinnedDigest, revisionOf, shortArn } from '../model/names.js'
import type { Audit } from '../model/result.js'
import { AUDIT_TAG, auditTags, tagOf } from './audit.js'
import { nextRevision } from './next.js'

/** What has to be looked up to resolve a target. */
export type Lookup =
  | { kind: 'earlier-revisions'; family: string }
  | { kind: 'task-definition'; ref: string }
  | { kind: 'image'; ref: { tag: string } | { digest: string } }

export type RollbackChoice =
  | {
      /** An existing revision, deployed as it is: nothing is registered. */
      kind: 'existing'
      taskDefinition: TaskDefinition
      tags: Tag[]
      digest: string
      image: string
      tag: string
      reason: string
    }
  | {
      /** An image from ECR, pinned into a new revision of the current task definition. */
      kind: 'repin'
      registration: RegisterTaskDefinitionCommandInput
      digest: string
      image: string
      tag: string
      reason: string
    }

export type Verdict = { ok: true; digest: string } | { ok: false; reason: string }

/** How the target reads in messages: `previous`, `12`, the ARN, the digest or the tag. */
export function targetName(target: RollbackTarget): string {
  switch (target.kind) {
    case 'previous':
      return 'previous'
    case 'revision':
      return String(target.revision)
    case 'arn':
      return target.arn
    case 'digest':
      return target.digest
    case 'tag':
      return target.tag
  }
}

export function lookupFor(target: RollbackTarget, current: TaskDefinition): Lookup {
  const family = current.family ?? familyOf(current.taskDefinitionArn ?? '')
  switch (target.kind) {
    case 'previous':
      return { kind: 'earlier-revisions', family }
    case 'revision':
      return { kind: 'task-definition', ref: `${family}:${target.revision}` }
    case 'arn':
      return { kind: 'task-definition', ref: target.arn }
    case 'digest':
      return { kind: 'image', ref: { digest: target.digest } }
    case 'tag':
      return { kind: 'image', ref: { tag: target.tag } }
  }
}

/** The revisions of the current one's family older than it, newest first. */
export function earlierRevisions(arns: string[], currentArn: string): string[] {
  const family = familyOf(currentArn)
  const current = revisionOf(currentArn)
  return arns
    .filter(arn => familyOf(arn) === family && revisionOf(arn) < current)
    .sort((a, b) => revisionOf(b) - revisionOf(a))
}

/**
 * What a revision's `deploy:replaces` tag says of the revisions before it: those newer than the
 * one it replaced were not what a service ran when it was registered.
 */
export interface Replaced {
  /** The revision number it replaced, of its own family. */
  revision: number
  /** The revision that says so. */
  by: string
}

/** The revision `arn` replaced, as its tags say, when they name an older one of its family. Pure. */
export function replacedBy(tags: Tag[], arn: string): Replaced | undefined {
  const replaced = tagOf(tags, AUDIT_TAG.replaces)
  if (!replaced || familyOf(replaced) !== familyOf(arn)) return undefined
  const revision = revisionOf(replaced)
  return Number.isInteger(revision) && revision < revisionOf(arn)
    ? { revision, by: arn }
    : undefined
}

/**
 * Why `previous` passes over an earlier revision no service ran, or undefined when one may have:
 * a revision newer than the one a later revision replaced was registered and left (a cancelled or
 * failed migration, a step that stopped before its update, a rollout that did not last). Pure.
 */
export function neverRan(arn: string, replaced: Replaced | undefined): string | undefined {
  if (!replaced || revisionOf(arn) <= replaced.revision) return undefined
  return `is newer than ${familyOf(arn)}:${replaced.revision}, the revision ${shortArn(replaced.by)} replaced (its ${AUDIT_TAG.replaces} tag): no service ran it before ${shortArn(replaced.by)}`
}

/** Whether an earlier revision can be `previous`: ACTIVE, pinned, and another digest than what runs. */
export function judgePrevious(
  candidate: TaskDefinition,
  containerName: string,
  runningDigest: string | undefined
): Verdict {
  const usable = judgeDeployable(candidate, containerName)
  if (!usable.ok) return usable
  if (usable.digest === runningDigest) {
    return { ok: false, reason: `runs the same digest (${usable.digest})` }
  }
  return usable
}

/** Whether a named revision can be deployed as it is. */
export function judgeExisting(
  candidate: TaskDefinition,
  containerName: string,
  currentArn: string
): Verdict {
  if (candidate.taskDefinitionArn === currentArn) {
    return {
      ok: false,
      reason: 'is the revision the service runs now: there is nothing to roll back to'
    }
  }
  const family = familyOf(candidate.taskDefinitionArn ?? '')
  const own = familyOf(currentArn)
  if (family !== own) {
    return {
      ok: false,
      reason: `is of family ${family}, not ${own}, the family the service runs: only a revision of the service's own family is a rollback target`
    }
  }
  return judgeDeployable(candidate, containerName)
}

/** Whether an image from ECR is worth pinning: not a build cache, nor the digest that runs already. */
export function judgeImage(image: EcrImage, runningDigest: string | undefined): Verdict {
  const cache = cacheImageProblem(image)
  if (cache) return { ok: false, reason: cache }
  if (image.digest === runningDigest) {
    return {
      ok: false,
      reason: `is ${image.digest}, which the service runs now: there is nothing to roll back to`
    }
  }
  return { ok: true, digest: image.digest }
}

function judgeDeployable(candidate: TaskDefinition, containerName: string): Verdict {
  if (candidate.status !== 'ACTIVE') {
    return {
      ok: false,
      reason: `is ${candidate.status ?? 'not ACTIVE'} (deregistered): ECS does not deploy it`
    }
  }
  const container = candidate.containerDefinitions?.find(c => c.name === containerName)
  if (!container) {
    const names = candidate.containerDefinitions?.map(c => c.name ?? '?').join(', ') || 'none'
    return { ok: false, reason: `has no container ${containerName} (its containers: ${names})` }
  }
  const digest = pinnedDigest(container.image)
  if (!digest) {
    return {
      ok: false,
      reason: `runs ${container.image ?? 'no image'} in ${containerName}, not pinned by digest`
    }
  }
  return { ok: true, digest }
}

export function existingChoice(
  taskDefinition: TaskDefinition,
  tags: Tag[],
  containerName: string,
  digest: string,
  reason: string
): RollbackChoice {
  const container = taskDefinition.containerDefinitions?.find(c => c.name === containerName)
  return {
    kind: 'existing',
    taskDefinition,
    tags,
    digest,
    image: container?.image ?? '',
    tag: tagOf(tags, AUDIT_TAG.imageTag) ?? '',
    reason
  }
}

export interface Repin {
  current: TaskDefinition
  currentTags: Tag[]
  containerName: string
  /** The other containers on the repository's image, repinned with it. */
  sameImage?: string[]
  repositoryUri: string
  image: EcrImage
  /** The tag asked for; with a digest, the image's first tag, if any, is reported instead. */
  tag: string | undefined
  audit: Audit
  reason: string
}

/**
 * The current task definition with the image pinned in and this run's audit trail. The current
 * revision's own audit tags describe its deploy, not this one, so none of them is carried over.
 */
export function repinChoice(repin: Repin): RollbackChoice {
  const image = `${repin.repositoryUri}@${repin.image.digest}`
  const tag = repin.tag ?? repin.image.tags[0] ?? ''
  return {
    kind: 'repin',
    registration: nextRevision(repin.current, repin.currentTags, {
      containerName: repin.containerName,
      ...(repin.sameImage ? { sameImage: repin.sameImage } : {}),
      image,
      auditTags: auditTags(repin.audit, tag)
    }),
    digest: repin.image.digest,
    image,
    tag,
    reason: repin.reason
  }
}

/** The error when `previous` finds nothing, naming what was looked at and why it was passed over. */
export function noEarlierRevision(
  currentArn: string,
  containerName: string,
  runningDigest: string | undefined,
  skipped: string[]
): string {
  const runs = `${shortArn(currentArn)} (${containerName} = ${runningDigest ?? 'an image not pinned by digest'})`
  const looked =
    skipped.length === 0
      ? `${familyOf(currentArn)} has no ACTIVE revision older than ${revisionOf(currentArn)}`
      : `none of the ${skipped.length} older ACTIVE revisions qualifies: ${skipped.slice(0, 10).join('; ')}${skipped.length > 10 ? `; and ${skipped.length - 10} more` : ''}`
  return `rollback-to 'previous': there is no earlier revision with another digest to roll back to. The service runs ${runs}; ${looked}. Nothing was changed.`
}

/** The error for a target that cannot be used, saying that nothing changed. */
export function refused(
  target: RollbackTarget,
  what: string,
  reason: string,
  currentArn: string
): string {
  return `rollback-to '${targetName(target)}': ${what} ${reason}. Nothing was changed; the service runs ${shortArn(currentArn)}.`
}
