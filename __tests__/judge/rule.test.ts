// The one rule that ends every verdict: worse by the margin and significantly so, or it passed,
// saying which it was not.
import { expect, test } from 'vitest'
import { decide } from '../../src/judge/rule.js'

test.each<[string, number, number, string, ReturnType<typeof decide>]>([
  [
    'within the margin, however sure',
    1.2,
    0.00001,
    'p < 0.0001',
    { status: 'passed', why: ', within the 1.25× allowed (p < 0.0001)' }
  ],
  [
    'exactly the margin',
    1.25,
    0.00001,
    'p < 0.0001',
    { status: 'passed', why: ', within the 1.25× allowed (p < 0.0001)' }
  ],
  [
    'no ratio to speak of',
    NaN,
    0,
    'U = 0, p < 0.0001',
    { status: 'passed', why: ', within the 1.25× allowed (U = 0, p < 0.0001)' }
  ],
  [
    'above the margin, not significant',
    3,
    0.002,
    'p = 0.002',
    { status: 'passed', why: ', above 1.25× but not significant (p = 0.002; it takes p < 0.002)' }
  ],
  [
    'above the margin and significant',
    3,
    0.0015,
    'p = 0.0015',
    {
      status: 'regressed',
      why: ', above the 1.25× allowed and significant (p = 0.0015; it takes p < 0.002)'
    }
  ]
])('%s', (_name, ratio, p, tested, decision) => {
  expect(decide(ratio, 1.25, p, 0.998, tested)).toEqual(decision)
})
