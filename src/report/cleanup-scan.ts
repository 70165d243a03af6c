// The job summary's sections of the scan gate and of the cleanup, rendered from the outcomes the
// engine returns (scan/scan-gate.ts, cleanup/clean-up.ts). Pure; the summary places them.
import type { CleanupOutcome } from '../cleanup/clean-up.js'
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

/** The gate: its verdict, why, and the findings at or above the level (allowed ones marked). */
export function scanSection(outcome: GateOutcome, level = '###'): string[] {
  const scan =
    outcome.scan.kind === 'complete'
      ? escapeText(outcome.scan.status)
      : `cannot be judged: ${escapeText(outcome.scan.detail)}`
  const { blocking, allowed, below } = outcome.judgement
  const rows: [string, string][] = [
    ['Result', VERDICT[outcome.verdict]],
    ['Image', `<code>${escapeText(outcome.image)}</code>`],
    ['Fails on', `${outcome.level} and above`],
    ['Scan', scan],
    [
      'Findings',
      `${blocking.length} at or above ${outcome.level}, ${allowed.length} allowed, ${below.length} below${outcome.inactive ? `, ${outcome.inactive} suppressed or closed` : ''}`
    ]
  ]
  if (outcome.waitedMs > 0) rows.push(['Waited', `${Math.round(outcome.waitedMs / 1000)} s`])
  if (outcome.verdict === 'refuse' || outcome.warnings.length > 0) {
    rows.push(['Why', escapeText(outcome.reason)])
  }
  const out = [
    `${level} Scan gate`,
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
    const gone = outcome.dryRun
      ? r.plan.remove.slice(0, r.plan.remove.length - r.deferred.length)
      : r.deregistered
    const kept = r.plan.keep.map(k => ({ name: shortArn(k.arn), reasons: k.reasons }))
    out.push(row(r.plan.family, `${removed} ${gone.length}`, gone.map(shortArn), kept))
  }
  const images = outcome.images
  if (images) {
    const gone = outcome.dryRun
      ? images.plan.remove
      : images.plan.remove.filter(i => images.deleted.includes(i.digest))
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
