import { describe, expect, test } from 'vitest'
import {
  auditTagsLeftOut,
  mergeTags,
  notesCut,
  notesReplaced,
  tagValue,
  withReplaces
} from '../../src/revision/audit.js'

const AUDIT = [
  { key: 'deploy:image-tag', value: 'production-fixed-20261126' },
  { key: 'deploy:commit', value: 'abc123' }
]

test('mergeTags keeps every tag of the user, and the audit tags that fit under 50', () => {
  const existing = Array.from({ length: 49 }, (_, i) => ({ key: `k${i}`, value: 'v' }))
  const merged = mergeTags(existing, AUDIT)
  expect(merged).toHaveLength(50)
  expect(merged.slice(0, 1)).toEqual(AUDIT.slice(0, 1))
  expect(merged.slice(1)).toEqual(existing)
})

test('auditTagsLeftOut says which audit tags did not fit; nothing when they all do', () => {
  const existing = Array.from({ length: 49 }, (_, i) => ({ key: `k${i}`, value: 'v' }))
  expect(auditTagsLeftOut(existing, AUDIT)).toBe(
    'The revision has 49 tags of its own and ECS allows 50: every one of them is kept, and of the audit tags deploy:commit is left out; the audit trail stays whole in the job summary and the GitHub deployment.'
  )
  expect(auditTagsLeftOut(existing.slice(0, 48), AUDIT)).toBeUndefined()
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

describe('notesCut', () => {
  test('notes that fit a tag value are kept whole: no warning', () => {
    expect(notesCut('x'.repeat(256))).toBeUndefined()
    expect(notesCut('fix #12: recall feed\nsecond line')).toBeUndefined()
  })

  test('longer notes: says how long they are and how much the tag keeps', () => {
    expect(notesCut('y'.repeat(300))).toBe(
      'deployment-notes is 300 characters: the deploy:notes tag of the revision keeps the first 256; the job summary and the GitHub deployment keep them all.'
    )
  })
})

describe('notesReplaced', () => {
  test.each([
    [
      'plain words, digits and the characters a tag takes',
      'fix 12: recall feed/v2 = +1 @ops_team\nsecond line'
    ],
    ['letters of any script', 'Rückruf für Kindersitze 儿童座椅']
  ])('%s: no warning', (_name, notes) => {
    expect(notesReplaced(notes)).toBeUndefined()
  })

  test.each([
    [
      'an emoji and Markdown',
      '🚀 **hotfix** for #123',
      'deployment-notes has characters an ECS tag value cannot hold (🚀 * #): the deploy:notes tag of the revision shows each as _; the job summary and the GitHub deployment keep the notes as written.'
    ],
    [
      'more than eight kinds: eight are named',
      '!"#$%&()*[]',
      'deployment-notes has characters an ECS tag value cannot hold (! " # $ % & ( ) and 3 more): the deploy:notes tag of the revision shows each as _; the job summary and the GitHub deployment keep the notes as written.'
    ]
  ])('%s: says which characters the tag shows as _', (_name, notes, warning) => {
    expect(notesReplaced(notes)).toBe(warning)
  })
})

describe('withReplaces', () => {
  const REPLACES = {
    key: 'deploy:replaces',
    value: 'babyshield-backend-task:12'
  }
  const arn = 'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:12'

  test('adds the revision a registration replaces, as family:N, after the other tags', () => {
    expect(withReplaces(AUDIT, arn)).toEqual([...AUDIT, REPLACES])
  })

  test('replaces a deploy:replaces tag already there', () => {
    const stale = { key: 'deploy:replaces', value: 'babyshield-backend-task:3' }
    expect(withReplaces([stale, ...AUDIT], arn)).toEqual([...AUDIT, REPLACES])
  })

  test('leaves it out when ECS’s 50 tags are taken', () => {
    const full = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v' }))
    expect(withReplaces(full, arn)).toEqual(full)
    expect(withReplaces(full.slice(1), arn)).toEqual([...full.slice(1), REPLACES])
  })
})
