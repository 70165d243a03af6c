import { expect, test } from 'vitest'
import type { CleanupOutcome } from '../../src/cleanup/clean-up.js'
import type { GateOutcome } from '../../src/scan/gate.js'
import {
  cleanupJson,
  cleanupSection,
  scanJson,
  scanSection,
  type ScanUse
} from '../../src/report/cleanup-scan.js'
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

const CRITICAL_FINDING = {
  id: 'CVE-2024-3094',
  severity: 'CRITICAL',
  package: 'xz-libs',
  version: '5.6.0',
  scanner: 'basic' as const
}
const BLOCKED = { blocking: [CRITICAL_FINDING], allowed: [], below: [] }
const UNJUDGED = {
  scan: { kind: 'unavailable' as const, problem: 'failed' as const, detail: 'the scan failed' }
}

test.each<[string, ScanUse, Partial<GateOutcome>, string, string]>([
  [
    'a deploy refused',
    'deploy',
    { verdict: 'refuse', judgement: BLOCKED },
    '### Scan gate',
    '❌ refused: nothing was deployed'
  ],
  [
    'a dry run that would refuse',
    'dry-run',
    { verdict: 'refuse', judgement: BLOCKED },
    '### Scan gate (dry run)',
    '📝 would refuse: nothing would be deployed'
  ],
  [
    'a dry run that would go on',
    'dry-run',
    {},
    '### Scan gate (dry run)',
    '📝 would let the deploy go on'
  ],
  [
    'a rollback target with findings',
    'rollback',
    { verdict: 'refuse', judgement: BLOCKED },
    '### Scan of the rollback target',
    '⚠️ findings at or above HIGH: rolled back anyway, a rollback is never gated'
  ],
  [
    'a clean rollback target',
    'rollback',
    {},
    '### Scan of the rollback target',
    '✅ no finding at or above HIGH'
  ],
  [
    'a rollback target not judged',
    'rollback',
    { verdict: 'refuse', ...UNJUDGED },
    '### Scan of the rollback target',
    '— cannot be judged: a rollback is not gated'
  ]
])(
  '%s: the heading and the result say what the scan was read for',
  (_, use, extra, heading, result) => {
    const section = scanSection(gate(extra), '###', use)
    expect(section[0]).toBe(heading)
    expect(section).toContain(`| Result | ${result} |`)
    // A rollback is not refused, so no "why" of a refusal.
    expect(section.some(line => line.startsWith('| Why |'))).toBe(
      use !== 'rollback' && extra.verdict === 'refuse'
    )
  }
)

test.each<[ScanUse, Partial<GateOutcome>, string]>([
  ['deploy', { verdict: 'refuse', judgement: BLOCKED }, 'refuse'],
  ['deploy', {}, 'deploy'],
  ['rollback', { verdict: 'refuse', judgement: BLOCKED }, 'warn'],
  ['rollback', {}, 'pass'],
  ['rollback', { verdict: 'refuse', ...UNJUDGED }, 'unknown']
])('the result output of a %s scan: verdict %#', (use, extra, verdict) => {
  expect(scanJson(gate(extra), use)).toMatchObject({ use, verdict })
})

test('the result output of a cleanup: what went, by ARN and digest, and how much stayed', () => {
  const outcome: CleanupOutcome = {
    dryRun: false,
    revisions: [
      {
        plan: {
          family: 'api',
          keep: [{ arn: arn('api', 9), reasons: ['one of the newest 1'] }],
          remove: [arn('api', 7), arn('api', 8)]
        },
        deregistered: [arn('api', 7)],
        failed: [{ arn: arn('api', 8), reason: 'denied' }],
        deferred: []
      }
    ],
    images: {
      repository: 'api',
      plan: {
        keep: [],
        remove: [
          { digest: 'sha256:1', tags: ['a'] },
          { digest: 'sha256:2', tags: ['b'] }
        ]
      },
      deleted: ['sha256:2'],
      failed: [{ digest: 'sha256:1', reason: 'referenced' }]
    },
    warnings: ['denied'],
    tookMs: 5
  }
  expect(cleanupJson(outcome)).toEqual({
    dryRun: false,
    revisions: [
      {
        family: 'api',
        removed: [arn('api', 7)],
        kept: [arn('api', 9)],
        failed: [arn('api', 8)],
        deferred: 0
      }
    ],
    images: { repository: 'api', removed: ['sha256:2'], kept: 0, failed: ['sha256:1'] },
    warnings: ['denied']
  })
})
