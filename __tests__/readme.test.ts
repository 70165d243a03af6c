import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { inputsOf, pinProblems, usesProblems, type KnownInputs } from '../scripts/lint-workflows.js'
import {
  cell,
  currentReadme,
  inputsTable,
  outputsTable,
  REUSABLE_WORKFLOW,
  reusableInputsTable,
  withTables
} from '../scripts/readme-tables.js'

const ROOT = join(import.meta.dirname, '..')
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

describe('the generated tables', () => {
  test("README's inputs, outputs and reusable-workflow tables match their sources", async () => {
    const { readme, updated } = await currentReadme(ROOT)
    // On failure: run `npm run docs:tables`.
    expect(readme).toBe(updated)
  })

  test('an input added to action.yml shows as drift', () => {
    const readme = read('README.md')
    const sources = { actionYml: read('action.yml'), reusableYml: read(REUSABLE_WORKFLOW) }
    const grown = sources.actionYml.replace(
      'inputs:\n',
      "inputs:\n  canary-percent:\n    description: 'Share of traffic for the new revision.'\n    default: '10'\n"
    )
    expect(withTables(readme, sources)).not.toContain('canary-percent')
    expect(withTables(readme, { ...sources, actionYml: grown })).toContain(
      '| `canary-percent` | `10` | Share of traffic for the new revision. |'
    )
  })

  test('every input and output of action.yml has a row', () => {
    const action = parse(read('action.yml')) as {
      inputs: Record<string, unknown>
      outputs: Record<string, unknown>
    }
    const readme = read('README.md')
    for (const name of [...Object.keys(action.inputs), ...Object.keys(action.outputs)]) {
      expect(readme).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'))
    }
  })

  test.each([
    [{ required: true }, '**required**'],
    [{ required: true, default: 'x' }, '`x`'],
    [{ default: '' }, '*empty*'],
    [{}, '*empty*'],
    [{ default: '15' }, '`15`']
  ])('input %o: default column %s', (input, shown) => {
    expect(inputsTable({ inputs: { name: { description: 'd', ...input } } })).toContain(
      `| \`name\` | ${shown} | d |`
    )
  })

  test('a reusable workflow input shows its type and boolean default', () => {
    const table = reusableInputsTable({
      on: { workflow_call: { inputs: { 'dry-run': { type: 'boolean', default: false } } } }
    })
    expect(table).toContain('| `dry-run` | boolean | `false` |  |')
  })

  test('cells stay on one line and keep pipes from splitting them', () => {
    expect(cell('a | b\n  c')).toBe('a \\| b c')
    expect(outputsTable({ outputs: { x: { description: 'one\ntwo' } } })).toContain(
      '| `x` | one two |'
    )
  })

  test('a README without the markers is refused, saying which are missing', () => {
    expect(() =>
      withTables('# no markers', { actionYml: read('action.yml'), reusableYml: '' })
    ).toThrow('README.md has no <!-- inputs:start --> … <!-- inputs:end --> markers')
  })
})

describe('the usage examples', () => {
  const blocks = [...read('README.md').matchAll(/```yaml\n([\s\S]*?)```/g)].map(m => m[1] ?? '')
  const known: KnownInputs = {
    action: inputsOf((parse(read('action.yml')) as { inputs: unknown }).inputs),
    reusable: inputsOf(
      (parse(read(REUSABLE_WORKFLOW)) as { on: { workflow_call: { inputs: unknown } } }).on
        .workflow_call.inputs
    )
  }

  /** A block that is only a list of steps is put in a job, so it reads as a workflow. */
  function asWorkflow(block: string): unknown {
    const parsed: unknown = parse(block)
    return Array.isArray(parsed) ? { jobs: { example: { steps: parsed } } } : parsed
  }

  test('there are examples for deploy, verify, rollback and the reusable workflow', () => {
    const text = blocks.join('\n')
    expect(text).toContain('uses: babyshield/deploy-action@v1')
    expect(text).toContain('mode: verify')
    expect(text).toContain('mode: rollback')
    expect(text).toContain('deploy-reusable.yml@v1')
  })

  test.each(blocks.map((block, i) => [i + 1, block]))(
    'example %i names only real inputs, gives the required ones and pins actions by SHA',
    (_i, block) => {
      expect(usesProblems('README.md', asWorkflow(block), known)).toEqual([])
      expect(pinProblems('README.md', block)).toEqual([])
    }
  )
})
