import { describe, expect, test } from 'vitest'
import { automaticTag, dateStamp, isDigest, tagProblem } from '../../src/model/tags.js'

const NOV_26 = new Date('2026-11-26T23:59:59Z')

describe('dateStamp', () => {
  test.each([
    ['2026-11-26T23:59:59Z', '20261126'],
    ['2026-11-26T00:00:00Z', '20261126'],
    // 01:30 in Stockholm on the 27th is still the 26th in UTC.
    ['2026-11-27T01:30:00+01:00', '20261127'],
    ['2026-11-27T00:30:00+01:00', '20261126'],
    ['2027-01-01T00:00:00Z', '20270101']
  ])('%s is %s', (iso, stamp) => {
    expect(dateStamp(new Date(iso))).toBe(stamp)
  })
})

describe('automaticTag', () => {
  test.each<[string, string[], string]>([
    ['first deploy of the day', [], 'production-fixed-20261126'],
    ['yesterday does not count', ['production-fixed-20261125'], 'production-fixed-20261126'],
    ['second deploy', ['production-fixed-20261126'], 'production-fixed-20261126-v2'],
    [
      'third deploy',
      ['production-fixed-20261126', 'production-fixed-20261126-v2'],
      'production-fixed-20261126-v3'
    ],
    [
      'after the highest, not the first gap',
      ['production-fixed-20261126', 'production-fixed-20261126-v4'],
      'production-fixed-20261126-v5'
    ],
    ['a -v2 alone still counts', ['production-fixed-20261126-v2'], 'production-fixed-20261126-v3'],
    [
      'other suffixes are ignored',
      ['production-fixed-20261126-rc1', 'production-fixed-20261126-vx'],
      'production-fixed-20261126'
    ],
    [
      'v10 sorts numerically',
      [
        'production-fixed-20261126',
        'production-fixed-20261126-v9',
        'production-fixed-20261126-v10'
      ],
      'production-fixed-20261126-v11'
    ]
  ])('%s', (_name, existing, expected) => {
    expect(automaticTag('production-fixed', NOV_26, existing)).toBe(expected)
  })

  test('another prefix', () => {
    expect(automaticTag('staging', NOV_26, ['staging-20261126'])).toBe('staging-20261126-v2')
  })
})

describe('tagProblem', () => {
  test.each([
    ['production-fixed-20261126', undefined],
    ['production-hotfix-20261126-issue123', undefined],
    ['v1.2.3_rc', undefined],
    ['latest', 'is not allowed'],
    ['Latest', 'is not allowed'],
    ['-x', 'is not a valid Docker tag'],
    ['a/b', 'is not a valid Docker tag'],
    ['', 'is not a valid Docker tag']
  ])('%s', (tag, problem) => {
    if (problem === undefined) expect(tagProblem(tag)).toBeUndefined()
    else expect(tagProblem(tag)).toContain(problem)
  })
})

test.each([
  [`sha256:${'a'.repeat(64)}`, true],
  [`sha256:${'A'.repeat(64)}`, false],
  [`sha256:${'a'.repeat(63)}`, false],
  [`sha512:${'a'.repeat(64)}`, false]
])('isDigest(%s) is %s', (value, expected) => {
  expect(isDigest(value)).toBe(expected)
})
