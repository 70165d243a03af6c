import { expect, test } from 'vitest'
import { mergeTags, tagValue } from '../../src/revision/audit.js'

const AUDIT = [
  { key: 'deploy:image-tag', value: 'production-fixed-20261126' },
  { key: 'deploy:commit', value: 'abc123' }
]

test('mergeTags keeps at most 50 tags, audit tags first', () => {
  const existing = Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: 'v' }))
  const merged = mergeTags(existing, AUDIT)
  expect(merged).toHaveLength(50)
  expect(merged.slice(0, 2)).toEqual(AUDIT)
})

test.each([
  ['Fix #123: recall feed', 'Fix _123: recall feed'],
  ['line one\nline two', 'line one line two'],
  ['$(rm -rf /); `id`', '__rm -rf /__ _id_'],
  ['x'.repeat(300), 'x'.repeat(256)],
  [
    'https://github.com/babyshield/api/actions/runs/1',
    'https://github.com/babyshield/api/actions/runs/1'
  ]
])('tagValue(%j) is %j', (text, expected) => {
  expect(tagValue(text)).toBe(expected)
})
