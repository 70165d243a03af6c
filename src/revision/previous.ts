// What `rollback-to: previous` would choose for a service now, asked of ECS: the decision is
// earlierRevisions and judgePrevious (rollback-target.ts); this walks the family, newest first,
// describing revisions until one qualifies.
import type { TaskDefinitionWithTags } from '../aws/ecs.js'
import type { Deps } from '../deps.js'
import { familyOf, shortArn } from '../model/names.js'
import { earlierRevisions, judgePrevious } from './rollback-target.js'

export interface PreviousQuery {
  /** The revision the service runs. */
  currentArn: string
  containerName: string
  /** The digest that container runs (undefined: not pinned). */
  runningDigest: string | undefined
  /** The family's ACTIVE revisions, when already listed; else they are listed here. */
  revisions?: string[]
}

export interface Previous {
  /** The revision `previous` chooses, with the digest it pins; undefined when none qualifies. */
  found?: TaskDefinitionWithTags & { digest: string }
  /** `family:N reason` of each newer one passed over. */
  skipped: string[]
}

export async function findPrevious(
  query: PreviousQuery,
  deps: Pick<Deps, 'ecs'>
): Promise<Previous> {
  const { currentArn, containerName, runningDigest } = query
  const revisions = query.revisions ?? (await deps.ecs.revisions(familyOf(currentArn)))
  const skipped: string[] = []
  for (const arn of earlierRevisions(revisions, currentArn)) {
    const candidate = await deps.ecs.taskDefinition(arn)
    const verdict = judgePrevious(candidate.taskDefinition, containerName, runningDigest)
    if (verdict.ok) return { found: { ...candidate, digest: verdict.digest }, skipped }
    skipped.push(`${shortArn(arn)} ${verdict.reason}`)
  }
  return { skipped }
}
