import { describe, expect, test } from 'vitest'
import {
  firstSentence,
  operationNamed,
  renderReport,
  sumInjected,
  verdict,
  type RunRecord
} from '../../../bench/reliability/report.js'
import { stepError, twinsDeregistered } from '../../../bench/reliability/scenarios.js'

const OLD = 'arn:aws:ecs:eu-north-1:123456789012:task-definition/api:1'
const NEW = 'arn:aws:ecs:eu-north-1:123456789012:task-definition/api:2'

function run(fields: Partial<RunRecord>): RunRecord {
  return {
    label: '1',
    build: false,
    exitCode: 0,
    seconds: 3,
    outputs: {},
    error: '',
    serviceRuns: '',
    injected: {},
    stackErrors: [],
    serviceBefore: OLD,
    changes: 0,
    twinsDeregistered: [],
    ...fields
  }
}

describe('verdict', () => {
  test.each<[string, Partial<RunRecord>, string]>([
    [
      'success on the new revision',
      {
        outputs: { 'task-definition-arn': NEW, 'previous-task-definition-arn': OLD },
        serviceRuns: NEW
      },
      'completed'
    ],
    [
      'success claimed while the service runs the old one',
      {
        outputs: { 'task-definition-arn': NEW, 'previous-task-definition-arn': OLD },
        serviceRuns: OLD
      },
      'unreported'
    ],
    [
      'failure before the update, service unchanged',
      {
        exitCode: 1,
        outputs: { 'task-definition-arn': '', 'previous-task-definition-arn': OLD },
        serviceRuns: OLD
      },
      'failed cleanly'
    ],
    [
      'failure that says unchanged while the service moved',
      {
        exitCode: 1,
        outputs: { 'task-definition-arn': '', 'previous-task-definition-arn': OLD },
        serviceRuns: NEW
      },
      'unreported'
    ],
    [
      'failure after the update, reporting the new revision',
      {
        exitCode: 1,
        outputs: { 'task-definition-arn': NEW, 'previous-task-definition-arn': OLD },
        serviceRuns: NEW
      },
      'failed cleanly'
    ],
    [
      'a failure before the service was read, nothing changed',
      { exitCode: 1, serviceRuns: OLD },
      'failed, changed nothing'
    ],
    [
      'a run that wrote no outputs after an UpdateService reached AWS',
      { exitCode: 1, serviceRuns: OLD, changes: 1 },
      'unreported'
    ],
    [
      'a run that wrote no outputs while the service moved',
      { exitCode: 1, serviceRuns: NEW },
      'unreported'
    ],
    ['a success that wrote no outputs', { exitCode: 0, serviceRuns: OLD }, 'unreported']
  ])('%s: %s', (_what, fields, expected) => {
    expect(verdict(run(fields))).toBe(expected)
  })
})

test.each<[string, string | undefined]>([
  [
    'Could not register a task definition revision for family api: ThrottlingException: Rate exceeded',
    'RegisterTaskDefinition'
  ],
  [
    'Could not update ECS service s to arn: ServerException: Internal server error. The service still runs api:1',
    'UpdateService'
  ],
  [
    'Could not look up image rel-a in ECR repository r: ServiceUnavailableException',
    'DescribeImages'
  ],
  ['Could not describe ECS service s in cluster c: socket hang up', 'DescribeServices'],
  ['Could not watch the rollout of api:2 (deployment x): TimeoutError', 'DescribeServices'],
  ['The rollout of api:2 failed: tasks keep stopping', undefined]
])('operationNamed(%s) is %s', (error, operation) => {
  expect(operationNamed(error)).toBe(operation)
})

test('twinsDeregistered reads the revisions from the step warnings', () => {
  const stdout = [
    'Registered api:5',
    '::warning::RegisterTaskDefinition was retried: an earlier attempt had registered api:3, api:4 as well; they were deregistered',
    '::error::Could not register …; an earlier attempt had registered api:7 as well; it was deregistered'
  ].join('\n')
  expect(twinsDeregistered(stdout)).toEqual(['api:3', 'api:4', 'api:7'])
  expect(twinsDeregistered('Registered api:5')).toEqual([])
})

test('stepError unescapes the ::error:: lines and ignores the rest', () => {
  const stdout = [
    '::group::Preflight',
    'Service runs api:1',
    '::error::Could not update ECS service s: 50%25 done%0Asecond line',
    '::error title=Rollout failed::tasks keep stopping'
  ].join('\n')
  expect(stepError(stdout)).toBe(
    'Could not update ECS service s: 50% done\nsecond line\ntasks keep stopping'
  )
})

test('firstSentence stops at the first full stop and cuts long text', () => {
  expect(firstSentence('Could not update api:2. The service still runs api:1.')).toBe(
    'Could not update api:2.'
  )
  expect(firstSentence('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`)
})

test('sumInjected adds faults of every operation by kind', () => {
  expect(
    sumInjected([
      { injected: { 'UpdateService throttle': 2, 'DescribeImages 500': 1 } },
      { injected: { 'DescribeServices throttle': 3, 'UpdateService drop-after': 1 } }
    ])
  ).toEqual({ throttle: 5, '500': 1, 'drop-after': 1 })
})

test('the report gives the headline figures and lists every run and scenario', () => {
  const report = renderReport(
    {
      seed: 7,
      rates: [{ operation: 'UpdateService', fault: 'throttle', rate: 0.15 }],
      bursts: [{ run: 1, burst: { operation: 'UpdateService', fault: '500', count: 6 } }],
      runs: [
        run({
          label: '1 (build)',
          build: true,
          outputs: { 'task-definition-arn': NEW },
          serviceRuns: NEW,
          injected: { 'UpdateService throttle': 2 }
        }),
        run({
          label: '2 (image rel-a)',
          exitCode: 1,
          seconds: 9,
          outputs: { 'previous-task-definition-arn': NEW },
          serviceRuns: NEW,
          error: 'Could not update ECS service s: ServerException | boom. More.',
          injected: { 'UpdateService 500': 6 },
          twinsDeregistered: ['api:3']
        })
      ],
      unreportedActiveRevisions: []
    },
    [{ name: 'SIGTERM', expected: 'exit 1', observed: ['exit 1', 'outputs written'], ok: true }],
    { date: '2026-11-26', seconds: 60, commit: 'abc1234' }
  )
  expect(report).toContain('seed 7')
  expect(report).toContain('| faults injected | 8 (500 6, throttle 2) |')
  expect(report).toContain('| deploys completed | 1 of 2 |')
  expect(report).toContain(
    '| deploys failed cleanly | 1: 1 with the service on the revision the step reported, 0 before the service could be read (no revision reported, nothing changed); 1 of the 1 name the AWS operation that failed |'
  )
  expect(report).toContain(
    '| **runs that left the service on a revision they did not report** | **0** |'
  )
  expect(report).toContain(
    '| failures of the local stack itself during the soak (not injected) | 0 |'
  )
  expect(report).toContain(
    '| ACTIVE revisions no run reported | 0; 1 twin registered by a retried RegisterTaskDefinition was deregistered by the step (api:3) |'
  )
  expect(report).toContain('| SIGTERM | exit 1 | exit 1; outputs written | ok |')
  expect(report).toContain(
    '| 2 (image rel-a) | UpdateService 500 ×6 | 1 | 9.0 | api:2 | api:2 | failed cleanly | Could not update ECS service s: ServerException \\| boom. |'
  )
})
