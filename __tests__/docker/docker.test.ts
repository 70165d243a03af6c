import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import {
  BuildError,
  DockerCli,
  lastLines,
  buildArgv,
  digestFromPush,
  privateConfigJson,
  type BuildRequest
} from '../../src/docker/docker.js'

const REQUEST: BuildRequest = {
  image:
    '123456789012.dkr.ecr.eu-north-1.amazonaws.com/babyshield-backend:production-fixed-20261126',
  dockerfile: 'Dockerfile.final',
  context: '.',
  buildArgs: ['NODE_ENV=production', 'EMPTY='],
  labels: { 'org.opencontainers.image.revision': 'c0ffee' }
}

describe('buildArgv', () => {
  test.each([
    [
      true,
      [
        'buildx',
        'build',
        '--load',
        '--progress=plain',
        '--file',
        'Dockerfile.final',
        '--tag',
        REQUEST.image,
        '--label',
        'org.opencontainers.image.revision=c0ffee',
        '--build-arg',
        'NODE_ENV=production',
        '--build-arg',
        'EMPTY=',
        '.'
      ]
    ],
    [
      false,
      [
        'build',
        '--file',
        'Dockerfile.final',
        '--tag',
        REQUEST.image,
        '--label',
        'org.opencontainers.image.revision=c0ffee',
        '--build-arg',
        'NODE_ENV=production',
        '--build-arg',
        'EMPTY=',
        '.'
      ]
    ]
  ])('buildx %s', (buildx, argv) => {
    expect(buildArgv(REQUEST, buildx)).toEqual(argv)
  })

  test('a hostile build arg stays one argument', () => {
    const argv = buildArgv({ ...REQUEST, buildArgs: ['X=$(id); rm -rf / `x`'] }, false)
    expect(argv).toContain('X=$(id); rm -rf / `x`')
  })
})

test.each([
  [
    `production-fixed-20261126: digest: sha256:${'a'.repeat(64)} size: 528\n`,
    `sha256:${'a'.repeat(64)}`
  ],
  ['The push refers to repository [x]\nabc: Pushed\n', undefined]
])('digestFromPush', (output, digest) => {
  expect(digestFromPush(output)).toBe(digest)
})

test('privateConfigJson drops the credential store and keeps the rest', () => {
  const config = {
    credsStore: 'desktop',
    credHelpers: { 'ghcr.io': 'gh' },
    auths: { 'docker.io': {} }
  }
  expect(JSON.parse(privateConfigJson(config))).toEqual({
    credHelpers: { 'ghcr.io': 'gh' },
    auths: { 'docker.io': {} }
  })
})

/** A `docker` on PATH that records each call (argv, DOCKER_CONFIG, stdin) and answers like docker. */
function stubDocker(options: { buildx: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'docker-stub-'))
  const log = join(dir, 'calls.log')
  const script = `#!/bin/sh
stdin=""
if [ "$1" = "login" ]; then stdin=$(cat); fi
echo "argv=$* | config=$DOCKER_CONFIG | stdin=$stdin" >> "${log}"
if [ "$1" = "login" ]; then mkdir -p "$DOCKER_CONFIG"; echo '{"auths":{"x":{"auth":"c2VjcmV0"}}}' > "$DOCKER_CONFIG/config.json"; echo "Login Succeeded"; exit 0; fi
if [ "$1" = "buildx" ] && [ "$2" = "version" ]; then ${options.buildx ? 'echo "github.com/docker/buildx v0.19.0"; exit 0' : 'echo "docker: unknown command: docker buildx" >&2; exit 1'}; fi
if [ "$1" = "push" ]; then echo "The push refers to repository"; echo "tag: digest: sha256:${'f'.repeat(64)} size: 528"; exit 0; fi
exit 0
`
  writeFileSync(join(dir, 'docker'), script)
  chmodSync(join(dir, 'docker'), 0o755)
  return { dir, calls: () => readFileSync(log, 'utf8').trim().split('\n') }
}

describe('DockerCli against a stub docker', () => {
  let runnerTemp: string
  let home: string
  beforeEach(() => {
    runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'))
    home = mkdtempSync(join(tmpdir(), 'home-'))
    mkdirSync(join(home, '.docker', 'cli-plugins'), { recursive: true })
    writeFileSync(
      join(home, '.docker', 'config.json'),
      JSON.stringify({ credsStore: 'desktop', auths: { 'docker.io': {} } })
    )
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
  })

  test.each([true, false])(
    'buildx %s: password on stdin only, private config removed afterwards',
    async buildx => {
      const stub = stubDocker({ buildx })
      const env = {
        PATH: `${stub.dir}:${process.env.PATH ?? ''}`,
        RUNNER_TEMP: runnerTemp,
        DOCKER_CONFIG: join(home, '.docker')
      }
      vi.stubEnv('PATH', env.PATH)
      const docker = new DockerCli(env)

      await docker.login('123456789012.dkr.ecr.eu-north-1.amazonaws.com', 'AWS', 's3cret-password')
      await docker.build(REQUEST)
      const digest = await docker.push(REQUEST.image)
      const calls = stub.calls()
      const config = /config=(\S+)/.exec(calls[0] ?? '')?.[1] ?? ''

      expect(digest).toBe(`sha256:${'f'.repeat(64)}`)
      expect(calls[0]).toBe(
        `argv=login --username AWS --password-stdin 123456789012.dkr.ecr.eu-north-1.amazonaws.com | config=${config} | stdin=s3cret-password`
      )
      expect(calls.filter(c => c.includes('s3cret-password'))).toHaveLength(1)
      expect(config.startsWith(runnerTemp)).toBe(true)
      expect(calls.every(c => c.includes(`config=${config}`))).toBe(true)
      expect(
        calls.some(c => c.startsWith(buildx ? 'argv=buildx build --load' : 'argv=build --file'))
      ).toBe(true)
      expect(existsSync(join(config, 'cli-plugins'))).toBe(true)

      await docker.cleanup()
      expect(existsSync(config)).toBe(false)
      expect(readFileSync(join(home, '.docker', 'config.json'), 'utf8')).not.toContain('c2VjcmV0')
    }
  )

  test('a failed login says so without the password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docker-fail-'))
    writeFileSync(join(dir, 'docker'), '#!/bin/sh\ncat >/dev/null\necho "denied" >&2\nexit 1\n')
    chmodSync(join(dir, 'docker'), 0o755)
    vi.stubEnv('PATH', `${dir}:${process.env.PATH ?? ''}`)
    const docker = new DockerCli({
      PATH: `${dir}:${process.env.PATH ?? ''}`,
      RUNNER_TEMP: runnerTemp,
      HOME: home
    })
    const error = await docker
      .login('registry.example', 'AWS', 's3cret-password')
      .catch((e: unknown) => e)
    expect(String(error)).toContain('docker login to registry.example failed (exit code 1): denied')
    expect(String(error)).not.toContain('s3cret-password')
    await docker.cleanup()
  })

  test('a failed build keeps its last lines for the annotation and the summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docker-build-fail-'))
    const script = [
      '#!/bin/sh',
      'if [ "$1" = buildx ]; then exit 1; fi',
      'for i in $(seq 1 30); do echo "Step $i/30"; done',
      'echo "ERROR: failed to solve: process /bin/sh -c pip install -r requirements.txt did not complete successfully: exit code: 1" >&2',
      'exit 1'
    ].join('\n')
    writeFileSync(join(dir, 'docker'), `${script}\n`)
    chmodSync(join(dir, 'docker'), 0o755)
    vi.stubEnv('PATH', `${dir}:${process.env.PATH ?? ''}`)
    const docker = new DockerCli({
      PATH: `${dir}:${process.env.PATH ?? ''}`,
      RUNNER_TEMP: runnerTemp,
      HOME: home
    })
    const error = await docker
      .build({
        image: 'repo:tag',
        dockerfile: 'Dockerfile.final',
        context: '.',
        buildArgs: [],
        labels: {}
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BuildError)
    const lines = (error as BuildError).lines
    expect(lines).toHaveLength(20)
    expect(lines[0]).toBe('Step 12/30')
    expect(lines.at(-1)).toBe(
      'ERROR: failed to solve: process /bin/sh -c pip install -r requirements.txt did not complete successfully: exit code: 1'
    )
    expect((error as Error).message).toBe(
      'docker build of repo:tag failed (exit code 1): ERROR: failed to solve: process /bin/sh -c pip install -r requirements.txt did not complete successfully: exit code: 1; the last lines of the build are in the job summary'
    )
  })
})

test('lastLines drops colour codes and empty lines and keeps the end', () => {
  expect(lastLines('a\n\n\u001b[31mb\u001b[0m\r\nc  \n', 2)).toEqual(['b', 'c'])
})
