// The on-call story: the site answers 500 after a deploy, and someone runs the rollback
// workflow from the Actions tab with a target and a note. The whole run, through run().
import { DescribeImageScanFindingsCommand } from '@aws-sdk/client-ecr'
import { RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { run } from '../../src/main.js'
import { NEW_DIGEST, REPOSITORY_URI, arn } from '../../test/support/task-definitions.js'
import { CLUSTER, SERVICE } from '../../test/support/ecs-answers.js'
import { FakeRunner } from '../../test/support/runner.js'
import {
  CURRENT,
  FAMILY,
  REGISTERED,
  THIRD_DIGEST,
  rollbackWorld
} from '../../test/support/verify-rollback-world.js'

const runner = new FakeRunner()

/** The inputs rollback.yml passes from its workflow_dispatch form. */
function dispatch(target: string, notes: string, extra: Record<string, string> = {}): void {
  const inputs: Record<string, string> = {
    mode: 'rollback',
    cluster: CLUSTER,
    service: SERVICE,
    'ecr-repository': 'babyshield-backend',
    'rollback-to': target,
    'deployment-notes': notes,
    ...extra
  }
  runner.inputs(inputs)
}

beforeEach(() => {
  runner.reset()
  vi.stubEnv('AWS_REGION', 'eu-north-1')
})

afterEach(() => {
  vi.unstubAllEnvs()
  process.exitCode = undefined
})

afterAll(() => {
  runner.remove()
})

describe('manual rollback from the Actions tab', () => {
  test('previous: the service is back on the last good image, and the summary says from what to what and why', async () => {
    const w = rollbackWorld({ arn: arn(FAMILY, 38), digest: NEW_DIGEST })
    dispatch('previous', 'recall feed answers 500 since the 14:02 deploy')
    await run(() => w.deps)

    expect(process.exitCode).toBeUndefined()
    expect(runner.outputs()).toMatchObject({
      'rolled-back': 'true',
      verified: 'true',
      'task-definition-arn': arn(FAMILY, 38),
      'previous-task-definition-arn': CURRENT,
      digest: NEW_DIGEST,
      image: `${REPOSITORY_URI}@${NEW_DIGEST}`
    })
    const text = runner.summary()
    expect(text).toContain(`## ✅ Rollback succeeded: ${SERVICE} in ${CLUSTER}`)
    expect(text).toContain(`| Revision | ${FAMILY}:41 → ${FAMILY}:38 |`)
    expect(text).toContain('| Rolled back | ↩️ yes |')
    expect(text).toContain('| Notes | recall feed answers 500 since the 14:02 deploy |')
    expect(text).toContain(
      `rollback ${FAMILY}:41 (sha256:${'a'.repeat(64)}) → ${FAMILY}:38 (${NEW_DIGEST}): previous: the newest earlier revision with another digest`
    )
    expect(text).toContain('| ✅ | tasks run the expected digest |')
  })

  test('a tag: pinned into a new revision, registered once, deployed', async () => {
    const w = rollbackWorld({ arn: REGISTERED, digest: THIRD_DIGEST })
    dispatch('production-fixed-20261119', 'back to the 19 November build')
    await run(() => w.deps)

    expect(process.exitCode).toBeUndefined()
    expect(runner.outputs()).toMatchObject({
      'rolled-back': 'true',
      tag: 'production-fixed-20261119',
      'task-definition-arn': REGISTERED
    })
    expect(w.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1)
    expect(runner.summary()).toContain(`| Revision | ${FAMILY}:41 → ${FAMILY}:44 |`)
  })

  test('a target that does not exist fails the step, says why, and changes nothing', async () => {
    const w = rollbackWorld({ arn: '', digest: '' })
    dispatch('12', 'typo')
    await run(() => w.deps)

    expect(process.exitCode).toBe(1)
    expect(runner.printed()).toContain(
      `::error::rollback-to '12': task definition ${FAMILY}:12 could not be found`
    )
    expect(runner.outputs()).toMatchObject({ 'rolled-back': 'false', verified: 'false' })
    expect(runner.summary()).toContain(`## ❌ Rollback failed: ${SERVICE} in ${CLUSTER}`)
    expect(w.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0)
    expect(w.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0)
  })

  test('dry-run: the summary shows the target and the diff; nothing is changed', async () => {
    const w = rollbackWorld({ arn: arn(FAMILY, 38), digest: NEW_DIGEST })
    dispatch('previous', 'what would happen?', { 'dry-run': 'true' })
    await run(() => w.deps)

    expect(process.exitCode).toBeUndefined()
    // A dry run moves the service to no revision: task-definition-arn is empty, as for a tag
    // or a deploy; what would run is in the summary.
    expect(runner.outputs()).toMatchObject({
      'rolled-back': 'false',
      'task-definition-arn': '',
      'previous-task-definition-arn': CURRENT,
      digest: NEW_DIGEST
    })
    const text = runner.summary()
    expect(text).toContain(`## 📝 Rollback (dry run): ${SERVICE} in ${CLUSTER}`)
    expect(text).toContain('### Planned task definition (diff against the current revision)')
    expect(text).toContain(`+       "image": "${REPOSITORY_URI}@${NEW_DIGEST}",`)
    expect(w.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0)
  })

  test('fail-on-severity: a target with a CRITICAL finding is rolled back to all the same, with a warning that names it', async () => {
    const w = rollbackWorld({ arn: arn(FAMILY, 38), digest: NEW_DIGEST })
    w.ecrMock.on(DescribeImageScanFindingsCommand).resolves({
      imageScanStatus: { status: 'COMPLETE' },
      imageScanFindings: {
        findings: [{ name: 'CVE-2024-3094', severity: 'CRITICAL' }]
      }
    })
    dispatch('previous', 'site down', { 'fail-on-severity': 'CRITICAL' })
    await run(() => w.deps)

    expect(process.exitCode).toBeUndefined()
    expect(runner.outputs()).toMatchObject({
      'rolled-back': 'true',
      'task-definition-arn': arn(FAMILY, 38)
    })
    // Read once, in the target's repository, and never waited for.
    expect(
      w.ecrMock.commandCalls(DescribeImageScanFindingsCommand).map(c => c.args[0].input)
    ).toEqual([
      {
        repositoryName: 'babyshield-backend',
        imageId: { imageDigest: NEW_DIGEST },
        maxResults: 1000
      }
    ])
    expect(runner.printed()).toContain(
      `::warning title=The rollback target has findings::The rollback target babyshield-backend@${NEW_DIGEST} has 1 finding at or above CRITICAL in its ECR scan: CVE-2024-3094 CRITICAL. Rolling back anyway: fail-on-severity never blocks a rollback.`
    )
    const text = runner.summary()
    expect(text).toContain('### Scan of the rollback target')
    expect(text).toContain(
      '| Result | ⚠️ findings at or above CRITICAL: rolled back anyway, a rollback is never gated |'
    )
    const result = JSON.parse(runner.outputs().result ?? '{}') as { scans: { verdict: string }[] }
    expect(result.scans.map(s => s.verdict)).toEqual(['warn'])
  })
})
