// The IAM policy of docs/iam.md grants exactly what the code calls: every AWS SDK command sent from
// src/ is allowed, and every allowed action is either such a command or one of the few that
// AWS checks for something else the action does (listed below, with the reason).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')

/** IAM service prefix of each AWS SDK client package the code may import. */
const PREFIX: Record<string, string> = {
  '@aws-sdk/client-ecr': 'ecr',
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing'
}

/** Actions the policy needs that no SDK command of ours names. */
const NOT_SDK_COMMANDS: Record<string, string> = {
  'ecr:BatchCheckLayerAvailability': 'docker push: which layers the registry has',
  'ecr:InitiateLayerUpload': 'docker push: layer upload',
  'ecr:UploadLayerPart': 'docker push: layer upload',
  'ecr:CompleteLayerUpload': 'docker push: layer upload',
  'ecr:PutImage': 'docker push: the manifest and tag; BuildKit: the build cache',
  'ecr:BatchGetImage': 'docker push: reads the manifest back; the build cache is pulled',
  'ecr:GetDownloadUrlForLayer': "the build cache's pull: its layers, or the running image's",
  'ecs:TagResource':
    'RegisterTaskDefinition and RunTask with their tags (tag-on-create authorization)',
  'iam:PassRole': "RegisterTaskDefinition passes the revision's task and execution roles"
}

interface Statement {
  Sid?: string
  Effect: string
  Action: string | string[]
  Resource: string | string[]
  Condition?: Record<string, Record<string, string | string[]>>
}

/** `prefix:Action` for every SDK command imported as a value in one source file. */
function sdkActions(source: string): { actions: string[]; problems: string[] } {
  const actions: string[] = []
  const problems: string[] = []
  for (const match of source.matchAll(/import\s+\*\s+as\s+\w+\s+from\s+'(@aws-sdk\/[^']+)'/g)) {
    problems.push(`namespace import of ${match[1]}: import the commands by name`)
  }
  const named = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+'(@aws-sdk\/[^']+)'/g
  for (const [, typeOnly, names = '', pkg = ''] of source.matchAll(named)) {
    if (typeOnly) continue
    const commands = names
      .split(',')
      .map(name => name.trim())
      .filter(name => name && !name.startsWith('type '))
      .map(name => name.split(/\s+as\s+/)[0] ?? '')
      .filter(name => /^[A-Z]\w*Command$/.test(name))
    if (commands.length === 0) continue
    const prefix = PREFIX[pkg]
    if (!prefix) {
      problems.push(`${pkg} has no IAM prefix in this test: add it to PREFIX and the policy`)
      continue
    }
    actions.push(...commands.map(command => `${prefix}:${command.replace(/Command$/, '')}`))
  }
  return { actions, problems }
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

function documentedPolicy(): Statement[] {
  const doc = readFileSync(join(ROOT, 'docs/iam.md'), 'utf8')
  const block = /<!-- iam-policy:start -->\s*```json\n([\s\S]*?)```\s*<!-- iam-policy:end -->/.exec(
    doc
  )
  if (!block?.[1])
    throw new Error('docs/iam.md has no ```json block between the iam-policy markers')
  const policy = JSON.parse(block[1]) as { Version: string; Statement: Statement[] }
  expect(policy.Version).toBe('2012-10-17')
  return policy.Statement
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value])

describe('sdkActions', () => {
  test.each<[string, string[], string[]]>([
    [
      "import { DescribeImagesCommand, TagStatus, type ECRClient } from '@aws-sdk/client-ecr'",
      ['ecr:DescribeImages'],
      []
    ],
    [
      "import {\n  UpdateServiceCommand,\n  type DescribeServicesCommand\n} from '@aws-sdk/client-ecs'",
      ['ecs:UpdateService'],
      []
    ],
    ["import type { ListTasksCommand } from '@aws-sdk/client-ecs'", [], []],
    [
      "import { FilterLogEventsCommand as Filter } from '@aws-sdk/client-cloudwatch-logs'",
      ['logs:FilterLogEvents'],
      []
    ],
    [
      "import { GetObjectCommand } from '@aws-sdk/client-s3'",
      [],
      ['@aws-sdk/client-s3 has no IAM prefix in this test: add it to PREFIX and the policy']
    ],
    [
      "import * as ecs from '@aws-sdk/client-ecs'",
      [],
      ['namespace import of @aws-sdk/client-ecs: import the commands by name']
    ]
  ])('%s', (source, actions, problems) => {
    expect(sdkActions(source)).toEqual({ actions, problems })
  })
})

describe('the IAM policy of docs/iam.md', () => {
  const statements = documentedPolicy()
  const allowed = statements.flatMap(s => list(s.Action))
  const found = sourceFiles(join(ROOT, 'src')).map(file => sdkActions(readFileSync(file, 'utf8')))
  const called = [...new Set(found.flatMap(f => f.actions))].sort()

  test('the code imports AWS SDK commands in a form this test can read', () => {
    expect(found.flatMap(f => f.problems)).toEqual([])
    expect(called.length).toBeGreaterThan(0)
  })

  test('allows every AWS SDK command the code sends', () => {
    expect(called.filter(action => !allowed.includes(action))).toEqual([])
  })

  test('allows nothing else but the documented non-SDK actions', () => {
    const extra = allowed.filter(a => !called.includes(a) && !(a in NOT_SDK_COMMANDS))
    expect(extra).toEqual([])
    expect(Object.keys(NOT_SDK_COMMANDS).filter(a => !allowed.includes(a))).toEqual([])
  })

  test('lists each action once, by name, and only allows', () => {
    expect(allowed.length).toBe(new Set(allowed).size)
    expect(allowed.filter(a => a.includes('*'))).toEqual([])
    expect(statements.every(s => s.Effect === 'Allow')).toBe(true)
  })

  test('GetAuthorizationToken stands alone on Resource "*", as ECR requires', () => {
    const login = statements.filter(s => list(s.Action).includes('ecr:GetAuthorizationToken'))
    expect(login).toEqual([
      expect.objectContaining({ Action: 'ecr:GetAuthorizationToken', Resource: '*' })
    ])
  })

  test('iam:PassRole only passes named roles, and only to ECS tasks', () => {
    const pass = statements.find(s => list(s.Action).includes('iam:PassRole'))
    expect(list(pass?.Action ?? [])).toEqual(['iam:PassRole'])
    expect(list(pass?.Resource ?? '*').every(r => r.startsWith('arn:aws:iam::'))).toBe(true)
    expect(pass?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }
    })
  })

  test('ecs:TagResource is allowed only while registering a task definition or running a task', () => {
    const tag = statements.find(s => list(s.Action).includes('ecs:TagResource'))
    expect(list(tag?.Action ?? [])).toEqual(['ecs:TagResource'])
    expect(tag?.Condition).toEqual({
      StringEquals: { 'ecs:CreateAction': ['RegisterTaskDefinition', 'RunTask'] }
    })
  })

  test('RunTask and StopTask are scoped to the cluster, RunTask to the family', () => {
    const cluster = {
      ArnEquals: { 'ecs:cluster': 'arn:aws:ecs:REGION:ACCOUNT:cluster/babyshield-cluster' }
    }
    const run = statements.find(s => list(s.Action).includes('ecs:RunTask'))
    expect(run).toMatchObject({
      Action: 'ecs:RunTask',
      Resource: 'arn:aws:ecs:REGION:ACCOUNT:task-definition/babyshield-backend-task:*',
      Condition: cluster
    })
    const stop = statements.find(s => list(s.Action).includes('ecs:StopTask'))
    expect(stop).toMatchObject({
      Action: 'ecs:StopTask',
      Resource: 'arn:aws:ecs:REGION:ACCOUNT:task/babyshield-cluster/*',
      Condition: cluster
    })
  })

  test('the repository statement lets the build cache be pushed and pulled', () => {
    const repository = statements.find(s => list(s.Action).includes('ecr:PutImage'))
    expect(list(repository?.Resource ?? '*')).toEqual([
      'arn:aws:ecr:REGION:ACCOUNT:repository/babyshield-backend'
    ])
    expect(list(repository?.Action ?? [])).toEqual(
      expect.arrayContaining([
        'ecr:BatchCheckLayerAvailability',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer'
      ])
    )
  })

  test("ListServices only in the cluster; DescribeServices only on the cluster's services", () => {
    const listing = statements.find(s => list(s.Action).includes('ecs:ListServices'))
    expect(listing).toMatchObject({
      Action: 'ecs:ListServices',
      Resource: '*',
      Condition: {
        ArnEquals: { 'ecs:cluster': 'arn:aws:ecs:REGION:ACCOUNT:cluster/babyshield-cluster' }
      }
    })
    const reading = statements.find(s => list(s.Action).includes('ecs:DescribeServices'))
    expect(reading).toMatchObject({
      Action: 'ecs:DescribeServices',
      Resource: 'arn:aws:ecs:REGION:ACCOUNT:service/babyshield-cluster/*'
    })
  })

  test.each(['ecr:BatchDeleteImage', 'ecr:DescribeImageScanFindings'])(
    '%s, in a statement of its own, on the deployed repository only',
    action => {
      const statement = statements.find(s => list(s.Action).includes(action))
      expect(statement).toMatchObject({
        Action: action,
        Resource: 'arn:aws:ecr:REGION:ACCOUNT:repository/babyshield-backend'
      })
      expect(statement?.Condition).toBeUndefined()
    }
  )

  test('the service, repository and log group actions name their resources', () => {
    const onStar = statements
      .filter(s => list(s.Resource).includes('*') && !s.Condition)
      .flatMap(s => list(s.Action))
    // Only actions that take no narrower resource may be on "*" without a condition.
    const noNarrower =
      /^ecr:GetAuthorizationToken$|TaskDefinitions?$|^cloudwatch:GetMetricData$|^elasticloadbalancing:Describe/
    expect(onStar.filter(a => !noNarrower.test(a))).toEqual([])
  })

  test('DescribeAlarms is scoped to alarms by name', () => {
    const alarms = statements.find(s => list(s.Action).includes('cloudwatch:DescribeAlarms'))
    expect(list(alarms?.Action ?? [])).toEqual(['cloudwatch:DescribeAlarms'])
    expect(list(alarms?.Resource ?? '*')).toEqual([
      'arn:aws:cloudwatch:REGION:ACCOUNT:alarm:babyshield-*'
    ])
  })
})
