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
  currentDocs,
  GENERATED,
  groupProblems,
  inputsTables,
  outputsTable,
  REUSABLE_WORKFLOW,
  reusableInputsTable,
  tablesFrom,
  withTables
} from '../../scripts/readme-tables.js'
import { INPUT_GROUPS } from '../../scripts/input-groups.js'

const ROOT = join(import.meta.dirname, '..', '..')
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter(name => name.endsWith('.md'))
  .map(name => `docs/${name}`)

describe('the generated tables', () => {
  test.each(GENERATED.map(({ path }) => [path]))(
    '%s: its tables match action.yml and the reusable workflow',
    async path => {
      const doc = (await currentDocs(ROOT)).find(d => d.path === path)
      // On failure: run `npm run docs:tables`.
      expect(doc?.text).toBe(doc?.updated)
    }
  )

  test('every input of action.yml is in one group of scripts/input-groups.ts', () => {
    const action = parse(read('action.yml')) as { inputs: Record<string, unknown> }
    expect(groupProblems(Object.keys(action.inputs), INPUT_GROUPS)).toEqual([])
  })

  test('an input added to action.yml in no group fails the tables, saying where to add it', () => {
    const sources = { actionYml: read('action.yml'), reusableYml: read(REUSABLE_WORKFLOW) }
    const grown = sources.actionYml.replace(
      'inputs:\n',
      "inputs:\n  canary-percent:\n    description: 'Share of traffic for the new revision.'\n    default: '10'\n"
    )
    expect(() => tablesFrom({ ...sources, actionYml: grown })).toThrow(
      "input 'canary-percent' of action.yml is in no group of the README's inputs: add it to the group of what it is for in scripts/input-groups.ts (INPUT_GROUPS), or add a group there"
    )
    const groups = [...INPUT_GROUPS, { title: 'Canary', about: 'x', inputs: ['canary-percent'] }]
    expect(tablesFrom({ ...sources, actionYml: grown }, groups).inputs).toContain(
      '### Canary\n\nx\n\n| Input | Default | Description |\n|---|---|---|\n| `canary-percent` | `10` | Share of traffic for the new revision. |'
    )
  })

  test.each<[string, string[], { title: string; about: string; inputs: string[] }[], string[]]>([
    ['each input in one group', ['a', 'b'], [{ title: 'G', about: '', inputs: ['b', 'a'] }], []],
    [
      'an input in no group',
      ['a', 'b'],
      [{ title: 'G', about: '', inputs: ['a'] }],
      [
        "input 'b' of action.yml is in no group of the README's inputs: add it to the group of what it is for in scripts/input-groups.ts (INPUT_GROUPS), or add a group there"
      ]
    ],
    [
      'an input in two groups',
      ['a'],
      [
        { title: 'G', about: '', inputs: ['a'] },
        { title: 'H', about: '', inputs: ['a'] }
      ],
      ["input 'a' is in 2 groups of scripts/input-groups.ts (G, H): keep it in one"]
    ],
    [
      'a group naming an input action.yml lacks',
      ['a'],
      [{ title: 'G', about: '', inputs: ['a', 'gone'] }],
      ["scripts/input-groups.ts lists 'gone' (in G), which action.yml does not have: remove it"]
    ]
  ])('groupProblems: %s', (_case, inputs, groups, problems) => {
    expect(groupProblems(inputs, groups)).toEqual(problems)
  })

  test("a group's table has its heading, its sentence and its rows in the group's order", () => {
    const action = {
      inputs: {
        first: { description: 'one' },
        second: { description: 'two', default: '2' },
        third: { description: 'three', required: true }
      }
    }
    const tables = inputsTables(action, [
      { title: 'Later', about: 'Second group.', inputs: ['first'] },
      { title: 'Sooner', about: 'First group.', inputs: ['third', 'second'] }
    ])
    expect(tables).toBe(
      [
        '### Later\n\nSecond group.\n\n| Input | Default | Description |\n|---|---|---|\n| `first` | *empty* | one |',
        '### Sooner\n\nFirst group.\n\n| Input | Default | Description |\n|---|---|---|\n| `third` | **required** | three |\n| `second` | `2` | two |'
      ].join('\n\n')
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
    const groups = [{ title: 'G', about: '', inputs: ['name'] }]
    expect(inputsTables({ inputs: { name: { description: 'd', ...input } } }, groups)).toContain(
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

  test('a file without the markers is refused, saying which are missing', () => {
    expect(() => withTables('# no markers', 'docs/x.md', ['reusable-inputs'], {})).toThrow(
      'docs/x.md has no <!-- reusable-inputs:start --> … <!-- reusable-inputs:end --> markers'
    )
  })
})

test('the README stays a five-minute read: under 40 KB', () => {
  // Over it: move what a user does not need on the first read to docs/, with a link.
  expect(Buffer.byteLength(read('README.md'))).toBeLessThanOrEqual(40 * 1024)
})

describe('the usage examples', () => {
  const blocks = ['README.md', ...DOCS].flatMap(path =>
    [...read(path).matchAll(/```yaml\n([\s\S]*?)```/g)].map(m => ({ path, block: m[1] ?? '' }))
  )
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
    const text = blocks.map(b => b.block).join('\n')
    expect(text).toContain('uses: babyshield/deploy-action@v1')
    expect(text).toContain('mode: verify')
    expect(text).toContain('mode: rollback')
    expect(text).toContain('deploy-reusable.yml@v1')
  })

  test.each(blocks.map(({ path, block }, i) => [i + 1, path, block]))(
    'example %i (%s) names only real inputs, gives the required ones and pins actions by SHA',
    (_i, path, block) => {
      expect(usesProblems(path, asWorkflow(block), known)).toEqual([])
      expect(pinProblems(path, block)).toEqual([])
    }
  )
})

describe('the links between the README and docs/', () => {
  test('every relative link leads to a file that exists and to a heading it has', () => {
    const paths = ['README.md', 'SECURITY.md', 'CHANGELOG.md', ...DOCS]
    const files = new Map(paths.map(p => [p, read(p)]))
    expect(files.size).toBeGreaterThanOrEqual(15)
    expect(brokenLinks(files, path => existsSync(join(ROOT, path)))).toEqual([])
  })

  test('the README links every file in docs/', () => {
    const readme = read('README.md')
    expect(DOCS.filter(file => !readme.includes(`](${file})`))).toEqual([])
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
