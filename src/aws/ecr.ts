// ECR: the registry login, the repository, and the images in it.
import * as core from '@actions/core'
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  TagStatus,
  type ECRClient,
  type ImageDetail
} from '@aws-sdk/client-ecr'
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
  /** Tags (ECR wildcard filters) whose mutability is the opposite of the repository's. */
  tagExceptions?: string[]
}

export interface EcrImage {
  digest: string
  tags: string[]
  pushedAt?: Date
  /** The config's media type: BuildKit's cache config for a build cache. */
  artifactMediaType?: string
}

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
    const exceptions = (repo.imageTagMutabilityExclusionFilters ?? []).flatMap(f =>
      f.filter ? [f.filter] : []
    )
    return {
      name,
      uri: repo.repositoryUri,
      immutableTags: repo.imageTagMutability?.startsWith('IMMUTABLE') ?? false,
      ...(exceptions.length ? { tagExceptions: exceptions } : {})
    }
  }

  /** Every tag in the repository that starts with `prefix`. */
  async tags(repository: string, prefix: string): Promise<string[]> {
    const tags: string[] = []
    let nextToken: string | undefined
    do {
      const answer = await attempt(
        `Could not list the images of ECR repository ${repository}`,
        () =>
          this.client.send(
            new DescribeImagesCommand({
              repositoryName: repository,
              filter: { tagStatus: TagStatus.TAGGED },
              ...(nextToken ? { nextToken } : {})
            })
          )
      )
      for (const image of answer.imageDetails ?? []) {
        tags.push(...(image.imageTags ?? []).filter(tag => tag.startsWith(prefix)))
      }
      nextToken = answer.nextToken
    } while (nextToken)
    return tags
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
    ...(detail.imagePushedAt ? { pushedAt: detail.imagePushedAt } : {}),
    ...(detail.artifactMediaType ? { artifactMediaType: detail.artifactMediaType } : {})
  }
}
