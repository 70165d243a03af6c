import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { anchorOf, brokenLinks } from '../../scripts/doc-links.js'
import {
  inputsOf,
  pinProblems,
  usesProblems,
  type KnownInputs
} from '../../scripts/lint-workflows.js'
import {
  cell,
  currentReadme,
  inputsTable,
  outputsTable,
  REUSABLE_WORKFLOW,
  reusableInputsTable,
  withTables
} from '../../scripts/readme-tables.js'

const ROOT = join(import.meta.dirname, '..', '..')
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

describe('the links between the README and docs/', () => {
  test('every relative link leads to a file that exists and to a heading it has', () => {
    const paths = ['README.md', ...readdirSync(join(ROOT, 'docs')).map(name => `docs/${name}`)]
    const files = new Map(paths.filter(p => p.endsWith('.md')).map(p => [p, read(p)]))
    expect(files.size).toBeGreaterThanOrEqual(4)
    expect(brokenLinks(files, path => existsSync(join(ROOT, path)))).toEqual([])
  })

  test('the README links each file moved to docs/', () => {
    const readme = read('README.md')
    for (const file of ['docs/errors.md', 'docs/reliability.md', 'docs/benchmarks.md']) {
      expect(readme).toContain(`](${file})`)
    }
  })

  test('a link to a missing file, a missing heading or a renamed one is found', () => {
    const files = new Map([
      [
        'README.md',
        '# Top\n\n## The bake: watching after steady\n\nSee [a](docs/x.md#the-rollout-watch), [b](#the-bake-watching-after-steady), [c](#the-bake), [d](docs/gone.md), [e](https://example.com/#nothing), [f](SECURITY.md)\n'
      ],
      [
        'docs/x.md',
        '# X\n\n## The rollout watch\n\n[back](../README.md#top) [bad](../README.md#bottom)\n```\n[not a link](#inside-code)\n```\n'
      ]
    ])
    expect(brokenLinks(files, path => path === 'SECURITY.md')).toEqual([
      'README.md: [c](#the-bake): README.md has no heading #the-bake',
      'README.md: [d](docs/gone.md) points at docs/gone.md, which does not exist',
      'docs/x.md: [bad](../README.md#bottom): README.md has no heading #bottom'
    ])
  })

  test('anchors are made as GitHub makes them', () => {
    expect(anchorOf('The bake: watching after steady')).toBe('the-bake-watching-after-steady')
    expect(anchorOf('From another repository: the reusable workflow')).toBe(
      'from-another-repository-the-reusable-workflow'
    )
    expect(anchorOf('`npm run bench:bake`')).toBe('npm-run-benchbake')
  })
})
