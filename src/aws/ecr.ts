// ECR: the registry login, the repository, and the images in it.
import * as core from '@actions/core'
import {
  BatchDeleteImageCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  TagStatus,
  type ECRClient,
  type EnhancedImageScanFinding,
  type ImageDetail,
  type ImageScanFinding
} from '@aws-sdk/client-ecr'
import { errorText } from '../model/errors.js'
import { attempt, AwsError } from './clients.js'

export interface RegistryLogin {
  registry: string
  username: string
  password: string
}

export interface Repository {
  name: string
  uri: string
  immutableTags: boolean
}

export interface EcrImage {
  digest: string
  tags: string[]
  pushedAt?: Date
}

export interface DeletedImages {
  deleted: string[]
  failures: { digest: string; reason: string }[]
}

/** What DescribeImageScanFindings says of an image: its scan, or why there is none. */
export type ScanAnswer =
  | {
      kind: 'scan'
      /** ECR's `imageScanStatus.status`: COMPLETE, IN_PROGRESS, FAILED, UNSUPPORTED_IMAGE… */
      status?: string
      description?: string
      /** Basic scanning's findings. */
      findings: ImageScanFinding[]
      /** Enhanced scanning's (Amazon Inspector) findings. */
      enhancedFindings: EnhancedImageScanFinding[]
    }
  | { kind: 'no-scan'; detail: string }
  | { kind: 'no-image'; detail: string }

export class Ecr {
  constructor(private readonly client: ECRClient) {}

  async login(): Promise<RegistryLogin> {
    const answer = await attempt('Could not get an ECR authorization token', () =>
      this.client.send(new GetAuthorizationTokenCommand({}))
    )
    const data = answer.authorizationData?.[0]
    if (!data?.authorizationToken || !data.proxyEndpoint) {
      throw new Error('Could not get an ECR authorization token: ECR answered without one')
    }
    // Masked before anything else touches them: the token and the password inside it.
    core.setSecret(data.authorizationToken)
    const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    core.setSecret(decoded.slice(colon + 1))
    return {
      registry: data.proxyEndpoint.replace(/^https?:\/\//, '').replace(/\/$/, ''),
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1)
    }
  }

  async repository(name: string): Promise<Repository> {
    const answer = await attempt(`Could not find ECR repository ${name}`, () =>
      this.client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))
    )
    const repo = answer.repositories?.[0]
    if (!repo?.repositoryUri) throw new Error(`Could not find ECR repository ${name}`)
    return {
      name,
      uri: repo.repositoryUri,
      immutableTags: repo.imageTagMutability?.startsWith('IMMUTABLE') ?? false
    }
  }

  /** Every tag in the repository that starts with `prefix`. */
  async tags(repository: string, prefix: string): Promise<string[]> {
    const images = await this.images(repository, TagStatus.TAGGED)
    return images.flatMap(image => image.tags.filter(tag => tag.startsWith(prefix)))
  }

  /** Every image of the repository (tagged, untagged or both), every page, in ECR's order. */
  async images(repository: string, tagStatus: TagStatus = TagStatus.ANY): Promise<EcrImage[]> {
    const images: EcrImage[] = []
    let nextToken: string | undefined
    do {
      const answer = await attempt(
        `Could not list the images of ECR repository ${repository}`,
        () =>
          this.client.send(
            new DescribeImagesCommand({
              repositoryName: repository,
              filter: { tagStatus },
              ...(nextToken ? { nextToken } : {})
            })
          )
      )
      images.push(...(answer.imageDetails ?? []).map(toImage))
      nextToken = answer.nextToken
    } while (nextToken)
    return images
  }

  /**
   * Deletes images by digest, 100 a call (the API's limit). An image ECR refuses (one a manifest
   * list still names, say) is a failure of its own; the others are deleted.
   */
  async deleteImages(repository: string, digests: string[]): Promise<DeletedImages> {
    const deleted: string[] = []
    const failures: DeletedImages['failures'] = []
    for (let i = 0; i < digests.length; i += 100) {
      const batch = digests.slice(i, i + 100)
      const answer = await attempt(
        `Could not delete ${batch.length} image${batch.length === 1 ? '' : 's'} of ECR repository ${repository}`,
        () =>
          this.client.send(
            new BatchDeleteImageCommand({
              repositoryName: repository,
              imageIds: batch.map(imageDigest => ({ imageDigest }))
            })
          )
      )
      // One entry per tag removed: an image of three tags comes back three times.
      const gone = new Set((answer.imageIds ?? []).map(id => id.imageDigest ?? ''))
      deleted.push(...batch.filter(digest => gone.has(digest)))
      for (const failure of answer.failures ?? []) {
        failures.push({
          digest: failure.imageId?.imageDigest ?? '',
          reason: [failure.failureCode, failure.failureReason].filter(Boolean).join(': ')
        })
      }
    }
    return { deleted, failures }
  }

  /**
   * The image's scan as ECR has it now, every page of findings (basic and enhanced) together;
   * no scan and no image are answers, not errors.
   */
  async scanFindings(repository: string, digest: string): Promise<ScanAnswer> {
    const findings: ImageScanFinding[] = []
    const enhancedFindings: EnhancedImageScanFinding[] = []
    let status: string | undefined
    let description: string | undefined
    let nextToken: string | undefined
    do {
      let answer
      try {
        answer = await this.client.send(
          new DescribeImageScanFindingsCommand({
            repositoryName: repository,
            imageId: { imageDigest: digest },
            maxResults: 1000,
            ...(nextToken ? { nextToken } : {})
          })
        )
      } catch (error) {
        const name = error instanceof Error ? error.name : ''
        if (name === 'ScanNotFoundException') return { kind: 'no-scan', detail: errorText(error) }
        if (name === 'ImageNotFoundException') return { kind: 'no-image', detail: errorText(error) }
        throw new AwsError(
          `Could not read the scan findings of ${repository}@${digest} from ECR`,
          error
        )
      }
      status = answer.imageScanStatus?.status ?? status
      description = answer.imageScanStatus?.description ?? description
      findings.push(...(answer.imageScanFindings?.findings ?? []))
      enhancedFindings.push(...(answer.imageScanFindings?.enhancedFindings ?? []))
      nextToken = answer.nextToken
    } while (nextToken)
    return {
      kind: 'scan',
      ...(status ? { status } : {}),
      ...(description ? { description } : {}),
      findings,
      enhancedFindings
    }
  }

  /** The image with that tag or digest, or undefined when the repository has none. */
  async image(
    repository: string,
    ref: { tag: string } | { digest: string }
  ): Promise<EcrImage | undefined> {
    const imageId = 'tag' in ref ? { imageTag: ref.tag } : { imageDigest: ref.digest }
    const name = 'tag' in ref ? ref.tag : ref.digest
    try {
      const answer = await this.client.send(
        new DescribeImagesCommand({ repositoryName: repository, imageIds: [imageId] })
      )
      const detail = answer.imageDetails?.[0]
      return detail ? toImage(detail) : undefined
    } catch (error) {
      if (error instanceof Error && error.name === 'ImageNotFoundException') return undefined
      throw new AwsError(`Could not look up image ${name} in ECR repository ${repository}`, error)
    }
  }
}

function toImage(detail: ImageDetail): EcrImage {
  return {
    digest: detail.imageDigest ?? '',
    tags: detail.imageTags ?? [],
    ...(detail.imagePushedAt ? { pushedAt: detail.imagePushedAt } : {})
  }
}
