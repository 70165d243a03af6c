// Docker, behind an interface that tests replace: log in, build, push, and the pushed digest.
import * as core from '@actions/core'
import * as exec from '@actions/exec'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { ReportedError } from '../model/errors.js'
import {
  cacheArgs,
  cacheTrouble,
  countCached,
  describeCache,
  driverOf,
  exportsCache,
  isCacheLine,
  type Builder,
  type CachePlan,
  type CacheCount
} from './build-cache.js'

export interface BuildRequest {
  /** Full image reference to tag the build with, `URI:tag`. */
  image: string
  dockerfile: string
  context: string
  buildArgs: string[]
  labels: Record<string, string>
  /** The layer cache to read and write; none when undefined. */
  cache?: CachePlan | undefined
}

/** What a build took from its cache, and which cache that was (undefined: none). */
export interface BuildOutcome extends CacheCount {
  cache: string | undefined
}

/** A failed build, with the last lines it printed: the reason is nearly always among them. */
export class BuildError extends ReportedError {
  constructor(
    message: string,
    readonly lines: string[]
  ) {
    super(message)
    this.name = 'BuildError'
  }
}

/** Lines of a failed build's output kept for the annotation and the summary. */
export const BUILD_LINES_KEPT = 20

/** The last `count` non-empty lines of output, without colour codes. Pure. */
export function lastLines(output: string, count = BUILD_LINES_KEPT): string[] {
  return (
    output
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;]*m/g, '')
      .split(/\r?\n|\r/)
      .map(line => line.trimEnd())
      .filter(line => line.trim() !== '')
      .slice(-count)
  )
}

export interface Docker {
  /** `docker login` with the password on stdin, in this run's private config directory. */
  login(registry: string, username: string, password: string): Promise<void>
  build(request: BuildRequest): Promise<BuildOutcome>
  /** Tags an image built here with another reference. */
  tag(source: string, target: string): Promise<void>
  /** Pushes `URI:tag` and returns the digest the registry stored. */
  push(image: string): Promise<string>
  /** Removes the private config directory and the credentials in it. */
  cleanup(): Promise<void>
}

/** The end of a build's output, so a long build does not keep all of it in memory. */
function keepTail(output: string): string {
  return output.length > 64_000 ? output.slice(-32_000) : output
}

/**
 * The build command: buildx where it exists (its plain progress names each cached step), else the
 * classic builder; `cache` is the cache part (cacheArgs). Pure.
 */
export function buildArgv(request: BuildRequest, buildx: boolean, cache: string[] = []): string[] {
  const argv = buildx ? ['buildx', 'build', '--load', '--progress=plain'] : ['build']
  argv.push('--file', request.dockerfile, '--tag', request.image)
  for (const [key, value] of Object.entries(request.labels)) argv.push('--label', `${key}=${value}`)
  for (const arg of request.buildArgs) argv.push('--build-arg', arg)
  argv.push(...cache, request.context)
  return argv
}

/** The digest in `docker push` output (`TAG: digest: sha256:… size: N`). Pure. */
export function digestFromPush(output: string): string | undefined {
  const match = /digest: (sha256:[a-f0-9]{64})/.exec(output)
  return match?.[1]
}

/**
 * The user's Docker config without a credential store: with one, `docker login` would put the
 * ECR password in the store, where it outlives this step. Per-registry helpers stay. Pure.
 */
export function privateConfigJson(userConfig: Record<string, unknown>): string {
  const { credsStore: _credsStore, ...config } = userConfig
  return JSON.stringify(config, null, 2)
}

async function readConfig(dir: string): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** The state through which the post step finds a private config the main step did not remove. */
export const DOCKER_CONFIG_STATE = 'docker-config'
/** The name every private config directory starts with. */
export const DOCKER_CONFIG_PREFIX = 'deploy-action-docker-'

/**
 * Docker through the CLI. Credentials go to a private DOCKER_CONFIG directory that starts
 * as a copy of the user's config (so their other registry logins and buildx builders still
 * work) and is removed by cleanup(), so none is left on a self-hosted runner.
 */
export class DockerCli implements Docker {
  private configDir: string | undefined
  private detected: Builder | undefined

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async login(registry: string, username: string, password: string): Promise<void> {
    core.setSecret(password)
    const configDir = await this.privateConfig()
    let stderr = ''
    const code = await exec.exec(
      'docker',
      ['login', '--username', username, '--password-stdin', registry],
      {
        input: Buffer.from(password),
        env: this.childEnv(configDir),
        ignoreReturnCode: true,
        silent: true,
        listeners: { stderr: data => (stderr += data.toString()) }
      }
    )
    if (code !== 0) {
      const said = stderr.trim().split('\n').pop()
      throw new Error(
        `docker login to ${registry} failed (exit code ${code})${said ? `: ${said}` : ''}`
      )
    }
    core.info(`Logged in to ${registry}`)
  }

  async build(request: BuildRequest): Promise<BuildOutcome> {
    const builder = await this.builder()
    core.info(
      builder.kind === 'buildx'
        ? 'Building with docker buildx'
        : 'docker buildx is not installed: building with docker build'
    )
    const { cache } = request
    const pulled = cache && builder.kind === 'legacy' ? await this.pullForCache(cache.images) : []
    if (cache?.why && builder.kind === 'buildx') core.info(cache.why)
    const argv = (write: boolean): string[] =>
      buildArgv(
        request,
        builder.kind === 'buildx',
        cache ? cacheArgs(cache, builder, pulled, write) : []
      )
    let run = await this.runBuild(argv(true))
    const trouble = cacheTrouble([...run.cacheLines, ...lastLines(run.output)])
    if (run.code !== 0 && cache && builder.kind === 'buildx' && trouble.unwritten) {
      // The steps are in the builder's own cache by now: building again takes seconds.
      core.warning(
        `The build cache could not be written to ${cache.ref} (${trouble.unwritten}): building again without writing it`
      )
      run = await this.runBuild(argv(false))
    }
    if (run.code !== 0) {
      const lines = lastLines(run.output)
      throw new BuildError(
        `docker build of ${request.image} failed (exit code ${run.code})${lines.length ? `: ${lines.at(-1) ?? ''}` : ''}; the last lines of the build are in the job summary`,
        lines
      )
    }
    for (const { ref, reason, missing } of trouble.unread) {
      const said = `The build cache ${ref} could not be read (${reason}): built without it`
      // A cache that is not there yet is a first build's normal state.
      if (missing) core.info(said)
      else core.warning(said)
    }
    return { ...countCached(run.cacheLines), cache: describeCache(cache, builder, pulled) }
  }

  /** Runs a build, keeping the end of its output and every line that counts for the cache. */
  private async runBuild(
    argv: string[]
  ): Promise<{ code: number; output: string; cacheLines: string[] }> {
    let output = ''
    const cacheLines: string[] = []
    let partial = ''
    const take = (data: Buffer): void => {
      const text = data.toString()
      output = keepTail(output + text)
      const lines = (partial + text).split(/\r?\n/)
      partial = lines.pop() ?? ''
      cacheLines.push(...lines.filter(isCacheLine))
    }
    const code = await exec.exec('docker', argv, {
      env: this.childEnv(this.configDir),
      ignoreReturnCode: true,
      listeners: { stdout: take, stderr: take }
    })
    if (isCacheLine(partial)) cacheLines.push(partial)
    return { code, output, cacheLines }
  }

  /** Pulls each image for the legacy builder's --cache-from; one that cannot be pulled only warns. */
  private async pullForCache(images: string[]): Promise<string[]> {
    const pulled: string[] = []
    for (const image of images) {
      core.info(`Pulling ${image} for the build cache`)
      const { code, stderr } = await this.capture(['pull', '--quiet', image])
      if (code === 0) pulled.push(image)
      else {
        const said = stderr.trim().split('\n').pop()
        core.warning(
          `Could not pull ${image} for the build cache (exit code ${code}${said ? `: ${said}` : ''}): building without it`
        )
      }
    }
    return pulled
  }

  async tag(source: string, target: string): Promise<void> {
    const code = await exec.exec('docker', ['tag', source, target], {
      env: this.childEnv(this.configDir),
      ignoreReturnCode: true
    })
    if (code !== 0) throw new Error(`docker tag ${source} ${target} failed (exit code ${code})`)
  }

  async push(image: string): Promise<string> {
    let output = ''
    const code = await exec.exec('docker', ['push', image], {
      env: this.childEnv(this.configDir),
      ignoreReturnCode: true,
      listeners: { stdout: data => (output += data.toString()) }
    })
    if (code !== 0)
      throw new Error(
        `docker push of ${image} failed (exit code ${code}); see the push output above`
      )
    const digest = digestFromPush(output)
    if (!digest) throw new Error(`docker push of ${image} printed no digest`)
    return digest
  }

  async cleanup(): Promise<void> {
    if (!this.configDir) return
    const dir = this.configDir
    this.configDir = undefined
    await rm(dir, { recursive: true, force: true })
    core.saveState(DOCKER_CONFIG_STATE, '')
  }

  private async builder(): Promise<Builder> {
    if (this.detected === undefined) {
      if ((await this.capture(['buildx', 'version'])).code !== 0) {
        this.detected = { kind: 'legacy' }
      } else {
        const inspect = (await this.capture(['buildx', 'inspect'])).stdout
        const status =
          driverOf(inspect) === 'docker'
            ? (await this.capture(['info', '--format', '{{json .DriverStatus}}'])).stdout
            : ''
        this.detected = { kind: 'buildx', exportsCache: exportsCache(inspect, status) }
      }
    }
    return this.detected
  }

  /** Runs docker quietly and returns what it printed. */
  private async capture(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = ''
    let stderr = ''
    const code = await exec.exec('docker', args, {
      env: this.childEnv(this.configDir),
      ignoreReturnCode: true,
      silent: true,
      listeners: {
        stdout: data => (stdout += data.toString()),
        stderr: data => (stderr += data.toString())
      }
    })
    return { code, stdout, stderr }
  }

  private async privateConfig(): Promise<string> {
    if (this.configDir) return this.configDir
    const userDir = this.env.DOCKER_CONFIG || join(homedir(), '.docker')
    const dir = await mkdtemp(join(this.env.RUNNER_TEMP || tmpdir(), DOCKER_CONFIG_PREFIX))
    this.configDir = dir
    // Should this step be killed before cleanup(), the post step removes it.
    core.saveState(DOCKER_CONFIG_STATE, dir)
    await writeFile(join(dir, 'config.json'), privateConfigJson(await readConfig(userDir)), {
      mode: 0o600
    })
    // Plugins (buildx) and buildx builders are found through DOCKER_CONFIG: link them in.
    for (const entry of ['cli-plugins', 'buildx']) {
      if (existsSync(join(userDir, entry))) await symlink(join(userDir, entry), join(dir, entry))
    }
    return dir
  }

  private childEnv(configDir: string | undefined): Record<string, string> {
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries(this.env)) if (value !== undefined) env[key] = value
    if (configDir) env.DOCKER_CONFIG = configDir
    return env
  }
}
