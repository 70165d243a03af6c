import { describe, expect, test } from 'vitest'
import type { ScanAnswer } from '../../src/aws/ecr.js'
import type { Finding } from '../../src/scan/findings.js'
import {
  classifyScan,
  decide,
  judgeFindings,
  rollbackNote,
  timedOut,
  type FinalState,
  type ScanPolicy,
  type ScanState
} from '../../src/scan/gate.js'

const IMAGE = `babyshield-backend@sha256:${'a'.repeat(64)}`
const policy = (extra: Partial<ScanPolicy> = {}): ScanPolicy => ({
  failOn: 'CRITICAL',
  allow: [],
  timeoutMs: 300_000,
  pollMs: 5_000,
  whenUnavailable: 'fail',
  ...extra
})

const critical: Finding = {
  id: 'CVE-2024-3094',
  severity: 'CRITICAL',
  package: 'xz-libs',
  version: '5.6.0',
  fixedIn: '5.6.1',
  scanner: 'enhanced'
}
const high: Finding = {
  id: 'CVE-2024-0002',
  severity: 'HIGH',
  package: 'zlib',
  version: '1.2.11',
  scanner: 'basic'
}
const low: Finding = {
  id: 'CVE-2024-0003',
  severity: 'LOW',
  package: 'bash',
  version: '5.1',
  scanner: 'basic'
}
const untriaged: Finding = {
  id: 'CVE-2024-0100',
  severity: 'UNTRIAGED',
  package: 'curl',
  scanner: 'enhanced'
}

const scan = (status: string | undefined, description?: string): ScanAnswer => ({
  kind: 'scan',
  ...(status ? { status } : {}),
  ...(description ? { description } : {}),
  findings: [],
  enhancedFindings: []
})

describe('classifyScan', () => {
  test.each<[string, ScanAnswer, boolean, ScanState]>([
    [
      'COMPLETE (basic)',
      scan('COMPLETE'),
      false,
      { kind: 'complete', status: 'COMPLETE', findings: [], inactive: 0 }
    ],
    [
      'ACTIVE (enhanced, continuous)',
      scan('ACTIVE'),
      false,
      { kind: 'complete', status: 'ACTIVE', findings: [], inactive: 0 }
    ],
    ['IN_PROGRESS', scan('IN_PROGRESS'), false, { kind: 'pending', status: 'IN_PROGRESS' }],
    ['PENDING', scan('PENDING'), false, { kind: 'pending', status: 'PENDING' }],
    ['no status yet', scan(undefined), false, { kind: 'pending', status: 'no status' }],
    [
      'no scan, image just pushed',
      { kind: 'no-scan', detail: 'ScanNotFoundException' },
      true,
      { kind: 'pending', status: 'not started' }
    ],
    [
      'no scan, image not new: scanning is off',
      { kind: 'no-scan', detail: 'ScanNotFoundException' },
      false,
      {
        kind: 'unavailable',
        problem: 'not-configured',
        detail:
          'ECR has no scan of it: turn on scan on push for the repository (basic scanning) or enhanced scanning (Amazon Inspector) for the registry'
      }
    ],
    [
      'UNSUPPORTED_IMAGE',
      scan('UNSUPPORTED_IMAGE', 'UnsupportedImageError: The operating system is not supported'),
      false,
      {
        kind: 'unavailable',
        problem: 'unsupported',
        detail:
          'ECR cannot scan this image (UNSUPPORTED_IMAGE: UnsupportedImageError: The operating system is not supported)'
      }
    ],
    [
      'FAILED',
      scan('FAILED'),
      true,
      { kind: 'unavailable', problem: 'failed', detail: 'the scan failed (FAILED)' }
    ],
    [
      'SCAN_ELIGIBILITY_EXPIRED',
      scan('SCAN_ELIGIBILITY_EXPIRED'),
      false,
      {
        kind: 'unavailable',
        problem: 'no-findings',
        detail: 'the scan gives no findings to judge (SCAN_ELIGIBILITY_EXPIRED)'
      }
    ],
    [
      'a status newer than this code',
      scan('QUARANTINED', 'new'),
      false,
      {
        kind: 'unavailable',
        problem: 'no-findings',
        detail: 'the scan gives no findings to judge (QUARANTINED: new)'
      }
    ],
    [
      'no image',
      { kind: 'no-image', detail: 'ImageNotFoundException' },
      true,
      { kind: 'unavailable', problem: 'no-image', detail: 'ECR has no such image' }
    ]
  ])('%s', (_, answer, young, state) => {
    expect(classifyScan(answer, young)).toEqual(state)
  })

  test('the findings of a complete scan, both kinds', () => {
    const state = classifyScan(
      {
        kind: 'scan',
        status: 'COMPLETE',
        findings: [{ name: 'CVE-2024-0002', severity: 'HIGH' }],
        enhancedFindings: [
          {
            severity: 'CRITICAL',
            status: 'ACTIVE',
            packageVulnerabilityDetails: { vulnerabilityId: 'CVE-2024-3094' }
          }
        ]
      },
      false
    )
    expect(state).toEqual({
      kind: 'complete',
      status: 'COMPLETE',
      findings: [
        { id: 'CVE-2024-3094', severity: 'CRITICAL', scanner: 'enhanced' },
        { id: 'CVE-2024-0002', severity: 'HIGH', scanner: 'basic' }
      ],
      inactive: 0
    })
  })
})

describe('judgeFindings', () => {
  test.each<
    [
      string,
      Finding[],
      Partial<ScanPolicy>,
      { blocking: Finding[]; allowed: Finding[]; below: Finding[] }
    ]
  >([
    [
      'CRITICAL: only the critical one blocks',
      [critical, high, low],
      {},
      { blocking: [critical], allowed: [], below: [high, low] }
    ],
    [
      'HIGH: the critical and the high one block',
      [critical, high, low],
      { failOn: 'HIGH' },
      { blocking: [critical, high], allowed: [], below: [low] }
    ],
    [
      'allow-listed (any case) is accepted',
      [critical, high],
      { failOn: 'HIGH', allow: ['cve-2024-3094'] },
      { blocking: [high], allowed: [critical], below: [] }
    ],
    [
      'an allowed CVE below the level is simply below',
      [low],
      { failOn: 'HIGH', allow: ['CVE-2024-0003'] },
      { blocking: [], allowed: [], below: [low] }
    ],
    [
      'INFORMATIONAL: every ranked finding blocks, an unranked one never',
      [low, untriaged],
      { failOn: 'INFORMATIONAL' },
      { blocking: [low], allowed: [], below: [untriaged] }
    ],
    ['no findings', [], {}, { blocking: [], allowed: [], below: [] }]
  ])('%s', (_, findings, extra, expected) => {
    expect(judgeFindings(findings, policy(extra))).toEqual(expected)
  })
})

describe('decide', () => {
  const complete = (findings: Finding[]): FinalState => ({
    kind: 'complete',
    status: 'COMPLETE',
    findings,
    inactive: 1
  })

  test.each<[string, FinalState, Partial<ScanPolicy>, 'deploy' | 'refuse', string, string[]]>([
    [
      'a CRITICAL finding refuses, naming it',
      complete([critical, low]),
      {},
      'refuse',
      `fail-on-severity CRITICAL: the ECR scan of ${IMAGE} has 1 finding at or above CRITICAL: CVE-2024-3094 CRITICAL xz-libs 5.6.0 (fixed in 5.6.1). Fix it, or accept a CVE by naming it in allow-cves.`,
      []
    ],
    [
      'allow-listed: deploys, and warns that it was accepted',
      complete([critical, low]),
      { allow: ['CVE-2024-3094'] },
      'deploy',
      `fail-on-severity CRITICAL: the ECR scan of ${IMAGE} (COMPLETE) has no finding at or above CRITICAL to stop it; 1 finding at or above CRITICAL accepted by allow-cves (CVE-2024-3094); 1 finding below.`,
      [
        `fail-on-severity CRITICAL: the ECR scan of ${IMAGE} (COMPLETE) has no finding at or above CRITICAL to stop it; 1 finding at or above CRITICAL accepted by allow-cves (CVE-2024-3094); 1 finding below.`
      ]
    ],
    [
      'clean: deploys without a warning',
      complete([low, untriaged]),
      { failOn: 'HIGH' },
      'deploy',
      `fail-on-severity HIGH: the ECR scan of ${IMAGE} (COMPLETE) has no finding at or above HIGH to stop it; 2 findings below.`,
      []
    ],
    [
      'blocking and allowed together: refuses, and says which were accepted',
      complete([critical, high]),
      { failOn: 'HIGH', allow: ['CVE-2024-0002'] },
      'refuse',
      `fail-on-severity HIGH: the ECR scan of ${IMAGE} has 1 finding at or above HIGH: CVE-2024-3094 CRITICAL xz-libs 5.6.0 (fixed in 5.6.1); 1 finding at or above HIGH accepted by allow-cves (CVE-2024-0002). Fix it, or accept a CVE by naming it in allow-cves.`,
      []
    ],
    [
      'pending past the limit, scan-unavailable fail: refuses',
      timedOut('IN_PROGRESS', policy({ timeoutMs: 300_000 })),
      {},
      'refuse',
      `fail-on-severity CRITICAL: the ECR scan of ${IMAGE} cannot be judged: the scan was still IN_PROGRESS after scan-timeout-minutes (5 min); scan-unavailable is fail: not deploying an image whose scan is unknown.`,
      []
    ],
    [
      'pending past the limit, scan-unavailable warn: deploys with a warning',
      timedOut('IN_PROGRESS', policy({ timeoutMs: 3_000 })),
      { whenUnavailable: 'warn' },
      'deploy',
      `fail-on-severity CRITICAL: the ECR scan of ${IMAGE} cannot be judged: the scan was still IN_PROGRESS after scan-timeout-minutes (3 s); scan-unavailable is warn: deploying without a verdict.`,
      [
        `fail-on-severity CRITICAL: the ECR scan of ${IMAGE} cannot be judged: the scan was still IN_PROGRESS after scan-timeout-minutes (3 s); scan-unavailable is warn: deploying without a verdict.`
      ]
    ]
  ])('%s', (_, state, extra, verdict, reason, warnings) => {
    const outcome = decide(state, policy(extra), IMAGE, 12_000)
    expect(outcome.verdict).toBe(verdict)
    expect(outcome.reason).toBe(reason)
    expect(outcome.warnings).toEqual(warnings)
    expect(outcome.waitedMs).toBe(12_000)
  })

  test('more than ten blocking findings: ten in the line, the rest counted', () => {
    const many = Array.from({ length: 12 }, (_, i): Finding => ({
      id: `CVE-2024-${String(1000 + i)}`,
      severity: 'CRITICAL',
      scanner: 'basic'
    }))
    const outcome = decide(complete(many), policy(), IMAGE, 0)
    expect(outcome.judgement.blocking).toHaveLength(12)
    expect(outcome.reason).toContain('CVE-2024-1009 CRITICAL; and 2 more.')
    expect(outcome.reason).not.toContain('CVE-2024-1010')
  })
})

describe('rollbackNote', () => {
  test('a target with findings at or above the level: a warning, never a refusal', () => {
    const note = rollbackNote(
      decide(
        { kind: 'complete', status: 'COMPLETE', findings: [critical], inactive: 0 },
        policy(),
        IMAGE,
        0
      )
    )
    expect(note).toEqual({
      warning: `The rollback target ${IMAGE} has 1 finding at or above CRITICAL in its ECR scan: CVE-2024-3094 CRITICAL xz-libs 5.6.0 (fixed in 5.6.1). Rolling back anyway: fail-on-severity never blocks a rollback.`,
      info: `The rollback target ${IMAGE} has 1 finding at or above CRITICAL in its ECR scan: CVE-2024-3094 CRITICAL xz-libs 5.6.0 (fixed in 5.6.1). Rolling back anyway: fail-on-severity never blocks a rollback.`
    })
  })

  test('a scan that cannot be judged: said, not warned', () => {
    const state: FinalState = {
      kind: 'unavailable',
      problem: 'failed',
      detail: 'the scan failed (FAILED)'
    }
    expect(rollbackNote(decide(state, policy(), IMAGE, 0))).toEqual({
      info: `The ECR scan of the rollback target ${IMAGE} cannot be judged (the scan failed (FAILED)); a rollback is not gated.`
    })
  })

  test('a clean target: said, not warned', () => {
    const note = rollbackNote(
      decide(
        { kind: 'complete', status: 'ACTIVE', findings: [low], inactive: 0 },
        policy(),
        IMAGE,
        0
      )
    )
    expect(note).toEqual({
      info: `The ECR scan of the rollback target ${IMAGE} (ACTIVE) has no finding at or above CRITICAL.`
    })
  })
})
