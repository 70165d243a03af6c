// Benchmark, not a test: how often the judge rolls back a healthy release, and how soon it catches
// a bad one, against today's fixed-ratio rule on the same runs. Each run is a seeded bake of a
// rolling service: 10 minutes of the old revision before the deploy, then the new revision's
// minutes, judged at the end of each minute. The traffic is noisy as production's is: requests
// vary minute to minute, the 5xx share wanders around 0.5 %, the p99 around 250 ms, and now and
// then a single minute goes bad on its own (a downstream blip), before the deploy or after it.
// No assertions: the figures are for docs/judge.md.
//
//   npm run bench:judge    (RUNS=1000, RATE=200,1000,10000 requests a minute, BAKE=10 minutes)
import {
  judgeTraffic,
  trafficRules,
  DEFAULT_SETTINGS,
  type TrafficMinute
} from '../src/judge/traffic.js'
import { markdownTable, percentile, runsFromEnv, seeded } from './support.js'

const RUNS = runsFromEnv(1000)
/** Median requests a minute of each traffic level. */
const RATES = (process.env.RATE ?? '200,1000,10000').split(',').map(Number)
const BASELINE_MINUTES = 10
const BAKE_MINUTES = Number(process.env.BAKE ?? 10)
const BASE_5XX = 0.005
const BASE_P99 = 0.25
/** The chance that a minute goes bad on its own, and what a bad minute looks like. */
const BAD_MINUTE = Number(process.env.BAD_MINUTE ?? 0.02)
/** Gamma shape of the share's minute-to-minute wander: 11 is a coefficient of variation of 0.3. */
const WANDER = Number(process.env.WANDER ?? 11)
/** Today's rule: at least 5 lines, and a rate (a task a minute) above 3 times the old one. */
const OLD_RULE = { minErrors: 5, ratio: 3 }
const TASKS = 2

type Random = () => number

function gaussian(random: Random): number {
  // Box–Muller; 1 − u keeps the logarithm finite.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

/** Poisson by inversion for small means, by the normal approximation for large ones. */
function poisson(random: Random, mean: number): number {
  if (mean <= 0) return 0
  if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(random)))
  const limit = Math.exp(-mean)
  let k = 0
  for (let p = random(); p > limit; p *= random()) k += 1
  return k
}

/** Gamma(shape, 1/shape): mean 1, coefficient of variation 1/√shape (Marsaglia–Tsang). */
function unitGamma(random: Random, shape: number): number {
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    const x = gaussian(random)
    const v = (1 + c * x) ** 3
    if (v <= 0) continue
    if (Math.log(random()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / shape
  }
}

/** One minute of a target group; `worse` multiplies the 5xx share or the p99 of the release. */
function minute(
  random: Random,
  rate: number,
  at: number,
  worse: { errors: number; p99: number }
): TrafficMinute {
  const requests = poisson(random, rate * Math.exp(0.3 * gaussian(random) - 0.045))
  const bad = random() < BAD_MINUTE
  const share = bad
    ? 0.02 + 0.08 * random()
    : Math.min(1, BASE_5XX * unitGamma(random, WANDER) * worse.errors)
  const p99 = BASE_P99 * Math.exp(0.1 * gaussian(random)) * worse.p99 * (bad ? 2 + 2 * random() : 1)
  return {
    at,
    requests,
    errors: Math.min(requests, poisson(random, requests * share)),
    ...(requests > 0 ? { p99 } : {})
  }
}

interface Decision {
  /** Minute of the bake at which it rolled back; undefined: it did not. */
  at: number | undefined
  /** The judge said "too little to judge" at the end. */
  tooLittle: boolean
}

function judgeRun(old: TrafficMinute[], fresh: TrafficMinute[]): Decision {
  const rules = trafficRules(DEFAULT_SETTINGS)
  let last: ReturnType<typeof judgeTraffic> = []
  for (let m = 1; m <= fresh.length; m++) {
    last = judgeTraffic(fresh.slice(0, m), old, rules)
    if (last.some(v => v.status === 'regressed')) return { at: m, tooLittle: false }
  }
  return { at: undefined, tooLittle: last.some(v => v.status === 'too-little') }
}

/** Today's bake rule, with the 5xx answers as its "lines" and task-minutes as its exposure. */
function oldRuleRun(old: TrafficMinute[], fresh: TrafficMinute[]): Decision {
  const before = old.reduce((sum, m) => sum + m.errors, 0) / (TASKS * old.length)
  let lines = 0
  for (let m = 1; m <= fresh.length; m++) {
    lines += fresh[m - 1]?.errors ?? 0
    const now = lines / (TASKS * m)
    if (lines >= OLD_RULE.minErrors && now > before * OLD_RULE.ratio) {
      return { at: m, tooLittle: false }
    }
  }
  return { at: undefined, tooLittle: false }
}

interface Scenario {
  name: string
  worse: { errors: number; p99: number }
}

const SCENARIOS: Scenario[] = [
  { name: 'healthy', worse: { errors: 1, p99: 1 } },
  ...[1.5, 2, 3, 5].map(f => ({ name: `5xx share ${f}×`, worse: { errors: f, p99: 1 } })),
  ...[1.5, 2, 3, 5].map(f => ({ name: `p99 ${f}×`, worse: { errors: 1, p99: f } }))
]

/** The share of bakes rolled back, and the minutes to the rollback at p50 / p95. */
function cells(decisions: Decision[]): [string, string] {
  const caught = decisions.filter(d => d.at !== undefined).map(d => d.at ?? 0)
  const share = `${((caught.length / decisions.length) * 100).toFixed(1)} %`
  return [share, caught.length > 0 ? `${percentile(caught, 50)} / ${percentile(caught, 95)}` : '—']
}

const HEADER = [
  'release',
  'judge: rolled back',
  'judge: minutes',
  'too little',
  'today: rolled back',
  'today: minutes'
]

function table(rate: number): void {
  const rows: string[][] = []
  for (const [index, scenario] of SCENARIOS.entries()) {
    const random = seeded(2100 + index)
    const judged: Decision[] = []
    const today: Decision[] = []
    for (let run = 0; run < RUNS; run++) {
      const old = Array.from({ length: BASELINE_MINUTES }, (_, i) =>
        minute(random, rate, i * 60_000, { errors: 1, p99: 1 })
      )
      const fresh = Array.from({ length: BAKE_MINUTES }, (_, i) =>
        minute(random, rate, (BASELINE_MINUTES + i) * 60_000, scenario.worse)
      )
      judged.push(judgeRun(old, fresh))
      today.push(oldRuleRun(old, fresh))
    }
    const tooLittle = `${((judged.filter(d => d.tooLittle).length / RUNS) * 100).toFixed(1)} %`
    // Today's rule does not look at response times.
    const todays = scenario.worse.p99 === 1 ? cells(today) : ['—', '—']
    rows.push([scenario.name, ...cells(judged), tooLittle, ...todays])
  }
  console.log(`\n${rate.toLocaleString('en-US')} requests a minute:\n`)
  console.log(markdownTable(HEADER, rows))
}

function main(): void {
  console.log(
    `Judge: ${RUNS} seeded bakes a release and traffic level, of a rolling service: ${BASELINE_MINUTES} minutes before the deploy against ${BAKE_MINUTES} after, judged at the end of each minute. 5xx share ~${BASE_5XX * 100} % wandering ±30 % minute to minute, p99 ~${BASE_P99 * 1000} ms ±10 %, requests ±30 %, ${BAD_MINUTE * 100} % of minutes bad on their own (5xx share 2–10 %, p99 2–4×).`
  )
  for (const rate of RATES) table(rate)
  console.log(
    '\nrolled back: the share of bakes rolled back (for the healthy release, the false rollback rate; for the others, the bad releases caught). minutes: from the new revision taking traffic to the rollback, p50 / p95. too little: bakes that ended with a signal too little to judge. today: the bake\u2019s fixed rule (at least 5 lines, a rate above 3× the old one) with the 5xx answers as its lines; it does not look at response times (—).'
  )
}

main()
