import { describe, expect, test } from 'vitest'
import { cleanupPolicy, scanPolicy } from '../../src/inputs/cleanup-scan.js'
import { InputError, parseInputs, type Inputs } from '../../src/inputs/inputs.js'

const BASE: Record<string, string> = {
  cluster: 'babyshield-cluster',
  service: 'babyshield-backend-service',
  'ecr-repository': 'babyshield-backend',
  'aws-region': 'eu-north-1'
}

function parse(overrides: Record<string, string>): Inputs {
  const values = { ...BASE, ...overrides }
  return parseInputs(name => values[name] ?? '')
}

function problems(overrides: Record<string, string>): string[] {
  try {
    parse(overrides)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).problems
  }
  throw new Error('expected the inputs to be refused')
}

describe('accepted', () => {
  test.each<[Record<string, string>, Partial<Inputs>]>([
    [{ 'keep-revisions': '10' }, { keepRevisions: 10, keepImages: undefined }],
    [{ 'keep-images': ' 1 ' }, { keepImages: 1 }],
    [
      { 'keep-revisions': '1000', 'keep-images': '30' },
      { keepRevisions: 1000, keepImages: 30 }
    ],
    [{ 'fail-on-severity': 'CRITICAL' }, { failOnSeverity: 'CRITICAL' }],
    [{ 'fail-on-severity': 'high' }, { failOnSeverity: 'HIGH' }],
    [{ 'fail-on-severity': 'Informational' }, { failOnSeverity: 'INFORMATIONAL' }],
    [
      {
        'fail-on-severity': 'HIGH',
        'allow-cves':
          'CVE-2024-3094  # xz: not reachable, until 2027-01-31\ncve-2023-44487, GHSA-jfh8-c2jp-5v3q\n\n# a comment line\nCVE-2024-3094'
      },
      { allowCves: ['CVE-2024-3094', 'CVE-2023-44487', 'GHSA-JFH8-C2JP-5V3Q'] }
    ],
    [{ 'fail-on-severity': 'LOW', 'scan-timeout-minutes': '0.5' }, { scanTimeoutMinutes: 0.5 }],
    [{ 'scan-unavailable': 'warn' }, { scanUnavailable: 'warn' }]
  ])('%j', (overrides, expected) => {
    expect(parse(overrides)).toMatchObject(expected)
  })
})

describe('refused, naming the input and the expected form', () => {
  test.each<[string, Record<string, string>, string]>([
    [
      'a keep count below 1',
      { 'keep-revisions': '0' },
      "keep-revisions '0' is not valid: expected at least 1 (what was just deployed is always kept), or empty to remove nothing"
    ],
    [
      'a keep count that is not a whole number',
      { 'keep-images': '2.5' },
      "keep-images '2.5' is not valid: expected a whole number from 1 to 1000 (how many of the newest to keep), or empty to remove nothing"
    ],
    [
      'a negative keep count',
      { 'keep-images': '-3' },
      "keep-images '-3' is not valid: expected a whole number from 1 to 1000 (how many of the newest to keep), or empty to remove nothing"
    ],
    [
      'a keep count too large',
      { 'keep-revisions': '1001' },
      "keep-revisions '1001' is not valid: expected a whole number from 1 to 1000 (how many of the newest to keep), or empty to remove nothing"
    ],
    [
      'an unknown severity',
      { 'fail-on-severity': 'SEVERE' },
      "fail-on-severity 'SEVERE' is not known: expected one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, or empty for no scan gate"
    ],
    [
      "a severity the gate cannot rank (Inspector's UNTRIAGED)",
      { 'fail-on-severity': 'UNTRIAGED' },
      "fail-on-severity 'UNTRIAGED' is not known: expected one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, or empty for no scan gate"
    ],
    [
      'a malformed CVE id',
      { 'fail-on-severity': 'HIGH', 'allow-cves': 'CVE-2024-3094\nCVE-24-1' },
      "allow-cves entry 'CVE-24-1' is not a vulnerability id: expected CVE-YYYY-NNNN (four or more digits) or GHSA-xxxx-xxxx-xxxx, one a line or separated by commas (text after # is a comment)"
    ],
    [
      'a CVE id with too few digits',
      { 'fail-on-severity': 'HIGH', 'allow-cves': 'CVE-2024-123' },
      "allow-cves entry 'CVE-2024-123' is not a vulnerability id: expected CVE-YYYY-NNNN (four or more digits) or GHSA-xxxx-xxxx-xxxx, one a line or separated by commas (text after # is a comment)"
    ],
    [
      'two ids on a line without a comma',
      { 'fail-on-severity': 'HIGH', 'allow-cves': 'CVE-2024-3094 CVE-2023-44487' },
      "allow-cves entry 'CVE-2024-3094 CVE-2023-44487' is not a vulnerability id: expected CVE-YYYY-NNNN (four or more digits) or GHSA-xxxx-xxxx-xxxx, one a line or separated by commas (text after # is a comment)"
    ],
    [
      'a scan time limit of 0',
      { 'fail-on-severity': 'HIGH', 'scan-timeout-minutes': '0' },
      "scan-timeout-minutes '0' is not valid: expected a number more than 0 and at most 60"
    ],
    [
      'a scan time limit shorter than two looks',
      { 'fail-on-severity': 'HIGH', 'scan-timeout-minutes': '0.1', 'poll-seconds': '5' },
      "scan-timeout-minutes '0.1' (6 s) leaves no time to wait for a scan looked at every 5 s (poll-seconds): expected at least two looks (10 s)"
    ],
    [
      'scan-unavailable neither fail nor warn',
      { 'scan-unavailable': 'ignore' },
      "scan-unavailable 'ignore' is not valid: expected fail (refuse to deploy an image whose scan cannot be judged) or warn (deploy it, with a warning)"
    ],
    [
      'an allow-list without a gate',
      { 'allow-cves': 'CVE-2024-3094' },
      'allow-cves is given but fail-on-severity is empty: set fail-on-severity (e.g. CRITICAL) to gate the deploy on its scan, or leave allow-cves empty'
    ]
  ])('%s', (_, overrides, message) => {
    expect(problems(overrides)).toEqual([message])
  })

  test('too many allowed ids', () => {
    const many = Array.from({ length: 201 }, (_, i) => `CVE-2024-${10000 + i}`).join('\n')
    expect(problems({ 'fail-on-severity': 'HIGH', 'allow-cves': many })).toEqual([
      'allow-cves names 201 ids: at most 200'
    ])
  })

  test('a short limit without a gate is nobody’s problem', () => {
    expect(parse({ 'scan-timeout-minutes': '0.01' }).scanTimeoutMinutes).toBe(0.01)
  })
})

describe('policies', () => {
  test('no gate without fail-on-severity', () => {
    expect(scanPolicy(parse({}))).toBeUndefined()
  })

  test("the gate's policy in milliseconds, polled every poll-seconds", () => {
    const inputs = parse({
      'fail-on-severity': 'high',
      'allow-cves': 'CVE-2024-3094',
      'scan-timeout-minutes': '2',
      'poll-seconds': '3',
      'scan-unavailable': 'warn'
    })
    expect(scanPolicy(inputs)).toEqual({
      failOn: 'HIGH',
      allow: ['CVE-2024-3094'],
      timeoutMs: 120_000,
      pollMs: 3_000,
      whenUnavailable: 'warn'
    })
  })

  test.each<[Record<string, string>, ReturnType<typeof cleanupPolicy>]>([
    [{}, undefined],
    [{ 'keep-revisions': '5' }, { keepRevisions: 5, dryRun: false }],
    [
      { 'keep-images': '7', 'dry-run': 'true' },
      { keepImages: 7, dryRun: true }
    ],
    [
      { 'keep-revisions': '5', 'keep-images': '7' },
      { keepRevisions: 5, keepImages: 7, dryRun: false }
    ]
  ])('cleanup of %j', (overrides, policy) => {
    expect(cleanupPolicy(parse(overrides))).toEqual(policy)
  })
})
