import { describe, expect, test } from 'vitest'
import {
  actionlintProblems,
  actionYmlProblems,
  dependabotProblems,
  inputsOf,
  lintAll,
  pinProblems,
  structureProblems,
  type KnownInputs
} from '../../scripts/lint-workflows.js'

const SHA = '3d3c42e5aac5ba805825da76410c181273ba90b1'

describe('pinProblems', () => {
  test.each([
    [`      - uses: actions/checkout@${SHA} # v7.0.1`, []],
    [`    uses: github/codeql-action/init@${SHA} # v4.36.2`, []],
    ['      - uses: ./', []],
    ['      - uses: ./.github/actions/local', []],
    ['      - uses: docker://alpine:3.20', []],
    ['      - uses: babyshield/deploy-action@v1', []],
    ['    uses: babyshield/deploy-action/.github/workflows/deploy-reusable.yml@v1', []],
    ['      - uses: actions/checkout@v4', ['pin third-party actions by full commit SHA']],
    ['      - uses: actions/checkout@main', ['pin third-party actions by full commit SHA']],
    [`      - uses: actions/checkout@${SHA}`, ['say which version the SHA is']],
    [`      - uses: actions/checkout@${SHA} # latest`, ['say which version the SHA is']],
    [`      - uses: "actions/checkout@${SHA}" # v7`, []],
    ['      - uses: babyshield/deploy-action@main', ['use babyshield/deploy-action@v1']]
  ])('%s', (line, expected) => {
    const messages = pinProblems('w.yml', `steps:\n${line}\n`).map(p => p.message)
    expect(messages).toHaveLength(expected.length)
    expected.forEach((part, i) => expect(messages[i]).toContain(part))
  })

  test('the line number points at the uses line', () => {
    expect(pinProblems('w.yml', 'a: 1\n\n  - uses: x/y@v1\n')[0]?.line).toBe(3)
  })
})

const KNOWN: KnownInputs = {
  action: { names: ['mode', 'cluster', 'service'], required: ['cluster', 'service'] },
  reusable: { names: ['cluster', 'service', 'aws-region'], required: ['cluster', 'aws-region'] }
}

function step(uses: string, withs: Record<string, string>, concurrency = true) {
  return {
    permissions: { contents: 'read' },
    jobs: {
      go: {
        'runs-on': 'ubuntu-latest',
        ...(concurrency ? { concurrency: { group: 'g' } } : {}),
        steps: [{ uses, with: withs }]
      }
    }
  }
}

describe('structureProblems', () => {
  test.each<[string, unknown, string[]]>([
    ['a clean deploy job', step('babyshield/deploy-action@v1', { cluster: 'c', service: 's' }), []],
    [
      'no top-level permissions',
      { jobs: {} },
      ['no top-level permissions: give the least the jobs need']
    ],
    [
      'write-all',
      { permissions: 'write-all', jobs: { a: { permissions: 'write-all' } } },
      ['top-level permissions: write-all', 'job a permissions: write-all']
    ],
    [
      'an input that does not exist',
      step('babyshield/deploy-action@v1', { cluster: 'c', service: 's', clutser: 'x' }),
      ["job go step 1: 'clutser' is not an input of action.yml"]
    ],
    [
      'a required input missing',
      step('./', { cluster: 'c' }),
      ["job go step 1: the required input 'service' of action.yml is missing"]
    ],
    [
      'a deploy without concurrency',
      step('babyshield/deploy-action@v1', { cluster: 'c', service: 's' }, false),
      ['job go step 1 can change a service (mode deploy) but neither the job nor the workflow']
    ],
    [
      'a rollback chosen by expression without concurrency',
      step(
        'babyshield/deploy-action@v1',
        { cluster: 'c', service: 's', mode: '${{ inputs.mode }}' },
        false
      ),
      ['can change a service (mode ${{ inputs.mode }})']
    ],
    [
      'a verify without concurrency',
      step('babyshield/deploy-action@v1', { cluster: 'c', service: 's', mode: 'verify' }, false),
      []
    ],
    [
      'a caller of the reusable workflow with a wrong input and no id-token',
      {
        permissions: {},
        jobs: {
          call: {
            uses: 'babyshield/deploy-action/.github/workflows/deploy-reusable.yml@v1',
            with: { cluster: 'c', 'aws-region': 'r', servise: 's' }
          }
        }
      },
      [
        'job call calls the reusable workflow without permissions id-token: write',
        "job call: 'servise' is not an input of the reusable workflow"
      ]
    ]
  ])('%s', (_name, workflow, expected) => {
    const messages = structureProblems('w.yml', workflow, KNOWN).map(p => p.message)
    expect(messages).toHaveLength(expected.length)
    expected.forEach((part, i) => expect(messages[i]).toContain(part))
  })
})

describe('inputsOf', () => {
  test('an input is required when it says so and has no default', () => {
    expect(
      inputsOf({
        a: { required: true },
        b: { required: true, default: 'x' },
        c: { required: false },
        d: {}
      })
    ).toEqual({ names: ['a', 'b', 'c', 'd'], required: ['a'] })
  })
})

describe('dependabotProblems', () => {
  const update = (ecosystem: string) => ({
    'package-ecosystem': ecosystem,
    directory: '/',
    schedule: { interval: 'weekly' }
  })
  test.each<[string, unknown, number]>([
    ['both ecosystems', { version: 2, updates: [update('npm'), update('github-actions')] }, 0],
    ['no actions', { version: 2, updates: [update('npm')] }, 1],
    ['version 1', { version: 1, updates: [] }, 1],
    [
      'no schedule',
      { version: 2, updates: [update('npm'), { 'package-ecosystem': 'github-actions' }] },
      1
    ]
  ])('%s', (_name, config, count) => {
    expect(dependabotProblems('d.yml', config)).toHaveLength(count)
  })
})

describe('actionYmlProblems', () => {
  const action = (icon: string) =>
    [
      "name: 'x'",
      "description: 'y'",
      'branding:',
      `  icon: '${icon}'`,
      "  color: 'green'",
      'runs:',
      "  using: 'node24'",
      "  main: 'dist/index.js'"
    ].join('\n')

  test('node24 is accepted though the schema predates it', () => {
    expect(actionYmlProblems('action.yml', action('shield'))).toEqual([])
  })

  test('an icon that does not exist is refused', () => {
    expect(actionYmlProblems('action.yml', action('no-such-icon')).length).toBeGreaterThan(0)
  })
})

describe('actionlintProblems', () => {
  test('an expression naming an undefined input is reported with its line', async () => {
    const workflow = [
      'on:',
      '  workflow_call:',
      '    inputs:',
      '      env:',
      '        type: string',
      'permissions: {}',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo ${{ inputs.nope }}'
    ].join('\n')
    const problems = await actionlintProblems('w.yml', workflow)
    expect(problems).toEqual([
      expect.objectContaining({ line: 11, message: expect.stringContaining('"nope"') as unknown })
    ])
  })

  test('environment.deployment is let through; other unknown keys are not', async () => {
    const workflow = (key: string) =>
      [
        'on: push',
        'permissions: {}',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-latest',
        '    environment:',
        '      name: production',
        `      ${key}: false`,
        '    steps:',
        '      - run: echo hi'
      ].join('\n')
    expect(await actionlintProblems('w.yml', workflow('deployment'))).toEqual([])
    expect(await actionlintProblems('w.yml', workflow('deploymnet'))).toHaveLength(1)
  })
})

test("this repository's workflows, action.yml and dependabot.yml have no problems", async () => {
  const { problems, files } = await lintAll()
  expect(problems).toEqual([])
  expect(files).toEqual(
    expect.arrayContaining([
      'action.yml',
      '.github/workflows/ci.yml',
      '.github/workflows/deploy-reusable.yml',
      '.github/dependabot.yml'
    ])
  )
}, 30_000)
