// The judge's distributions against values computed apart from this code: by hand where a value is
// a fraction (C(9,4) = 126 arrangements), else with SciPy 1.17.1 (scipy.special.gammaln, betainc,
// gammaincc; scipy.stats.binom.sf, norm.sf, mannwhitneyu), written here as numbers.
import { describe, expect, test } from 'vitest'
import {
  binomialAtLeast,
  logGamma,
  mannWhitneyGreater,
  median,
  normalAbove,
  regularizedBeta,
  regularizedGammaQ,
  studentAbove
} from '../../src/judge/stats.js'

/** Relative closeness: the methods promise about 12 significant digits or better. */
function near(actual: number, expected: number, digits = 10): void {
  if (expected === 0) expect(Math.abs(actual)).toBeLessThan(10 ** -digits)
  else expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(10 ** -digits)
}

describe('logGamma', () => {
  test.each([
    [0.5, 0.5723649429247001], // ln √π
    [1, 0],
    [5, 3.1780538303479458], // ln 24
    [10.5, 13.940625219403763],
    [100, 359.1342053695754]
  ])('ln Γ(%s) = %s', (x, expected) => near(logGamma(x), expected, 12))
})

describe('regularizedBeta', () => {
  test.each([
    [0.4, 2, 3, 0.5248], // by hand: 1 − Σ_{k<2} C(4,k) 0.4^k 0.6^(4−k)
    [0.2, 0.5, 0.5, 0.2951672353008665], // (2/π) asin √0.2
    [0.25, 30, 70, 0.1358149042834277],
    [0.2, 200.5, 800.25, 0.49526666733905556],
    [0, 2, 3, 0],
    [1, 2, 3, 1]
  ])('I_%s(%s, %s) = %s', (x, a, b, expected) => near(regularizedBeta(x, a, b), expected))
})

describe('binomialAtLeast', () => {
  test.each([
    [5, 10, 0.3, 0.15026833259999992],
    [8, 20, 1 / 3, 0.3385285171808936],
    [75, 125, 1 / 3, 9.516051436257382e-10],
    [3, 3, 0.5, 0.125], // by hand: 0.5³
    [0, 5, 0.5, 1],
    [6, 5, 0.5, 0]
  ])('P(X ≥ %s), n = %s, p = %s is %s', (k, n, p, expected) =>
    near(binomialAtLeast(k, n, p), expected)
  )

  test('is continuous in k and n: between the integer neighbours', () => {
    const below = binomialAtLeast(8, 20, 1 / 3)
    const above = binomialAtLeast(9, 20, 1 / 3)
    const between = binomialAtLeast(8.5, 20, 1 / 3)
    expect(between).toBeLessThan(below)
    expect(between).toBeGreaterThan(above)
  })
})

describe('regularizedGammaQ and normalAbove', () => {
  test.each([
    [0.5, 2, 0.04550026389635857],
    [3, 1.5, 0.8088468305380582],
    [10, 15, 0.06985366069940986]
  ])('Q(%s, %s) = %s', (a, x, expected) => near(regularizedGammaQ(a, x), expected))

  test.each([
    [0, 0.5],
    [1, 0.15865525393145707],
    [1.959963984540054, 0.025],
    [2.326347874040841, 0.01],
    [3.5, 2.326290790355401e-4],
    [-1.5, 0.9331927987311419],
    [8, 6.22096057427178e-16]
  ])('P(Z ≥ %s) = %s', (z, expected) => near(normalAbove(z), expected, 9))
})

describe('studentAbove', () => {
  test.each([
    [2.5, 13, 0.01329439],
    [0.7, 4, 0.26125008],
    [-1.2, 8, 0.86776645],
    [3.9, 2, 0.02994987],
    [0, 5, 0.5]
  ])('P(T ≥ %s), %s degrees of freedom, is %s', (t, freedom, expected) =>
    near(studentAbove(t, freedom), expected, 6)
  )
})

describe('median', () => {
  test.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7]
  ])('median(%o) = %s', (values, expected) => expect(median(values)).toBe(expected))

  test('of nothing is NaN', () => expect(median([])).toBeNaN())
})

describe('mannWhitneyGreater', () => {
  test.each<[string, number[], number[], number, number, boolean]>([
    // 3 new minutes above all 10 old ones: 1 arrangement of C(13,3) = 286.
    ['3 above 10', [10, 11, 12], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 30, 1 / 286, true],
    // U = 17 of 20; 7 of the C(9,4) = 126 arrangements reach 17 or more.
    ['five against four', [19, 22, 16, 29, 24], [20, 11, 17, 12], 17, 7 / 126, true],
    [
      '40 against 45, exact',
      Array.from({ length: 40 }, (_, i) => i * 1.5 + 0.25),
      Array.from({ length: 45 }, (_, i) => i * 1.1),
      1059,
      0.0818310550930197,
      true
    ],
    [
      'interleaved 20 and 20',
      Array.from({ length: 20 }, (_, i) => 2 * i + 1),
      Array.from({ length: 20 }, (_, i) => 2 * i),
      210,
      0.3997035935808485,
      true
    ],
    [
      'ties: the normal approximation with tie and continuity corrections',
      [1, 2, 2, 3, 4, 5, 5, 6],
      [0, 1, 1, 2, 3, 3, 4],
      41.5,
      0.06380139459073368,
      false
    ],
    [
      'more than 50 values: normal approximation',
      Array.from({ length: 60 }, (_, i) => i * 1.5 + 0.25),
      Array.from({ length: 55 }, (_, i) => i),
      2292,
      0.00016425736214311377,
      false
    ]
  ])('%s', (_name, a, b, u, p, exact) => {
    const test = mannWhitneyGreater(a, b)
    expect(test.u).toBe(u)
    expect(test.exact).toBe(exact)
    near(test.p, p, 8)
  })

  test('all values equal: no evidence (p = 1)', () => {
    expect(mannWhitneyGreater([1, 1, 1], [1, 1, 1])).toEqual({ u: 4.5, p: 1, exact: false })
  })

  test('an empty sample: no evidence', () => {
    expect(mannWhitneyGreater([], [1, 2]).p).toBe(1)
  })
})
