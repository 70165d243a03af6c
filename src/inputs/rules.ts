// The rules between inputs, checked together once each input has been read: what one mode or
// input needs of another, and whether the times asked for fit in a GitHub job. Pure.
import { scanProblems } from './cleanup-scan.js'
import { INPUT_SPECS, type InputReader, type Inputs } from './spec.js'

/** Rules between inputs: what one mode or input needs of another. */
export function combinationProblems(inputs: Partial<Inputs>, raw: InputReader): string[] {
  const { mode, tag, ecrRepository, image, rollbackTo, services } = inputs
  const problems: string[] = [
    ...targetProblems(inputs),
    ...timeProblems(inputs),
    ...migrationProblems(inputs, raw),
    ...bakeProblems(inputs),
    ...shiftProblems(inputs, raw),
    ...scanProblems(inputs)
  ]
  if (
    mode === 'rollback' &&
    (services?.length ?? 0) > 1 &&
    (rollbackTo?.kind === 'revision' || rollbackTo?.kind === 'arn')
  ) {
    problems.push(
      `rollback-to '${rollbackTo.kind === 'arn' ? rollbackTo.arn : rollbackTo.revision}' names one revision of one task definition family, but service lists ${services?.length ?? 0} services: give previous (each service returns to its own previous revision), a sha256: digest or a tag, or roll back one service at a time`
    )
  }
  if (mode === 'deploy' && !raw('ecr-repository')) {
    problems.push(
      "ecr-repository is required in deploy mode: give the ECR repository name, e.g. 'babyshield-backend'"
    )
  }
  if (mode === 'verify' && tag && !ecrRepository) {
    problems.push(
      'ecr-repository is required when verify is given a tag: the tag is looked up in that ECR repository'
    )
  }
  if (
    mode === 'rollback' &&
    (rollbackTo?.kind === 'tag' || rollbackTo?.kind === 'digest') &&
    !ecrRepository
  ) {
    problems.push(
      'ecr-repository is required when rollback-to is a tag or a digest: the image is looked up in that ECR repository'
    )
  }
  if (mode === 'deploy' && image && tag && image.kind === 'tag' && image.tag !== tag) {
    problems.push(
      `tag '${tag}' and image '${image.tag}' disagree: with image, leave tag empty (the image's own tag is reported)`
    )
  }
  return problems
}

/** `REGION` and `CLUSTER` of an ECS cluster or service ARN, when it is one. */
function arnParts(value: string): { region: string; cluster: string | undefined } | undefined {
  const match = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):\d{12}:(cluster|service)\/(.+)$/.exec(value)
  if (!match) return undefined
  const [, region = '', kind, rest = ''] = match
  const cluster = kind === 'cluster' ? rest : rest.includes('/') ? rest.split('/')[0] : undefined
  return { region, cluster }
}

/** A cluster or service named by ARN must be in aws-region and, for a service, of cluster. */
function targetProblems({ cluster, services, region }: Partial<Inputs>): string[] {
  if (!region || !cluster) return []
  const problems: string[] = []
  const clusterArn = arnParts(cluster)
  const clusterName = clusterArn?.cluster ?? cluster
  if (clusterArn && clusterArn.region !== region) {
    problems.push(
      `cluster '${cluster}' is in region ${clusterArn.region}, but aws-region is ${region}: give the cluster of ${region}, or set aws-region to ${clusterArn.region}`
    )
  }
  for (const service of services ?? []) {
    const parts = arnParts(service)
    if (!parts) continue
    if (parts.region !== region) {
      problems.push(
        `service '${service}' is in region ${parts.region}, but aws-region is ${region}: give a service of ${region}, or set aws-region to ${parts.region}`
      )
    }
    if (parts.cluster && parts.cluster !== clusterName) {
      problems.push(
        `service '${service}' belongs to cluster ${parts.cluster}, but cluster is ${clusterName}: give a service of ${clusterName}, or set cluster to ${parts.cluster}`
      )
    }
  }
  return problems
}

/** A migration is a step of deploy, and its container and time limit belong to its command. */
function migrationProblems(
  { mode, migrationCommand, migrationTimeoutMinutes, pollSeconds }: Partial<Inputs>,
  raw: InputReader
): string[] {
  const problems: string[] = []
  if (migrationCommand && mode && mode !== 'deploy') {
    problems.push(
      `migration-command runs before a deploy's rollout, but mode is ${mode}: leave migration-command empty in ${mode} mode (run the migration with a deploy)`
    )
  }
  if (!migrationCommand && raw('migration-container')) {
    problems.push(
      'migration-container is given but migration-command is empty: give the command to run, or leave migration-container empty'
    )
  }
  if (migrationCommand && migrationTimeoutMinutes !== undefined && pollSeconds !== undefined) {
    const seconds = migrationTimeoutMinutes * 60
    if (seconds < 2 * pollSeconds) {
      problems.push(
        `migration-timeout-minutes '${migrationTimeoutMinutes}' (${Math.round(seconds * 10) / 10} s) leaves no time to watch a migration polled every ${pollSeconds} s (poll-seconds): expected at least two polls (${2 * pollSeconds} s)`
      )
    }
  }
  return problems
}

/** The shortest watch of a way back (the rollback after a failure), whatever timeout-minutes says. */
export const WAY_BACK_MINUTES = 10

/** The longest a GitHub Actions job runs; a step that outlasts it is killed, rollback or not. */
const JOB_LIMIT_MINUTES = 360
/** What the build, the push and the checks take besides the watches, at most. */
const STEP_OVERHEAD_MINUTES = 20

/**
 * A bake must last at least two polls, and the rollout, the bake and a rollback after it must fit
 * in one GitHub job: a regression found at the end of a bake must still be rolled back.
 */
function bakeProblems({
  bakeMinutes,
  timeoutMinutes,
  pollSeconds,
  wait
}: Partial<Inputs>): string[] {
  if (!bakeMinutes || timeoutMinutes === undefined || pollSeconds === undefined || wait === false) {
    return []
  }
  const problems: string[] = []
  const seconds = bakeMinutes * 60
  if (seconds < 2 * pollSeconds) {
    problems.push(
      `bake-minutes '${bakeMinutes}' (${Math.round(seconds * 10) / 10} s) is shorter than two polls of ${pollSeconds} s (poll-seconds): expected 0 (no bake) or at least ${Math.ceil((2 * pollSeconds) / 6) / 10} minutes`
    )
  }
  const wayBack = Math.max(timeoutMinutes, WAY_BACK_MINUTES)
  const total = timeoutMinutes + bakeMinutes + wayBack + STEP_OVERHEAD_MINUTES
  if (total > JOB_LIMIT_MINUTES) {
    problems.push(
      `bake-minutes '${bakeMinutes}' leaves no room to roll back: the rollout (timeout-minutes ${timeoutMinutes}), the bake and a rollback after it (${wayBack}) with the build would need ${total} minutes, and a GitHub job runs at most ${JOB_LIMIT_MINUTES}: give a shorter bake-minutes or timeout-minutes`
    )
  }
  return problems
}

/** A timeout must leave room for the watch: at least two polls. */
function timeProblems({ timeoutMinutes, pollSeconds }: Partial<Inputs>): string[] {
  if (timeoutMinutes === undefined || pollSeconds === undefined) return []
  const seconds = timeoutMinutes * 60
  if (seconds >= 2 * pollSeconds) return []
  return [
    `timeout-minutes '${timeoutMinutes}' (${Math.round(seconds * 10) / 10} s) leaves no time to watch a rollout polled every ${pollSeconds} s (poll-seconds): expected a timeout of at least two polls (${2 * pollSeconds} s), or a shorter poll-seconds`
  ]
}

/**
 * approve-pauses and test-traffic-url act on a rollout the bake judges: a deploy that waits, with
 * bake-minutes above 0 (a rollback may approve its pauses, having nothing to judge).
 */
function shiftProblems(
  { mode, bakeMinutes, wait, approvePauses }: Partial<Inputs>,
  raw: InputReader
): string[] {
  const problems: string[] = []
  const judged = mode === 'deploy' && wait !== false && (bakeMinutes ?? 0) > 0
  if (raw('test-traffic-url') && !judged) {
    problems.push(
      `test-traffic-url is asked by the bake's judgement while ECS shifts test traffic to the new revision, which ${mode === 'deploy' ? (wait === false ? 'wait: false' : 'bake-minutes 0') : `mode ${mode ?? ''}`} leaves out: give it with a deploy that bakes (bake-minutes above 0), or leave it empty`
    )
  }
  if (approvePauses && mode === 'verify') {
    problems.push(
      'approve-pauses continues a rollout paused at a PAUSE lifecycle hook, but verify starts none: leave approve-pauses false in verify mode'
    )
  }
  if (approvePauses && mode === 'deploy' && !judged) {
    problems.push(
      `approve-pauses continues a deployment once the release was judged at the pause, which ${wait === false ? 'wait: false' : 'bake-minutes 0'} leaves out: give bake-minutes above 0 (and wait: true), or leave approve-pauses false`
    )
  }
  // The runner passes action.yml's default when the input is not given: only another value is one.
  const watch = raw('pause-watch-minutes')
  if (!approvePauses && watch && watch !== INPUT_SPECS.pauseWatchMinutes.default) {
    problems.push(
      'pause-watch-minutes is given but approve-pauses is false: set approve-pauses to true for the step to continue paused deployments, or leave pause-watch-minutes empty'
    )
  }
  return problems
}
