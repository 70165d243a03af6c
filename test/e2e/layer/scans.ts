// Scripted ECR scan findings. moto answers DescribeImageScanFindings with one fixed HIGH finding
// (CVE-9999-9999 in moto_fake 9.9.9) once a scan was started, and ScanNotFoundException before;
// it cannot be told to answer CRITICAL, an Inspector finding, a scan still running or a failed
// one. A test scripts that here (POST /_stack/scan-findings) for one image; the layer then
// answers for it, a page at a time, and moto for every other image.
import { DescribeImagesCommand } from '@aws-sdk/client-ecr'
import type { Answer } from './ecs/api.js'
import { toJson } from './ecs/present.js'
import type { Moto } from './moto.js'

export interface ScanScript {
  repository: string
  digest: string
  /** How many looks answer IN_PROGRESS before the final answer (default 0). */
  pendingLooks?: number
  /** The final `imageScanStatus.status` (default COMPLETE). */
  status?: string
  description?: string
  /** Basic scanning's findings, as ECR writes them. */
  findings?: Record<string, unknown>[]
  /** Enhanced scanning's (Amazon Inspector) findings, as ECR writes them. */
  enhancedFindings?: Record<string, unknown>[]
}

interface Scripted extends ScanScript {
  looks: number
}

const DIGEST = /^sha256:[a-f0-9]{64}$/

/** Checks a script as the control API receives it; throws with what is wrong. */
export function parseScanScript(input: unknown): ScanScript {
  const script = (input ?? {}) as Partial<ScanScript>
  if (typeof script.repository !== 'string' || !script.repository) {
    throw new Error('scan-findings: repository must be a repository name')
  }
  if (typeof script.digest !== 'string' || !DIGEST.test(script.digest)) {
    throw new Error('scan-findings: digest must be sha256: and 64 hex digits')
  }
  const looks = script.pendingLooks ?? 0
  if (!Number.isInteger(looks) || looks < 0) {
    throw new Error('scan-findings: pendingLooks must be a whole number, 0 or more')
  }
  for (const key of ['findings', 'enhancedFindings'] as const) {
    if (script[key] !== undefined && !Array.isArray(script[key])) {
      throw new Error(`scan-findings: ${key} must be a list`)
    }
  }
  return script as ScanScript
}

export class ScriptedScans {
  private readonly scripts = new Map<string, Scripted>()

  constructor(private readonly moto: Moto) {}

  script(script: ScanScript): void {
    this.scripts.set(`${script.repository}@${script.digest}`, { ...script, looks: 0 })
  }

  reset(): void {
    this.scripts.clear()
  }

  status(): { image: string; looks: number; status: string }[] {
    return [...this.scripts.entries()].map(([image, s]) => ({
      image,
      looks: s.looks,
      status: s.status ?? 'COMPLETE'
    }))
  }

  /** The answer to a DescribeImageScanFindings call, or undefined when moto is to answer it. */
  async answer(body: Record<string, unknown>, region: string): Promise<Answer | undefined> {
    if (this.scripts.size === 0) return undefined
    const repository = typeof body.repositoryName === 'string' ? body.repositoryName : ''
    const imageId = (body.imageId ?? {}) as { imageDigest?: string; imageTag?: string }
    const digest =
      imageId.imageDigest ?? (await this.digestOf(repository, imageId.imageTag, region))
    const script = digest ? this.scripts.get(`${repository}@${digest}`) : undefined
    if (!script || !digest) return undefined

    script.looks += 1
    const pending = script.looks <= (script.pendingLooks ?? 0)
    const status = pending ? 'IN_PROGRESS' : (script.status ?? 'COMPLETE')
    const description = pending ? 'The scan is in progress.' : script.description
    const answer: Record<string, unknown> = {
      registryId: '123456789012',
      repositoryName: repository,
      imageId: { imageDigest: digest, ...(imageId.imageTag ? { imageTag: imageId.imageTag } : {}) },
      imageScanStatus: { status, ...(description ? { description } : {}) }
    }
    if (!pending && (status === 'COMPLETE' || status === 'ACTIVE')) {
      Object.assign(answer, this.page(script, body))
    }
    return {
      status: 200,
      body: toJson(answer),
      headers: { 'content-type': 'application/x-amz-json-1.1' }
    }
  }

  /** One page of the findings, basic first, `maxResults` (default 100) at a time. */
  private page(script: ScanScript, body: Record<string, unknown>): Record<string, unknown> {
    const all = [
      ...(script.findings ?? []).map(f => ({ kind: 'basic' as const, f })),
      ...(script.enhancedFindings ?? []).map(f => ({ kind: 'enhanced' as const, f }))
    ]
    const start = Number(body.nextToken ?? 0) || 0
    const size = Number(body.maxResults ?? 100) || 100
    const page = all.slice(start, start + size)
    const counts: Record<string, number> = {}
    for (const { f } of all) {
      const severity = typeof f.severity === 'string' ? f.severity : 'UNDEFINED'
      counts[severity] = (counts[severity] ?? 0) + 1
    }
    const now = Math.floor(Date.now() / 1000)
    return {
      imageScanFindings: {
        imageScanCompletedAt: now,
        vulnerabilitySourceUpdatedAt: now,
        findingSeverityCounts: counts,
        findings: page.filter(p => p.kind === 'basic').map(p => p.f),
        enhancedFindings: page.filter(p => p.kind === 'enhanced').map(p => p.f)
      },
      ...(start + size < all.length ? { nextToken: String(start + size) } : {})
    }
  }

  private async digestOf(
    repository: string,
    tag: string | undefined,
    region: string
  ): Promise<string | undefined> {
    if (!tag) return undefined
    const answer = await this.moto
      .ecr(region)
      .send(
        new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] })
      )
      .catch(() => undefined)
    return answer?.imageDetails?.[0]?.imageDigest
  }
}
