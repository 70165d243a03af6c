import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import {
  importCycles,
  importsOf,
  resolveImport,
  sourceProblems
} from '../../scripts/lint-source.js'

describe('importsOf', () => {
  test('static, type-only, re-exports and dynamic imports; packages are not followed', () => {
    const source = [
      "import * as core from '@actions/core'",
      "import { a } from './a.js'",
      "import type { B } from '../b.js'",
      'import {',
      '  c,',
      '  d',
      "} from './c.js'",
      "export { e } from './e.js'",
      "import './side-effect.js'",
      "const f = await import('./f.js')"
    ].join('\n')
    expect(importsOf(source).sort()).toEqual([
      '../b.js',
      './a.js',
      './c.js',
      './e.js',
      './f.js',
      './side-effect.js'
    ])
  })

  test('a module named in a comment or a string is not an import', () => {
    expect(importsOf("// see './a.js'\nconst s = 'from ./b.js'")).toEqual([])
  })
})

test('resolveImport names the .ts file of a .js specifier', () => {
  expect(resolveImport('src/rollout/watch.ts', '../names.js')).toBe('src/names.ts')
  expect(resolveImport('src/rollout/watch.ts', './classify.js')).toBe('src/rollout/classify.ts')
})

describe('importCycles', () => {
  test('no cycle in a tree', () => {
    const graph = new Map([
      ['main', ['modes', 'names']],
      ['modes', ['names']],
      ['names', []]
    ])
    expect(importCycles(graph)).toEqual([])
  })

  test('two files that import each other, and a longer loop, are each one cycle', () => {
    const graph = new Map([
      ['supervise', ['recovery']],
      ['recovery', ['supervise', 'names']],
      ['names', []],
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']]
    ])
    expect(importCycles(graph)).toEqual([
      ['a', 'b', 'c'],
      ['recovery', 'supervise']
    ])
  })

  test('a file that imports itself is a cycle', () => {
    expect(importCycles(new Map([['self', ['self']]]))).toEqual([['self']])
  })
})

describe('sourceProblems', () => {
  let dir = ''
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  test('finds a cycle through a type-only import', () => {
    dir = mkdtempSync(join(tmpdir(), 'lint-source-'))
    mkdirSync(join(dir, 'rollout'))
    writeFileSync(join(dir, 'rollout', 'supervise.ts'), "import { recover } from './recovery.js'\n")
    writeFileSync(
      join(dir, 'rollout', 'recovery.ts'),
      "import type { StartedRollout } from './supervise.js'\n"
    )
    writeFileSync(join(dir, 'fine.ts'), "import type { X } from './rollout/recovery.js'\n")
    const problems = sourceProblems(dir)
    expect(problems).toHaveLength(1)
    expect(problems.join('\n')).toMatch(/import cycle: .*recovery\.ts → .*supervise\.ts/)
  })
})
