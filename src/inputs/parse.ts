// How each input's text becomes a value: one parser an input, each throwing a message that names
// the input and the form it expects. Pure.
import { isDigest, tagProblem } from '../model/tags.js'

import type { ImageRef, RollbackTarget } from '../model/move.js'
import type { Mode } from '../model/result.js'

export type { ImageRef, Mode, RollbackTarget }

export const MODES: readonly Mode[] = ['deploy', 'verify', 'rollback']

const NAME = /^[A-Za-z0-9_-]{1,255}$/
const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/
const SERVICE_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([A-Za-z0-9_-]{1,255}\/)?[A-Za-z0-9_-]{1,255}$/
const TASK_DEFINITION_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d+$/
const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]{1,512}$/
const BUILD_ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/
const MAX_NOTES = 2000
const MAX_BUILD_ARG = 4096

const YAML_TRUE = ['true', 'True', 'TRUE']
const YAML_FALSE = ['false', 'False', 'FALSE']

export function optional<T>(value: string, parse: (value: string) => T): T | undefined {
  return value === '' ? undefined : parse(value)
}

export function show(value: string): string {
  const printable = value.replace(/[\r\n\t]/g, ' ')
  return printable.length > 80 ? `${printable.slice(0, 77)}...` : printable
}

export function parseMode(mode: string): Mode {
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new Error(`mode '${show(mode)}' is not known: expected one of ${MODES.join(', ')}`)
  }
  return mode as Mode
}

function required(name: string, value: string, example: string): string {
  if (!value) throw new Error(`${name} is required: give ${example}`)
  return value
}

export function parseName(name: string, value: string, what: string): string {
  if (!NAME.test(value)) {
    throw new Error(
      `${name} '${show(value)}' is not valid: expected ${what} of letters, digits, '-' and '_' (at most 255)`
    )
  }
  return value
}

export function parseCluster(value: string): string {
  required('cluster', value, "the ECS cluster name or ARN, e.g. 'babyshield-cluster'")
  if (CLUSTER_ARN.test(value)) return value
  return parseName('cluster', value, 'an ECS cluster name or ARN')
}

/** The most services one step deploys together. */
export const MAX_SERVICES = 20

/**
 * One service, or several deployed together: one a line, or separated by commas. An empty entry
 * or a service named twice (by name and by ARN alike) is refused.
 */
export function parseServices(value: string): string[] {
  required('service', value, "the ECS service name, e.g. 'babyshield-backend-service'")
  const entries = value.split(/\r?\n|,/).map(entry => entry.trim())
  if (entries.length === 1) return [parseService('service', value)]
  const empty = entries.findIndex(entry => entry === '')
  if (empty >= 0) {
    throw new Error(
      `service entry ${empty + 1} of ${entries.length} is empty: expected one ECS service name or ARN a line (or separated by commas), with no empty entries`
    )
  }
  if (entries.length > MAX_SERVICES) {
    throw new Error(
      `service lists ${entries.length} services: at most ${MAX_SERVICES} are deployed together by one step`
    )
  }
  const services = entries.map((entry, i) => parseService(`service entry ${i + 1}`, entry))
  const seen = new Map<string, string>()
  for (const service of services) {
    const name = service.slice(service.lastIndexOf('/') + 1)
    const first = seen.get(name)
    if (first !== undefined) {
      throw new Error(
        `service names ${name} twice${first === service ? '' : ` ('${show(first)}' and '${show(service)}')`}: list each service once`
      )
    }
    seen.set(name, service)
  }
  return services
}

function parseService(name: string, value: string): string {
  if (SERVICE_ARN.test(value)) return value
  return parseName(name, value, 'an ECS service name')
}

export function parseRepository(value: string): string {
  if (!value) return ''
  if (
    value.length < 2 ||
    value.length > 256 ||
    !REPOSITORY.test(value) ||
    value.includes('.dkr.ecr.')
  ) {
    throw new Error(
      `ecr-repository '${show(value)}' is not valid: expected an ECR repository name such as 'babyshield-backend' (lower case, digits, '.', '_', '-', '/'), not a URI`
    )
  }
  return value
}

export function parseRegion(value: string, env: NodeJS.ProcessEnv): string {
  const region = value || env.AWS_REGION || env.AWS_DEFAULT_REGION || ''
  if (!region) {
    throw new Error(
      "aws-region is required: give it (e.g. 'eu-north-1') or set AWS_REGION, as aws-actions/configure-aws-credentials does"
    )
  }
  if (!REGION.test(region)) {
    throw new Error(
      `aws-region '${show(region)}' is not valid: expected a region such as 'eu-north-1'`
    )
  }
  return region
}

export function parseTag(name: string, value: string): string | undefined {
  if (!value) return undefined
  const problem = tagProblem(value)
  if (problem) throw new Error(`${name} '${show(value)}' ${problem}`)
  return value
}

export function parseTagPrefix(prefix: string): string {
  const problem = tagProblem(`${prefix}-20000101-v99`)
  if (problem || prefix.endsWith('-')) {
    throw new Error(
      `tag-prefix '${show(prefix)}' is not valid: expected letters, digits, '.', '_' and '-' (not ending in '-'), at most 115 characters, e.g. 'production-fixed'`
    )
  }
  return prefix
}

export function parseDockerfile(value: string): string {
  const dockerfile = parsePath('dockerfile', value)
  const base = dockerfile.split(/[\\/]/).pop() ?? dockerfile
  if (base === 'Dockerfile.backend') {
    throw new Error(`dockerfile '${show(dockerfile)}' is deprecated; use Dockerfile.final`)
  }
  return dockerfile
}

export function parsePath(name: string, value: string): string {
  if (/[\0\r\n]/.test(value) || value.length > 1024) {
    throw new Error(`${name} '${show(value)}' is not valid: expected a path on one line`)
  }
  return value
}

export function parseBuildArgs(value: string): string[] {
  const args: string[] = []
  for (const line of value.split(/\r?\n/)) {
    if (line.trim() === '') continue
    const eq = line.indexOf('=')
    const key = eq > 0 ? line.slice(0, eq).trim() : ''
    if (!BUILD_ARG_KEY.test(key)) {
      throw new Error(
        `build-args line '${show(line)}' is not valid: expected KEY=VALUE, one a line, with KEY made of letters, digits and '_'`
      )
    }
    if (line.length > MAX_BUILD_ARG) {
      throw new Error(`build-args line for ${key} is too long: at most ${MAX_BUILD_ARG} characters`)
    }
    args.push(`${key}=${line.slice(eq + 1)}`)
  }
  return args
}

export function parseImage(value: string): ImageRef | undefined {
  if (!value) return undefined
  if (value.startsWith('sha256:')) {
    if (!isDigest(value)) {
      throw new Error(
        `image '${show(value)}' is not a valid digest: expected sha256: and 64 hex digits`
      )
    }
    return { kind: 'digest', digest: value }
  }
  const problem = tagProblem(value)
  if (problem) {
    throw new Error(
      `image '${show(value)}' ${problem}; expected a tag or a sha256: digest of an image in ecr-repository`
    )
  }
  return { kind: 'tag', tag: value }
}

export function parseBoolean(name: string, value: string): boolean {
  if (YAML_TRUE.includes(value)) return true
  if (YAML_FALSE.includes(value)) return false
  throw new Error(`${name} '${show(value)}' is not a boolean: expected true or false`)
}

export interface Range {
  min: number
  max: number
  exclusiveMin?: boolean
}

export function parseNumber(name: string, value: string, range: Range): number {
  const number = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : NaN
  const low = range.exclusiveMin ? number <= range.min : number < range.min
  if (Number.isNaN(number) || low || number > range.max) {
    const lower = range.exclusiveMin ? `more than ${range.min}` : `at least ${range.min}`
    throw new Error(
      `${name} '${show(value)}' is not valid: expected a number ${lower} and at most ${range.max}`
    )
  }
  return number
}

export function parseInteger(name: string, value: string, range: Range): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN
  if (Number.isNaN(number) || number < range.min || number > range.max) {
    throw new Error(
      `${name} '${show(value)}' is not valid: expected a whole number from ${range.min} to ${range.max}`
    )
  }
  return number
}

export function parseRollbackTo(target: string): RollbackTarget {
  if (target === 'previous') return { kind: 'previous' }
  const numeric = /^\d+$/.test(target)
  if (numeric && Number(target) > 0 && Number(target) < 1e9) {
    return { kind: 'revision', revision: Number(target) }
  }
  if (TASK_DEFINITION_ARN.test(target)) return { kind: 'arn', arn: target }
  if (target.startsWith('sha256:')) {
    if (isDigest(target)) return { kind: 'digest', digest: target }
  } else if (!numeric && !target.startsWith('arn:') && !tagProblem(target)) {
    return { kind: 'tag', tag: target }
  }
  throw new Error(
    `rollback-to '${show(target)}' is not valid: expected 'previous', a revision number, a task definition ARN (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION), a sha256: digest or an image tag`
  )
}

export function parseUrl(value: string, input = 'health-check-url'): string {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  const web = url?.protocol === 'https:' || url?.protocol === 'http:'
  if (!url || !web || /\s/.test(value) || value.length > 2048) {
    throw new Error(
      `${input} '${show(value)}' is not valid: expected an http:// or https:// URL of at most 2048 characters, e.g. https://api.example.com/healthz`
    )
  }
  return url.toString()
}

export function parseLogGroup(value: string): string {
  if (!LOG_GROUP.test(value)) {
    throw new Error(
      `log-group '${show(value)}' is not valid: expected a CloudWatch log group name such as '/ecs/babyshield-backend'`
    )
  }
  return value
}

export function parseNotes(value: string): string {
  const notes = value.trim()
  if (notes.length > MAX_NOTES) {
    throw new Error(
      `deployment-notes is too long (${notes.length} characters): at most ${MAX_NOTES}`
    )
  }
  return notes
}

export function parseEnvironment(environment: string): string {
  if (environment.length > 255 || /[\0\r\n]/.test(environment)) {
    throw new Error(
      `environment '${show(environment)}' is not valid: expected a GitHub environment name on one line, e.g. 'production'`
    )
  }
  return environment
}
