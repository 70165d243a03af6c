// The job summary: rendered from the run's result (pure), then written once.
import * as core from '@actions/core'
import { errorText } from './errors.js'
import { familyOf, revisionOf, shortArn } from './names.js'
import type { Check, RunResult } from './result.js'

const MARKDOWN_SPECIAL: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '|': '&#124;',
  '*': '&#42;',
  _: '&#95;',
  '`': '&#96;',
  '[': '&#91;',
  ']': '&#93;',
  '#': '&#35;',
  '~': '&#126;',
  '!': '&#33;',
  '\\': '&#92;',
  '@': '&#64;',
  // GitHub renders $…$ as math.
  $: '&#36;'
}

/** Text safe to put in Markdown or HTML: no markup, no links, no mentions, one line. */
export function escapeText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[&<>"'|*_`[\]#~!\\@$]/g, c => MARKDOWN_SPECIAL[c] ?? c)
}

/** Lines for a <pre> block: HTML-escaped, so a log line cannot close the block. */
export function escapeBlock(lines: string[]): string {
  return lines.map(line => line.replace(/[&<>]/g, c => MARKDOWN_SPECIAL[c] ?? c)).join('\n')
}

const STATUS_ICON: Record<Check['status'], string> = {
  pass: '✅',
  fail: '❌',
  warn: '⚠️',
  skip: '⏭️'
}

function title(result: RunResult): string {
  const where = `${escapeText(result.service)} in ${escapeText(result.cluster)}`
  const what = { deploy: 'Deploy', verify: 'Verify', rollback: 'Rollback' }[result.mode]
  if (result.status === 'planned') return `## 📝 ${what} (dry run): ${where}`
  if (result.status === 'succeeded') return `## ✅ ${what} succeeded: ${where}`
  return `## ❌ ${what} failed: ${where}`
}

function revisionName(arn: string | undefined): string {
  return arn ? escapeText(shortArn(arn)) : '—'
}

export function consoleLinks(result: RunResult): string[] {
  const region = encodeURIComponent(result.region)
  const cluster = encodeURIComponent(shortArn(result.cluster))
  const service = encodeURIComponent(shortArn(result.service))
  const base = `https://${region}.console.aws.amazon.com/ecs/v2`
  const links = [
    `[Service](${base}/clusters/${cluster}/services/${service}/health?region=${region})`,
    `[Deployments and events](${base}/clusters/${cluster}/services/${service}/deployments?region=${region})`
  ]
  const arn = result.taskDefinitionArn
  if (arn) {
    const family = encodeURIComponent(familyOf(arn))
    const revision = encodeURIComponent(String(revisionOf(arn)))
    links.push(
      `[Task definition](${base}/task-definitions/${family}/${revision}/containers?region=${region})`
    )
  }
  return links
}

/** The whole summary as Markdown with a little HTML. Every user-controlled text is escaped. */
export function renderSummary(result: RunResult): string {
  const out: string[] = [title(result), '']
  if (result.error) out.push(`> **Error:** ${escapeText(result.error)}`, '')

  const rows: [string, string][] = [
    ['Cluster', escapeText(result.cluster)],
    ['Service', escapeText(result.service)],
    ['Region', escapeText(result.region)]
  ]
  if (result.tag) rows.push(['Tag', `<code>${escapeText(result.tag)}</code>`])
  if (result.image) rows.push(['Image', `<code>${escapeText(result.image)}</code>`])
  if (result.containerName) rows.push(['Container', escapeText(result.containerName)])
  const failed = result.failedTaskDefinitionArn
  rows.push([
    'Revision',
    failed && failed !== result.taskDefinitionArn
      ? `${revisionName(result.previousTaskDefinitionArn)} → ${revisionName(failed)} (failed) → ${revisionName(result.taskDefinitionArn)}`
      : `${revisionName(result.previousTaskDefinitionArn)} → ${revisionName(result.taskDefinitionArn)}`
  ])
  const verified = result.verified ? '✅ yes' : result.checks.length > 0 ? '❌ no' : '— not checked'
  rows.push(['Verified', verified])
  if (result.rolledBack) rows.push(['Rolled back', '↩️ yes'])
  out.push('| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`), '')

  if (result.checks.length > 0) {
    out.push('### Verification', '', '| | Check | Detail |', '|---|---|---|')
    for (const check of result.checks) {
      out.push(
        `| ${STATUS_ICON[check.status]} | ${escapeText(check.name)} | ${escapeText(check.detail)} |`
      )
    }
    out.push('')
  }

  if (result.timeline.length > 0) {
    out.push('### Rollout timeline', '', '<pre>')
    out.push(escapeBlock(result.timeline.map(e => `${e.at.slice(11, 19)}  ${e.message}`)))
    out.push('</pre>', '')
  }

  if (result.stoppedTasks.length > 0) {
    out.push('### Stopped tasks', '')
    for (const task of result.stoppedTasks) {
      out.push(
        `- **${escapeText(task.taskId)}** (${revisionName(task.taskDefinitionArn)}): ${escapeText(task.stoppedReason ?? 'no reason given')}${task.stopCode ? ` — ${escapeText(task.stopCode)}` : ''}`
      )
      for (const container of task.containers) {
        out.push(
          `  - ${escapeText(container.name)}: exit code ${container.exitCode ?? '—'}${container.reason ? `, ${escapeText(container.reason)}` : ''}`
        )
      }
      if (task.logLines.length > 0) out.push('', '<pre>', escapeBlock(task.logLines), '</pre>', '')
    }
    out.push('')
  }

  if (result.events.length > 0) {
    out.push('### Service events', '', ...result.events.map(e => `- ${escapeText(e)}`), '')
  }

  if (result.logs) {
    out.push(
      `### Recent logs: ${escapeText(result.logs.group)} (${result.logs.errorCount} ERROR lines)`,
      '',
      '<pre>',
      escapeBlock(result.logs.lines.length > 0 ? result.logs.lines : ['(no log lines)']),
      '</pre>',
      ''
    )
  }

  if (result.plan) {
    out.push(
      '### Planned task definition (diff against the current revision)',
      '',
      '<pre>',
      escapeBlock([result.plan]),
      '</pre>',
      ''
    )
  }

  const audit = result.audit
  out.push('### Audit trail', '', '| | |', '|---|---|')
  out.push(`| Commit | <code>${escapeText(audit.commit || '—')}</code> |`)
  out.push(`| Deployed by | ${escapeText(audit.actor || '—')} |`)
  out.push(
    `| Run | ${audit.runUrl ? `[${escapeText(audit.runUrl)}](${encodeURI(audit.runUrl)})` : '—'} |`
  )
  if (audit.notes) out.push(`| Notes | ${escapeText(audit.notes)} |`)
  out.push('', `**AWS console:** ${consoleLinks(result).join(' · ')}`, '')
  return out.join('\n')
}

/** Writes the summary; a summary that cannot be written only warns. */
export async function writeSummary(result: RunResult): Promise<void> {
  try {
    await core.summary.addRaw(renderSummary(result)).write()
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorText(error)}`)
  }
}
