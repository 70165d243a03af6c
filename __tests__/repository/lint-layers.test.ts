// The layers of src/ hold because ESLint fails on a file that breaks them: planted violations,
// linted with the project's own layer rules as if they stood in src/.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, test } from 'vitest'
import { LAYERS, layerConfig } from '../../eslint.layers.js'

const ROOT = join(import.meta.dirname, '..', '..')
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [layerConfig(ROOT)]
})

/** The rule ids and messages ESLint reports for `code` as the file at `path` under src/. */
async function problems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, 'src', path) })
  return (result?.messages ?? []).map(m => `${m.ruleId ?? 'parse'}: ${m.message}`)
}

describe('the layers', () => {
  test.each([
    [
      'the model importing a mode',
      'model/planted.ts',
      "import { deploy } from '../modes/deploy.js'"
    ],
    [
      'the model importing a type of the inputs',
      'model/planted.ts',
      "import type { Inputs } from '../inputs/inputs.js'"
    ],
    [
      'an adapter importing the engine',
      'aws/planted.ts',
      "import { classify } from '../rollout/classify.js'"
    ],
    [
      'the checks importing the watch, which imports the checks: a cycle between folders',
      'verify/planted.ts',
      "import { watchRollouts } from '../rollout/watch.js'"
    ],
    [
      'the bake importing the supervision that runs it',
      'bake/planted.ts',
      "import type { Supervision } from '../supervise/supervise.js'"
    ],
    ['the engine importing the entry', 'rollout/planted.ts', "import { run } from '../main.js'"]
  ])('%s is refused', async (_what, path, code) => {
    const found = await problems(path, `${code}\nexport const x = 1\n`)
    expect(found).toHaveLength(1)
    expect(found[0]).toMatch(
      /^import-x\/no-restricted-paths: Unexpected path .* imported in restricted zone\. src\/\w+ sits below/
    )
  })

  test.each([
    [
      'a mode importing the engine',
      'modes/planted.ts',
      "import { watchRollouts } from '../rollout/watch.js'"
    ],
    [
      'the engine importing the model',
      'rollout/planted.ts',
      "import type { Move } from '../model/move.js'"
    ],
    ['the entry importing a mode', 'planted.ts', "import { deploy } from './modes/deploy.js'"],
    [
      'a file importing its neighbour',
      'rollout/planted.ts',
      "import { classify } from './classify.js'"
    ]
  ])('%s is allowed', async (_what, path, code) => {
    expect(await problems(path, `${code}\nexport const x = 1\n`)).toEqual([])
  })

  test("every folder and root file of src/ has its place in the layers: a new one can't slip past them", () => {
    const entries = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
      .map(entry => entry.name)
      .filter(name => !name.endsWith('.d.ts'))
    expect(entries.filter(name => !LAYERS.includes(name))).toEqual([])
  })
})

describe('size', () => {
  test('a file of 401 lines is refused, one of 400 is not', async () => {
    const line = 'export const x = 1\n'
    expect(await problems('model/long.ts', line.repeat(401))).toEqual([
      'max-lines: File has too many lines (401). Maximum allowed is 400.'
    ])
    expect(await problems('model/long.ts', line.repeat(400))).toEqual([])
  })

  test('a function of seven parameters is refused, one of six is not', async () => {
    const six = 'export function f(a: 1, b: 1, c: 1, d: 1, e: 1, g: 1): void {}\n'
    const seven = 'export function f(a: 1, b: 1, c: 1, d: 1, e: 1, g: 1, h: 1): void {}\n'
    expect(await problems('model/params.ts', seven)).toEqual([
      "max-params: Function 'f' has too many parameters (7). Maximum allowed is 6."
    ])
    expect(await problems('model/params.ts', six)).toEqual([])
  })
})
