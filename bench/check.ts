// `npm run bench:check`: runs each benchmark with few runs and fails when one crashes, or when a
// figure it prints, or one the README or a page quotes, leaves the tolerance its page states
// (docs/benchmarks.md, "How CI keeps these figures current"). A new benchmark adds itself to
// BENCHES, with the figures the README quotes from it; its page gets its tables and tolerances.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { claimProblems, tableProblems, tablesIn, tolerancesIn, type Claim } from './figures.js'

const ROOT = join(import.meta.dirname, '..')

interface Bench {
  /** The npm script, and the file it runs. */
  name: string
  script: string
  /** Runs in CI: seeded, so the same figures every time; few, so seconds. */
  runs: number
  /** The page that documents its tables and, captioned as `toleranceCaption` says, tolerances. */
  page: string
  /** Figures quoted in prose, from its tables. */
  claims: Claim[]
}

const OURS = 'ours (poll 5 s)'
const OFFICIAL = 'official v2.6.3, defaults (waiter 15–600 s, 30 min)'
const MAX_DELAY_15 = 'official v2.6.3, wait-max-delay-seconds: 15'
const LAG = 'lag p50/p95 (s)'
const REPORTED = 'reported p50/p95 (s)'
const ERRORS = '12 ERROR lines in the new tasks, from readable'
const SEEN_503 = 'health URL answers 503, from the first 503 answer seen'

const BENCHES: Bench[] = [
  {
    name: 'bench:rollout',
    script: 'bench/rollout.ts',
    runs: 25,
    page: 'docs/benchmarks.md',
    claims: [
      {
        file: 'README.md',
        says: /noticed\s+([\d.]+) s after\s+ECS reaches it at p95/,
        figures: [{ table: 'rollout 5 min', row: OURS, column: LAG, index: 1 }]
      },
      {
        file: 'docs/rollout.md',
        says: /noticed ([\d.]+) s after\s+ECS reaches it at p95/,
        figures: [{ table: 'rollout 5 min', row: OURS, column: LAG, index: 1 }]
      },
      {
        file: 'docs/rollout.md',
        says: /up to (\d+) minutes late \(p95\) on a 5-minute rollout/,
        figures: [{ table: 'rollout 5 min', row: OFFICIAL, column: LAG, index: 1, scale: 60 }]
      },
      {
        file: 'docs/rollout.md',
        says: /at the third failed task \((\d+) s in\)/,
        figures: [{ table: 'crash loop', row: OURS, column: REPORTED, index: 1 }]
      },
      {
        file: 'docs/rollout.md',
        says: /about\s+(\d+)–(\d+)\s+minutes with its defaults/,
        figures: [
          { table: 'crash loop', row: OFFICIAL, column: REPORTED, index: 0, scale: 60 },
          { table: 'crash loop', row: OFFICIAL, column: REPORTED, index: 1, scale: 60 }
        ]
      },
      {
        file: 'docs/benchmarks.md',
        says: /within one poll: ([\d.]+) s at p95, whatever the rollout's length/,
        figures: [{ table: 'rollout 12 min', row: OURS, column: LAG, index: 1 }]
      },
      {
        file: 'docs/benchmarks.md',
        says: /notices a 5-minute rollout (\d+) s late at the median and up to\s+(\d+) minutes late/,
        figures: [
          { table: 'rollout 5 min', row: OFFICIAL, column: LAG, index: 0 },
          { table: 'rollout 5 min', row: OFFICIAL, column: LAG, index: 1, scale: 60 }
        ]
      },
      {
        file: 'docs/benchmarks.md',
        says: /`wait-max-delay-seconds: 15` it is ([\d.]+) s \/ ([\d.]+) s/,
        figures: [
          { table: 'rollout 5 min', row: MAX_DELAY_15, column: LAG, index: 0 },
          { table: 'rollout 5 min', row: MAX_DELAY_15, column: LAG, index: 1 }
        ]
      },
      {
        file: 'docs/benchmarks.md',
        says: /failure at the third failed task, (\d+) s in/,
        figures: [{ table: 'crash loop', row: OURS, column: REPORTED, index: 1 }]
      },
      {
        file: 'docs/rollout.md',
        says: /`FAILED`, (\d+) s before\s+ECS's rollback completes/,
        figures: [
          { table: 'circuit-breaker rollback', row: OURS, column: LAG, index: 1, scale: -1 }
        ]
      }
    ]
  },
  {
    name: 'bench:bake',
    script: 'bench/bake.ts',
    runs: 25,
    page: 'docs/benchmarks.md',
    claims: [
      {
        file: 'docs/bake.md',
        says: /becoming readable \(([\d.]+) s at the median, ([\d.]+) s at most\), and ([\d.]+) s after the first bad health\s+answer/,
        figures: [
          { table: 'seconds to the decision', row: ERRORS, column: 'p50 (s)', index: 0 },
          { table: 'seconds to the decision', row: ERRORS, column: 'max (s)', index: 0 },
          { table: 'seconds to the decision', row: SEEN_503, column: 'p50 (s)', index: 0 }
        ]
      }
    ]
  },
  {
    name: 'bench:shift',
    script: 'bench/shift.ts',
    runs: 25,
    page: 'docs/benchmarks.md',
    claims: []
  },
  {
    name: 'bench:judge',
    script: 'bench/judge.ts',
    // Seconds even with all its runs, so CI checks the very figures of its page.
    runs: 1000,
    page: 'docs/judge.md',
    claims: [
      {
        file: 'docs/judge.md',
        says: /False rollbacks\*\*: ([\d.]+) % at 200 requests a minute, ([\d.]+) % at 1,000, ([\d.]+) % at 10,000/,
        figures: ['200', '1,000', '10,000'].map(rate => ({
          table: `${rate} requests a minute`,
          row: 'healthy',
          column: 'judge: rolled back',
          index: 0
        }))
      },
      {
        file: 'docs/judge.md',
        says: /a 2× 5xx share is caught in ([\d.]+) % of bakes at 200\s+requests a minute, ([\d.]+) % at 1,000 and ([\d.]+) % at 10,000/,
        figures: ['200', '1,000', '10,000'].map(rate => ({
          table: `${rate} requests a minute`,
          row: '5xx share 2×',
          column: 'judge: rolled back',
          index: 0
        }))
      }
    ]
  }
]

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')

/** The caption of a benchmark's tolerance table on its page: the runs it holds for. */
const toleranceCaption = (bench: Bench): string =>
  `Tolerances of \`npm run ${bench.name}\` with ${bench.runs} runs:`

/** Runs one benchmark and says where its figures leave their page; [] when none does. */
function check(bench: Bench): string[] {
  const began = Date.now()
  const run = spawnSync(process.execPath, ['--import', 'tsx', bench.script], {
    cwd: ROOT,
    env: { ...process.env, RUNS: String(bench.runs) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 10 * 60_000
  })
  const seconds = ((Date.now() - began) / 1000).toFixed(1)
  if (run.status !== 0) {
    const why = run.error?.message ?? run.stderr.trim().split('\n').slice(-15).join('\n')
    return [`${bench.name} did not finish (exit ${run.status ?? run.signal}): ${why}`]
  }
  const printed = tablesIn(run.stdout)
  if (printed.length === 0) return [`${bench.name} printed no table`]
  const documented = tablesIn(read(bench.page))
  const toleranceTable = documented.find(t => t.caption === toleranceCaption(bench))
  if (!toleranceTable) return [`${bench.page} has no table captioned '${toleranceCaption(bench)}'`]
  const tolerances = tolerancesIn(toleranceTable)
  const problems = [
    ...tableProblems(printed, documented, tolerances),
    ...bench.claims.flatMap(c => claimProblems(c, read(c.file), printed, tolerances))
  ]
  console.log(
    `${bench.name} (RUNS=${bench.runs}, ${seconds} s): ${printed.length} tables and ${bench.claims.flatMap(c => c.figures).length} quoted figures against ${bench.page}: ${problems.length === 0 ? 'within tolerance' : `${problems.length} problems`}`
  )
  return problems
}

const wanted = process.argv.slice(2)
const unknown = wanted.filter(name => !BENCHES.some(b => b.name === name))
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; known: ${BENCHES.map(b => b.name).join(', ')}`
  )
  process.exit(2)
}
const problems = BENCHES.filter(b => wanted.length === 0 || wanted.includes(b.name)).flatMap(check)
for (const problem of problems) console.error(`- ${problem}`)
if (problems.length > 0) {
  console.error(
    'Where a figure moved on purpose, run its benchmark in full and update its page and the README.'
  )
  process.exit(1)
}
