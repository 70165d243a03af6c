// ECR's two kinds of findings as one list: basic scanning's (`findings`, a CVE and attributes)
// and enhanced scanning's (`enhancedFindings`, Amazon Inspector: a vulnerability and the packages
// it is in, with the version that fixes it). Pure.
import type { EnhancedImageScanFinding, ImageScanFinding } from '@aws-sdk/client-ecr'
import { rank } from './severity.js'

/** One vulnerability in one package of the image. */
export interface Finding {
  /** CVE-2024-1234 (or the scanner's own id: GHSA-…, ALAS-…). */
  id: string
  /** As ECR gives it: CRITICAL, HIGH…, or UNDEFINED / UNTRIAGED. */
  severity: string
  package?: string
  version?: string
  /** The version that fixes it, when the scanner says (enhanced scanning does). */
  fixedIn?: string
  scanner: 'basic' | 'enhanced'
}

export interface Findings {
  findings: Finding[]
  /** Enhanced findings that Inspector marks SUPPRESSED or CLOSED: not counted. */
  inactive: number
}

/** Inspector's word for "no fixed version known". */
const NO_FIX = 'NotAvailable'

export function findingsOf(scan: {
  findings: ImageScanFinding[]
  enhancedFindings: EnhancedImageScanFinding[]
}): Findings {
  const findings: Finding[] = scan.findings.map(basic)
  let inactive = 0
  for (const finding of scan.enhancedFindings) {
    if (finding.status && finding.status !== 'ACTIVE') inactive += 1
    else findings.push(...enhanced(finding))
  }
  return { findings: findings.sort(bySeverity), inactive }
}

function basic(finding: ImageScanFinding): Finding {
  const attribute = (key: string) => finding.attributes?.find(a => a.key === key)?.value
  const name = attribute('package_name')
  const version = attribute('package_version')
  return {
    id: finding.name ?? 'unnamed finding',
    severity: (finding.severity ?? 'UNDEFINED').toUpperCase(),
    ...(name ? { package: name } : {}),
    ...(version ? { version } : {}),
    scanner: 'basic'
  }
}

/** One finding a vulnerable package: the same CVE in two packages is two lines to fix. */
function enhanced(finding: EnhancedImageScanFinding): Finding[] {
  const details = finding.packageVulnerabilityDetails
  const id = details?.vulnerabilityId ?? finding.title ?? finding.findingArn ?? 'unnamed finding'
  const severity = (finding.severity ?? 'UNTRIAGED').toUpperCase()
  const packages = details?.vulnerablePackages ?? []
  if (packages.length === 0) return [{ id, severity, scanner: 'enhanced' }]
  return packages.map(p => {
    const version = p.version ? `${p.version}${p.release ? `-${p.release}` : ''}` : undefined
    const fixedIn = p.fixedInVersion && p.fixedInVersion !== NO_FIX ? p.fixedInVersion : undefined
    return {
      id,
      severity,
      ...(p.name ? { package: p.name } : {}),
      ...(version ? { version } : {}),
      ...(fixedIn ? { fixedIn } : {}),
      scanner: 'enhanced'
    }
  })
}

/** Most severe first, then by id and package, so a list reads the same every run. */
function bySeverity(a: Finding, b: Finding): number {
  return (
    rank(b.severity) - rank(a.severity) ||
    a.id.localeCompare(b.id) ||
    (a.package ?? '').localeCompare(b.package ?? '')
  )
}

/** `CVE-2024-1234 CRITICAL openssl 3.0.1 (fixed in 3.0.2)`: one finding on one line. */
export function findingText(finding: Finding): string {
  const where = finding.package
    ? ` ${finding.package}${finding.version ? ` ${finding.version}` : ''}`
    : ''
  const fix = finding.fixedIn ? ` (fixed in ${finding.fixedIn})` : ''
  return `${finding.id} ${finding.severity}${where}${fix}`
}
