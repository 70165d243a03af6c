// Names of the things ECS and ECR identify by ARN or reference: each way of shortening one, once.

/** The last part of an ARN: `family:12` of a task definition ARN, the id of a task, a name. */
export function shortArn(arn: string | undefined): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : 'unknown'
}

/** The id of a task, from its ARN. */
export function taskId(arn: string | undefined): string {
  return shortArn(arn)
}

/** `family` of `arn:aws:ecs:REGION:ACCOUNT:task-definition/family:12` (or of `family:12`). */
export function familyOf(arn: string): string {
  const name = arn.slice(arn.lastIndexOf('/') + 1)
  const colon = name.lastIndexOf(':')
  return colon < 0 ? name : name.slice(0, colon)
}

/** `12` of `…task-definition/family:12`. */
export function revisionOf(arn: string): number {
  return Number(arn.slice(arn.lastIndexOf(':') + 1))
}

/** `host/name` of `host/name:tag`, `host/name@sha256:…` or `host/name`. */
export function repositoryOf(image: string): string {
  const at = image.indexOf('@')
  const withoutDigest = at < 0 ? image : image.slice(0, at)
  const slash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.lastIndexOf(':')
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest
}

/** The repository's name, without its registry: `team/app` of `host/team/app:tag`. */
export function repositoryNameOf(image: string): string {
  const uri = repositoryOf(image)
  return uri.slice(uri.indexOf('/') + 1)
}

/** The digest an image reference is pinned to, if it is pinned. */
export function pinnedDigest(image: string | undefined): string | undefined {
  const match = image ? /@(sha256:[a-f0-9]{64})$/.exec(image) : null
  return match?.[1]
}

/** `sha256:0123456789ab`: enough of a digest to tell it apart in one line. */
export function shortDigest(digest: string): string {
  return digest.startsWith('sha256:') ? `sha256:${digest.slice(7, 19)}` : digest
}
