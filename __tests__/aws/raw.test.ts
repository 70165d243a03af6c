import { describe, expect, test } from 'vitest'
import { missingPaths, withMissing } from '../../src/aws/raw.js'

describe('missingPaths', () => {
  test('names the fields a reader dropped, containers by name', () => {
    const whole = {
      family: 'api',
      futureKnob: { mode: 'fast' },
      containerDefinitions: [
        { name: 'api', image: 'x', containerFuture: true },
        { name: 'sidecar', image: 'y' }
      ],
      volumes: [{ name: 'tmp', newVolumeKind: { size: 1 } }]
    }
    const kept = {
      family: 'api',
      containerDefinitions: [
        { name: 'sidecar', image: 'y' },
        { name: 'api', image: 'x' }
      ],
      volumes: [{ name: 'tmp' }]
    }
    expect(missingPaths(whole, kept)).toEqual([
      'futureKnob',
      'containerDefinitions[api].containerFuture',
      'volumes[tmp].newVolumeKind'
    ])
  })

  test('nothing dropped: nothing named; null and undefined values do not count', () => {
    expect(missingPaths({ a: 1, b: [{ c: 2 }], d: null }, { a: 1, b: [{ c: 2 }] })).toEqual([])
  })
})

test('withMissing puts back what was dropped, keeping what the reader made of the rest', () => {
  const registeredAt = new Date('2026-11-26T10:00:00Z')
  const parsed = {
    family: 'api',
    registeredAt,
    containerDefinitions: [{ name: 'api', image: 'x' }]
  }
  const sent = {
    family: 'api',
    registeredAt: 1795687200,
    futureKnob: { mode: 'fast' },
    containerDefinitions: [{ name: 'api', image: 'x', containerFuture: true }]
  }
  expect(withMissing(parsed, sent)).toEqual({
    family: 'api',
    registeredAt,
    futureKnob: { mode: 'fast' },
    containerDefinitions: [{ name: 'api', image: 'x', containerFuture: true }]
  })
})
