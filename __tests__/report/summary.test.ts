import { describe, expect, test } from 'vitest'
import { newResult, outputsOf, type RunResult } from '../../src/model/result.js'
import { consoleLinks, escapeBlock, escapeText, renderSummary } from '../../src/report/summary.js'
import { fromFlat, type FlatService } from '../../test/support/results.js'

type Fields = Partial<Omit<RunResult, 'services'>> & Partial<FlatService>

/** A one-service result; step fields and service fields given together. */
function result(overrides: Fields = {}): RunResult {
  const { mode, status, region, cluster, audit, error, ...service } = overrides
  const base = newResult(
    mode ?? 'deploy',
    {
      region: region ?? 'eu-north-1',
      cluster: cluster ?? 'babyshield-cluster',
      services: [service.service ?? 'babyshield-backend-service']
    },
    audit ?? {
      commit: 'c0ffee',
      actor: 'octocat',
      repository: 'babyshield/api',
      runUrl: 'https://github.com/babyshield/api/actions/runs/7',
      notes: ''
    }
  )
  base.services = base.services.map(s => fromFlat(s, service))
  return {
    ...base,
    ...(status ? { status } : {}),
    ...(error ? { error } : {})
  }
}

describe('escapeText', () => {
  test.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    [
      '**bold** [link](http://x) | pipe',
      '&#42;&#42;bold&#42;&#42; &#91;link&#93;(http://x) &#124; pipe'
    ],
    ['@octocat', '&#64;octocat'],
    ['line\nbreak', 'line break'],
    ['`code`', '&#96;code&#96;'],
    ['$x^2$', '&#36;x^2&#36;']
  ])('%j', (text, escaped) => {
    expect(escapeText(text)).toBe(escaped)
  })

  test('a log line cannot close its <pre> block', () => {
    expect(escapeBlock(['</pre><img src=x onerror=alert(1)>'])).toBe(
      '&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;'
    )
  })
})

describe('renderSummary', () => {
  const deployed = result({
    status: 'succeeded',
    tag: 'production-fixed-20261126',
    image: `123456789012.dkr.ecr.eu-north-1.amazonaws.com/babyshield-backend@sha256:${'b'.repeat(64)}`,
    digest: `sha256:${'b'.repeat(64)}`,
    containerName: 'api',
    previousTaskDefinitionArn:
      'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:41',
    taskDefinitionArn:
      'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:42',
    verified: true,
    checks: [{ name: 'tasks run the expected digest', status: 'pass', detail: '2 of 2 tasks' }],
    timeline: [
      {
        at: '2026-11-26T10:00:05.000Z',
        message: 'rollout 1/2 running, 1 pending, 0 failed, IN_PROGRESS'
      }
    ]
  })

  test('says what was deployed where, old and new revision, checks, timeline, audit and links', () => {
    const md = renderSummary(deployed)
    expect(md).toContain('## ✅ Deploy succeeded: babyshield-backend-service in babyshield-cluster')
    expect(md).toContain('| Revision | babyshield-backend-task:41 → babyshield-backend-task:42 |')
    expect(md).toContain('| ✅ | tasks run the expected digest | 2 of 2 tasks |')
    expect(md).toContain('10:00:05  rollout 1/2 running, 1 pending, 0 failed, IN_PROGRESS')
    expect(md).toContain('| Deployed by | octocat |')
    expect(md).toContain(
      '[Service](https://eu-north-1.console.aws.amazon.com/ecs/v2/clusters/babyshield-cluster/services/babyshield-backend-service/health?region=eu-north-1)'
    )
    expect(md).toContain(
      '/task-definitions/babyshield-backend-task/42/containers?region=eu-north-1'
    )
  })

  test('a failure shows the error, stopped tasks with their log lines, and events', () => {
    const md = renderSummary(
      result({
        error: 'The rollout failed: <b>boom</b>',
        stoppedTasks: [
          {
            taskArn: 'arn:aws:ecs:eu-north-1:123456789012:task/babyshield-cluster/abc',
            taskId: 'abc',
            stoppedReason: 'Essential container in task exited',
            stopCode: 'EssentialContainerExited',
            containers: [{ name: 'api', exitCode: 1, reason: 'OutOfMemoryError' }],
            logLines: ['Traceback (most recent call last):', 'KeyError: DATABASE_URL']
          }
        ],
        events: [
          '(service babyshield-backend-service) deployment ecs-svc/2 deployment failed: tasks failed to start.'
        ]
      })
    )
    expect(md).toContain('## ❌ Deploy failed')
    expect(md).toContain('> **Error:** The rollout failed: &lt;b&gt;boom&lt;/b&gt;')
    expect(md).toContain('Essential container in task exited — EssentialContainerExited')
    expect(md).toContain('api: exit code 1, OutOfMemoryError')
    expect(md).toContain('KeyError: DATABASE_URL')
    expect(md).toContain('### Service events')
  })

  test('user text in notes cannot inject markup or mentions', () => {
    const md = renderSummary(
      result({
        audit: {
          ...deployed.audit,
          notes: '<img src=x onerror=alert(1)> [click](http://evil) @here | x'
        }
      })
    )
    expect(md).not.toContain('<img')
    expect(md).not.toContain('[click]')
    expect(md).not.toContain('@here')
    expect(md).toContain(
      '| Notes | &lt;img src=x onerror=alert(1)&gt; &#91;click&#93;(http://evil) &#64;here &#124; x |'
    )
  })

  test('a rolled-back deploy shows the revision that failed between the two', () => {
    const md = renderSummary(
      result({
        rolledBack: true,
        previousTaskDefinitionArn: 'arn:aws:ecs:eu-north-1:123456789012:task-definition/app:41',
        failedTaskDefinitionArn: 'arn:aws:ecs:eu-north-1:123456789012:task-definition/app:42',
        taskDefinitionArn: 'arn:aws:ecs:eu-north-1:123456789012:task-definition/app:41'
      })
    )
    expect(md).toContain('| Revision | app:41 → app:42 (failed) → app:41 |')
    expect(md).toContain('| Rolled back | ↩️ yes |')
  })

  test('a dry run shows the plan', () => {
    const md = renderSummary(
      result({ status: 'planned', plan: '-  "image": "a"\n+  "image": "b"' })
    )
    expect(md).toContain('## 📝 Deploy (dry run)')
    expect(md).toContain('-  "image": "a"\n+  "image": "b"')
  })

  test('a rollout started with wait: false is not called a success', () => {
    const md = renderSummary(result({ status: 'started' }))
    expect(md).toContain(
      '## ▶️ Deploy started, not watched or verified (wait: false): babyshield-backend-service in babyshield-cluster'
    )
    expect(md).not.toContain('succeeded')
  })

  test('console links take the name from cluster and service ARNs', () => {
    const withArns = result({
      cluster: 'arn:aws:ecs:eu-north-1:123456789012:cluster/prod',
      service: 'arn:aws:ecs:eu-north-1:123456789012:service/prod/api'
    })
    const links = consoleLinks(withArns, withArns.services[0]!)
    expect(links[0]).toContain('/clusters/prod/services/api/health')
  })
})

test('outputsOf gives every output of action.yml, result as JSON without log lines', () => {
  const outputs = outputsOf(
    result({
      status: 'failed',
      rolledBack: true,
      stoppedTasks: [
        { taskArn: 'a', taskId: 'a', containers: [], logLines: ['secret-ish log line'] }
      ]
    })
  )
  expect(Object.keys(outputs).sort()).toEqual(
    [
      'digest',
      'image',
      'migration-exit-code',
      'migration-task-arn',
      'previous-task-definition-arn',
      'result',
      'rolled-back',
      'tag',
      'task-definition-arn',
      'verified'
    ].sort()
  )
  expect(outputs['rolled-back']).toBe('true')
  expect(outputs.verified).toBe('false')
  const parsed = JSON.parse(outputs.result ?? '') as Record<string, unknown>
  expect(parsed).toMatchObject({
    mode: 'deploy',
    status: 'failed',
    rolledBack: true,
    verified: false
  })
  expect(outputs.result).not.toContain('secret-ish')
})

describe('renderSummary of several services', () => {
  const arn = (family: string, n: number) =>
    `arn:aws:ecs:eu-north-1:123456789012:task-definition/${family}:${n}`
  const twoServices = (): RunResult => {
    const base = newResult(
      'deploy',
      { region: 'eu-north-1', cluster: 'babyshield-cluster', services: ['web', 'worker'] },
      { commit: 'c0ffee', actor: 'octocat', repository: 'babyshield/api', runUrl: '', notes: '' }
    )
    const [web, worker] = base.services
    return {
      ...base,
      status: 'failed',
      error: 'ECS service worker: The rollout of worker-task:8 failed',
      services: [
        fromFlat(web!, {
          previousTaskDefinitionArn: arn('web-task', 3),
          attempted: { taskDefinitionArn: arn('web-task', 4) },
          taskDefinitionArn: arn('web-task', 3),
          image: 'repo@sha256:aaa',
          rolledBack: true,
          checks: [{ name: 'after rollback: service active', status: 'pass', detail: 'ACTIVE' }]
        }),
        fromFlat(worker!, {
          previousTaskDefinitionArn: arn('worker-task', 7),
          failedTaskDefinitionArn: arn('worker-task', 8),
          taskDefinitionArn: arn('worker-task', 7),
          rolledBack: true,
          stoppedTasks: [
            {
              taskArn: 't',
              taskId: 't1',
              stoppedReason: 'Essential container in task exited',
              containers: [{ name: 'app', exitCode: 1 }],
              logLines: ['KeyError: QUEUE_URL']
            }
          ]
        })
      ]
    }
  }

  test.each<[string, Partial<RunResult>, boolean, string]>([
    ['a deploy that changed them', {}, true, 'the services were deployed together, as one unit.'],
    [
      'a deploy refused before anything changed',
      {},
      false,
      'the services are deployed together, as one unit, and this step changed none of them.'
    ],
    [
      'a dry run',
      { status: 'planned' },
      false,
      'the services would be deployed together, as one unit.'
    ],
    [
      'a rollback',
      { mode: 'rollback', status: 'succeeded' },
      true,
      'the services were rolled back together, as one unit.'
    ],
    [
      'verify',
      { mode: 'verify', status: 'succeeded' },
      false,
      'the services were verified together.'
    ]
  ])('its first line says how the services went together: %s', (_name, step, changed, line) => {
    const run = { ...twoServices(), ...step }
    if (!changed) {
      run.services = run.services.map(s => ({ ...s, rolledBack: false, change: 'none' as const }))
    }
    expect(renderSummary(run)).toContain(`Cluster babyshield-cluster in eu-north-1; ${line}`)
  })

  test('opens with one row a service, then a section for each', () => {
    const md = renderSummary(twoServices())
    expect(md).toContain('## ❌ Deploy failed: 2 services in babyshield-cluster')
    expect(md).toContain('| Service | Revision | Image | Verified | Rolled back |')
    // verified is false after a rollback, although the rollback's own checks passed.
    expect(md).toContain(
      '| web | web-task:3 → web-task:4 (rolled back) → web-task:3 | <code>repo&#64;sha256:aaa</code> | ❌ no | ↩️ yes |'
    )
    expect(md).toContain(
      '| worker | worker-task:7 → worker-task:8 (failed) → worker-task:7 | — | — not checked | ↩️ yes |'
    )
    expect(md.indexOf('### web')).toBeLessThan(md.indexOf('### worker'))
    expect(md).toContain('#### Stopped tasks')
    expect(md).toContain('KeyError: QUEUE_URL')
    expect(md).toContain('**AWS console (web):**')
    expect(md).toContain('/services/worker/health')
  })
})
