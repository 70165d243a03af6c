// Every rule about input lives here: the action's inputs are read once, from one table of input
// specs (name, default, parser), validated together, and handed on as one typed object.
import * as core from '@actions/core'
import type { CacheSetting } from '../build-cache.js'
import { errorText, ReportedError } from '../errors.js'
import { parseErrorPatterns } from '../bake/patterns.js'
import { parseMigrationCommand } from '../migration/command.js'
import { cacheProblems } from './cache.js'
import {
  optional,
  parseBoolean,
  parseBuildArgs,
  parseBuildCache,
  parseCluster,
  parseDockerfile,
  parseEnvironment,
  parseImage,
  parseLogGroup,
  parseInteger,
  parseMode,
  parseName,
  parseNotes,
  parseNumber,
  parsePath,
  parseRegion,
  parseRepository,
  parseRollbackTo,
  parseServices,
  parseTag,
  parseTagPrefix,
  parseUrl
} from './parse.js'

import type { ImageRef, Mode, RollbackTarget } from './parse.js'

export type { ImageRef, Mode, RollbackTarget }

export interface Inputs {
  mode: Mode
  cluster: string
  /** One service, or several deployed together from one image. */
  services: string[]
  /** Empty when not given (verify and rollback by revision do not need it). */
  ecrRepository: string
  region: string
  /** Undefined: choose `<tagPrefix>-YYYYMMDD` with the next free `-vN`. */
  tag: string | undefined
  tagPrefix: string
  dockerfile: string
  context: string
  buildArgs: string[]
  /** Where the build's layer cache lives, or off. */
  buildCache: CacheSetting
  /** Deploy this image from ECR instead of building one. */
  image: ImageRef | undefined
  containerName: string | undefined
  wait: boolean
  timeoutMinutes: number
  pollSeconds: number
  rollbackOnFailure: boolean
  rollbackTo: RollbackTarget
  healthCheckUrl: string | undefined
  logGroup: string | undefined
  logsSinceMinutes: number
  deploymentNotes: string
  dryRun: boolean
  githubToken: string | undefined
  environment: string
  /** The one-off task run on the new revision before any service is updated, as an argv. */
  migrationCommand: string[] | undefined
  /** Undefined: the container whose image is replaced. */
  migrationContainer: string | undefined
  migrationTimeoutMinutes: number
  /** How long the new revision is watched after its rollout completes; 0: not at all. */
  bakeMinutes: number
  bakeErrorPatterns: string[]
  bakeErrorMin: number
  bakeErrorRatio: number
}

export class InputError extends ReportedError {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Invalid input: ${problems[0]}`
        : `Invalid inputs:\n${problems.map(p => `  - ${p}`).join('\n')}`
    )
    this.name = 'InputError'
  }
}

/** Reads one raw input; the default reads the runner's INPUT_* variables. */
export type InputReader = (name: string) => string

export interface InputSpec<T> {
  /** The input's name in action.yml. */
  name: string
  /** What an empty input means, as action.yml writes it. */
  default: string
  /** Multi-line inputs are read as given; the others are trimmed. */
  untrimmed?: true
  parse(value: string, env: NodeJS.ProcessEnv): T
}

/** Every input of action.yml: its name, its default, and how its text becomes a value. */
export const INPUT_SPECS: { [K in keyof Inputs]: InputSpec<Inputs[K]> } = {
  mode: { name: 'mode', default: 'deploy', parse: parseMode },
  cluster: { name: 'cluster', default: '', parse: parseCluster },
  services: { name: 'service', default: '', parse: parseServices },
  ecrRepository: { name: 'ecr-repository', default: '', parse: parseRepository },
  region: { name: 'aws-region', default: '', parse: parseRegion },
  tag: { name: 'tag', default: '', parse: v => parseTag('tag', v) },
  tagPrefix: { name: 'tag-prefix', default: 'production-fixed', parse: parseTagPrefix },
  dockerfile: { name: 'dockerfile', default: 'Dockerfile.final', parse: parseDockerfile },
  context: { name: 'context', default: '.', parse: v => parsePath('context', v) },
  buildArgs: { name: 'build-args', default: '', untrimmed: true, parse: parseBuildArgs },
  buildCache: { name: 'build-cache', default: 'true', parse: parseBuildCache },
  image: { name: 'image', default: '', parse: parseImage },
  containerName: {
    name: 'container-name',
    default: '',
    parse: v => optional(v, c => parseName('container-name', c, 'a container name'))
  },
  wait: { name: 'wait', default: 'true', parse: v => parseBoolean('wait', v) },
  timeoutMinutes: {
    name: 'timeout-minutes',
    default: '15',
    parse: v => parseNumber('timeout-minutes', v, { min: 0, max: 360, exclusiveMin: true })
  },
  pollSeconds: {
    name: 'poll-seconds',
    default: '5',
    parse: v => parseNumber('poll-seconds', v, { min: 1, max: 300 })
  },
  rollbackOnFailure: {
    name: 'rollback-on-failure',
    default: 'true',
    parse: v => parseBoolean('rollback-on-failure', v)
  },
  rollbackTo: { name: 'rollback-to', default: 'previous', parse: parseRollbackTo },
  healthCheckUrl: { name: 'health-check-url', default: '', parse: v => optional(v, parseUrl) },
  logGroup: { name: 'log-group', default: '', parse: v => optional(v, parseLogGroup) },
  logsSinceMinutes: {
    name: 'logs-since-minutes',
    default: '10',
    parse: v => parseNumber('logs-since-minutes', v, { min: 0, max: 10080 })
  },
  deploymentNotes: {
    name: 'deployment-notes',
    default: '',
    untrimmed: true,
    parse: parseNotes
  },
  dryRun: { name: 'dry-run', default: 'false', parse: v => parseBoolean('dry-run', v) },
  githubToken: { name: 'github-token', default: '', parse: v => v || undefined },
  environment: { name: 'environment', default: 'production', parse: parseEnvironment },
  migrationCommand: {
    name: 'migration-command',
    default: '',
    untrimmed: true,
    parse: v => optional(v.trim(), parseMigrationCommand)
  },
  migrationContainer: {
    name: 'migration-container',
    default: '',
    parse: v => optional(v, c => parseName('migration-container', c, 'a container name'))
  },
  migrationTimeoutMinutes: {
    name: 'migration-timeout-minutes',
    default: '10',
    parse: v =>
      parseNumber('migration-timeout-minutes', v, { min: 0, max: 360, exclusiveMin: true })
  },
  bakeMinutes: {
    name: 'bake-minutes',
    default: '5',
    parse: v => parseNumber('bake-minutes', v, { min: 0, max: 120 })
  },
  bakeErrorPatterns: {
    name: 'bake-error-patterns',
    default: 'ERROR',
    untrimmed: true,
    parse: parseErrorPatterns
  },
  bakeErrorMin: {
    name: 'bake-error-min',
    default: '5',
    parse: v => parseInteger('bake-error-min', v, { min: 1, max: 100_000 })
  },
  bakeErrorRatio: {
    name: 'bake-error-ratio',
    default: '3',
    parse: v => parseNumber('bake-error-ratio', v, { min: 1, max: 1000 })
  }
}

export function getInputs(): Inputs {
  const inputs = parseInputs(name => core.getInput(name), process.env)
  if (inputs.githubToken) core.setSecret(inputs.githubToken)
  return inputs
}

/** Validates every input at once, so one run reports every problem. Pure. */
export function parseInputs(read: InputReader, env: NodeJS.ProcessEnv = {}): Inputs {
  const problems: string[] = []
  const parsed: Partial<Record<keyof Inputs, unknown>> = {}
  for (const [key, spec] of Object.entries(INPUT_SPECS) as [keyof Inputs, InputSpec<unknown>][]) {
    const text = spec.untrimmed ? read(spec.name) : read(spec.name).trim()
    try {
      parsed[key] = spec.parse(text.trim() === '' ? spec.default : text, env)
    } catch (error) {
      problems.push(errorText(error))
    }
  }
  const inputs = parsed as Partial<Inputs>
  problems.push(...combinationProblems(inputs, name => read(name).trim()))
  if (problems.length > 0) throw new InputError(problems)
  return inputs as Inputs
}

/** Rules between inputs: what one mode or input needs of another. */
function combinationProblems(inputs: Partial<Inputs>, raw: InputReader): string[] {
  const { mode, tag, ecrRepository, image, rollbackTo, services } = inputs
  const problems: string[] = [
    ...targetProblems(inputs),
    ...timeProblems(inputs),
    ...migrationProblems(inputs, raw),
    ...bakeProblems(inputs),
    ...cacheProblems(inputs)
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
