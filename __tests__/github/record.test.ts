import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DescribeTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import {
  describeGitHubError,
  finalStatus,
  finishDeploymentRecord,
  isSameService,
  planRecord,
  replacedDeployments,
  serviceConsoleUrl,
  startDeploymentRecord,
  type DeploymentRecord,
  type RecordSettings
} from '../../src/github/record.js'
import type { Deps } from '../../src/deps.js'
import { parseInputs } from '../../src/inputs/inputs.js'
import { recordSettings } from '../../src/inputs/policy.js'
import { run } from '../../src/main.js'
import type { PlannedMove, Revision } from '../../src/model/move.js'
import { fromFlat, type FlatService } from '../../test/support/results.js'
import { newResult, type RunResult } from '../../src/model/result.js'
import { FakeGitHubApi } from '../../test/support/github-api.js'
import { NEW_DIGEST, OLD_DIGEST, REPOSITORY_URI, arn } from '../../test/support/task-definitions.js'
import { NEW, OLD, TODAY_TAG, deployWorld } from '../../test/support/deploy-world.js'
import { task } from '../../test/support/ecs-answers.js'
import { FakeClock, FakeDocker } from '../../test/support/fakes.js'
import { FAMILY, rollbackWorld } from '../../test/support/verify-rollback-world.js'
import {
  digestOf,
  FakeEcs,
  revOf,
  settled,
  withImageInEcr
} from '../../test/support/scripted-ecs.js'

const TOKEN = 'ghs_fake0123456789'
const SHA = '0123456789abcdef0123456789abcdef01234567'
const DIGEST = `sha256:${'ab'.repeat(32)}`
const NEW_ARN = 'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:42'
const OLD_ARN = 'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:41'
const URI = '123456789012.dkr.ecr.eu-north-1.amazonaws.com/babyshield-backend'

function inputsOf(overrides: Record<string, string> = {}): RecordSettings {
  const values: Record<string, string> = {
    cluster: 'babyshield-cluster',
    service: 'babyshield-backend-service',
    'ecr-repository': 'babyshield-backend',
    'aws-region': 'eu-north-1',
    'github-token': TOKEN,
    ...overrides
  }
  return recordSettings(parseInputs(name => values[name] ?? ''))
}

function envFor(api: FakeGitHubApi | undefined): NodeJS.ProcessEnv {
  return {
    GITHUB_REPOSITORY: 'babyshield/backend',
    GITHUB_SHA: SHA,
    GITHUB_RUN_ID: '777',
    GITHUB_SERVER_URL: 'https://github.com',
    ...(api ? { GITHUB_API_URL: api.url } : {})
  }
}

type Fields = Partial<Omit<RunResult, 'services'>> & Partial<FlatService>

/** A one-service result; step fields and service fields given together. */
function resultOf({ mode, status, error, ...service }: Fields): RunResult {
  const result = newResult(
    mode ?? 'deploy',
    {
      region: 'eu-north-1',
      cluster: 'babyshield-cluster',
      services: ['babyshield-backend-service']
    },
    { commit: SHA, actor: 'octocat', repository: 'babyshield/backend', runUrl: '', notes: '' }
  )
  result.services = result.services.map(s => fromFlat(s, service))
  return { ...result, ...(status ? { status } : {}), ...(error ? { error } : {}) }
}

/** The final status of the one service of a result with these fields. */
function statusOf(fields: Fields) {
  const result = resultOf(fields)
  return finalStatus(result, result.services[0]!)
}

function finish(record: DeploymentRecord | undefined, fields: Fields): Promise<void> {
  const result = resultOf(fields)
  return finishDeploymentRecord(record, result, result.services[0]!)
}

/** A rollout's fields as the cases give them: what it rolls out, flat, and what ran before. */
type Rolling = Partial<Revision> & { previousTaskDefinitionArn?: string; commit?: string }

/** A rollout as the mode hands it over just before UpdateService. */
function rollingOf(fields: Rolling): PlannedMove {
  const { previousTaskDefinitionArn, commit, ...to } = fields
  return {
    service: 'babyshield-backend-service',
    containerName: 'api',
    from: { taskDefinitionArn: previousTaskDefinitionArn ?? '' },
    to: { taskDefinitionArn: '', ...to },
    strategy: 'ROLLING',
    ...(commit !== undefined ? { commit } : {})
  }
}

const ROLLING = rollingOf({
  image: `${URI}@${DIGEST}`,
  digest: DIGEST,
  tag: 'production-fixed-20261126',
  taskDefinitionArn: NEW_ARN,
  previousTaskDefinitionArn: OLD_ARN
})

/** What the action printed, as workflow commands: `::warning::…` lines among them. */
function printed(): string {
  return vi
    .mocked(process.stdout.write)
    .mock.calls.map(call => String(call[0]))
    .join('')
}

function warnings(): string[] {
  return printed()
    .split(/\r?\n/)
    .filter(line => line.startsWith('::warning'))
}

beforeEach(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
})

describe('planRecord', () => {
  test.each([
    ['no github-token', { 'github-token': '' }],
    ['verify mode', { mode: 'verify' }],
    ['dry-run', { 'dry-run': 'true' }]
  ])('%s: nothing is recorded and nothing is said', (_name, overrides) => {
    expect(planRecord(inputsOf(overrides), envFor(undefined), ROLLING)).toEqual({ kind: 'skip' })
  })

  test.each([
    ['GITHUB_REPOSITORY', { GITHUB_REPOSITORY: '' }, /GITHUB_REPOSITORY is not set/],
    ['GITHUB_REPOSITORY', { GITHUB_REPOSITORY: 'a/b/c' }, /GITHUB_REPOSITORY is not set/],
    ['GITHUB_SHA', { GITHUB_SHA: '' }, /GITHUB_SHA is not set/]
  ])('without %s the record is skipped with a warning', (_name, env, warning) => {
    const plan = planRecord(inputsOf(), { ...envFor(undefined), ...env }, ROLLING)
    expect(plan.kind).toBe('skip')
    expect(plan.kind === 'skip' && plan.warning).toMatch(warning)
  })

  test('a deploy to production: the request GitHub gets, with what is rolled out', () => {
    const plan = planRecord(
      inputsOf({ tag: 'production-fixed-20261126', 'deployment-notes': 'fix #12' }),
      envFor(undefined),
      ROLLING
    )
    expect(plan).toEqual({
      kind: 'record',
      owner: 'babyshield',
      repo: 'backend',
      environmentUrl:
        'https://eu-north-1.console.aws.amazon.com/ecs/v2/clusters/babyshield-cluster/services/babyshield-backend-service/health?region=eu-north-1',
      logUrl: 'https://github.com/babyshield/backend/actions/runs/777',
      request: {
        ref: SHA,
        task: 'deploy',
        environment: 'production',
        auto_merge: false,
        required_contexts: [],
        transient_environment: false,
        production_environment: true,
        description: 'deploy babyshield-backend-service in babyshield-cluster (eu-north-1)',
        payload: {
          mode: 'deploy',
          cluster: 'babyshield-cluster',
          service: 'babyshield-backend-service',
          region: 'eu-north-1',
          image: `${URI}@${DIGEST}`,
          digest: DIGEST,
          taskDefinitionArn: NEW_ARN,
          previousTaskDefinitionArn: OLD_ARN,
          tag: 'production-fixed-20261126',
          notes: 'fix #12'
        }
      }
    })
  })

  test.each([
    ['production', true],
    ['Production', true],
    ['staging', false],
    ['production-eu', false]
  ])('environment %s: production_environment is %s', (environment, production) => {
    const plan = planRecord(inputsOf({ environment }), envFor(undefined), ROLLING)
    expect(plan.kind === 'record' && plan.request.production_environment).toBe(production)
  })

  const pinned = { image: `${URI}@${DIGEST}`, digest: DIGEST }
  test.each<[string, Record<string, string>, Rolling, Record<string, unknown>]>([
    [
      'deploy',
      { image: 'production-fixed-20261125' },
      { ...pinned, tag: 'production-fixed-20261125', taskDefinitionArn: NEW_ARN },
      { tag: 'production-fixed-20261125', taskDefinitionArn: NEW_ARN }
    ],
    [
      'rollback',
      { 'rollback-to': 'previous' },
      { ...pinned, taskDefinitionArn: OLD_ARN, previousTaskDefinitionArn: NEW_ARN },
      { tag: null, taskDefinitionArn: OLD_ARN, previousTaskDefinitionArn: NEW_ARN }
    ],
    [
      'rollback',
      { 'rollback-to': 'production-fixed-20261120' },
      { ...pinned, tag: 'production-fixed-20261120', taskDefinitionArn: NEW_ARN },
      { tag: 'production-fixed-20261120', taskDefinitionArn: NEW_ARN }
    ],
    [
      'deploy',
      {},
      { ...pinned, tag: '', taskDefinitionArn: NEW_ARN, previousTaskDefinitionArn: '' },
      { tag: null, previousTaskDefinitionArn: null }
    ]
  ])('%s %o: the payload says what is rolled out', (mode, overrides, rolling, expected) => {
    const plan = planRecord(inputsOf({ mode, ...overrides }), envFor(undefined), rollingOf(rolling))
    expect(plan.kind === 'record' && plan.request.task).toBe(mode)
    expect(plan.kind === 'record' && plan.request.payload).toMatchObject({
      mode,
      ...pinned,
      ...expected
    })
  })
})

describe('serviceConsoleUrl', () => {
  test.each([
    ['babyshield-cluster', 'babyshield-backend-service'],
    [
      'arn:aws:ecs:eu-north-1:123456789012:cluster/babyshield-cluster',
      'arn:aws:ecs:eu-north-1:123456789012:service/babyshield-cluster/babyshield-backend-service'
    ]
  ])('names or ARNs (%s) give the same page', (cluster, service) => {
    expect(serviceConsoleUrl('eu-north-1', cluster, service)).toBe(
      'https://eu-north-1.console.aws.amazon.com/ecs/v2/clusters/babyshield-cluster/services/babyshield-backend-service/health?region=eu-north-1'
    )
  })
})

describe('finalStatus', () => {
  test.each<[string, Fields, string, RegExp]>([
    [
      'verified deploy',
      { status: 'succeeded', verified: true, digest: DIGEST, taskDefinitionArn: NEW_ARN },
      'success',
      /^verified: babyshield-backend-task:42 runs sha256:abababababab$/
    ],
    [
      'deploy without wait',
      { status: 'succeeded', verified: false, digest: DIGEST, taskDefinitionArn: NEW_ARN },
      'success',
      /^babyshield-backend-task:42 runs sha256:abababababab$/
    ],
    [
      'failed and rolled back',
      {
        status: 'failed',
        rolledBack: true,
        taskDefinitionArn: OLD_ARN,
        error: 'rollout FAILED: tasks kept stopping'
      },
      'failure',
      /^failed; rolled back to babyshield-backend-task:41: rollout FAILED: tasks kept stopping$/
    ],
    ['failed without message', { status: 'failed' }, 'failure', /^failed: deploy failed$/],
    [
      'started with wait: false: still in progress, not a success nobody checked',
      { status: 'started', taskDefinitionArn: NEW_ARN },
      'in_progress',
      /^started, not watched or verified by this step \(wait: false\): babyshield-backend-task:42 rolling out$/
    ]
  ])('%s', (_name, fields, state, description) => {
    const status = statusOf(fields)
    expect(status.state).toBe(state)
    expect(status.description).toMatch(description)
  })

  test('a long error is cut to the 140 characters GitHub takes, on one line', () => {
    const status = statusOf({ status: 'failed', error: `line one\n${'x'.repeat(300)}` })
    expect(status.description).toHaveLength(140)
    expect(status.description).not.toContain('\n')
    expect(status.description.endsWith('...')).toBe(true)
  })
})

describe('replacedDeployments', () => {
  const ours = { id: 9, cluster: 'c', service: 's' }
  test.each<[string, { id: number; payload: unknown; latestState: string | undefined }, boolean]>([
    [
      'same service, success',
      { id: 1, payload: { cluster: 'c', service: 's' }, latestState: 'success' },
      true
    ],
    [
      'payload as JSON text',
      { id: 2, payload: '{"cluster":"c","service":"s"}', latestState: 'success' },
      true
    ],
    ['failed', { id: 3, payload: { cluster: 'c', service: 's' }, latestState: 'failure' }, false],
    [
      'already inactive',
      { id: 4, payload: { cluster: 'c', service: 's' }, latestState: 'inactive' },
      false
    ],
    [
      'no status',
      { id: 5, payload: { cluster: 'c', service: 's' }, latestState: undefined },
      false
    ],
    [
      'other service',
      { id: 6, payload: { cluster: 'c', service: 'other' }, latestState: 'success' },
      false
    ],
    [
      'other cluster',
      { id: 7, payload: { cluster: 'x', service: 's' }, latestState: 'success' },
      false
    ],
    ['no payload', { id: 8, payload: '', latestState: 'success' }, false],
    ['ours', { id: 9, payload: { cluster: 'c', service: 's' }, latestState: 'success' }, false]
  ])('%s', (_name, deployment, replaced) => {
    expect(replacedDeployments([deployment], ours)).toEqual(replaced ? [deployment.id] : [])
  })

  test('isSameService reads a payload that is not JSON as no match', () => {
    expect(isSameService('not json', ours)).toBe(false)
  })
})

describe('describeGitHubError', () => {
  test('a thrown string is reported as unreachable, not as an answer', () => {
    expect(describeGitHubError('boom', 'o/r')).toBe('the GitHub API could not be reached: boom')
  })
})

describe('recording against the GitHub REST API', () => {
  let api: FakeGitHubApi

  beforeEach(async () => {
    api = new FakeGitHubApi(TOKEN)
    await api.start()
  })

  afterEach(async () => {
    await api.stop()
  })

  test('a successful deploy: created, in_progress, success, and the replaced one inactive', async () => {
    const previous = api.seed(
      { payload: { cluster: 'babyshield-cluster', service: 'babyshield-backend-service' } },
      ['in_progress', 'success']
    )
    const otherService = api.seed(
      { payload: { cluster: 'babyshield-cluster', service: 'babyshield-frontend-service' } },
      ['success']
    )
    const failedEarlier = api.seed(
      { payload: { cluster: 'babyshield-cluster', service: 'babyshield-backend-service' } },
      ['failure']
    )

    const record = await startDeploymentRecord(
      inputsOf({ 'deployment-notes': 'fix #12' }),
      envFor(api),
      ROLLING
    )
    expect(record).toBeDefined()
    const created = api.deployments.find(d => d.id === record?.id)
    expect(created).toMatchObject({
      ref: SHA,
      task: 'deploy',
      environment: 'production',
      production_environment: true,
      transient_environment: false,
      auto_merge: false,
      required_contexts: [],
      payload: {
        cluster: 'babyshield-cluster',
        image: `${URI}@${DIGEST}`,
        digest: DIGEST,
        taskDefinitionArn: NEW_ARN,
        previousTaskDefinitionArn: OLD_ARN,
        notes: 'fix #12'
      }
    })
    expect(api.statuses.at(-1)).toMatchObject({
      deployment_id: record?.id,
      state: 'in_progress',
      log_url: 'https://github.com/babyshield/backend/actions/runs/777',
      environment_url: expect.stringContaining(
        'console.aws.amazon.com/ecs/v2/clusters/babyshield-cluster/services/babyshield-backend-service'
      ) as unknown,
      auto_inactive: false
    })
    expect(api.requests.every(r => r.authorization === `token ${TOKEN}`)).toBe(true)

    await finish(record, {
      status: 'succeeded',
      verified: true,
      digest: DIGEST,
      taskDefinitionArn: NEW_ARN
    })
    expect(api.statusesOf(record?.id ?? 0)).toEqual(['in_progress', 'success'])
    expect(
      api.statuses.find(s => s.state === 'success' && s.deployment_id === record?.id)?.description
    ).toBe('verified: babyshield-backend-task:42 runs sha256:abababababab')
    expect(api.statusesOf(previous)).toEqual(['in_progress', 'success', 'inactive'])
    expect(api.statusesOf(otherService)).toEqual(['success'])
    expect(api.statusesOf(failedEarlier)).toEqual(['failure'])
    expect(warnings()).toEqual([])
  })

  test("the replaced deployment's inactive status keeps its own run's log link, or none", async () => {
    const oldRun = 'https://github.com/babyshield/backend/actions/runs/100'
    const withLog = api.seed(
      { payload: { cluster: 'babyshield-cluster', service: 'babyshield-backend-service' } },
      ['success'],
      oldRun
    )
    const record = await startDeploymentRecord(inputsOf(), envFor(api), ROLLING)
    await finish(record, { status: 'succeeded', digest: DIGEST, taskDefinitionArn: NEW_ARN })
    expect(api.statusesOf(withLog)).toEqual(['success', 'inactive'])
    expect(api.logUrlsOf(withLog)).toEqual([oldRun, oldRun])
    // One page of the environment's newest deployments, GitHub's largest.
    const listed = api.requests.find(r => r.method === 'GET' && r.path.endsWith('/deployments'))
    expect(listed?.query.get('per_page')).toBe('100')
    expect(listed?.query.get('environment')).toBe('production')
  })

  test("a replaced deployment whose status has no log link gets none, not this run's", async () => {
    const without = api.seed(
      { payload: { cluster: 'babyshield-cluster', service: 'babyshield-backend-service' } },
      ['success']
    )
    const record = await startDeploymentRecord(inputsOf(), envFor(api), ROLLING)
    await finish(record, { status: 'succeeded', digest: DIGEST, taskDefinitionArn: NEW_ARN })
    expect(api.logUrlsOf(without)).toEqual(['', ''])
  })

  test('a failed deploy: failure, and the deployment that still runs stays active', async () => {
    const previous = api.seed(
      { payload: { cluster: 'babyshield-cluster', service: 'babyshield-backend-service' } },
      ['success']
    )
    const record = await startDeploymentRecord(inputsOf(), envFor(api), ROLLING)
    await finish(record, {
      status: 'failed',
      rolledBack: true,
      taskDefinitionArn: OLD_ARN,
      error: 'rollout FAILED'
    })
    expect(api.statusesOf(record?.id ?? 0)).toEqual(['in_progress', 'failure'])
    expect(api.statusesOf(previous)).toEqual(['success'])
  })

  test('a rollback is recorded for the commit of the revision it returns to, when the revision says', async () => {
    const restored = 'fedcba9876543210fedcba9876543210fedcba98'
    const record = await startDeploymentRecord(
      inputsOf({ mode: 'rollback' }),
      envFor(api),
      rollingOf({ ...ROLLING, commit: restored })
    )
    expect(api.deployments.find(d => d.id === record?.id)?.ref).toBe(restored)
    // A deploy is of the commit being run, whatever the revision says.
    const deployed = await startDeploymentRecord(
      inputsOf(),
      envFor(api),
      rollingOf({ ...ROLLING, commit: restored })
    )
    expect(api.deployments.find(d => d.id === deployed?.id)?.ref).toBe(SHA)
  })

  test('a rollback is recorded with task rollback in a non-production environment', async () => {
    const record = await startDeploymentRecord(
      inputsOf({ mode: 'rollback', environment: 'staging' }),
      envFor(api),
      ROLLING
    )
    expect(api.deployments.find(d => d.id === record?.id)).toMatchObject({
      task: 'rollback',
      environment: 'staging',
      production_environment: false
    })
  })

  test('verify and dry-run runs send nothing to GitHub', async () => {
    expect(
      await startDeploymentRecord(inputsOf({ mode: 'verify' }), envFor(api), ROLLING)
    ).toBeUndefined()
    expect(
      await startDeploymentRecord(inputsOf({ 'dry-run': 'true' }), envFor(api), ROLLING)
    ).toBeUndefined()
    expect(api.requests).toEqual([])
  })

  test.each([403, 404] as const)(
    'a token without rights (%i) is a warning, never a failure, and never shows the token',
    async status => {
      api.refuseWith = status
      const record = await startDeploymentRecord(inputsOf(), envFor(api), ROLLING)
      expect(record).toBeUndefined()
      const [warning, ...more] = warnings()
      expect(more).toEqual([])
      expect(warning).toContain(
        `Could not record the deploy as a GitHub deployment: GitHub answered ${status}`
      )
      expect(warning).toContain('permissions: deployments: write')
      expect(warning).toContain('The deploy goes on without one.')
      expect(printed()).not.toContain(TOKEN)
      await expect(finish(record, { status: 'succeeded' })).resolves.toBeUndefined()
      expect(api.requests).toHaveLength(1)
    }
  )

  test('a refusal when the final status is set is a warning', async () => {
    const record = await startDeploymentRecord(inputsOf(), envFor(api), ROLLING)
    expect(record).toBeDefined()
    api.refuseWith = 403
    await finish(record, { status: 'succeeded' })
    expect(warnings()).toEqual([
      expect.stringContaining(
        `Could not set GitHub deployment ${record?.id} to success: GitHub answered 403`
      )
    ])
  })

  test('a server error is a warning that gives the status', async () => {
    api.refuseWith = 500
    expect(await startDeploymentRecord(inputsOf(), envFor(api), ROLLING)).toBeUndefined()
    expect(warnings()).toEqual([expect.stringContaining('GitHub answered 500: Server Error')])
  })

  test('an API that does not answer in time is a warning', async () => {
    api.stall = true
    const started = Date.now()
    expect(await startDeploymentRecord(inputsOf(), envFor(api), ROLLING, 200)).toBeUndefined()
    expect(Date.now() - started).toBeLessThan(5000)
    expect(warnings()).toEqual([expect.stringContaining('the GitHub API did not answer in time')])
  })
})

describe('run() records around the rollout', () => {
  let api: FakeGitHubApi

  beforeEach(async () => {
    api = new FakeGitHubApi(TOKEN)
    await api.start()
    const dir = mkdtempSync(join(tmpdir(), 'runner-'))
    writeFileSync(join(dir, 'output'), '')
    writeFileSync(join(dir, 'summary'), '')
    vi.stubEnv('GITHUB_OUTPUT', join(dir, 'output'))
    vi.stubEnv('GITHUB_STEP_SUMMARY', join(dir, 'summary'))
    process.exitCode = undefined
  })

  afterEach(async () => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
    process.exitCode = undefined
    await api.stop()
  })

  function runWith(inputs: Record<string, string>, deps: Deps): Promise<void> {
    const values: Record<string, string> = {
      cluster: 'babyshield-cluster',
      service: 'babyshield-backend-service',
      'ecr-repository': 'babyshield-backend',
      'aws-region': 'eu-north-1',
      'github-token': TOKEN,
      ...inputs
    }
    for (const [name, value] of Object.entries(values)) {
      vi.stubEnv(`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value)
    }
    return run(() => ({ ...deps, env: envFor(api) }))
  }

  /** How many deployments GitHub had each time the service was pointed at a revision. */
  function recordedAtUpdate(deps: Deps): number[] {
    const seen: number[] = []
    const update = deps.ecs.update.bind(deps.ecs)
    vi.spyOn(deps.ecs, 'update').mockImplementation((service, revision) => {
      seen.push(api.deployments.length)
      return update(service, revision)
    })
    return seen
  }

  test('several services: one GitHub deployment each, with its own revision and console page', async () => {
    const services = ['babyshield-web', 'babyshield-worker']
    const ecs = withImageInEcr(
      new FakeEcs(Object.fromEntries(services.map(name => [name, settled(name)])))
    )
    ecs.deps.docker = new FakeDocker('')
    await runWith({ service: services.join('\n'), image: digestOf(13) }, ecs.deps)

    expect(process.exitCode).toBeUndefined()
    expect(api.deployments.map(d => (d.payload as { service: string }).service)).toEqual(services)
    for (const [i, name] of services.entries()) {
      const created = api.deployments[i]
      expect(created?.payload).toMatchObject({
        service: name,
        taskDefinitionArn: revOf(name, 13),
        previousTaskDefinitionArn: revOf(name, 12),
        digest: digestOf(13)
      })
      expect(api.statusesOf(created?.id ?? 0)).toEqual(['in_progress', 'success'])
      const success = api.statuses.find(
        s => s.deployment_id === created?.id && s.state === 'success'
      )
      expect(success?.environment_url).toContain(`/services/${name}/health`)
    }
  })

  test('a deploy is recorded just before UpdateService, with what it rolls out, then success', async () => {
    const world = deployWorld()
    const seen = recordedAtUpdate(world.deps)
    await runWith({ image: TODAY_TAG, 'deployment-notes': 'fix #12' }, world.deps)

    expect(process.exitCode).toBeUndefined()
    expect(world.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1)
    expect(seen).toEqual([1])
    expect(api.deployments).toHaveLength(1)
    const [created] = api.deployments
    expect(created).toMatchObject({
      task: 'deploy',
      environment: 'production',
      payload: {
        mode: 'deploy',
        cluster: 'babyshield-cluster',
        service: 'babyshield-backend-service',
        region: 'eu-north-1',
        image: `${REPOSITORY_URI}@${NEW_DIGEST}`,
        digest: NEW_DIGEST,
        taskDefinitionArn: NEW,
        previousTaskDefinitionArn: OLD,
        tag: TODAY_TAG,
        notes: 'fix #12'
      }
    })
    expect(api.statusesOf(created?.id ?? 0)).toEqual(['in_progress', 'success'])
    expect(api.statuses.at(-1)?.description).toBe(
      `verified: babyshield-backend-task:42 runs ${NEW_DIGEST.slice(0, 19)}`
    )
  })

  test('a deploy that fails after the rollout started: failure with its message', async () => {
    const world = deployWorld()
    world.ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [task('t1', NEW, 'api', OLD_DIGEST), task('t2', NEW, 'api', OLD_DIGEST)]
    })
    await runWith({ image: TODAY_TAG }, world.deps)

    expect(process.exitCode).toBe(1)
    expect(api.deployments).toHaveLength(1)
    const id = api.deployments[0]?.id ?? 0
    expect(api.statusesOf(id)).toEqual(['in_progress', 'failure'])
    expect(api.statuses.at(-1)?.description).toMatch(
      /^failed; rolled back to babyshield-backend-task:41: The rollout of babyshield-backend-task:42 completed but verification failed/
    )
  })

  test('a deploy that fails before any rollout records nothing: nothing was deployed', async () => {
    const deps = {
      docker: new FakeDocker(''),
      clock: new FakeClock(),
      env: {},
      ecr: {
        repository: () =>
          Promise.reject(new Error('Could not find ECR repository babyshield-backend'))
      }
    } as unknown as Deps
    await runWith({}, deps)
    expect(process.exitCode).toBe(1)
    expect(api.requests).toEqual([])
    expect(warnings()).toEqual([])
  })

  test('a rollback is recorded with the revision it returns to', async () => {
    const target = arn(FAMILY, 38)
    const world = rollbackWorld({ arn: target, digest: NEW_DIGEST })
    const seen = recordedAtUpdate(world.deps)
    await runWith({ mode: 'rollback', 'rollback-to': 'previous' }, world.deps)

    expect(process.exitCode).toBeUndefined()
    expect(seen).toEqual([1])
    const [created] = api.deployments
    expect(created).toMatchObject({
      task: 'rollback',
      payload: {
        mode: 'rollback',
        image: `${REPOSITORY_URI}@${NEW_DIGEST}`,
        digest: NEW_DIGEST,
        taskDefinitionArn: target,
        previousTaskDefinitionArn: arn(FAMILY, 41)
      }
    })
    expect(api.statusesOf(created?.id ?? 0)).toEqual(['in_progress', 'success'])
  })

  test('a dry run records nothing', async () => {
    const world = deployWorld()
    await runWith({ image: TODAY_TAG, 'dry-run': 'true' }, world.deps)
    expect(process.exitCode).toBeUndefined()
    expect(api.requests).toEqual([])
  })

  test('a cancelled rollout still gets its final status', async () => {
    const world = deployWorld()
    const exited = new Promise<number>(resolve => {
      vi.spyOn(process, 'exit').mockImplementation(code => {
        resolve(Number(code))
        return undefined as never
      })
    })
    // The runner's signal comes while ECS is being asked to move the service; the step never
    // hears back.
    vi.spyOn(world.deps.ecs, 'update').mockImplementation(() => {
      process.emit('SIGINT')
      return new Promise(() => undefined)
    })
    void runWith({ image: TODAY_TAG }, world.deps)

    expect(await exited).toBe(1)
    expect(api.deployments).toHaveLength(1)
    const id = api.deployments[0]?.id ?? 0
    expect(api.statusesOf(id)).toEqual(['in_progress', 'failure'])
    expect(api.statuses.at(-1)?.description).toMatch(/^failed: The step was cancelled \(SIGINT\)/)
  })
})

test('an unreachable GitHub API is a warning', async () => {
  const port = await closedPort()
  const env = { ...envFor(undefined), GITHUB_API_URL: `http://127.0.0.1:${port}` }
  expect(await startDeploymentRecord(inputsOf(), env, ROLLING)).toBeUndefined()
  expect(warnings()).toEqual([
    expect.stringMatching(
      /Could not record the deploy as a GitHub deployment: the GitHub API could not be reached: .*ECONNREFUSED/
    )
  ])
})

/** A port on 127.0.0.1 that nothing listens on: taken, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}
