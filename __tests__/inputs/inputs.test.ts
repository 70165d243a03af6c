import { describe, expect, test } from 'vitest'
import { INPUT_SPECS, InputError, parseInputs } from '../../src/inputs/inputs.js'
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'

const BASE: Record<string, string> = {
  cluster: 'babyshield-cluster',
  service: 'babyshield-backend-service',
  'ecr-repository': 'babyshield-backend',
  'aws-region': 'eu-north-1'
}

function parse(overrides: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const values = { ...BASE, ...overrides }
  return parseInputs(name => values[name] ?? '', env)
}

function problemOf(overrides: Record<string, string>, env: NodeJS.ProcessEnv = {}): string {
  try {
    parse(overrides, env)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).message
  }
  throw new Error('expected the inputs to be refused')
}

describe('parseInputs defaults', () => {
  test('the design defaults apply when only the required inputs are given', () => {
    const inputs = parse({})
    expect(inputs).toEqual({
      mode: 'deploy',
      cluster: 'babyshield-cluster',
      services: ['babyshield-backend-service'],
      ecrRepository: 'babyshield-backend',
      region: 'eu-north-1',
      tag: undefined,
      tagPrefix: 'production-fixed',
      dockerfile: 'Dockerfile.final',
      context: '.',
      buildArgs: [],
      buildCache: { kind: 'default' },
      image: undefined,
      containerName: undefined,
      wait: true,
      timeoutMinutes: 15,
      pollSeconds: 5,
      rollbackOnFailure: true,
      rollbackTo: { kind: 'previous' },
      healthCheckUrl: undefined,
      logGroup: undefined,
      logsSinceMinutes: 10,
      deploymentNotes: '',
      dryRun: false,
      githubToken: undefined,
      environment: 'production',
      migrationCommand: undefined,
      migrationContainer: undefined,
      migrationTimeoutMinutes: 10,
      bakeMinutes: 5,
      bakeErrorPatterns: ['ERROR'],
      bakeErrorMin: 5,
      bakeErrorRatio: 3,
      approvePauses: false,
      pauseWatchMinutes: 2,
      testTrafficUrl: undefined,
      bake5xx: true,
      bake5xxMargin: 25,
      bakeLatency: true,
      bakeLatencyMargin: 25,
      bakeMinRequests: 300,
      bakeConfidence: 99.8,
      bakeAlarms: { names: [], prefixes: [] },
      keepRevisions: undefined,
      keepImages: undefined,
      failOnSeverity: undefined,
      allowCves: [],
      scanTimeoutMinutes: 10,
      scanUnavailable: 'fail'
    })
  })

  test.each([
    [{ 'aws-region': '' }, { AWS_REGION: 'eu-west-1' }, 'eu-west-1'],
    [{ 'aws-region': '' }, { AWS_DEFAULT_REGION: 'us-east-2' }, 'us-east-2'],
    [
      { 'aws-region': '' },
      { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-2' },
      'eu-west-1'
    ],
    [{ 'aws-region': 'eu-north-1' }, { AWS_REGION: 'eu-west-1' }, 'eu-north-1']
  ])('region from %o and %o is %s', (overrides, env, region) => {
    expect(parse(overrides, env).region).toBe(region)
  })
})

describe('parseInputs accepts', () => {
  test.each<[Record<string, string>, Record<string, unknown>]>([
    [
      { mode: 'verify', 'ecr-repository': '' },
      { mode: 'verify', ecrRepository: '' }
    ],
    [{ mode: 'rollback', 'ecr-repository': '' }, { mode: 'rollback' }],
    // The runner passes action.yml's default of an input not given: no pause is approved.
    [
      { 'pause-watch-minutes': '2', 'approve-pauses': 'false' },
      { approvePauses: false, pauseWatchMinutes: 2 }
    ],
    [
      { 'approve-pauses': 'true', 'pause-watch-minutes': '0.5' },
      { approvePauses: true, pauseWatchMinutes: 0.5 }
    ],
    [
      { tag: 'production-hotfix-20261126-issue123' },
      { tag: 'production-hotfix-20261126-issue123' }
    ],
    [
      { image: 'production-fixed-20261101' },
      { image: { kind: 'tag', tag: 'production-fixed-20261101' } }
    ],
    [
      { image: `sha256:${'c'.repeat(64)}` },
      { image: { kind: 'digest', digest: `sha256:${'c'.repeat(64)}` } }
    ],
    [{ 'build-args': 'A=1\n\nB_2=x=y\nEMPTY=' }, { buildArgs: ['A=1', 'B_2=x=y', 'EMPTY='] }],
    [
      { wait: 'False', 'dry-run': 'TRUE', 'rollback-on-failure': 'false' },
      { wait: false, dryRun: true, rollbackOnFailure: false }
    ],
    [
      { 'timeout-minutes': '0.5', 'poll-seconds': '2', 'logs-since-minutes': '0' },
      { timeoutMinutes: 0.5, pollSeconds: 2, logsSinceMinutes: 0 }
    ],
    [{ 'rollback-to': '40' }, { rollbackTo: { kind: 'revision', revision: 40 } }],
    [
      {
        'rollback-to':
          'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:40'
      },
      {
        rollbackTo: {
          kind: 'arn',
          arn: 'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:40'
        }
      }
    ],
    [
      { 'rollback-to': `sha256:${'d'.repeat(64)}` },
      { rollbackTo: { kind: 'digest', digest: `sha256:${'d'.repeat(64)}` } }
    ],
    [
      { 'rollback-to': 'production-fixed-20261101' },
      { rollbackTo: { kind: 'tag', tag: 'production-fixed-20261101' } }
    ],
    [
      { 'health-check-url': 'https://api.babyshield.example/healthz' },
      { healthCheckUrl: 'https://api.babyshield.example/healthz' }
    ],
    [{ 'log-group': '/ecs/babyshield-backend' }, { logGroup: '/ecs/babyshield-backend' }],
    [
      { cluster: 'arn:aws:ecs:eu-north-1:123456789012:cluster/babyshield-cluster' },
      { cluster: 'arn:aws:ecs:eu-north-1:123456789012:cluster/babyshield-cluster' }
    ],
    [
      { 'deployment-notes': '  Fix #123: <b>recall</b> feed\n' },
      { deploymentNotes: 'Fix #123: <b>recall</b> feed' }
    ],
    [{ 'container-name': 'api' }, { containerName: 'api' }],
    [
      { dockerfile: 'docker/Dockerfile.final', context: 'backend' },
      { dockerfile: 'docker/Dockerfile.final', context: 'backend' }
    ],
    [
      { environment: 'staging', 'github-token': 'ghs_abc' },
      { environment: 'staging', githubToken: 'ghs_abc' }
    ],
    [
      { 'migration-command': '  alembic upgrade head\n', 'migration-timeout-minutes': '25' },
      { migrationCommand: ['alembic', 'upgrade', 'head'], migrationTimeoutMinutes: 25 }
    ],
    [
      { 'migration-command': '["python", "manage.py", "migrate"]', 'migration-container': 'api' },
      { migrationCommand: ['python', 'manage.py', 'migrate'], migrationContainer: 'api' }
    ],
    // wait: false or another mode watches no bake: its length is not checked against the job.
    [{ 'bake-minutes': '120', 'timeout-minutes': '120', wait: 'false' }, { bakeMinutes: 120 }],
    [{ 'bake-minutes': '0', 'poll-seconds': '60' }, { bakeMinutes: 0 }],
    [
      { 'bake-error-patterns': '?ERROR ?Traceback\n"HTTP 500"', 'bake-error-ratio': '2.5' },
      { bakeErrorPatterns: ['?ERROR ?Traceback', '"HTTP 500"'], bakeErrorRatio: 2.5 }
    ],
    // A reusable workflow passes every input: a time limit without a migration is harmless.
    [{ 'migration-timeout-minutes': '10' }, { migrationCommand: undefined }]
  ])('%o', (overrides, expected) => {
    expect(parse(overrides)).toMatchObject(expected)
  })
})

describe('parseInputs refuses, naming the input and the expected form', () => {
  test.each<[string, Record<string, string>, NodeJS.ProcessEnv, string]>([
    [
      'tag latest',
      { tag: 'latest' },
      {},
      "tag 'latest' is not allowed: production images are pinned by digest; use production-fixed-YYYYMMDD"
    ],
    ['tag LATEST', { tag: 'LATEST' }, {}, "tag 'LATEST' is not allowed"],
    [
      'deprecated Dockerfile',
      { dockerfile: 'Dockerfile.backend' },
      {},
      "dockerfile 'Dockerfile.backend' is deprecated; use Dockerfile.final"
    ],
    [
      'deprecated Dockerfile in a folder',
      { dockerfile: 'backend/Dockerfile.backend' },
      {},
      'is deprecated; use Dockerfile.final'
    ],
    [
      'unknown mode',
      { mode: 'destroy' },
      {},
      "mode 'destroy' is not known: expected one of deploy, verify, rollback"
    ],
    [
      'negative timeout',
      { 'timeout-minutes': '-5' },
      {},
      "timeout-minutes '-5' is not valid: expected a number more than 0"
    ],
    ['zero timeout', { 'timeout-minutes': '0' }, {}, "timeout-minutes '0' is not valid"],
    [
      'timeout not a number',
      { 'timeout-minutes': '10m' },
      {},
      "timeout-minutes '10m' is not valid"
    ],
    [
      'poll too fast',
      { 'poll-seconds': '0' },
      {},
      "poll-seconds '0' is not valid: expected a number at least 1"
    ],
    [
      'logs since negative',
      { 'logs-since-minutes': '-1' },
      {},
      "logs-since-minutes '-1' is not valid"
    ],
    [
      'malformed URL',
      { 'health-check-url': 'not a url' },
      {},
      "health-check-url 'not a url' is not valid: expected an http:// or https:// URL"
    ],
    ['ftp URL', { 'health-check-url': 'ftp://host/x' }, {}, 'health-check-url'],
    [
      'URL over 2048 characters',
      { 'health-check-url': `https://a.example/${'x'.repeat(2048)}` },
      {},
      'of at most 2048 characters'
    ],
    ['tag with a space', { tag: 'prod fixed' }, {}, "tag 'prod fixed' is not a valid Docker tag"],
    ['tag with a colon', { tag: 'a:b' }, {}, 'is not a valid Docker tag'],
    ['tag starting with a dot', { tag: '.hidden' }, {}, 'is not a valid Docker tag'],
    ['tag of 129 characters', { tag: 'a'.repeat(129) }, {}, 'is not a valid Docker tag'],
    ['tag with shell metacharacters', { tag: 'x;rm -rf /' }, {}, 'is not a valid Docker tag'],
    ['tag with a newline', { tag: 'a\nb' }, {}, 'is not a valid Docker tag'],
    ['missing cluster', { cluster: '' }, {}, 'cluster is required'],
    ['missing service', { service: '' }, {}, 'service is required'],
    ['cluster with a slash', { cluster: 'a/b' }, {}, "cluster 'a/b' is not valid"],
    [
      'deploy without repository',
      { 'ecr-repository': '' },
      {},
      'ecr-repository is required in deploy mode'
    ],
    [
      'repository URI instead of name',
      { 'ecr-repository': '123456789012.dkr.ecr.eu-north-1.amazonaws.com/x' },
      {},
      'not a URI'
    ],
    [
      'repository in upper case',
      { 'ecr-repository': 'BabyShield' },
      {},
      "ecr-repository 'BabyShield' is not valid"
    ],
    ['no region anywhere', { 'aws-region': '' }, {}, 'aws-region is required'],
    ['malformed region', { 'aws-region': 'europe' }, {}, "aws-region 'europe' is not valid"],
    ['boolean typo', { wait: 'yes' }, {}, "wait 'yes' is not a boolean: expected true or false"],
    ['dry-run typo', { 'dry-run': 'ture' }, {}, "dry-run 'ture' is not a boolean"],
    [
      'rollback-on-failure typo',
      { 'rollback-on-failure': '1' },
      {},
      "rollback-on-failure '1' is not a boolean"
    ],
    [
      'build arg without =',
      { 'build-args': 'JUST_A_KEY' },
      {},
      "build-args line 'JUST_A_KEY' is not valid: expected KEY=VALUE"
    ],
    ['build arg with a bad key', { 'build-args': '$(id)=1' }, {}, 'build-args line'],
    ['image latest', { image: 'latest' }, {}, "image 'latest' is not allowed"],
    ['image short digest', { image: 'sha256:abc' }, {}, "image 'sha256:abc' is not a valid digest"],
    [
      'rollback-to nonsense',
      { 'rollback-to': 'arn:aws:ecs:bad' },
      {},
      "rollback-to 'arn:aws:ecs:bad' is not valid: expected 'previous', a revision number"
    ],
    ['rollback-to zero', { 'rollback-to': '0' }, {}, "rollback-to '0' is not valid"],
    [
      'rollback by tag without repository',
      { mode: 'rollback', 'rollback-to': 'production-fixed-20261101', 'ecr-repository': '' },
      {},
      'ecr-repository is required when rollback-to is a tag or a digest'
    ],
    [
      'verify by tag without repository',
      { mode: 'verify', tag: 'production-fixed-20261101', 'ecr-repository': '' },
      {},
      'ecr-repository is required when verify is given a tag'
    ],
    ['tag and image disagree', { tag: 'a1', image: 'b2' }, {}, "tag 'a1' and image 'b2' disagree"],
    ['tag-prefix ending in -', { 'tag-prefix': 'prod-' }, {}, "tag-prefix 'prod-' is not valid"],
    ['log group with spaces', { 'log-group': 'my logs' }, {}, "log-group 'my logs' is not valid"],
    [
      'huge notes',
      { 'deployment-notes': 'x'.repeat(2001) },
      {},
      'deployment-notes is too long (2001 characters): at most 2000'
    ],
    [
      'container name with a space',
      { 'container-name': 'my api' },
      {},
      "container-name 'my api' is not valid"
    ],
    ['environment with a newline', { environment: 'prod\nuction' }, {}, 'environment'],
    [
      'context with a newline',
      { context: 'a\nb' },
      {},
      "context 'a b' is not valid: expected a path on one line"
    ],
    [
      'bake shorter than two polls',
      { 'bake-minutes': '0.1', 'poll-seconds': '5' },
      {},
      "bake-minutes '0.1' (6 s) is shorter than two polls of 5 s (poll-seconds): expected 0 (no bake) or at least 0.2 minutes"
    ],
    [
      'bake too long for a job',
      { 'bake-minutes': '120', 'timeout-minutes': '120' },
      {},
      "bake-minutes '120' leaves no room to roll back: the rollout (timeout-minutes 120), the bake and a rollback after it (120) with the build would need 380 minutes, and a GitHub job runs at most 360"
    ],
    [
      'a test-traffic URL with no bake to ask it',
      { 'test-traffic-url': 'https://test.example/healthz', 'bake-minutes': '0' },
      {},
      "test-traffic-url is asked by the bake's judgement while ECS shifts test traffic to the new revision, which bake-minutes 0 leaves out: give it with a deploy that bakes (bake-minutes above 0), or leave it empty"
    ],
    [
      'a test-traffic URL in rollback mode',
      { mode: 'rollback', 'test-traffic-url': 'https://test.example/healthz' },
      {},
      'which mode rollback leaves out'
    ],
    [
      'a test-traffic URL that is no URL',
      { 'test-traffic-url': 'test listener' },
      {},
      "test-traffic-url 'test listener' is not valid: expected an http:// or https:// URL"
    ],
    [
      'approving pauses with nothing to judge them',
      { 'approve-pauses': 'true', 'bake-minutes': '0' },
      {},
      'approve-pauses continues a deployment once the release was judged at the pause, which bake-minutes 0 leaves out: give bake-minutes above 0 (and wait: true), or leave approve-pauses false'
    ],
    [
      'approving pauses in verify mode',
      { mode: 'verify', 'approve-pauses': 'true' },
      {},
      'approve-pauses continues a rollout paused at a PAUSE lifecycle hook, but verify starts none'
    ],
    [
      'a pause watch without approving pauses',
      { 'pause-watch-minutes': '3' },
      {},
      'pause-watch-minutes is given but approve-pauses is false'
    ],
    [
      'approve-pauses as yes',
      { 'approve-pauses': 'yes' },
      {},
      "approve-pauses 'yes' is not a boolean: expected true or false"
    ],
    [
      'bake-minutes over 120',
      { 'bake-minutes': '121' },
      {},
      "bake-minutes '121' is not valid: expected a number at least 0 and at most 120"
    ],
    [
      'bake-error-min zero',
      { 'bake-error-min': '0' },
      {},
      "bake-error-min '0' is not valid: expected a whole number from 1 to 100000"
    ],
    [
      'bake-error-min a fraction',
      { 'bake-error-min': '2.5' },
      {},
      "bake-error-min '2.5' is not valid: expected a whole number from 1 to 100000"
    ],
    [
      'bake-error-ratio below 1',
      { 'bake-error-ratio': '0.5' },
      {},
      "bake-error-ratio '0.5' is not valid: expected a number at least 1 and at most 1000"
    ],
    [
      'a bake pattern with an open quote',
      { 'bake-error-patterns': 'ERROR\n"HTTP 5' },
      {},
      "bake-error-patterns line '\"HTTP 5' is not a CloudWatch filter pattern: a double quote is not closed"
    ],
    [
      'migration in verify mode',
      { mode: 'verify', 'migration-command': 'alembic upgrade head' },
      {},
      "migration-command runs before a deploy's rollout, but mode is verify: leave migration-command empty in verify mode"
    ],
    [
      'migration in rollback mode',
      { mode: 'rollback', 'migration-command': 'alembic upgrade head' },
      {},
      'but mode is rollback: leave migration-command empty in rollback mode'
    ],
    [
      'migration-container alone',
      { 'migration-container': 'api' },
      {},
      'migration-container is given but migration-command is empty: give the command to run, or leave migration-container empty'
    ],
    [
      'migration-container not a name',
      { 'migration-command': 'migrate', 'migration-container': 'api;rm' },
      {},
      "migration-container 'api;rm' is not valid: expected a container name"
    ],
    [
      'an empty JSON argv',
      { 'migration-command': '[]' },
      {},
      "migration-command '[]' names no program"
    ],
    [
      'JSON that is not an array of strings',
      { 'migration-command': '["alembic", 3]' },
      {},
      'migration-command is JSON but not an array of strings: expected e.g. ["python", "manage.py", "migrate"]'
    ],
    [
      'broken JSON',
      { 'migration-command': '["alembic", "upgrade"' },
      {},
      "migration-command starts with '[' but is not JSON"
    ],
    [
      'an unclosed quote',
      { 'migration-command': "sh -c 'alembic upgrade head" },
      {},
      "migration-command has an unclosed ' in"
    ],
    [
      'two lines',
      { 'migration-command': 'alembic upgrade head\npython seed.py' },
      {},
      'migration-command has more than one line: give one command, or run several through a shell'
    ],
    [
      'a zero time limit',
      { 'migration-command': 'migrate', 'migration-timeout-minutes': '0' },
      {},
      "migration-timeout-minutes '0' is not valid"
    ],
    [
      'a time limit shorter than two polls',
      { 'migration-command': 'migrate', 'migration-timeout-minutes': '0.1', 'poll-seconds': '5' },
      {},
      "migration-timeout-minutes '0.1' (6 s) leaves no time to watch a migration polled every 5 s (poll-seconds): expected at least two polls (10 s)"
    ]
  ])('%s', (_name, overrides, env, message) => {
    expect(problemOf(overrides, env)).toContain(message)
  })

  test('every problem is reported at once', () => {
    const message = problemOf({
      tag: 'latest',
      mode: 'deploy',
      wait: 'maybe',
      'poll-seconds': '-1'
    })
    expect(message).toMatch(/^Invalid inputs:\n/)
    expect(message).toContain("tag 'latest'")
    expect(message).toContain("wait 'maybe'")
    expect(message).toContain("poll-seconds '-1'")
  })

  test('a huge value is shortened in the message', () => {
    const message = problemOf({ tag: `${'x'.repeat(500)};` })
    expect(message.length).toBeLessThan(300)
    expect(message).toContain('...')
  })
})

describe('the input specs', () => {
  const action = parseYaml(readFileSync('action.yml', 'utf8')) as {
    inputs: Record<string, { default?: string; required?: boolean }>
  }

  test('name exactly the inputs of action.yml', () => {
    expect(
      Object.values(INPUT_SPECS)
        .map(spec => spec.name)
        .sort()
    ).toEqual(Object.keys(action.inputs).sort())
  })

  test.each(Object.values(INPUT_SPECS).map(spec => [spec.name, spec.default]))(
    '%s defaults to what action.yml says',
    (name, fallback) => {
      expect(fallback).toBe(action.inputs[name]?.default ?? '')
    }
  )

  test.each(['deploy', 'verify', 'rollback'])(
    '%s: every default, passed as the runner passes it for an input not given, is accepted',
    mode => {
      const given: Record<string, string> = {
        mode,
        cluster: 'babyshield-cluster',
        service: 'babyshield-backend-service',
        'ecr-repository': 'babyshield-backend',
        'aws-region': 'eu-north-1'
      }
      const defaults = Object.fromEntries(
        Object.entries(action.inputs).map(([name, input]) => [name, String(input.default ?? '')])
      )
      const all = { ...defaults, ...given }
      expect(() => parseInputs(name => all[name] ?? '')).not.toThrow()
    }
  )
})

describe('service: one, or several deployed together', () => {
  const ARN = 'arn:aws:ecs:eu-north-1:123456789012:service/babyshield-cluster/babyshield-worker'

  test.each<[string, string[]]>([
    ['babyshield-backend-service', ['babyshield-backend-service']],
    ['babyshield-web\nbabyshield-worker', ['babyshield-web', 'babyshield-worker']],
    ['babyshield-web\r\nbabyshield-worker\n', ['babyshield-web', 'babyshield-worker']],
    ['  babyshield-web \n  babyshield-worker  ', ['babyshield-web', 'babyshield-worker']],
    ['babyshield-web, babyshield-worker', ['babyshield-web', 'babyshield-worker']],
    [`babyshield-web\n${ARN}`, ['babyshield-web', ARN]]
  ])('%j is %j', (value, services) => {
    expect(parse({ service: value }).services).toEqual(services)
  })

  test.each([
    ['babyshield-web\n\nbabyshield-worker', 'service entry 2 of 3 is empty'],
    ['babyshield-web,,babyshield-worker', 'service entry 2 of 3 is empty'],
    ['babyshield-web,', 'service entry 2 of 2 is empty'],
    [
      'babyshield-web\nbabyshield-web',
      'service names babyshield-web twice: list each service once'
    ],
    [
      `babyshield-worker\n${ARN}`,
      `service names babyshield-worker twice ('babyshield-worker' and '${ARN}')`
    ],
    ['babyshield-web\nbad name', "service entry 2 'bad name' is not valid"],
    [
      Array.from({ length: 21 }, (_, i) => `svc-${i}`).join('\n'),
      'service lists 21 services: at most 20 are deployed together by one step'
    ]
  ])('%j is refused: %s', (value, message) => {
    expect(problemOf({ service: value })).toContain(message)
  })

  test('twenty services are accepted', () => {
    const names = Array.from({ length: 20 }, (_, i) => `svc-${i}`)
    expect(parse({ service: names.join('\n') }).services).toEqual(names)
  })

  test.each(['41', 'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-web-task:41'])(
    'rollback-to %s with several services is refused: it names one family',
    target => {
      expect(
        problemOf({
          mode: 'rollback',
          service: 'babyshield-web\nbabyshield-worker',
          'rollback-to': target
        })
      ).toContain(
        `rollback-to '${target}' names one revision of one task definition family, but service lists 2 services`
      )
    }
  )

  test.each(['previous', 'production-fixed-20261120', `sha256:${'a'.repeat(64)}`])(
    'rollback-to %s with several services is accepted: it means something for each',
    target => {
      expect(
        parse({
          mode: 'rollback',
          service: 'babyshield-web\nbabyshield-worker',
          'rollback-to': target
        }).services
      ).toHaveLength(2)
    }
  )
})

describe('contradictions in the target and settings that cannot work', () => {
  const CLUSTER_ARN = 'arn:aws:ecs:us-east-1:123456789012:cluster/babyshield-cluster'
  const SERVICE_ARN = (region: string, cluster: string) =>
    `arn:aws:ecs:${region}:123456789012:service/${cluster}/babyshield-backend-service`

  test.each([
    [
      { cluster: CLUSTER_ARN },
      `cluster '${CLUSTER_ARN}' is in region us-east-1, but aws-region is eu-north-1: give the cluster of eu-north-1, or set aws-region to us-east-1`
    ],
    [
      { service: SERVICE_ARN('us-east-1', 'babyshield-cluster') },
      `service '${SERVICE_ARN('us-east-1', 'babyshield-cluster')}' is in region us-east-1, but aws-region is eu-north-1`
    ],
    [
      { service: SERVICE_ARN('eu-north-1', 'staging-cluster') },
      `service '${SERVICE_ARN('eu-north-1', 'staging-cluster')}' belongs to cluster staging-cluster, but cluster is babyshield-cluster: give a service of babyshield-cluster, or set cluster to staging-cluster`
    ],
    [
      { 'timeout-minutes': '0.05', 'poll-seconds': '5' },
      "timeout-minutes '0.05' (3 s) leaves no time to watch a rollout polled every 5 s (poll-seconds): expected a timeout of at least two polls (10 s), or a shorter poll-seconds"
    ],
    [
      { 'timeout-minutes': '0.1', 'poll-seconds': '6' },
      "timeout-minutes '0.1' (6 s) leaves no time to watch a rollout polled every 6 s (poll-seconds): expected a timeout of at least two polls (12 s), or a shorter poll-seconds"
    ]
  ])('%o is refused', (overrides, message) => {
    expect(problemOf(overrides)).toContain(message)
  })

  test('a timeout of exactly two polls is enough', () => {
    expect(
      parse({ 'bake-minutes': '0', 'timeout-minutes': '0.2', 'poll-seconds': '6' })
    ).toMatchObject({ timeoutMinutes: 0.2, pollSeconds: 6 })
  })

  test.each([
    { service: SERVICE_ARN('eu-north-1', 'babyshield-cluster') },
    {
      cluster: 'arn:aws:ecs:eu-north-1:123456789012:cluster/babyshield-cluster',
      service: SERVICE_ARN('eu-north-1', 'babyshield-cluster')
    },
    // The old ARN form names no cluster.
    { service: 'arn:aws:ecs:eu-north-1:123456789012:service/babyshield-backend-service' },
    { 'timeout-minutes': '0.25', 'poll-seconds': '1' }
  ])('%o is accepted', overrides => {
    expect(() => parse(overrides)).not.toThrow()
  })
})

describe('booleans and build-args read as @actions/core reads them', () => {
  // The runner's own readers, run on the same text: our parsers accept what they accept and
  // refuse what they refuse, with a message that names the input and the expected form.
  function withInput<T>(name: string, value: string, read: () => T): T {
    const key = `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
    process.env[key] = value
    try {
      return read()
    } finally {
      delete process.env[key]
    }
  }

  test.each(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'yes', '1', 'tRUE', 'on', 'no'])(
    "wait '%s' is what core.getBooleanInput makes of it",
    async value => {
      const core = await import('@actions/core')
      let expected: boolean | 'refused'
      try {
        expected = withInput('wait', value, () => core.getBooleanInput('wait'))
      } catch {
        expected = 'refused'
      }
      if (expected === 'refused') {
        expect(problemOf({ wait: value })).toContain(
          `wait '${value}' is not a boolean: expected true or false`
        )
      } else {
        expect(parse({ wait: value }).wait).toBe(expected)
      }
    }
  )

  test('build-args lines are the lines core.getMultilineInput gives, blank ones dropped', async () => {
    const core = await import('@actions/core')
    const text = 'PYTHON_VERSION=3.12\n\nGIT_SHA=abc123\r\nEMPTY=\n  FLAG=on  '
    const lines = withInput('build-args', text, () => core.getMultilineInput('build-args'))
    expect(lines).toEqual(['PYTHON_VERSION=3.12', 'GIT_SHA=abc123', 'EMPTY=', 'FLAG=on'])
    // Ours keeps a value's own spaces (core would trim them); the keys agree.
    expect(parse({ 'build-args': text }).buildArgs).toEqual([
      'PYTHON_VERSION=3.12',
      'GIT_SHA=abc123',
      'EMPTY=',
      'FLAG=on  '
    ])
  })
})
