// The build cache's own tag, which the cleanup keeps beside its built-in rules.
import { expect, test } from 'vitest'
import type { CacheSetting } from '../../src/model/build.js'
import { cacheTags } from '../../src/modes/cleanup.js'

const URI = '123456789012.dkr.ecr.eu-north-1.amazonaws.com/babyshield-backend'
const REPOSITORY = { name: 'babyshield-backend', uri: URI, immutableTags: false }

test.each<[string, CacheSetting, string[]]>([
  ['the default cache: its tag is a rule already', { kind: 'default' }, []],
  ['no cache', { kind: 'off' }, []],
  ['a tag of its own in the repository', { kind: 'ref', ref: `${URI}:layers` }, ['layers']],
  [
    'another repository: not this cleanup’s to keep',
    { kind: 'ref', ref: '123456789012.dkr.ecr.eu-north-1.amazonaws.com/cache:layers' },
    []
  ],
  ['a reference without a tag', { kind: 'ref', ref: URI }, []]
])('%s', (_, setting, tags) => {
  expect(cacheTags(setting, REPOSITORY)).toEqual(tags)
})
