import { describe, expect, test } from 'vitest'
import {
  cellProblem,
  claimProblems,
  figureAt,
  tableProblems,
  tablesIn,
  tolerancesIn,
  withinTolerance,
  type Table,
  type Tolerance
} from '../../bench/figures.js'

const PAGE = `# Benchmarks

Some prose | with a pipe.

rollout 30 s — ECS: COMPLETED at 30 s

| tool  | verdict | lag p50/p95 (s) | calls |
| ----- | ------- | --------------- | ----- |
| ours  | success | 2.5 / 4.8       | 8.6   |
| other | timeout (wrong) | 9.0 / 50.7 | 4 \\| 5 |

Tolerances:

| column            | rows  | absolute | relative |
| ----------------- | ----- | -------- | -------- |
| \`lag p50/p95 (s)\` | any   | 2        | 0 %      |
| \`lag p50/p95 (s)\` | other | 0        | 50 %     |
`

const printed = (rows: string[][], caption = 'rollout 30 s — ECS: COMPLETED at 30 s'): Table => ({
  caption,
  header: ['tool', 'verdict', 'lag p50/p95 (s)', 'calls'],
  rows
})

describe('tablesIn', () => {
  test('reads each table with the line above it as its caption, blank lines skipped', () => {
    const [rollout, tolerances, ...more] = tablesIn(PAGE)
    expect(more).toEqual([])
    expect(rollout).toEqual({
      caption: 'rollout 30 s — ECS: COMPLETED at 30 s',
      header: ['tool', 'verdict', 'lag p50/p95 (s)', 'calls'],
      rows: [
        ['ours', 'success', '2.5 / 4.8', '8.6'],
        ['other', 'timeout (wrong)', '9.0 / 50.7', '4 \\| 5']
      ]
    })
    expect(tolerances?.caption).toBe('Tolerances:')
  })

  test('a table right under its caption, as a benchmark prints it, and one with none', () => {
    const text = 'several services\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n| c |\n| --- |\n| 3 |'
    expect(tablesIn(text)).toEqual([
      { caption: 'several services', header: ['a', 'b'], rows: [['1', '2']] },
      { caption: '', header: ['c'], rows: [['3']] }
    ])
  })
})

describe('cellProblem', () => {
  const loose: Tolerance = { absolute: 2, relative: 0 }
  const relative: Tolerance = { absolute: 0, relative: 0.2 }
  const exact: Tolerance = { absolute: 0, relative: 0 }

  test.each<[string, string, string, Tolerance, boolean]>([
    ['the same figures', '2.5 / 4.8', '2.5 / 4.8', exact, true],
    ['a lag within 2 s', '4.3 / 6.8', '2.5 / 4.8', loose, true],
    ['a lag 2.1 s off', '2.5 / 6.9', '2.5 / 4.8', loose, false],
    ['negative lags', '-57.3 / -55.2', '-57.5 / -55.2', loose, true],
    ['18 % off a relative 20 %', '186.6', '158.2', relative, true],
    ['28 % off a relative 20 %', '113.9', '158.2', relative, false],
    ['one call more where none may move', '9', '8', exact, false],
    ['another verdict', 'success', 'timeout (wrong)', loose, false],
    ['a verdict that splits', 'failure 24/25, timeout 1/25', 'failure', loose, false],
    ['all runs, of fewer runs', '25/25', '200/200', exact, true],
    ['all but one of the runs', '24/25', '200/200', loose, false],
    ['none stays none', '1/25', '0/200', loose, false],
    ['a share 3 points off, 0.2 allowed', '16/25', '122/200', { absolute: 0.2, relative: 0 }, true],
    [
      'a share 41 points off, 0.2 allowed',
      '5/25',
      '122/200',
      { absolute: 0.2, relative: 0 },
      false
    ],
    ['a share is held to its absolute tolerance only', '16/25', '122/200', relative, false]
  ])('%s', (_name, mine, documented, tolerance, agrees) => {
    expect(cellProblem(mine, documented, tolerance) === undefined).toBe(agrees)
  })

  test('says which figure left which, and by how much it could have', () => {
    expect(cellProblem('2.5 / 6.9', '2.5 / 4.8', { absolute: 2, relative: 0.1 })).toBe(
      '6.9 is not within 2 or 10 % of the documented 4.8'
    )
    expect(cellProblem('success', 'timeout (wrong)', { absolute: 2, relative: 0 })).toBe(
      "'success' reads differently from 'timeout (wrong)'"
    )
  })
})

test.each<[number, number, Tolerance, boolean]>([
  [7, 5, { absolute: 2, relative: 0 }, true],
  [7.01, 5, { absolute: 2, relative: 0 }, false],
  [150, 100, { absolute: 2, relative: 0.5 }, true],
  [151, 100, { absolute: 2, relative: 0.5 }, false],
  [-1, 1, { absolute: 2, relative: 0 }, true]
])('withinTolerance(%d, %d, %o) is %s', (printedValue, documented, tolerance, within) => {
  expect(withinTolerance(printedValue, documented, tolerance)).toBe(within)
})

describe('tolerancesIn', () => {
  const tolerances = tolerancesIn(tablesIn(PAGE)[1] as Table)

  test('a row set apart has its own; every other row has the column’s', () => {
    expect(tolerances('lag p50/p95 (s)', 'other')).toEqual({ absolute: 0, relative: 0.5 })
    expect(tolerances('lag p50/p95 (s)', 'ours')).toEqual({ absolute: 2, relative: 0 })
  })

  test('a column without a tolerance must agree exactly', () => {
    expect(tolerances('calls', 'ours')).toEqual({ absolute: 0, relative: 0 })
  })

  test('a tolerance that is not a number and a percentage is refused', () => {
    const table = { caption: '', header: [], rows: [['calls', 'any', 'half', '10 %']] }
    expect(() => tolerancesIn(table)).toThrow(
      "tolerance of 'calls': expected a number and a percentage, got 'half', '10 %'"
    )
  })
})

describe('tableProblems', () => {
  const documented = tablesIn(PAGE)
  const tolerances = tolerancesIn(documented[1] as Table)
  const ours = ['ours', 'success', '3.9 / 4.8', '8.6']
  const other = ['other', 'timeout (wrong)', '13.0 / 60.0', '4 \\| 5']

  test('printed figures within tolerance of the documented ones: no problem', () => {
    expect(tableProblems([printed([ours, other])], documented, tolerances)).toEqual([])
  })

  test('each cell out of tolerance, with its table, row and column', () => {
    const moved = ['ours', 'success', '2.5 / 7.0', '8.7']
    expect(tableProblems([printed([moved, other])], documented, tolerances)).toEqual([
      "table 'rollout 30 s — ECS: COMPLETED at 30 s', row 'ours', lag p50/p95 (s): 7.0 is not within 2 of the documented 4.8",
      "table 'rollout 30 s — ECS: COMPLETED at 30 s', row 'ours', calls: 8.7 is not within exactness of the documented 8.6"
    ])
  })

  test('a table or a row on one side only', () => {
    expect(tableProblems([printed([ours], 'rollout 1 h')], documented, tolerances)).toEqual([
      "table 'rollout 1 h' is printed but not documented"
    ])
    expect(
      tableProblems(
        [printed([ours, ['ecspresso', 'success', '1 / 2', '3']])],
        documented,
        tolerances
      )
    ).toEqual([
      "table 'rollout 30 s — ECS: COMPLETED at 30 s': row 'ecspresso' is printed but not documented",
      "table 'rollout 30 s — ECS: COMPLETED at 30 s': row 'other' is documented but no longer printed"
    ])
  })

  test('columns that differ', () => {
    const table = { ...printed([ours]), header: ['tool', 'verdict', 'lag (s)', 'calls'] }
    expect(tableProblems([table], documented, tolerances)).toEqual([
      "table 'rollout 30 s — ECS: COMPLETED at 30 s': printed columns tool, verdict, lag (s), calls; documented tool, verdict, lag p50/p95 (s), calls"
    ])
  })
})

describe('claims in prose', () => {
  const tables = [printed([['ours', 'success', '2.7 / 4.6', '8.6']])]
  const tolerances = tolerancesIn(tablesIn(PAGE)[1] as Table)
  const lag = (index: number, scale?: number) => ({
    table: 'rollout 30 s',
    row: 'ours',
    column: 'lag p50/p95 (s)',
    index,
    ...(scale === undefined ? {} : { scale })
  })

  test('the figure a reference names', () => {
    expect(figureAt(tables, lag(1))).toBe(4.6)
    expect(figureAt(tables, { ...lag(1), row: 'theirs' })).toBe(
      "no printed figure at 'rollout 30 s' / 'theirs' / 'lag p50/p95 (s)' #1"
    )
  })

  test.each<[string, string, number | undefined, string[]]>([
    ['quoted within tolerance', 'noticed 4.8 s after\nECS reaches it', undefined, []],
    [
      'quoted out of tolerance',
      'noticed 1.8 s after ECS reaches it',
      undefined,
      [
        "README.md says 'noticed 1.8 s after ECS reaches it', but rollout 30 s / ours / lag p50/p95 (s) is now 4.6"
      ]
    ],
    ['quoted in minutes', 'noticed 0.1 s after ECS reaches it', 60, []],
    [
      'no longer said',
      'noticed soon after ECS reaches it',
      undefined,
      [
        'README.md no longer says /noticed ([\\d.]+) s after\\s+ECS reaches it/: update the claim or the text'
      ]
    ]
  ])('%s', (_name, text, scale, problems) => {
    const claim = {
      file: 'README.md',
      says: /noticed ([\d.]+) s after\s+ECS reaches it/,
      figures: [lag(1, scale)]
    }
    expect(claimProblems(claim, text, tables, tolerances)).toEqual(problems)
  })
})
