// The layer cache of a build, for each builder: where it is read and written, what the build is
// told, and what its output says came from the cache. Pure: DockerCli pulls and builds.
import type { Repository } from '../aws/ecr.js'
import { CACHE_TAG, splitReference, type BuildRecord, type CacheSetting } from '../model/build.js'

/**
 * The cache of one build. `ref` is where buildx keeps a registry cache; `images` are the images
 * the legacy builder pulls as `--cache-from` (and whose inline cache buildx reads when it cannot
 * write `ref`).
 */
export interface CachePlan {
  ref: string
  /** The tag of `ref` can be moved by a push: false in an IMMUTABLE repository. */
  writable: boolean
  images: string[]
  /** Why `ref` is not written, for the log. */
  why?: string
}

/**
 * How the build runs: the legacy builder (`docker build`), or buildx, whose builder may export a
 * registry cache (the docker-container driver does; the docker driver only with the containerd
 * image store, otherwise only an inline cache).
 */
export type Builder = { kind: 'legacy' } | { kind: 'buildx'; exportsCache: boolean }

/** The driver `docker buildx inspect` names for the current builder. */
export function driverOf(inspect: string): string | undefined {
  return /^Driver:\s*(\S+)/m.exec(inspect)?.[1]
}

/**
 * Whether the current buildx builder exports a registry cache: every driver but docker does, and
 * docker does with the containerd image store (its DriverStatus names the snapshotter). Unknown
 * is no: an inline cache works everywhere.
 */
export function exportsCache(inspect: string, driverStatus: string): boolean {
  const driver = driverOf(inspect)
  if (driver === undefined) return false
  return driver !== 'docker' || driverStatus.includes('io.containerd.snapshotter')
}

/** What a build's output says about the cache: steps that could be cached (FROM aside), and hits. */
export interface CacheCount {
  steps: number
  cached: number
}

/** ECR's WILDCARD filter: `*` matches any run of characters. */
function wildcard(filter: string, tag: string): boolean {
  const pattern = filter.split('*').map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${pattern.join('.*')}$`).test(tag)
}

/** Whether a push may move `tag`: the repository's setting, turned over by its exclusion filters. */
export function tagIsMutable(repository: Repository, tag: string): boolean {
  const excepted = (repository.tagExceptions ?? []).some(filter => wildcard(filter, tag))
  return repository.immutableTags === excepted
}

/**
 * The cache of a build for the services that run `running` now, or undefined when there is none.
 * Only images of the deploy's own repository are worth pulling: the others share no layers with
 * it and may need another login.
 */
export function planCache(
  setting: CacheSetting,
  repository: Repository,
  running: (string | undefined)[]
): CachePlan | undefined {
  if (setting.kind === 'off') return undefined
  const ref = setting.kind === 'ref' ? setting.ref : `${repository.uri}:${CACHE_TAG}`
  const own = running.filter(
    (image): image is string =>
      image !== undefined &&
      (image.startsWith(`${repository.uri}@`) || image.startsWith(`${repository.uri}:`))
  )
  const images = [...new Set(setting.kind === 'ref' ? [...own, ref] : own)]
  const { name, tag = '' } = splitReference(ref)
  if (name !== repository.uri || tagIsMutable(repository, tag)) {
    return { ref, writable: true, images }
  }
  return {
    ref,
    writable: false,
    images,
    why: `the tags of ECR repository ${repository.name} are immutable, so ${tag} cannot move to a new cache: the cache goes inline, in the image itself, and is read back from the image the service runs (the final stage only). An exclusion filter '${tag}' (IMMUTABLE_WITH_EXCLUSION) keeps the whole cache`
  }
}

/** buildx writes a registry cache only where its builder can and the tag may move. */
function writesRegistry(plan: CachePlan, builder: Builder): boolean {
  return builder.kind === 'buildx' && builder.exportsCache && plan.writable
}

/**
 * The cache part of the build's argv. The legacy builder is given the images it could pull;
 * buildx reads the registry cache and writes it (`mode=max` keeps every stage; ECR takes
 * BuildKit's cache only as an OCI image manifest), or, where it cannot, writes the cache inline
 * and also reads the images the services run. `write: false` leaves the writing out.
 */
export function cacheArgs(
  plan: CachePlan,
  builder: Builder,
  pulled: string[],
  write = true
): string[] {
  if (builder.kind === 'legacy') return pulled.flatMap(image => ['--cache-from', image])
  const registry = writesRegistry(plan, builder)
  const from = [...new Set([plan.ref, ...(registry ? [] : plan.images)])]
  const argv = from.flatMap(ref => ['--cache-from', `type=registry,ref=${ref}`])
  if (!write) return argv
  const to = registry
    ? `type=registry,ref=${plan.ref},mode=max,image-manifest=true,oci-mediatypes=true`
    : 'type=inline'
  return [...argv, '--cache-to', to]
}

/** `URI@sha256:0123456789ab…`, short enough for a log line. */
function shortImage(image: string): string {
  return image.replace(/@(sha256:[0-9a-f]{12})[0-9a-f]{52}$/, '@$1…')
}

/** The cache a build used, in words, or undefined when it had none. */
export function describeCache(
  plan: CachePlan | undefined,
  builder: Builder,
  pulled: string[]
): string | undefined {
  if (!plan) return undefined
  if (builder.kind === 'legacy') {
    if (pulled.length === 0) return undefined
    return `${pulled.map(shortImage).join(', ')}, pulled for --cache-from`
  }
  if (writesRegistry(plan, builder)) return `registry cache ${plan.ref} (mode=max)`
  const read = [...new Set([plan.ref, ...plan.images])].map(shortImage).join(', ')
  return `inline cache in the image, read from ${read}`
}

/** Whether a line of build output counts for the cache: a step, a hit, or a cache import or export. */
export function isCacheLine(line: string): boolean {
  return (
    /^Step \d+\/\d+ : /.test(line) ||
    /^\s*---> Using cache\s*$/.test(line) ||
    /^#\d+ (\[|CACHED\s*$|ERROR|importing cache|exporting cache)/.test(line)
  )
}

const LEGACY_STEP = /^Step \d+\/\d+ : (\S+)/
const BUILDKIT_STEP = /^#(\d+) \[(?:[^\]\s]+ )?\d+\/\d+\] (\S+)/

/**
 * How many build steps came from the cache, read from the output of either builder: the legacy
 * builder prints ` ---> Using cache` under a step, BuildKit `#N CACHED` for step N. FROM is not
 * a step that can be cached.
 */
export function countCached(lines: string[]): CacheCount {
  let legacySteps = 0
  let legacyCached = 0
  const steps = new Set<string>()
  const cached = new Set<string>()
  for (const line of lines) {
    const legacy = LEGACY_STEP.exec(line)
    if (legacy) {
      if (legacy[1]?.toUpperCase() !== 'FROM') legacySteps += 1
      continue
    }
    if (/^\s*---> Using cache\s*$/.test(line)) {
      legacyCached += 1
      continue
    }
    const step = BUILDKIT_STEP.exec(line)
    if (step?.[1] && step[2]?.toUpperCase() !== 'FROM') steps.add(step[1])
    const hit = /^#(\d+) CACHED\s*$/.exec(line)
    if (hit?.[1]) cached.add(hit[1])
  }
  const buildkitCached = [...cached].filter(id => steps.has(id)).length
  return {
    steps: legacySteps + steps.size,
    cached: legacyCached + buildkitCached
  }
}

/** A cache BuildKit could not read or write, from its output. */
export interface CacheTrouble {
  /** Each cache that could not be imported, with BuildKit's reason. */
  unread: { ref: string; reason: string; missing: boolean }[]
  /** Why the cache could not be exported, when it could not. */
  unwritten: string | undefined
}

/** What went wrong with the cache in a BuildKit build, from its output (and its last lines). */
export function cacheTrouble(lines: string[]): CacheTrouble {
  const imports = new Map<string, string>()
  const exports = new Set<string>()
  const errors = new Map<string, string>()
  for (const line of lines) {
    const header = /^#(\d+) (importing cache manifest from (\S+)|exporting cache)/.exec(line)
    if (header?.[1]) {
      if (header[3]) imports.set(header[1], header[3])
      else exports.add(header[1])
    }
    const error = /^#(\d+) ERROR:?\s*(.*)$/.exec(line)
    if (error?.[1] && !errors.has(error[1])) errors.set(error[1], error[2] ?? '')
  }
  const unread = [...imports].flatMap(([id, ref]) => {
    const reason = errors.get(id)
    return reason === undefined ? [] : [{ ref, reason, missing: /not found/i.test(reason) }]
  })
  let unwritten = [...exports].map(id => errors.get(id)).find(reason => reason !== undefined)
  // Refused before any step ran: the builder cannot export this kind of cache at all.
  unwritten ??= lines.find(line => /cache export/i.test(line) && /not supported/i.test(line))
  return { unread, unwritten }
}

/** A build's record: its time, its count of cached steps and the cache it used. */
export function buildRecord(
  outcome: CacheCount & { cache: string | undefined },
  seconds: number
): BuildRecord {
  return {
    seconds: Math.round(seconds * 10) / 10,
    steps: outcome.steps,
    cached: outcome.cached,
    ...(outcome.cache ? { cache: outcome.cache } : {})
  }
}
