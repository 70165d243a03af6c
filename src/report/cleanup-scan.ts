// The job summary's sections of the scan gate and of the cleanup, rendered from the outcomes the
// engine returns (scan/scan-gate.ts, cleanup/clean-up.ts). Pure; the summary places them.
import type { CleanupOutcome, ImageCleanup, RevisionCleanup } from '../cleanup/clean-up.js'
import { imageName } from '../cleanup/clean-up.js'
import { shortArn } from '../model/names.js'
import type { Finding } from '../scan/findings.js'
import type { GateOutcome } from '../scan/gate.js'
import { escapeText } from './summary.js'

/** The most findings the summary lists; the log has every one. */
const MAX_FINDINGS = 50

const VERDICT: Record<GateOutcome['verdict'], string> = {
  deploy: '✅ deployed',
  refuse: '❌ refused: nothing was deployed'
}

/** What the scan was read for: a deploy's gate, a dry run's, or a rollback's target (never gated). */
export type ScanUse = 'deploy' | 'dry-run' | 'rollback'

const HEADING: Record<ScanUse, string> = {
  deploy: 'Scan gate',
  'dry-run': 'Scan gate (dry run)',
  rollback: 'Scan of the rollback target'
}

function resultText(outcome: GateOutcome, use: ScanUse): string {
  if (use === 'deploy') return VERDICT[outcome.verdict]
  if (use === 'dry-run') {
    return outcome.verdict === 'refuse'
      ? '📝 would refuse: nothing would be deployed'
      : '📝 would let the deploy go on'
  }
  if (outcome.scan.kind === 'unavailable') return '— cannot be judged: a rollback is not gated'
  return outcome.judgement.blocking.length
    ? `⚠️ findings at or above ${outcome.level}: rolled back anyway, a rollback is never gated`
    : `✅ no finding at or above ${outcome.level}`
}

/** The gate: its verdict, why, and the findings at or above the level (allowed ones marked). */
export function scanSection(
  outcome: GateOutcome,
  level = '###',
  use: ScanUse = 'deploy'
): string[] {
  const scan =
    outcome.scan.kind === 'complete'
      ? escapeText(outcome.scan.status)
      : `cannot be judged: ${escapeText(outcome.scan.detail)}`
  const { blocking, allowed, below } = outcome.judgement
  const rows: [string, string][] = [
    ['Result', resultText(outcome, use)],
    ['Image', `<code>${escapeText(outcome.image)}</code>`],
    ['Fails on', `${outcome.level} and above`],
    ['Scan', scan],
    [
      'Findings',
      `${blocking.length} at or above ${outcome.level}, ${allowed.length} allowed, ${below.length} below${outcome.inactive ? `, ${outcome.inactive} suppressed or closed` : ''}`
    ]
  ]
  if (outcome.waitedMs > 0) rows.push(['Waited', `${Math.round(outcome.waitedMs / 1000)} s`])
  if (use !== 'rollback' && (outcome.verdict === 'refuse' || outcome.warnings.length > 0)) {
    rows.push(['Why', escapeText(outcome.reason)])
  }
  const out = [
    `${level} ${HEADING[use]}`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    ''
  ]
  const listed = [
    ...blocking.map(f => [f, ''] as const),
    ...allowed.map(f => [f, 'allowed by allow-cves'] as const)
  ]
  if (listed.length === 0) return out
  out.push(
    '| Severity | Vulnerability | Package | Version | Fixed in | |',
    '|---|---|---|---|---|---|'
  )
  for (const [finding, note] of listed.slice(0, MAX_FINDINGS)) out.push(findingRow(finding, note))
  if (listed.length > MAX_FINDINGS) {
    out.push('', `and ${listed.length - MAX_FINDINGS} more (the log lists every one)`)
  }
  out.push('')
  return out
}

function findingRow(finding: Finding, note: string): string {
  const cells = [
    finding.severity,
    finding.id,
    finding.package ?? '',
    finding.version ?? '',
    finding.fixedIn ?? '',
    note
  ]
  return `| ${cells.map(escapeText).join(' | ')} |`
}

/** What the cleanup removed (or would remove), and what it kept and why. */
export function cleanupSection(outcome: CleanupOutcome, level = '###'): string[] {
  const removed = outcome.dryRun ? 'Would deregister' : 'Deregistered'
  const deleted = outcome.dryRun ? 'Would delete' : 'Deleted'
  const out = [`${level} Cleanup${outcome.dryRun ? ' (dry run)' : ''}`, '']
  if (outcome.skipped) {
    out.push(`Skipped, nothing was removed: ${escapeText(outcome.skipped)}`, '')
    return out
  }
  out.push('| | Removed | Kept | Why kept |', '|---|---|---|---|')
  for (const r of outcome.revisions) {
    const gone = revisionsGone(r, outcome.dryRun)
    const kept = r.plan.keep.map(k => ({ name: shortArn(k.arn), reasons: k.reasons }))
    out.push(row(r.plan.family, `${removed} ${gone.length}`, gone.map(shortArn), kept))
  }
  const images = outcome.images
  if (images) {
    const gone = imagesGone(images, outcome.dryRun)
    const kept = images.plan.keep.map(k => ({ name: imageName(k.image), reasons: k.reasons }))
    out.push(row(images.repository, `${deleted} ${gone.length}`, gone.map(imageName), kept))
  }
  out.push('')
  const left = outcome.revisions.reduce((sum, r) => sum + r.deferred.length, 0)
  if (left > 0)
    out.push(`${left} more revisions are left for the next deploy (at most 100 a run).`, '')
  for (const warning of outcome.warnings) out.push(`⚠️ ${escapeText(warning)}`, '')
  return out
}

/** One line of the cleanup's table: what went (or would go), and each kept one with why. */
function row(
  what: string,
  removed: string,
  gone: string[],
  kept: { name: string; reasons: string[] }[]
): string {
  const removedText = gone.length ? `${removed}: ${escapeText(gone.join(', '))}` : 'none'
  const why = kept.map(k => `${escapeText(k.name)}: ${escapeText(k.reasons.join('; '))}`)
  return `| ${escapeText(what)} | ${removedText} | ${kept.length} | ${why.join('<br>')} |`
}

/** The revisions deregistered (dry run: that would be, this run). */
function revisionsGone(r: RevisionCleanup, dryRun: boolean): string[] {
  return dryRun ? r.plan.remove.slice(0, r.plan.remove.length - r.deferred.length) : r.deregistered
}

/** The images deleted (dry run: that would be). */
function imagesGone(images: ImageCleanup, dryRun: boolean): ImageCleanup['plan']['remove'] {
  return dryRun
    ? images.plan.remove
    : images.plan.remove.filter(i => images.deleted.includes(i.digest))
}

/** The gate's part of the `result` output: the verdict, why, and the findings that count. */
export function scanJson(outcome: GateOutcome, use: ScanUse): object {
  const { blocking, allowed, below } = outcome.judgement
  const verdict =
    use !== 'rollback'
      ? outcome.verdict
      : outcome.scan.kind === 'unavailable'
        ? 'unknown'
        : blocking.length
          ? 'warn'
          : 'pass'
  return {
    use,
    verdict,
    image: outcome.image,
    level: outcome.level,
    scan: outcome.scan,
    findings: [
      ...blocking.map(f => ({ ...f, allowed: false })),
      ...allowed.map(f => ({ ...f, allowed: true }))
    ].slice(0, MAX_FINDINGS),
    below: below.length,
    waitedMs: outcome.waitedMs,
    reason: outcome.reason
  }
}

/** The cleanup's part of the `result` output: what went (dry run: would go), how much stayed. */
export function cleanupJson(outcome: CleanupOutcome): object {
  const images = outcome.images
  return {
    dryRun: outcome.dryRun,
    ...(outcome.skipped ? { skipped: outcome.skipped } : {}),
    revisions: outcome.revisions.map(r => ({
      family: r.plan.family,
      removed: revisionsGone(r, outcome.dryRun),
      kept: r.plan.keep.map(k => k.arn),
      failed: r.failed.map(f => f.arn),
      deferred: r.deferred.length
    })),
    images: images
      ? {
          repository: images.repository,
          removed: imagesGone(images, outcome.dryRun).map(i => i.digest),
          kept: images.plan.keep.length,
          failed: images.failed.map(f => f.digest)
        }
      : null,
    warnings: outcome.warnings
  }
}
