// The release workflow moves the major tag only for a release tag vX.Y.Z: its tag check, run as
// GitHub runs it.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'

const ROOT = join(import.meta.dirname, '..', '..')
const workflow = parse(readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8')) as {
  on: Record<string, { types?: string[] }>
  jobs: Record<
    string,
    { steps: { name?: string; run?: string }[]; permissions?: Record<string, string> }
  >
}
const [job] = Object.values(workflow.jobs)
const dir = mkdtempSync(join(tmpdir(), 'release-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function checkTag(tag: string): { status: number | null; major: string; stdout: string } {
  const script = job?.steps.find(s => s.name === 'Check the tag')?.run ?? 'exit 99'
  const output = join(dir, `output-${tag.replace(/\W/g, '_')}`)
  const run = spawnSync('bash', ['-e', '-c', script], {
    env: { PATH: process.env.PATH ?? '', TAG: tag, GITHUB_OUTPUT: output },
    encoding: 'utf8'
  })
  let major = ''
  try {
    major = /^major=(.*)$/m.exec(readFileSync(output, 'utf8'))?.[1] ?? ''
  } catch {
    major = ''
  }
  return { status: run.status, major, stdout: run.stdout }
}

describe('the release workflow', () => {
  test('runs on a published release and may write tags, nothing else', () => {
    expect(workflow.on.release?.types).toEqual(['published'])
    expect(job?.permissions).toEqual({ contents: 'write' })
  })

  test.each([
    ['v1.2.3', 'v1'],
    ['v12.0.10', 'v12']
  ])('%s moves %s', (tag, major) => {
    expect(checkTag(tag)).toMatchObject({ status: 0, major })
  })

  test.each(['v1', 'v1.2', '1.2.3', 'v1.2.3-rc.1', 'v1.2.3; echo hacked'])(
    '%s is refused and moves nothing',
    tag => {
      const run = checkTag(tag)
      expect(run.status).toBe(1)
      expect(run.major).toBe('')
      expect(run.stdout).toContain('::error title=Not a release tag::')
    }
  )

  test('refuses a stale dist/ and a version without a CHANGELOG entry before the tag moves', () => {
    const names = job?.steps.map(s => s.name) ?? []
    const move = names.findIndex(n => n?.startsWith('Move '))
    expect(names.indexOf('dist/ is the build of src/')).toBeLessThan(move)
    expect(names.indexOf('The CHANGELOG has the version')).toBeLessThan(move)
    expect(names.indexOf('dist/ is the build of src/')).toBeGreaterThan(-1)
  })
})
