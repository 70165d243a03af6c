// Pure: the service's current task definition in, the next registrable revision out.
import type {
  ContainerDefinition,
  RegisterTaskDefinitionCommandInput,
  Tag,
  TaskDefinition
} from '@aws-sdk/client-ecs'
import type { Audit } from './result.js'

/** Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not take. */
export const READ_ONLY_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt'
] as const

/** ECS allows 50 tags on a resource; audit tags take their place first. */
const MAX_TAGS = 50
const TAG_VALUE = /[^\p{L}\p{N}\s_.:/=+\-@]/gu

/**
 * The container to repin: the one named, else the one whose image is in the repository,
 * else the only one. Throws a message that lists the containers when it cannot choose.
 */
export function chooseContainer(
  taskDefinition: TaskDefinition,
  wanted: string | undefined,
  repositoryUri: string | undefined
): ContainerDefinition {
  const containers = taskDefinition.containerDefinitions ?? []
  const names = containers.map(c => c.name ?? '?').join(', ') || 'none'
  const family = taskDefinition.family ?? 'the task definition'
  if (wanted) {
    const container = containers.find(c => c.name === wanted)
    if (!container) {
      throw new Error(
        `container-name '${wanted}' is not in task definition ${family}: its containers are ${names}`
      )
    }
    return container
  }
  if (repositoryUri) {
    const matching = containers.filter(c => c.image && repositoryOf(c.image) === repositoryUri)
    if (matching.length === 1 && matching[0]) return matching[0]
    if (matching.length > 1) {
      throw new Error(
        `Several containers of ${family} run images from ${repositoryUri} (${matching.map(c => c.name).join(', ')}): set container-name`
      )
    }
  }
  if (containers.length === 1 && containers[0]) return containers[0]
  throw new Error(
    `Cannot tell which container of ${family} to update${repositoryUri ? ` (none runs an image from ${repositoryUri})` : ''}: set container-name to one of ${names}`
  )
}

/** `host/name` of `host/name:tag`, `host/name@sha256:…` or `host/name`. */
export function repositoryOf(image: string): string {
  const at = image.indexOf('@')
  const withoutDigest = at < 0 ? image : image.slice(0, at)
  const slash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.lastIndexOf(':')
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest
}

/** The digest an image reference is pinned to, if it is pinned. */
export function pinnedDigest(image: string | undefined): string | undefined {
  const match = image ? /@(sha256:[a-f0-9]{64})$/.exec(image) : null
  return match?.[1]
}

export interface Repin {
  containerName: string
  /** `REPOSITORY_URI@sha256:DIGEST` */
  image: string
  /** Tags added to the existing ones; earlier audit tags (deploy:*) are dropped. */
  auditTags: Tag[]
}

/**
 * The next revision: identical to the current one but for the chosen container's image and
 * the audit tags. Only read-only fields are dropped, so fields this code has never heard of
 * survive too.
 */
export function nextRevision(
  current: TaskDefinition,
  currentTags: Tag[],
  repin: Repin
): RegisterTaskDefinitionCommandInput {
  if (!pinnedDigest(repin.image)) {
    throw new Error(`Refusing to register ${repin.image}: production images are pinned by digest`)
  }
  const copy = structuredClone(current) as Record<string, unknown>
  for (const field of READ_ONLY_FIELDS) delete copy[field]
  const next = copy as unknown as RegisterTaskDefinitionCommandInput
  if (!next.containerDefinitions?.some(c => c.name === repin.containerName)) {
    throw new Error(
      `container '${repin.containerName}' is not in task definition ${current.family ?? ''}`
    )
  }
  next.containerDefinitions = next.containerDefinitions.map(c =>
    c.name === repin.containerName ? { ...c, image: repin.image } : c
  )
  const tags = mergeTags(currentTags, repin.auditTags)
  if (tags.length > 0) next.tags = tags
  return next
}

/** Audit tags describe the run that registered a revision: none is inherited from an earlier one. */
export const AUDIT_TAG_PREFIX = 'deploy:'

export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const keys = new Set(added.map(t => t.key))
  const kept = existing.filter(t => !keys.has(t.key) && !t.key?.startsWith(AUDIT_TAG_PREFIX))
  return [...added, ...kept].slice(0, MAX_TAGS)
}

/** A tag value ECS accepts: allowed characters only, at most 256 of them. */
export function tagValue(text: string): string {
  return text.replace(/\s+/g, ' ').replace(TAG_VALUE, '_').trim().slice(0, 256)
}

/** The audit trail on a task definition revision: image tag, commit, actor, run, notes. */
export function auditTags(result: { audit: Audit }, tag: string): Tag[] {
  const tags: Tag[] = [
    { key: 'deploy:image-tag', value: tag },
    { key: 'deploy:commit', value: result.audit.commit },
    { key: 'deploy:actor', value: result.audit.actor },
    { key: 'deploy:run', value: result.audit.runUrl },
    { key: 'deploy:notes', value: result.audit.notes }
  ]
  return tags.filter(t => t.value).map(t => ({ key: t.key, value: tagValue(t.value ?? '') }))
}

/** The task definition as registration input, for diffing a plan against the current revision. */
export function registrable(
  current: TaskDefinition,
  tags: Tag[]
): RegisterTaskDefinitionCommandInput {
  const copy = structuredClone(current) as Record<string, unknown>
  for (const field of READ_ONLY_FIELDS) delete copy[field]
  if (tags.length > 0) copy.tags = tags
  return copy as unknown as RegisterTaskDefinitionCommandInput
}

/** A line diff of two values as pretty JSON: ` ` kept, `-` removed, `+` added, with context. */
export function diffJson(before: unknown, after: unknown, context = 3): string {
  const a = JSON.stringify(before, null, 2).split('\n')
  const b = JSON.stringify(after, null, 2).split('\n')
  const ops = lineDiff(a, b)
  const keep = ops.map(op => op.kind !== ' ')
  const shown = ops.map((_, i) => {
    for (let j = Math.max(0, i - context); j <= Math.min(ops.length - 1, i + context); j++) {
      if (keep[j]) return true
    }
    return false
  })
  const lines: string[] = []
  let skipped = false
  ops.forEach((op, i) => {
    if (shown[i]) {
      lines.push(`${op.kind} ${op.line}`)
      skipped = false
    } else if (!skipped) {
      lines.push('  ...')
      skipped = true
    }
  })
  return ops.some(op => op.kind !== ' ') ? lines.join('\n') : '(no change)'
}

interface DiffOp {
  kind: ' ' | '-' | '+'
  line: string
}

/** Longest-common-subsequence line diff; task definitions are small enough for O(n·m). */
function lineDiff(a: string[], b: string[]): DiffOp[] {
  const n = a.length
  const m = b.length
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
    }
  }
  const ops: DiffOp[] = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! })
      i++
      j++
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      ops.push({ kind: '-', line: a[i++]! })
    } else {
      ops.push({ kind: '+', line: b[j++]! })
    }
  }
  while (i < n) ops.push({ kind: '-', line: a[i++]! })
  while (j < m) ops.push({ kind: '+', line: b[j++]! })
  return ops
}
