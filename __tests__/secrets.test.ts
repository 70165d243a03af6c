// With step debug logging on, no mode lets the ECR password, the authorization token or the AWS
// secret key reach stdout, stderr, outputs, the summary or the runner's files, and no
// credential outlives the step in a Docker config. Docker is the real DockerCli driving a
// stand-in `docker` that stores credentials the way the real one does.
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import { DockerCli } from '../src/docker/docker.js'
import { run } from '../src/main.js'
import { NEW_DIGEST, REPOSITORY_URI, arn, babyshield } from '../test/support/task-definitions.js'
import {
  DEPLOY_INPUTS,
  ECR_PASSWORD,
  ECR_TOKEN,
  REGISTRY,
  deployWorld
} from '../test/support/deploy-world.js'

const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY'
const SECRETS: Record<string, string> = {
  'ECR password': ECR_PASSWORD,
  'ECR authorization token': ECR_TOKEN,
  'AWS secret access key': AWS_SECRET
}
const OTHER_REGISTRY_AUTH = Buffer.from('me:other-registry-password').toString('base64')

/** Logs in, builds and pushes like docker: `login` writes base64(user:password) to config.json. */
const FAKE_DOCKER = `#!/bin/sh
config="\${DOCKER_CONFIG:-$HOME/.docker}"
case "$1" in
  login)
    password=$(cat)
    auth=$(printf '%s:%s' "$3" "$password" | base64 | tr -d '\\n')
    mkdir -p "$config"
    printf '{"auths":{"%s":{"auth":"%s"}}}\\n' "$5" "$auth" > "$config/config.json"
    echo "WARNING! Your password will be stored unencrypted in $config/config.json." >&2
    echo "Login Succeeded"
    ;;
  buildx) exit 1 ;;
  build) echo "Successfully built 0123456789ab" ;;
  push)
    if [ -n "$FAKE_PUSH_FAILS" ]; then echo "unauthorized: authentication required" >&2; exit 1; fi
    echo "The push refers to repository [\${2%:*}]"
    echo "\${2##*:}: digest: $FAKE_DIGEST size: 528"
    ;;
  *) echo "unexpected docker $*" >&2; exit 2 ;;
esac
`

let dir: string

beforeAll(() => {
  // core.summary remembers the first summary path it sees: one runner directory for the file.
  dir = mkdtempSync(join(tmpdir(), 'secrets-runner-'))
  mkdirSync(join(dir, 'bin'))
  writeFileSync(join(dir, 'bin', 'docker'), FAKE_DOCKER)
  chmodSync(join(dir, 'bin', 'docker'), 0o755)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let written: string[]
let cwd: string

beforeEach(() => {
  for (const sub of ['temp', 'home-docker', 'workspace']) {
    rmSync(join(dir, sub), { recursive: true, force: true })
    mkdirSync(join(dir, sub))
  }
  writeFileSync(join(dir, 'workspace', 'Dockerfile.final'), 'FROM scratch\n')
  // The user's own Docker config: a credential store and another registry's login.
  writeFileSync(
    join(dir, 'home-docker', 'config.json'),
    JSON.stringify({ credsStore: 'desktop', auths: { 'ghcr.io': { auth: OTHER_REGISTRY_AUTH } } })
  )
  writeFileSync(join(dir, 'output'), '')
  writeFileSync(join(dir, 'summary'), '')
  vi.stubEnv('GITHUB_OUTPUT', join(dir, 'output'))
  vi.stubEnv('GITHUB_STEP_SUMMARY', join(dir, 'summary'))
  vi.stubEnv('ACTIONS_STEP_DEBUG', 'true')
  vi.stubEnv('RUNNER_DEBUG', '1')
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', AWS_SECRET)
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE')
  vi.stubEnv('PATH', `${join(dir, 'bin')}:${process.env.PATH ?? ''}`)
  written = []
  const capture = (chunk: unknown): boolean => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString())
    return true
  }
  vi.spyOn(process.stdout, 'write').mockImplementation(capture)
  vi.spyOn(process.stderr, 'write').mockImplementation(capture)
  process.exitCode = undefined
  cwd = process.cwd()
  process.chdir(join(dir, 'workspace'))
})

afterEach(() => {
  process.chdir(cwd)
  vi.unstubAllEnvs()
  process.exitCode = undefined
})

function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) {
    vi.stubEnv(`INPUT_${name.toUpperCase()}`, value)
  }
}

/** Runs the action with mocked AWS and the real DockerCli over the stand-in docker. */
async function runWith(extraEnv: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extraEnv,
    FAKE_DIGEST: NEW_DIGEST,
    DOCKER_CONFIG: join(dir, 'home-docker'),
    RUNNER_TEMP: join(dir, 'temp'),
    GITHUB_SHA: 'c0ffee'
  }
  const world = deployWorld(env)
  world.deps.docker = new DockerCli(env)
  world.ecsMock
    .on(DescribeTaskDefinitionCommand, { taskDefinition: 'babyshield-backend-task:40' })
    .resolves({
      taskDefinition: {
        ...babyshield,
        taskDefinitionArn: arn('babyshield-backend-task', 40),
        revision: 40,
        containerDefinitions: babyshield.containerDefinitions?.map(c =>
          c.name === 'api' ? { ...c, image: `${REPOSITORY_URI}@sha256:${'c'.repeat(64)}` } : c
        )
      },
      tags: []
    })
  await run(() => world.deps)
  return world
}

/** Every file under a directory, with its text. */
function filesUnder(root: string): [string, string][] {
  if (!existsSync(root)) return []
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map(name => join(root, name))
    .filter(path => statSync(path).isFile())
    .map(path => [path, readFileSync(path, 'utf8')])
}

/** Where a secret shows up: stdout/stderr lines other than masks, outputs, summary, files. */
function leaks(): string[] {
  const found: string[] = []
  const lines = written.join('').split('\n')
  const places: [string, string][] = [
    ...lines
      .filter(line => !line.startsWith('::add-mask::'))
      .map((line, i): [string, string] => [`log line ${i}`, line]),
    ['GITHUB_OUTPUT', readFileSync(join(dir, 'output'), 'utf8')],
    ['GITHUB_STEP_SUMMARY', readFileSync(join(dir, 'summary'), 'utf8')],
    ...filesUnder(join(dir, 'temp')),
    ...filesUnder(join(dir, 'home-docker')),
    ...filesUnder(join(dir, 'workspace'))
  ]
  for (const [where, text] of places) {
    for (const [name, secret] of Object.entries(SECRETS)) {
      if (text.includes(secret)) found.push(`${name} in ${where}`)
    }
  }
  return found
}

describe('secrets with step debug logging on', () => {
  test('deploy: masks the token and password before any line could use them; nothing leaks', async () => {
    setInputs(DEPLOY_INPUTS)
    const world = await runWith()
    expect(process.exitCode).toBeUndefined()
    // The run logged in through the stand-in and pushed: secrets were really in play.
    expect(world.ecrMock.calls().length).toBeGreaterThan(0)
    const lines = written.join('').split('\n')
    expect(lines).toContain(`Logged in to ${REGISTRY}`)

    expect(leaks()).toEqual([])
    const maskOf = (secret: string): number => lines.indexOf(`::add-mask::${secret}`)
    const firstUse = lines.findIndex(
      line => line.startsWith('[command]') || line.startsWith('Logged in to')
    )
    expect(maskOf(ECR_PASSWORD)).toBeGreaterThanOrEqual(0)
    expect(maskOf(ECR_TOKEN)).toBeGreaterThanOrEqual(0)
    expect(maskOf(ECR_PASSWORD)).toBeLessThan(firstUse)
    expect(maskOf(ECR_TOKEN)).toBeLessThan(firstUse)
  })

  test('deploy that fails after the login: the error path leaks nothing either', async () => {
    setInputs(DEPLOY_INPUTS)
    await runWith({ FAKE_PUSH_FAILS: '1' })
    expect(process.exitCode).toBe(1)
    expect(written.join('')).toContain('::error::docker push of')
    expect(leaks()).toEqual([])
  })

  test.each<[string, Record<string, string>]>([
    ['verify', { mode: 'verify' }],
    ['rollback', { mode: 'rollback', 'rollback-to': '40', 'dry-run': 'true' }],
    ['deploy dry-run', { 'dry-run': 'true' }]
  ])('%s: nothing leaks', async (_mode, inputs) => {
    setInputs({ ...DEPLOY_INPUTS, ...inputs })
    await runWith()
    expect(written.join('').length).toBeGreaterThan(0)
    expect(leaks()).toEqual([])
  })

  test.each([[{}], [{ FAKE_PUSH_FAILS: '1' }]])(
    'no ECR credential is left in any Docker config after the step (%o)',
    async extraEnv => {
      setInputs(DEPLOY_INPUTS)
      await runWith(extraEnv)
      // The private config the login wrote is gone; the user's config is as it was.
      expect(readdirSync(join(dir, 'temp'))).toEqual([])
      expect(JSON.parse(readFileSync(join(dir, 'home-docker', 'config.json'), 'utf8'))).toEqual({
        credsStore: 'desktop',
        auths: { 'ghcr.io': { auth: OTHER_REGISTRY_AUTH } }
      })
      expect(leaks()).toEqual([])
    }
  )
})
