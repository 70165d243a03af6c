import { expect, test } from 'vitest'
import type { CleanupOutcome } from '../../src/cleanup/clean-up.js'
import type { GateOutcome } from '../../src/scan/gate.js'
import { cleanupSection, scanSection } from '../../src/report/cleanup-scan.js'
import { arn } from '../../test/support/task-definitions.js'

const IMAGE = `babyshield-backend@sha256:${'a'.repeat(64)}`

function gate(extra: Partial<GateOutcome>): GateOutcome {
  return {
    verdict: 'deploy',
    image: IMAGE,
    level: 'HIGH',
    scan: { kind: 'complete', status: 'COMPLETE' },
    judgement: { blocking: [], allowed: [], below: [] },
    inactive: 0,
    waitedMs: 0,
    reason:
      'fail-on-severity HIGH: the ECR scan … has no finding at or above HIGH to stop it; 0 findings below.',
    warnings: [],
    ...extra
  }
}

test('a refusal: the verdict, why, and each finding with its package, version and fix', () => {
  const section = scanSection(
    gate({
      verdict: 'refuse',
      judgement: {
        blocking: [
          {
            id: 'CVE-2024-3094',
            severity: 'CRITICAL',
            package: 'xz-libs',
            version: '5.6.0',
            fixedIn: '5.6.1',
            scanner: 'enhanced'
          },
          { id: 'CVE-2024-0002', severity: 'HIGH', package: 'zlib', scanner: 'basic' }
        ],
        allowed: [
          {
            id: 'CVE-2023-44487',
            severity: 'HIGH',
            package: 'nghttp2',
            version: '1.51',
            scanner: 'basic'
          }
        ],
        below: [{ id: 'CVE-2024-0003', severity: 'LOW', scanner: 'basic' }]
      },
      inactive: 2,
      waitedMs: 34_400,
      reason: 'fail-on-severity HIGH: the ECR scan has 2 findings at or above HIGH'
    })
  )
  expect(section).toEqual([
    '### Scan gate',
    '',
    '| | |',
    '|---|---|',
    '| Result | ❌ refused: nothing was deployed |',
    `| Image | <code>babyshield-backend&#64;sha256:${'a'.repeat(64)}</code> |`,
    '| Fails on | HIGH and above |',
    '| Scan | COMPLETE |',
    '| Findings | 2 at or above HIGH, 1 allowed, 1 below, 2 suppressed or closed |',
    '| Waited | 34 s |',
    '| Why | fail-on-severity HIGH: the ECR scan has 2 findings at or above HIGH |',
    '',
    '| Severity | Vulnerability | Package | Version | Fixed in | |',
    '|---|---|---|---|---|---|',
    '| CRITICAL | CVE-2024-3094 | xz-libs | 5.6.0 | 5.6.1 |  |',
    '| HIGH | CVE-2024-0002 | zlib |  |  |  |',
    '| HIGH | CVE-2023-44487 | nghttp2 | 1.51 |  | allowed by allow-cves |',
    ''
  ])
})

test('a clean scan: no table of findings, no why', () => {
  expect(scanSection(gate({}), '####')).toEqual([
    '#### Scan gate',
    '',
    '| | |',
    '|---|---|',
    '| Result | ✅ deployed |',
    `| Image | <code>babyshield-backend&#64;sha256:${'a'.repeat(64)}</code> |`,
    '| Fails on | HIGH and above |',
    '| Scan | COMPLETE |',
    '| Findings | 0 at or above HIGH, 0 allowed, 0 below |',
    ''
  ])
})

test("a scan that cannot be judged says why; a scanner's text cannot inject markup", () => {
  const section = scanSection(
    gate({
      verdict: 'refuse',
      scan: {
        kind: 'unavailable',
        problem: 'failed',
        detail: 'the scan failed (FAILED: <b>boom</b> | x)'
      },
      reason: 'cannot be judged'
    })
  )
  expect(section).toContain(
    '| Scan | cannot be judged: the scan failed (FAILED: &lt;b&gt;boom&lt;/b&gt; &#124; x) |'
  )
  const hostile = scanSection(
    gate({
      verdict: 'refuse',
      judgement: {
        blocking: [
          {
            id: 'CVE-2024-1111',
            severity: 'HIGH',
            package: '[x](https://evil)|<img>',
            scanner: 'basic'
          }
        ],
        allowed: [],
        below: []
      }
    })
  )
  expect(hostile).toContain(
    '| HIGH | CVE-2024-1111 | &#91;x&#93;(https://evil)&#124;&lt;img&gt; |  |  |  |'
  )
})

test('more than fifty findings: fifty rows, the rest counted', () => {
  const many = Array.from({ length: 53 }, (_, i) => ({
    id: `CVE-2024-${1000 + i}`,
    severity: 'CRITICAL',
    scanner: 'basic' as const
  }))
  const section = scanSection(
    gate({ verdict: 'refuse', judgement: { blocking: many, allowed: [], below: [] } })
  )
  expect(section.filter(line => line.startsWith('| CRITICAL |'))).toHaveLength(50)
  expect(section).toContain('and 3 more (the log lists every one)')
})

const FAMILY = 'babyshield-backend-task'
const digest = (n: number) => `sha256:${String(n).repeat(64)}`

function cleanup(extra: Partial<CleanupOutcome>): CleanupOutcome {
  return {
    dryRun: false,
    revisions: [
      {
        plan: {
          family: FAMILY,
          remove: [arn(FAMILY, 1), arn(FAMILY, 2)],
          keep: [
            {
              arn: arn(FAMILY, 4),
              reasons: ['one of the newest 1', "ECS service api's PRIMARY deployment"]
            },
            {
              arn: arn(FAMILY, 3),
              reasons: ['what rollback-to: previous would choose for ECS service api']
            }
          ]
        },
        deregistered: [arn(FAMILY, 1)],
        failed: [{ arn: arn(FAMILY, 2), reason: 'Throttled' }],
        deferred: []
      }
    ],
    images: {
      repository: 'babyshield-backend',
      plan: {
        remove: [{ digest: digest(1), tags: ['production-fixed-20261101'] }],
        keep: [
          {
            image: { digest: digest(2), tags: ['buildcache'] },
            reasons: ['tag buildcache is a build cache']
          }
        ]
      },
      deleted: [digest(1)],
      failed: []
    },
    warnings: ['Could not deregister babyshield-backend-task:2: Throttled'],
    tookMs: 1200,
    ...extra
  }
}

test('the cleanup: what went, what stayed and why, and what only warned', () => {
  expect(cleanupSection(cleanup({}))).toEqual([
    '### Cleanup',
    '',
    '| | Removed | Kept | Why kept |',
    '|---|---|---|---|',
    '| babyshield-backend-task | Deregistered 1: babyshield-backend-task:1 | 2 | babyshield-backend-task:4: one of the newest 1; ECS service api&#39;s PRIMARY deployment<br>babyshield-backend-task:3: what rollback-to: previous would choose for ECS service api |',
    '| babyshield-backend | Deleted 1: production-fixed-20261101 (sha256:111111111111) | 1 | buildcache (sha256:222222222222): tag buildcache is a build cache |',
    '',
    '⚠️ Could not deregister babyshield-backend-task:2: Throttled',
    ''
  ])
})

test('a dry run says what would go', () => {
  const section = cleanupSection(cleanup({ dryRun: true, warnings: [] }))
  expect(section[0]).toBe('### Cleanup (dry run)')
  expect(section[4]).toContain(
    'Would deregister 2: babyshield-backend-task:1, babyshield-backend-task:2'
  )
  expect(section[5]).toContain('Would delete 1: production-fixed-20261101 (sha256:111111111111)')
})

test('skipped: says why, and that nothing was removed', () => {
  expect(
    cleanupSection(
      cleanup({ skipped: 'could not read what the cluster uses: AccessDenied', revisions: [] })
    )
  ).toEqual([
    '### Cleanup',
    '',
    'Skipped, nothing was removed: could not read what the cluster uses: AccessDenied',
    ''
  ])
})
