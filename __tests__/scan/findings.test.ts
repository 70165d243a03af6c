import type { EnhancedImageScanFinding, ImageScanFinding } from '@aws-sdk/client-ecr'
import { expect, test } from 'vitest'
import { findingsOf, findingText, type Finding } from '../../src/scan/findings.js'
import { atOrAbove, rank } from '../../src/scan/severity.js'

/** Basic scanning's shape, as ECR (and moto) answer it. */
function basic(name: string, severity: string, pkg?: string, version?: string): ImageScanFinding {
  return {
    name,
    uri: `https://cve.mitre.org/cgi-bin/cvename.cgi?name=${name}`,
    severity: severity as ImageScanFinding['severity'],
    attributes: [
      ...(version ? [{ key: 'package_version', value: version }] : []),
      ...(pkg ? [{ key: 'package_name', value: pkg }] : []),
      { key: 'CVSS2_SCORE', value: '7.5' }
    ]
  }
}

/** Amazon Inspector's shape: one vulnerability, the packages it is in. */
function enhanced(
  id: string,
  severity: string,
  packages: { name: string; version: string; release?: string; fixedInVersion?: string }[],
  status = 'ACTIVE'
): EnhancedImageScanFinding {
  return {
    findingArn: `arn:aws:inspector2:eu-north-1:123456789012:finding/${id}`,
    title: `${id} - ${packages[0]?.name ?? ''}`,
    severity,
    status,
    type: 'PACKAGE_VULNERABILITY',
    packageVulnerabilityDetails: {
      vulnerabilityId: id,
      source: 'NVD',
      vulnerablePackages: packages.map(p => ({ ...p, packageManager: 'OS' }))
    }
  }
}

test.each<[string, ImageScanFinding[], EnhancedImageScanFinding[], Finding[], number]>([
  [
    'basic findings: CVE, severity, package and version from the attributes',
    [
      basic('CVE-2024-0002', 'HIGH', 'zlib', '1.2.11'),
      basic('CVE-2024-0001', 'CRITICAL', 'openssl', '3.0.1')
    ],
    [],
    [
      {
        id: 'CVE-2024-0001',
        severity: 'CRITICAL',
        package: 'openssl',
        version: '3.0.1',
        scanner: 'basic'
      },
      {
        id: 'CVE-2024-0002',
        severity: 'HIGH',
        package: 'zlib',
        version: '1.2.11',
        scanner: 'basic'
      }
    ],
    0
  ],
  [
    'a basic finding without attributes or severity',
    [{ name: 'CVE-2023-9999' }],
    [],
    [{ id: 'CVE-2023-9999', severity: 'UNDEFINED', scanner: 'basic' }],
    0
  ],
  [
    'enhanced: one line a vulnerable package, version with its release, the fix version',
    [],
    [
      enhanced('CVE-2024-3094', 'CRITICAL', [
        {
          name: 'xz-libs',
          version: '5.6.0',
          release: '1.amzn2',
          fixedInVersion: '0:5.6.1-1.amzn2'
        },
        { name: 'xz', version: '5.6.0', fixedInVersion: 'NotAvailable' }
      ])
    ],
    [
      {
        id: 'CVE-2024-3094',
        severity: 'CRITICAL',
        package: 'xz',
        version: '5.6.0',
        scanner: 'enhanced'
      },
      {
        id: 'CVE-2024-3094',
        severity: 'CRITICAL',
        package: 'xz-libs',
        version: '5.6.0-1.amzn2',
        fixedIn: '0:5.6.1-1.amzn2',
        scanner: 'enhanced'
      }
    ],
    0
  ],
  [
    'enhanced: SUPPRESSED and CLOSED findings are counted apart, UNTRIAGED kept last',
    [],
    [
      enhanced('CVE-2024-0100', 'UNTRIAGED', [{ name: 'curl', version: '8.0.0' }]),
      enhanced('CVE-2024-0101', 'HIGH', [{ name: 'curl', version: '8.0.0' }], 'SUPPRESSED'),
      enhanced('CVE-2024-0102', 'CRITICAL', [{ name: 'curl', version: '8.0.0' }], 'CLOSED'),
      enhanced('GHSA-abcd-efgh-ijkl', 'medium', [
        { name: 'requests', version: '2.30.0', fixedInVersion: '2.31.0' }
      ])
    ],
    [
      {
        id: 'GHSA-abcd-efgh-ijkl',
        severity: 'MEDIUM',
        package: 'requests',
        version: '2.30.0',
        fixedIn: '2.31.0',
        scanner: 'enhanced'
      },
      {
        id: 'CVE-2024-0100',
        severity: 'UNTRIAGED',
        package: 'curl',
        version: '8.0.0',
        scanner: 'enhanced'
      }
    ],
    2
  ],
  [
    'enhanced without packages, and both kinds in one answer',
    [basic('CVE-2024-0003', 'LOW', 'bash', '5.1')],
    [{ severity: 'HIGH', title: 'CVE-2024-0004 - kernel', status: 'ACTIVE' }],
    [
      { id: 'CVE-2024-0004 - kernel', severity: 'HIGH', scanner: 'enhanced' },
      { id: 'CVE-2024-0003', severity: 'LOW', package: 'bash', version: '5.1', scanner: 'basic' }
    ],
    0
  ]
])('%s', (_, findings, enhancedFindings, expected, inactive) => {
  expect(findingsOf({ findings, enhancedFindings })).toEqual({ findings: expected, inactive })
})

test.each<[Finding, string]>([
  [
    {
      id: 'CVE-2024-0001',
      severity: 'CRITICAL',
      package: 'openssl',
      version: '3.0.1',
      fixedIn: '3.0.2',
      scanner: 'enhanced'
    },
    'CVE-2024-0001 CRITICAL openssl 3.0.1 (fixed in 3.0.2)'
  ],
  [
    { id: 'CVE-2024-0002', severity: 'HIGH', package: 'zlib', scanner: 'basic' },
    'CVE-2024-0002 HIGH zlib'
  ],
  [{ id: 'CVE-2024-0003', severity: 'LOW', scanner: 'basic' }, 'CVE-2024-0003 LOW']
])('findingText %#', (finding, text) => {
  expect(findingText(finding)).toBe(text)
})

test.each<[string, number]>([
  ['INFORMATIONAL', 1],
  ['LOW', 2],
  ['medium', 3],
  ['HIGH', 4],
  ['CRITICAL', 5],
  ['UNDEFINED', 0],
  ['UNTRIAGED', 0],
  ['SEVERE', 0]
])('rank(%s) is %i', (severity, expected) => {
  expect(rank(severity)).toBe(expected)
})

test.each<[string, 'CRITICAL' | 'HIGH' | 'INFORMATIONAL', boolean]>([
  ['CRITICAL', 'CRITICAL', true],
  ['HIGH', 'CRITICAL', false],
  ['CRITICAL', 'HIGH', true],
  ['HIGH', 'HIGH', true],
  ['MEDIUM', 'HIGH', false],
  ['INFORMATIONAL', 'INFORMATIONAL', true],
  ['UNTRIAGED', 'INFORMATIONAL', false],
  ['UNDEFINED', 'INFORMATIONAL', false]
])('%s at or above %s: %s', (severity, level, expected) => {
  expect(atOrAbove(severity, level)).toBe(expected)
})
