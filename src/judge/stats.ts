// The few distributions the judge needs, written out so that the bundle carries no statistics
// library: the binomial tail (through the regularized incomplete beta function), the normal tail
// (through the regularized incomplete gamma function) and the one-sided Mann–Whitney U test. The
// numerical methods are those of Press et al., Numerical Recipes, 3rd ed., §6.1–6.4. Pure.

const LANCZOS_G = 7
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7
]

/** ln Γ(x) for x > 0 (Lanczos, g = 7: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x)
  const z = x - 1
  let sum = LANCZOS[0] ?? 1
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] ?? 0) / (z + i)
  const t = z + LANCZOS_G + 0.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum)
}

const EPSILON = 1e-15
const TINY = 1e-300

/** Lentz's continued fraction for the incomplete beta function (Numerical Recipes' betacf). */
function betaFraction(x: number, a: number, b: number): number {
  const most = 200 + Math.ceil(10 * Math.sqrt(Math.max(a, b)))
  const qab = a + b
  const qap = a + 1
  const qam = a - 1
  let c = 1
  let d = 1 - (qab * x) / qap
  if (Math.abs(d) < TINY) d = TINY
  d = 1 / d
  let h = d
  for (let m = 1; m <= most; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < TINY) d = TINY
    c = 1 + aa / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2))
    d = 1 + aa * d
    if (Math.abs(d) < TINY) d = TINY
    c = 1 + aa / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    const step = d * c
    h *= step
    if (Math.abs(step - 1) < EPSILON) break
  }
  return h
}

/** I_x(a, b), the regularized incomplete beta function, for a, b > 0. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x)
  )
  // The fraction converges fast on one side of the mean; the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) covers the other.
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a
  return 1 - (front * betaFraction(1 - x, b, a)) / b
}

/**
 * P(X ≥ k) for X binomial with n trials of probability p. Continuous in k and n (I_p(k, n − k + 1)),
 * so counts scaled down by an over-dispersion factor can be tested too.
 */
export function binomialAtLeast(k: number, n: number, p: number): number {
  if (k <= 0) return 1
  if (k > n) return 0
  if (p <= 0) return 0
  if (p >= 1) return 1
  return regularizedBeta(p, k, n - k + 1)
}

/** Q(a, x) = Γ(a, x) / Γ(a), the upper regularized incomplete gamma function, for a > 0, x ≥ 0. */
export function regularizedGammaQ(a: number, x: number): number {
  if (x <= 0) return 1
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a))
  if (x < a + 1) {
    // The series for P(a, x), then Q = 1 − P.
    let term = 1 / a
    let sum = term
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n)
      sum += term
      if (Math.abs(term) < Math.abs(sum) * EPSILON) break
    }
    return 1 - sum * front
  }
  // Lentz's continued fraction for Q(a, x).
  let b = x + 1 - a
  let c = 1 / TINY
  let d = 1 / b
  let h = d
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < TINY) d = TINY
    c = b + an / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    const step = d * c
    h *= step
    if (Math.abs(step - 1) < EPSILON) break
  }
  return front * h
}

/** P(Z ≥ z) for a standard normal Z. */
export function normalAbove(z: number): number {
  // erfc(t) = Q(1/2, t²) for t ≥ 0, and P(Z ≥ z) = erfc(z / √2) / 2.
  const tail = 0.5 * regularizedGammaQ(0.5, (z * z) / 2)
  return z >= 0 ? tail : 1 - tail
}

/** P(T ≥ t) for Student's t with `freedom` degrees of freedom: I_{ν/(ν+t²)}(ν/2, ½) / 2 for t ≥ 0. */
export function studentAbove(t: number, freedom: number): number {
  const tail = 0.5 * regularizedBeta(freedom / (freedom + t * t), freedom / 2, 0.5)
  return t >= 0 ? tail : 1 - tail
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2
}

/** The answer of a one-sided Mann–Whitney U test. */
export interface RankTest {
  /** Pairs (x of the first sample, y of the second) with x > y; a tie counts a half. */
  u: number
  /** P(U ≥ u) when both samples come from one distribution. */
  p: number
  /** Exact distribution (no ties, small samples), or the normal approximation. */
  exact: boolean
}

/** Samples up to this size, without ties, get the exact distribution of U. */
const EXACT_UP_TO = 50

/**
 * Are the values of `a` larger than those of `b`? The one-sided Mann–Whitney U test (Wilcoxon rank
 * sum): exact without ties when both samples have at most 50 values; otherwise the normal
 * approximation with the tie correction and a continuity correction of ½.
 */
export function mannWhitneyGreater(a: readonly number[], b: readonly number[]): RankTest {
  const m = a.length
  const n = b.length
  if (m === 0 || n === 0) return { u: 0, p: 1, exact: true }
  let u = 0
  let ties = false
  for (const x of a) {
    for (const y of b) {
      if (x > y) u += 1
      else if (x === y) {
        u += 0.5
        ties = true
      }
    }
  }
  const tiedWithin = new Set(a).size < m || new Set(b).size < n
  if (!ties && !tiedWithin && m <= EXACT_UP_TO && n <= EXACT_UP_TO) {
    const distribution = exactU(m, n)
    let p = 0
    for (let v = u; v < distribution.length; v++) p += distribution[v] ?? 0
    return { u, p: Math.min(1, p), exact: true }
  }
  const total = m + n
  const counts = new Map<number, number>()
  for (const value of [...a, ...b]) counts.set(value, (counts.get(value) ?? 0) + 1)
  let tieSum = 0
  for (const t of counts.values()) tieSum += t * t * t - t
  const variance = ((m * n) / 12) * (total + 1 - tieSum / (total * (total - 1)))
  if (variance <= 0) return { u, p: 1, exact: false }
  const z = (u - (m * n) / 2 - 0.5) / Math.sqrt(variance)
  return { u, p: normalAbove(z), exact: false }
}

/**
 * P(U = u) for u = 0..mn, samples of m and n values without ties, from the recurrence
 * P_{m,n}(u) = m/(m+n)·P_{m−1,n}(u − n) + n/(m+n)·P_{m,n−1}(u) (Mann and Whitney, 1947).
 */
function exactU(m: number, n: number): number[] {
  // row[j] is the distribution for (i, j) as i grows; a row of the previous i is kept.
  let previous: number[][] = Array.from({ length: n + 1 }, () => [1])
  for (let i = 1; i <= m; i++) {
    const row: number[][] = [[1]]
    for (let j = 1; j <= n; j++) {
      const distribution = new Array<number>(i * j + 1).fill(0)
      const fewerA = previous[j] ?? []
      const fewerB = row[j - 1] ?? []
      for (let v = 0; v <= i * j; v++) {
        const fromA = v - j >= 0 ? (fewerA[v - j] ?? 0) : 0
        const fromB = fewerB[v] ?? 0
        distribution[v] = (i / (i + j)) * fromA + (j / (i + j)) * fromB
      }
      row.push(distribution)
    }
    previous = row
  }
  return previous[n] ?? [1]
}
