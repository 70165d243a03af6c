// What the benchmarks share: seeded randomness, so every run prints the same figures; the
// nearest-rank percentile; the Markdown tables they print; and a way to run the action's code
// without its log lines.

/** mulberry32: small, fast, and the same numbers for the same seed everywhere. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Runs per measured case: `RUNS` from the environment, else the documented default. */
export function runsFromEnv(fallback = 200): number {
  const runs = Number(process.env.RUNS ?? fallback)
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`RUNS must be a whole number of runs, 1 or more; got '${process.env.RUNS}'`)
  }
  return runs
}

/** Nearest-rank percentile; NaN for no values. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}

export function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1)
}

/** A figure as the tables print it: whole numbers as they are, others to one decimal. */
export function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1)
}

/** `p50 / p95` of the values. */
export function p50p95(values: number[]): string {
  return `${fmt(percentile(values, 50))} / ${fmt(percentile(values, 95))}`
}

/** A Markdown table, its columns padded as Prettier pads them. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  return [
    line(header),
    `| ${widths.map(w => '-'.repeat(w)).join(' | ')} |`,
    ...rows.map(line)
  ].join('\n')
}

/** Runs `work` with stdout silenced (the action's progress lines), restoring it after. */
export async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = () => true
  try {
    return await work()
  } finally {
    process.stdout.write = write
  }
}

/** Runs `work` with Math.random seeded (the SDK's waiters jitter their delays), restoring it after. */
export async function withSeededRandom<T>(seed: number, work: () => Promise<T>): Promise<T> {
  const random = Math.random
  Math.random = seeded(seed)
  try {
    return await work()
  } finally {
    Math.random = random
  }
}
