// Every input of action.yml as one table of specs (name, default, parser), and the typed Inputs
// it gives. inputs.ts reads them; rules.ts checks them against each other.
import { parseErrorPatterns } from '../bake/patterns.js'
import type { CacheSetting } from '../model/build.js'
import { parseMigrationCommand } from '../migration/command.js'
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
import { JUDGE_SPECS, type JudgeInputs } from './judge.js'
import {
  parseAllowCves,
  parseKeep,
  parseScanUnavailable,
  parseSeverity,
  type CleanupScanInputs
} from './cleanup-scan.js'

export type { ImageRef, Mode, RollbackTarget }

export interface Inputs extends JudgeInputs, CleanupScanInputs {
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
  /** Continue a deployment paused at a PAUSE lifecycle hook once its stage was judged long enough. */
  approvePauses: boolean
  pauseWatchMinutes: number
  /** Asked while test traffic goes to the new revision (a blue/green test listener). */
  testTrafficUrl: string | undefined
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
  },
  approvePauses: {
    name: 'approve-pauses',
    default: 'false',
    parse: v => parseBoolean('approve-pauses', v)
  },
  pauseWatchMinutes: {
    name: 'pause-watch-minutes',
    default: '2',
    parse: v => parseNumber('pause-watch-minutes', v, { min: 0, max: 1440, exclusiveMin: true })
  },
  testTrafficUrl: {
    name: 'test-traffic-url',
    default: '',
    parse: v => optional(v, u => parseUrl(u, 'test-traffic-url'))
  },
  ...JUDGE_SPECS,
  // Cleanup after a deploy, and the scan gate before it (docs/cleanup-and-scan.md).
  keepRevisions: {
    name: 'keep-revisions',
    default: '',
    parse: v => parseKeep('keep-revisions', v)
  },
  keepImages: { name: 'keep-images', default: '', parse: v => parseKeep('keep-images', v) },
  failOnSeverity: { name: 'fail-on-severity', default: '', parse: parseSeverity },
  allowCves: { name: 'allow-cves', default: '', untrimmed: true, parse: parseAllowCves },
  scanTimeoutMinutes: {
    name: 'scan-timeout-minutes',
    default: '10',
    parse: v => parseNumber('scan-timeout-minutes', v, { min: 0, max: 60, exclusiveMin: true })
  },
  scanUnavailable: { name: 'scan-unavailable', default: 'fail', parse: parseScanUnavailable }
}
