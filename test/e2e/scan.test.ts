// The scan gate's reading of ECR on the local stack: moto's own answer for an image pushed to a
// scan-on-push repository, the layer's scripted findings (CRITICAL, Inspector's, a scan still
// running, two pages), and an image never scanned, each read through the action's ECR adapter.
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr'
import { rm } from 'node:fs/promises'
import { beforeEach, describe, expect, test } from 'vitest'
import { Ecr } from '../../src/aws/ecr.js'
import { Ecs } from '../../src/aws/ecs.js'
import { systemClock } from '../../src/model/clock.js'
import type { ScanPolicy } from '../../src/scan/gate.js'
import { scanGate } from '../../src/scan/scan-gate.js'
import { REGISTRY_HOST } from './stack/config.js'
import { ecr, ecs, stackControl } from './support/aws.js'
import { buildAndPush, makeBuildContext } from './support/docker.js'
import { CLUSTER, REPOSITORY, seed, type Seeded } from './seed.js'

const deps = { ecr: new Ecr(ecr), ecs: new Ecs(ecs, CLUSTER), clock: systemClock }
const POLICY: ScanPolicy = {
  failOn: 'CRITICAL',
  allow: [],
  timeoutMs: 5_000,
  pollMs: 100,
  whenUnavailable: 'fail'
}

let seeded: Seeded
beforeEach(async () => {
  seeded = await seed()
})

describe('moto, through the bridge', () => {
  test("an image pushed to a scan-on-push repository has moto's one HIGH finding", async () => {
    const answer = await deps.ecr.scanFindings(REPOSITORY, seeded.seedImage.digest)
    expect(answer).toMatchObject({
      kind: 'scan',
      status: 'COMPLETE',
      findings: [
        {
          name: 'CVE-9999-9999',
          severity: 'HIGH',
          attributes: expect.arrayContaining([
            { key: 'package_name', value: 'moto_fake' },
            { key: 'package_version', value: '9.9.9' }
          ]) as unknown
        }
      ],
      enhancedFindings: []
    })

    const high = await scanGate(
      {
        repository: REPOSITORY,
        digest: seeded.seedImage.digest,
        policy: { ...POLICY, failOn: 'HIGH' }
      },
      deps
    )
    expect(high.verdict).toBe('refuse')
    expect(high.judgement.blocking).toEqual([
      {
        id: 'CVE-9999-9999',
        severity: 'HIGH',
        package: 'moto_fake',
        version: '9.9.9',
        scanner: 'basic'
      }
    ])
    const critical = await scanGate(
      { repository: REPOSITORY, digest: seeded.seedImage.digest, policy: POLICY },
      deps
    )
    expect(critical.verdict).toBe('deploy')
  })

  test('an image pushed to a repository without scan on push has no scan', async () => {
    const repository = 'babyshield-unscanned'
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repository }))
    const context = await makeBuildContext()
    let digest: string
    try {
      digest = await buildAndPush(
        context,
        `${REGISTRY_HOST}/${repository}:production-fixed-20261201`
      )
    } finally {
      await rm(context, { recursive: true, force: true })
    }
    expect(await deps.ecr.scanFindings(repository, digest)).toMatchObject({ kind: 'no-scan' })
    const outcome = await scanGate(
      { repository, digest, pushedAt: new Date(Date.now() - 3_600_000), policy: POLICY },
      deps
    )
    expect(outcome.verdict).toBe('refuse')
    expect(outcome.scan).toMatchObject({ kind: 'unavailable', problem: 'not-configured' })
  })
})

describe("the layer's scripted findings", () => {
  /** 1,100 LOW findings (two pages of ECR's 1,000) and one CRITICAL one of Inspector's. */
  const script = (extra: object = {}) => ({
    repository: REPOSITORY,
    digest: seeded.seedImage.digest,
    pendingLooks: 2,
    findings: Array.from({ length: 1100 }, (_, i) => ({
      name: `CVE-2024-${20000 + i}`,
      severity: 'LOW',
      attributes: [
        { key: 'package_name', value: 'libfoo' },
        { key: 'package_version', value: '1.0' }
      ]
    })),
    enhancedFindings: [
      {
        severity: 'CRITICAL',
        status: 'ACTIVE',
        type: 'PACKAGE_VULNERABILITY',
        packageVulnerabilityDetails: {
          vulnerabilityId: 'CVE-2024-3094',
          vulnerablePackages: [
            {
              name: 'xz-libs',
              version: '5.6.0',
              release: '1.amzn2',
              fixedInVersion: '5.6.1-1.amzn2'
            }
          ]
        }
      }
    ],
    ...extra
  })

  test('a CRITICAL finding after a scan in progress: refused, with the findings', async () => {
    await stackControl.scanFindings(script())
    const outcome = await scanGate(
      { repository: REPOSITORY, digest: seeded.seedImage.digest, policy: POLICY },
      deps
    )
    expect(outcome.verdict).toBe('refuse')
    expect(outcome.judgement.blocking).toEqual([
      {
        id: 'CVE-2024-3094',
        severity: 'CRITICAL',
        package: 'xz-libs',
        version: '5.6.0-1.amzn2',
        fixedIn: '5.6.1-1.amzn2',
        scanner: 'enhanced'
      }
    ])
    expect(outcome.judgement.below).toHaveLength(1100)
    // Two looks in progress, a poll apart each.
    expect(outcome.waitedMs).toBeGreaterThanOrEqual(200)
  })

  test('the same finding allow-listed: accepted', async () => {
    await stackControl.scanFindings(script({ pendingLooks: 0 }))
    const outcome = await scanGate(
      {
        repository: REPOSITORY,
        digest: seeded.seedImage.digest,
        policy: { ...POLICY, allow: ['CVE-2024-3094'] }
      },
      deps
    )
    expect(outcome.verdict).toBe('deploy')
    expect(outcome.judgement.allowed.map(f => f.id)).toEqual(['CVE-2024-3094'])
  })

  test.each<[ScanPolicy['whenUnavailable'], 'deploy' | 'refuse']>([
    ['fail', 'refuse'],
    ['warn', 'deploy']
  ])(
    'a scan still in progress past its limit, scan-unavailable %s: %s',
    async (whenUnavailable, verdict) => {
      await stackControl.scanFindings(script({ pendingLooks: 1000 }))
      const outcome = await scanGate(
        {
          repository: REPOSITORY,
          digest: seeded.seedImage.digest,
          policy: { ...POLICY, timeoutMs: 1_000, pollMs: 200, whenUnavailable }
        },
        deps
      )
      expect(outcome.verdict).toBe(verdict)
      expect(outcome.scan).toMatchObject({ kind: 'unavailable', problem: 'timed-out' })
    }
  )

  test('a failed scan says so', async () => {
    await stackControl.scanFindings(
      script({ pendingLooks: 0, status: 'FAILED', description: 'scan failed' })
    )
    const outcome = await scanGate(
      { repository: REPOSITORY, digest: seeded.seedImage.digest, policy: POLICY },
      deps
    )
    expect(outcome.scan).toEqual({
      kind: 'unavailable',
      problem: 'failed',
      detail: 'the scan failed (FAILED: scan failed)'
    })
  })
})
