// Pure: the service's current task definition in, the next registrable revision out.
import type {
  ContainerDefinition,
  RegisterTaskDefinitionCommandInput,
  Tag,
  TaskDefinition
} from '@aws-sdk/client-ecs'
import { pinnedDigest, repositoryOf } from '../model/names.js'
import type { Revision } from '../model/move.js'
import { AUDIT_TAG, mergeTags, tagOf } from './audit.js'

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

/**
 * The container in question (whose image the outputs name and whose logs are read): the one
 * named, else the one whose image is in the repository, else the only one. Throws a message that
 * lists the containers when it cannot choose.
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
        `Several containers of ${family} run images from ${repositoryUri} (${matching.map(c => c.name).join(', ')}): set container-name to the one whose image and logs the step reports; every one of them is repinned all the same`
      )
    }
  }
  if (containers.length === 1 && containers[0]) return containers[0]
  throw new Error(
    `Cannot tell which container of ${family} to update${repositoryUri ? ` (none runs an image from ${repositoryUri})` : ''}: set container-name to one of ${names}`
  )
}

/**
 * The other containers a deploy repins with the chosen one: every container whose image is in
 * the repository (`repositoryUri`, else the chosen container's own), so that a migration or a
 * second process on the same image runs the code deployed, never the old digest. Pure.
 */
export function sameImageContainers(
  taskDefinition: TaskDefinition,
  chosen: ContainerDefinition,
  repositoryUri: string | undefined
): string[] {
  const repository = repositoryUri ?? (chosen.image ? repositoryOf(chosen.image) : undefined)
  if (!repository) return []
  return (taskDefinition.containerDefinitions ?? []).flatMap(c =>
    c.name && c.name !== chosen.name && c.image && repositoryOf(c.image) === repository
      ? [c.name]
      : []
  )
}

/** The other containers of a revision that name the very image `containerName` does. Pure. */
export function pinnedAlike(
  taskDefinition: Pick<TaskDefinition, 'containerDefinitions'>,
  containerName: string
): string[] {
  const containers = taskDefinition.containerDefinitions ?? []
  const image = containers.find(c => c.name === containerName)?.image
  if (!image) return []
  return containers.flatMap(c =>
    c.name && c.name !== containerName && c.image === image ? [c.name] : []
  )
}

export interface Repin {
  containerName: string
  /** The other containers that get the same image (sameImageContainers). */
  sameImage?: string[]
  /** `REPOSITORY_URI@sha256:DIGEST` */
  image: string
  /** Tags added to the existing ones; earlier audit tags (deploy:*) are dropped. */
  auditTags: Tag[]
}

/**
 * The next revision: identical to the current one but for the image of the chosen container (and
 * of those on the same image) and the audit tags. Only read-only fields are dropped, so fields
 * this code has never heard of survive too.
 */
export function nextRevision(
  current: TaskDefinition,
  currentTags: Tag[],
  repin: Repin
): RegisterTaskDefinitionCommandInput {
  if (!pinnedDigest(repin.image)) {
    throw new Error(`Refusing to register ${repin.image}: production images are pinned by digest`)
  }
  const next = registrable(current, mergeTags(currentTags, repin.auditTags))
  const names = [repin.containerName, ...(repin.sameImage ?? [])]
  const missing = names.find(name => !next.containerDefinitions?.some(c => c.name === name))
  if (missing !== undefined) {
    throw new Error(`container '${missing}' is not in task definition ${current.family ?? ''}`)
  }
  next.containerDefinitions = (next.containerDefinitions ?? []).map(c =>
    c.name !== undefined && names.includes(c.name) ? { ...c, image: repin.image } : c
  )
  return next
}

/** The task definition as registration input: without the fields ECS sets itself, with `tags`. */
export function registrable(
  current: TaskDefinition,
  tags: Tag[]
): RegisterTaskDefinitionCommandInput {
  const copy = structuredClone(current) as Record<string, unknown>
  for (const field of READ_ONLY_FIELDS) delete copy[field]
  if (tags.length > 0) copy.tags = tags
  return copy as unknown as RegisterTaskDefinitionCommandInput
}

/** What a revision runs in the chosen container, as the outputs describe it. Pure. */
export function asRevision(
  taskDefinition: TaskDefinition,
  tags: Tag[],
  containerName: string
): Revision {
  const image = taskDefinition.containerDefinitions?.find(c => c.name === containerName)?.image
  const digest = pinnedDigest(image)
  const tag = tagOf(tags, AUDIT_TAG.imageTag)
  return {
    taskDefinitionArn: taskDefinition.taskDefinitionArn ?? '',
    ...(image ? { image } : {}),
    ...(digest ? { digest } : {}),
    ...(tag ? { tag } : {})
  }
}
