import { describe, expect, test } from 'vitest'
import { diffJson } from '../../src/revision/diff.js'
import { nextRevision, registrable } from '../../src/revision/next.js'
import {
  NEW_DIGEST,
  OLD_DIGEST,
  REPOSITORY_URI,
  babyshield,
  babyshieldTags
} from '../../test/support/task-definitions.js'

const NEW_IMAGE = `${REPOSITORY_URI}@${NEW_DIGEST}`
const AUDIT = [
  { key: 'deploy:image-tag', value: 'production-fixed-20261126' },
  { key: 'deploy:commit', value: 'abc123' }
]

describe('diffJson', () => {
  test('shows the changed image and audit tags with context, nothing else', () => {
    const next = nextRevision(babyshield, babyshieldTags, {
      containerName: 'api',
      image: NEW_IMAGE,
      auditTags: AUDIT
    })
    const diff = diffJson(registrable(babyshield, babyshieldTags), next)
    const changed = diff.split('\n').filter(line => line.startsWith('-') || line.startsWith('+'))
    expect(changed).toContain(`-       "image": "${REPOSITORY_URI}@${OLD_DIGEST}",`)
    expect(changed).toContain(`+       "image": "${REPOSITORY_URI}@${NEW_DIGEST}",`)
    expect(changed.some(line => line.includes('"production-fixed-20261126"'))).toBe(true)
    expect(changed.some(line => line.includes('envoy'))).toBe(false)
    expect(diff).toContain('  ...')
  })

  test('no change says so', () => {
    expect(diffJson({ a: 1 }, { a: 1 })).toBe('(no change)')
  })
})
