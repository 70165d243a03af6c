// The scan gate against a mocked ECR, on the virtual clock: what it waits for, how long, and the
// verdict it returns for the mode to act on.
import * as core from '@actions/core'
import {
  DescribeImageScanFindingsCommand,
  ScanNotFoundException,
  type DescribeImageScanFindingsCommandOutput
} from '@aws-sdk/client-ecr'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { rollbackScan, scanGate } from '../../src/scan/scan-gate.js'
import type { ScanPolicy } from '../../src/scan/gate.js'
import { NEW_DIGEST } from '../../test/support/task-definitions.js'
import { mockedDeps } from '../../test/support/fakes.js'

vi.mock('@actions/core')

const REPOSITORY = 'babyshield-backend'
const IMAGE = `${REPOSITORY}@${NEW_DIGEST}`
const POLICY: ScanPolicy = {
  failOn: 'CRITICAL',
  allow: [],
  timeoutMs: 20_000,
  pollMs: 5_000,
  whenUnavailable: 'fail'
}

type Answer = Partial<DescribeImageScanFindingsCommandOutput>

const status = (s: string): Answer => ({ imageScanStatus: { status: s } as never })
const complete = (findings: NonNullable<Answer['imageScanFindings']>['findings'] = []): Answer => ({
  imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
  imageScanFindings: { findings }
})
const CRITICAL = {
  name: 'CVE-2024-3094',
  severity: 'CRITICAL' as const,
  attributes: [
    { key: 'package_name', value: 'xz-libs' },
    { key: 'package_version', value: '5.6.0' }
  ]
}
const HIGH = { name: 'CVE-2024-0002', severity: 'HIGH' as const }
const noScan = () =>
  new ScanNotFoundException({ message: 'Image scan does not exist', $metadata: {} })

let world: ReturnType<typeof mockedDeps>
beforeEach(() => {
  vi.clearAllMocks()
  world = mockedDeps({ digest: NEW_DIGEST })
})

function script(...answers: (Answer | Error)[]): void {
  const mock = world.ecrMock.on(DescribeImageScanFindingsCommand)
  for (const answer of answers) {
    if (answer instanceof Error) mock.rejectsOnce(answer)
    else mock.resolvesOnce(answer)
  }
}
const calls = () => world.ecrMock.commandCalls(DescribeImageScanFindingsCommand).length

describe('scanGate', () => {
  test('a scan with a CRITICAL finding: refused, with the findings', async () => {
    script(complete([CRITICAL, HIGH]))
    const outcome = await scanGate(
      { repository: REPOSITORY, digest: NEW_DIGEST, policy: POLICY },
      world.deps
    )
    expect(outcome.verdict).toBe('refuse')
    expect(outcome.judgement.blocking).toEqual([
      {
        id: 'CVE-2024-3094',
        severity: 'CRITICAL',
        package: 'xz-libs',
        version: '5.6.0',
        scanner: 'basic'
      }
    ])
    expect(outcome.judgement.below.map(f => f.id)).toEqual(['CVE-2024-0002'])
    expect(outcome.reason).toBe(
      `fail-on-severity CRITICAL: the ECR scan of ${IMAGE} has 1 finding at or above CRITICAL: CVE-2024-3094 CRITICAL xz-libs 5.6.0. Fix it, or accept a CVE by naming it in allow-cves.`
    )
    // The log has every finding, one a line.
    expect(vi.mocked(core.info).mock.calls.map(c => c[0])).toEqual([
      outcome.reason,
      '  at or above CRITICAL: CVE-2024-3094 CRITICAL xz-libs 5.6.0',
      '  below CRITICAL: CVE-2024-0002 HIGH'
    ])
    expect(world.ecrMock.commandCalls(DescribeImageScanFindingsCommand)[0]?.args[0].input).toEqual({
      repositoryName: REPOSITORY,
      imageId: { imageDigest: NEW_DIGEST },
      maxResults: 1000
    })
  })

  test('the same finding allow-listed: accepted, with a warning that says so', async () => {
    script(complete([CRITICAL]))
    const outcome = await scanGate(
      {
        repository: REPOSITORY,
        digest: NEW_DIGEST,
        policy: { ...POLICY, allow: ['CVE-2024-3094'] }
      },
      world.deps
    )
    expect(outcome.verdict).toBe('deploy')
    expect(outcome.judgement.allowed.map(f => f.id)).toEqual(['CVE-2024-3094'])
    expect(outcome.warnings).toEqual([
      `fail-on-severity CRITICAL: the ECR scan of ${IMAGE} (COMPLETE) has no finding at or above CRITICAL to stop it; 1 finding at or above CRITICAL accepted by allow-cves (CVE-2024-3094); 0 findings below.`
    ])
  })

  test('a scan still running waits, a poll at a time, until it completes', async () => {
    script(status('PENDING'), status('IN_PROGRESS'), complete([HIGH]))
    const outcome = await scanGate(
      { repository: REPOSITORY, digest: NEW_DIGEST, policy: POLICY },
      world.deps
    )
    expect(outcome.verdict).toBe('deploy')
    expect(outcome.waitedMs).toBe(10_000)
    expect(world.clock.sleeps).toEqual([5_000, 5_000])
    expect(vi.mocked(core.info).mock.calls.map(c => c[0])).toEqual([
      'scan of sha256:bbbbbbbbbbbb: PENDING, waiting (0 s of 20 s)',
      'scan of sha256:bbbbbbbbbbbb: IN_PROGRESS, waiting (5 s of 20 s)',
      `fail-on-severity CRITICAL: the ECR scan of ${IMAGE} (COMPLETE) has no finding at or above CRITICAL to stop it; 1 finding below.`,
      '  below CRITICAL: CVE-2024-0002 HIGH'
    ])
  })

  test.each<[ScanPolicy['whenUnavailable'], 'deploy' | 'refuse']>([
    ['fail', 'refuse'],
    ['warn', 'deploy']
  ])('pending past its limit, scan-unavailable %s: %s', async (whenUnavailable, verdict) => {
    world.ecrMock.on(DescribeImageScanFindingsCommand).resolves(status('IN_PROGRESS'))
    const outcome = await scanGate(
      { repository: REPOSITORY, digest: NEW_DIGEST, policy: { ...POLICY, whenUnavailable } },
      world.deps
    )
    expect(outcome.verdict).toBe(verdict)
    expect(outcome.scan).toEqual({
      kind: 'unavailable',
      problem: 'timed-out',
      detail: 'the scan was still IN_PROGRESS after scan-timeout-minutes (20 s)'
    })
    // Looked at 0, 5, 10, 15 and 20 s; a sixth look would be past the limit.
    expect(calls()).toBe(5)
    expect(world.clock.sleeps).toEqual([5_000, 5_000, 5_000, 5_000])
    expect(outcome.waitedMs).toBe(20_000)
    expect(outcome.warnings).toHaveLength(verdict === 'deploy' ? 1 : 0)
  })

  test('a fresh push with no scan yet is waited for: scan on push starts a moment later', async () => {
    script(noScan(), noScan(), complete([]))
    const outcome = await scanGate(
      { repository: REPOSITORY, digest: NEW_DIGEST, policy: POLICY },
      world.deps
    )
    expect(outcome.verdict).toBe('deploy')
    expect(calls()).toBe(3)
  })

  test('an image pushed long ago with no scan: scanning is off, said at once', async () => {
    world.ecrMock.on(DescribeImageScanFindingsCommand).rejects(noScan())
    const pushedAt = new Date(world.clock.now() - 3_600_000)
    const outcome = await scanGate(
      { repository: REPOSITORY, digest: NEW_DIGEST, pushedAt, policy: POLICY },
      world.deps
    )
    expect(outcome.verdict).toBe('refuse')
    expect(outcome.scan).toMatchObject({ kind: 'unavailable', problem: 'not-configured' })
    expect(calls()).toBe(1)
  })

  test('no scan for longer than the grace after the push: not configured, not a timeout', async () => {
    world.ecrMock.on(DescribeImageScanFindingsCommand).rejects(noScan())
    const outcome = await scanGate(
      {
        repository: REPOSITORY,
        digest: NEW_DIGEST,
        policy: { ...POLICY, timeoutMs: 600_000, pollMs: 10_000 }
      },
      world.deps
    )
    expect(outcome.scan).toMatchObject({ kind: 'unavailable', problem: 'not-configured' })
    // Looked at 0…50 s while the push was young, then at 60 s.
    expect(calls()).toBe(7)
    expect(outcome.waitedMs).toBe(60_000)
  })

  test('throttled: waited out like a running scan', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })
    script(throttled, complete([CRITICAL]))
    const outcome = await scanGate(
      { repository: REPOSITORY, digest: NEW_DIGEST, policy: POLICY },
      world.deps
    )
    expect(outcome.verdict).toBe('refuse')
    expect(calls()).toBe(2)
  })

  test('access denied: cannot be judged, and the error says why', async () => {
    const denied = Object.assign(
      new Error('not authorized to perform: ecr:DescribeImageScanFindings'),
      {
        name: 'AccessDeniedException'
      }
    )
    script(denied)
    const outcome = await scanGate(
      {
        repository: REPOSITORY,
        digest: NEW_DIGEST,
        policy: { ...POLICY, whenUnavailable: 'warn' }
      },
      world.deps
    )
    expect(outcome.verdict).toBe('deploy')
    expect(outcome.scan).toEqual({
      kind: 'unavailable',
      problem: 'unreadable',
      detail: `Could not read the scan findings of ${IMAGE} from ECR: AccessDeniedException: not authorized to perform: ecr:DescribeImageScanFindings`
    })
  })

  test('findings on two pages are read together', async () => {
    script(
      { ...complete([HIGH]), nextToken: 'page-2' },
      {
        imageScanStatus: { status: 'COMPLETE' },
        imageScanFindings: {
          enhancedFindings: [
            {
              severity: 'CRITICAL',
              status: 'ACTIVE',
              packageVulnerabilityDetails: {
                vulnerabilityId: 'CVE-2024-3094',
                vulnerablePackages: [{ name: 'xz-libs', version: '5.6.0', fixedInVersion: '5.6.1' }]
              }
            }
          ]
        }
      }
    )
    const outcome = await scanGate(
      { repository: REPOSITORY, digest: NEW_DIGEST, policy: POLICY },
      world.deps
    )
    expect(outcome.verdict).toBe('refuse')
    expect(outcome.judgement.blocking).toEqual([
      {
        id: 'CVE-2024-3094',
        severity: 'CRITICAL',
        package: 'xz-libs',
        version: '5.6.0',
        fixedIn: '5.6.1',
        scanner: 'enhanced'
      }
    ])
    expect(
      world.ecrMock.commandCalls(DescribeImageScanFindingsCommand)[1]?.args[0].input.nextToken
    ).toBe('page-2')
  })
})

describe('rollbackScan', () => {
  test('a target with a CRITICAL finding: a warning, and the verdict is not a refusal to act on', async () => {
    script(complete([CRITICAL]))
    const { warning, outcome } = await rollbackScan(
      { repository: REPOSITORY, digest: NEW_DIGEST, policy: POLICY },
      world.deps
    )
    expect(warning).toBe(
      `The rollback target ${IMAGE} has 1 finding at or above CRITICAL in its ECR scan: CVE-2024-3094 CRITICAL xz-libs 5.6.0. Rolling back anyway: fail-on-severity never blocks a rollback.`
    )
    expect(outcome.judgement.blocking).toHaveLength(1)
  })

  test('a target whose scan is still running is not waited for', async () => {
    world.ecrMock.on(DescribeImageScanFindingsCommand).resolves(status('IN_PROGRESS'))
    const note = await rollbackScan(
      { repository: REPOSITORY, digest: NEW_DIGEST, policy: POLICY },
      world.deps
    )
    expect(note.warning).toBeUndefined()
    expect(note.info).toBe(
      `The ECR scan of the rollback target ${IMAGE} cannot be judged (the scan is still IN_PROGRESS); a rollback is not gated.`
    )
    expect(world.clock.sleeps).toEqual([])
    expect(calls()).toBe(1)
  })
})
