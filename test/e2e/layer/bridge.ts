// Registry push notifications → moto ECR PutImage. moto has no registry API, so images pushed
// to the local registry would be unknown to ECR; for every tagged manifest push the bridge
// fetches the manifest the registry stored and puts it into moto with the registry's digest,
// so DescribeImages answers with the digest `docker push` printed.
import { createHash } from 'node:crypto'
import {
  DescribeRepositoriesCommand,
  ImageAlreadyExistsException,
  PutImageCommand,
  StartImageScanCommand
} from '@aws-sdk/client-ecr'
import { REGISTRY_HOST as STACK_REGISTRY } from '../stack/config.js'
import { registryRequest } from '../stack/http.js'
import type { Moto } from './moto.js'

interface RegistryEvent {
  action?: string
  target?: {
    mediaType?: string
    digest?: string
    repository?: string
    tag?: string
    url?: string
  }
  request?: { host?: string }
}

export interface BridgeRecord {
  at: string
  repository: string
  tag: string
  digest: string
  result: string
}

const MANIFEST_TYPES = new Set([
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json'
])
const REGISTRY_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?::\d+)?$/

export class RegistryBridge {
  readonly history: BridgeRecord[] = []
  private readonly inFlight = new Set<Promise<void>>()

  constructor(
    private readonly moto: Moto,
    private readonly log: (line: string) => void
  ) {}

  /** Takes an envelope of events; the work goes on in the background (see settled()). */
  accept(body: string): void {
    const envelope = JSON.parse(body) as { events?: RegistryEvent[] }
    for (const event of envelope.events ?? []) {
      const work = this.mirror(event).catch((error: unknown) =>
        this.log(`bridge: ${String(error)}`)
      )
      this.inFlight.add(work)
      void work.finally(() => this.inFlight.delete(work))
    }
  }

  /** Resolves when every push received so far is in moto (ECR reads wait for this). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  reset(): void {
    this.history.length = 0
  }

  /**
   * Puts `tags` of `repository` into moto as the registry holds them now. The registry notifies
   * after a push has answered, so a read right after `docker push` can come before the
   * notification; ECR lists an image as soon as its push completes, and so must a read here.
   */
  async mirrorTags(repository: string, tags: readonly string[]): Promise<void> {
    await Promise.all(
      tags.map(async tag => {
        const head = await registryRequest(`/v2/${repository}/manifests/${tag}`, 'HEAD')
        const digest = head.headers['docker-content-digest']
        const mediaType = head.headers['content-type']
        if (head.status !== 200 || typeof digest !== 'string' || typeof mediaType !== 'string') {
          return
        }
        const known = this.history.find(r => r.repository === repository && r.tag === tag)
        if (known?.digest === digest && /^(PutImage ok|already in ECR)$/.test(known.result)) return
        await this.mirror({
          action: 'push',
          target: { repository, tag, digest, mediaType },
          request: { host: STACK_REGISTRY }
        })
      })
    )
  }

  private record(entry: Omit<BridgeRecord, 'at'>): void {
    this.history.unshift({ at: new Date().toISOString(), ...entry })
    this.history.splice(200)
    this.log(`bridge: ${entry.repository}:${entry.tag} ${entry.digest} → ${entry.result}`)
  }

  /**
   * ECR starts a basic scan of every image pushed to a repository with scan on push; moto does
   * not (its PutImage leaves the image unscanned), so the bridge starts it, as ECR would.
   */
  private async scanOnPush(region: string, repository: string, digest: string): Promise<void> {
    const ecr = this.moto.ecr(region)
    const described = await ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: [repository] })
    )
    if (!described.repositories?.[0]?.imageScanningConfiguration?.scanOnPush) return
    try {
      await ecr.send(
        new StartImageScanCommand({ repositoryName: repository, imageId: { imageDigest: digest } })
      )
    } catch (error) {
      // A second push of the image the same day: moto allows one scan a day, as ECR does.
      this.log(`bridge: scan on push of ${repository}@${digest}: ${String(error)}`)
    }
  }

  private async mirror(event: RegistryEvent): Promise<void> {
    const target = event.target ?? {}
    const { repository, tag, digest, mediaType } = target
    if (
      event.action !== 'push' ||
      !repository ||
      !digest ||
      !mediaType ||
      !MANIFEST_TYPES.has(mediaType)
    )
      return
    if (!tag) {
      // Manifests pushed by digest alone (the parts of a multi-platform image) have no ECR image of their own here.
      this.record({ repository, tag: '', digest, result: 'skipped: no tag' })
      return
    }
    const host = event.request?.host ?? new URL(target.url ?? 'https://invalid').host
    const match = REGISTRY_HOST.exec(host)
    if (!match) {
      this.record({ repository, tag, digest, result: `skipped: ${host} is not an ECR host` })
      return
    }
    const [, registryId, region] = match
    const res = await registryRequest(`/v2/${repository}/manifests/${digest}`)
    if (res.status !== 200)
      throw new Error(`registry GET ${repository}@${digest} answered ${res.status}`)
    const actual = `sha256:${createHash('sha256').update(res.body).digest('hex')}`
    if (actual !== digest)
      throw new Error(`registry served ${repository}@${digest} with digest ${actual}`)
    try {
      await this.moto.ecr(region!).send(
        new PutImageCommand({
          registryId,
          repositoryName: repository,
          imageManifest: res.body.toString('utf8'),
          imageManifestMediaType: mediaType,
          imageTag: tag,
          imageDigest: digest
        })
      )
      this.record({ repository, tag, digest, result: 'PutImage ok' })
      await this.scanOnPush(region!, repository, digest)
    } catch (error) {
      // The same manifest and tag again (a repeated push) is already there: nothing to do.
      if (error instanceof ImageAlreadyExistsException) {
        this.record({ repository, tag, digest, result: 'already in ECR' })
        return
      }
      this.record({ repository, tag, digest, result: `PutImage failed: ${String(error)}` })
    }
  }
}

/** The repository and the tags an ECR read names (`imageIds[].imageTag`), if any. Pure. */
export function tagsNamed(body: string): { repository: string; tags: string[] } | undefined {
  let request: { repositoryName?: unknown; imageIds?: unknown }
  try {
    request = JSON.parse(body) as typeof request
  } catch {
    return undefined
  }
  if (typeof request.repositoryName !== 'string' || !Array.isArray(request.imageIds)) {
    return undefined
  }
  const tags = (request.imageIds as { imageTag?: unknown }[])
    .map(id => id?.imageTag)
    .filter((tag): tag is string => typeof tag === 'string' && tag !== '')
  return tags.length > 0 ? { repository: request.repositoryName, tags } : undefined
}
