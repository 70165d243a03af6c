// What the cleanup may remove, and why each thing it keeps is kept. Pure: the revisions and
// images as ECS and ECR list them, and what holds them (in-use.ts reads that), in; the plan out.
import type { TaskDefinition } from '@aws-sdk/client-ecs'
import type { EcrImage } from '../aws/ecr.js'
import { familyOf, pinnedDigest, repositoryOf, revisionOf, shortArn } from '../model/names.js'
import type { TagRule } from './protected-tags.js'

/** Something that keeps a revision: `ECS service api's PRIMARY deployment`. */
export interface Hold {
  arn: string
  reason: string
}

/** Something that keeps an image: a reference to it by digest, or by tag. */
export type Pin = { digest: string; reason: string } | { tag: string; reason: string }

export interface RevisionPlan {
  family: string
  /** Oldest first: a run that stops halfway leaves the newer ones. */
  remove: string[]
  /** Newest first, each with every reason it is kept. */
  keep: { arn: string; reasons: string[] }[]
}

export interface RevisionFacts {
  family: string
  /** The family's ACTIVE revisions (another family's, listed by prefix, are left out). */
  active: string[]
  /** The newest revision this step deployed of the family. */
  deployed: string
  /** keep-revisions: the newest this many, counted from the deployed one down, stay. */
  keep: number
  holds: Hold[]
}

export function planRevisions(facts: RevisionFacts): RevisionPlan {
  const { family, deployed, keep } = facts
  const newestFirst = [...new Set(facts.active)]
    .filter(arn => familyOf(arn) === family)
    .sort((a, b) => revisionOf(b) - revisionOf(a))
  const plan: RevisionPlan = { family, remove: [], keep: [] }
  let counted = 0
  for (const arn of newestFirst) {
    const reasons: string[] = []
    if (revisionOf(arn) > revisionOf(deployed)) {
      reasons.push(`newer than ${shortArn(deployed)}, which this step deployed`)
    } else if (counted++ < keep) {
      reasons.push(`one of the newest ${keep}`)
    }
    // By family:revision: a hold may name the revision so, where a listing gives its ARN.
    const name = shortArn(arn)
    reasons.push(...facts.holds.filter(h => shortArn(h.arn) === name).map(h => h.reason))
    if (reasons.length > 0) plan.keep.push({ arn, reasons: [...new Set(reasons)] })
    else plan.remove.unshift(arn)
  }
  return plan
}

export interface ImagePlan {
  /** Oldest first. */
  remove: EcrImage[]
  /** Newest first, each with every reason it is kept. */
  keep: { image: EcrImage; reasons: string[] }[]
}

export interface ImageFacts {
  images: EcrImage[]
  /** keep-images: the newest this many releases, counted from the deployed image down, stay. */
  keep: number
  /** The digests this step deployed. */
  deployed: string[]
  pins: Pin[]
  rules: readonly TagRule[]
}

export function planImages(facts: ImageFacts): ImagePlan {
  const { keep, rules } = facts
  const pushed = (image: EcrImage) => image.pushedAt?.getTime()
  const deployedAt = facts.images
    .filter(image => facts.deployed.includes(image.digest))
    .map(image => pushed(image) ?? Infinity)
  // Without the deployed image in the list there is no "newer than" to go by: keep everything.
  const newest = deployedAt.length ? Math.max(...deployedAt) : -Infinity
  const reasonsOf = new Map<EcrImage, string[]>()
  const candidates: EcrImage[] = []
  for (const image of facts.images) {
    const reasons: string[] = []
    const time = pushed(image)
    const ruled = image.tags.flatMap(tag => rules.filter(r => r.matches(tag)).map(r => [tag, r]))
    if (image.tags.length === 0) {
      reasons.push(
        'untagged: it may be a part of a multi-platform image, a signature or an attestation'
      )
    } else if (ruled.length > 0) {
      for (const [tag, rule] of ruled as [string, TagRule][])
        reasons.push(`tag ${tag} is ${rule.what}`)
    } else if (time === undefined) {
      reasons.push('ECR gives no push time')
    } else if (!deployedAt.length) {
      reasons.push('the image this step deployed is not in the repository')
    } else if (time > newest) {
      reasons.push('pushed after the image this step deployed')
    } else {
      candidates.push(image)
    }
    reasons.push(...pinReasons(image, facts.pins))
    reasonsOf.set(image, reasons)
  }
  // The newest `keep` releases; images pushed in the same second as the last of them stay too
  // (ECR's push times are to the second, so their order is not known).
  candidates.sort((a, b) => (pushed(b) ?? 0) - (pushed(a) ?? 0))
  const last = candidates[Math.min(keep, candidates.length) - 1]
  for (const [i, image] of candidates.entries()) {
    if (i < keep || (last && pushed(image) === pushed(last))) {
      reasonsOf.get(image)?.unshift(`one of the newest ${keep}`)
    }
  }
  const plan: ImagePlan = { remove: [], keep: [] }
  const newestFirst = [...facts.images].sort((a, b) => (pushed(b) ?? 0) - (pushed(a) ?? 0))
  for (const image of newestFirst) {
    const reasons = [...new Set(reasonsOf.get(image) ?? [])]
    if (reasons.length > 0) plan.keep.push({ image, reasons })
    else plan.remove.unshift(image)
  }
  return plan
}

function pinReasons(image: EcrImage, pins: Pin[]): string[] {
  return pins
    .filter(pin => ('digest' in pin ? pin.digest === image.digest : image.tags.includes(pin.tag)))
    .map(pin => pin.reason)
}

/**
 * The images of the repository a task definition names: by digest when pinned, else by tag
 * (`latest` when it names none). `why` says whose revision it is: `ECS service api runs it`.
 */
export function pinsOf(taskDefinition: TaskDefinition, repositoryUri: string, why: string): Pin[] {
  const revision = shortArn(taskDefinition.taskDefinitionArn)
  return (taskDefinition.containerDefinitions ?? []).flatMap((container): Pin[] => {
    const image = container.image ?? ''
    if (repositoryOf(image) !== repositoryUri) return []
    const reason = `${revision} (${why}) names it in ${container.name ?? 'a container'}`
    const at = image.indexOf('@')
    if (at >= 0) return [{ digest: pinnedDigest(image) ?? image.slice(at + 1), reason }]
    return [{ tag: image.slice(repositoryUri.length + 1) || 'latest', reason }]
  })
}
