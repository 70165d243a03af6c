// The job summary: rendered from the run's result (pure), then written once.
import * as core from '@actions/core'
import { buildLine } from '../model/build.js'
import { errorText } from '../model/errors.js'
import { familyOf, revisionOf, shortArn } from '../model/names.js'
import { commandLine } from '../migration/command.js'
import { stillMigrated } from './migrated.js'
import { together } from './together.js'
import { baselineRate, minutesSeconds, perMinute } from '../bake/rules.js'
import { judgedSection } from './judged.js'
import type {
  BakeResult,
  Check,
  MigrationResult,
  RunResult,
  ServiceResult
} from '../model/result.js'

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
  const [only, ...others] = result.services
  const what = { deploy: 'Deploy', verify: 'Verify', rollback: 'Rollback' }[result.mode]
  const services = only
    ? others.length === 0
      ? escapeText(only.service)
      : `${result.services.length} services`
    : ''
  const where = services ? `: ${services} in ${escapeText(result.cluster)}` : ''
  if (result.status === 'planned') return `## 📝 ${what} (dry run)${where}`
  if (result.status === 'succeeded') return `## ✅ ${what} succeeded${where}`
  if (result.status === 'started')
    return `## ▶️ ${what} started, not watched or verified (wait: false)${where}`
  return `## ❌ ${what} failed${where}`
}

function revisionName(arn: string | undefined): string {
  return arn ? escapeText(shortArn(arn)) : '—'
}

/** The ECS console pages of a service: its health, its deployments, the revision it runs. */
export function consoleLinks(result: RunResult, service: ServiceResult): string[] {
  const region = encodeURIComponent(result.region)
  const cluster = encodeURIComponent(shortArn(result.cluster))
  const name = encodeURIComponent(shortArn(service.service))
  const base = `https://${region}.console.aws.amazon.com/ecs/v2`
  const links = [
    `[Service](${base}/clusters/${cluster}/services/${name}/health?region=${region})`,
    `[Deployments and events](${base}/clusters/${cluster}/services/${name}/deployments?region=${region})`
  ]
  const arn = service.runs?.taskDefinitionArn
  if (arn) {
    const family = encodeURIComponent(familyOf(arn))
    const revision = encodeURIComponent(String(revisionOf(arn)))
    links.push(
      `[Task definition](${base}/task-definitions/${family}/${revision}/containers?region=${region})`
    )
  }
  return links
}

/**
 * `41 → 42`, `41 → 42 (failed) → 41` when the step went back, or `41 → 42 (replaced) → 43`
 * when another deployment took over.
 */
function revisionPath(service: ServiceResult): string {
  const before = revisionName(service.before?.taskDefinitionArn)
  const now = revisionName(service.runs?.taskDefinitionArn)
  const failed = service.failedTaskDefinitionArn
  if (failed && failed !== service.runs?.taskDefinitionArn) {
    const how = service.replaced ? 'replaced' : 'failed'
    return `${before} → ${revisionName(failed)} (${how}) → ${now}`
  }
  const attempted = service.attempted?.taskDefinitionArn
  if (service.rolledBack && attempted && attempted !== service.runs?.taskDefinitionArn) {
    return `${before} → ${revisionName(attempted)} (rolled back) → ${now}`
  }
  return `${before} → ${now}`
}

/** `api`, or `api, and migrate on the same image` when others run (or are repinned to) it. */
function containerText(service: ServiceResult): string {
  const others = service.sameImage ?? []
  const name = escapeText(service.containerName ?? '')
  return others.length > 0
    ? `${name}, and ${others.map(escapeText).join(', ')} on the same image`
    : name
}

function verifiedText(service: ServiceResult): string {
  return service.verified ? '✅ yes' : service.checks.length > 0 ? '❌ no' : '— not checked'
}

/** The whole summary as Markdown with a little HTML. Every user-controlled text is escaped. */
export function renderSummary(result: RunResult): string {
  const out: string[] = [title(result), '']
  if (result.error) out.push(`> **Error:** ${escapeText(result.error)}`, '')
  if (result.buildLog?.length) {
    out.push(
      `### Build output (last ${result.buildLog.length} lines)`,
      '',
      '<pre>',
      escapeBlock(result.buildLog),
      '</pre>',
      ''
    )
  }
  for (const scan of result.scans ?? []) out.push(...scan.section)
  if (result.build) out.push(`**Build:** ${escapeText(buildLine(result.build))}`, '')
  if (result.migration) out.push(...migrationSection(result.migration, stillMigrated(result)))
  const [only, ...others] = result.services
  if (only && others.length === 0) {
    out.push(...serviceRows(result, only), ...serviceSections(only, '###'))
  } else if (only) {
    out.push(
      `Cluster ${escapeText(result.cluster)} in ${escapeText(result.region)}; ${together(result)}.`,
      '',
      '| Service | Revision | Image | Verified | Rolled back |',
      '|---|---|---|---|---|',
      ...result.services.map(
        s =>
          `| ${escapeText(s.service)} | ${revisionPath(s)} | ${s.runs?.image ? `<code>${escapeText(s.runs.image)}</code>` : '—'} | ${verifiedText(s)} | ${s.rolledBack ? '↩️ yes' : 'no'} |`
      ),
      ''
    )
    for (const service of result.services) {
      out.push(`### ${escapeText(service.service)}`, '')
      if (service.containerName) out.push(`Container: ${containerText(service)}`, '')
      out.push(...serviceSections(service, '####'))
    }
  }

  if (result.cleanup) out.push(...result.cleanup.section)
  const audit = result.audit
  out.push('### Audit trail', '', '| | |', '|---|---|')
  out.push(`| Commit | <code>${escapeText(audit.commit || '—')}</code> |`)
  out.push(`| Deployed by | ${escapeText(audit.actor || '—')} |`)
  out.push(
    `| Run | ${audit.runUrl ? `[${escapeText(audit.runUrl)}](${encodeURI(audit.runUrl)})` : '—'} |`
  )
  if (audit.notes) out.push(`| Notes | ${escapeText(audit.notes)} |`)
  out.push('')
  for (const service of result.services) {
    const which = others.length > 0 ? ` (${escapeText(service.service)})` : ''
    out.push(`**AWS console${which}:** ${consoleLinks(result, service).join(' · ')}`, '')
  }
  return out.join('\n')
}

const MIGRATION_STATUS: Record<MigrationResult['status'], string> = {
  planned: '📝 planned (dry run)',
  running: '▶️ running',
  succeeded: '✅ exited 0',
  failed: '❌ failed: nothing was deployed'
}

/** What the migration ran, where, how it ended, what a rollback left of it, and its log lines. */
function migrationSection(migration: MigrationResult, stays: string | undefined): string[] {
  const rows: [string, string][] = [
    ['Result', MIGRATION_STATUS[migration.status]],
    ['Command', `<code>${escapeText(commandLine(migration.command))}</code>`],
    ['Container', escapeText(migration.container)],
    ['Revision', revisionName(migration.taskDefinitionArn)],
    ['Where', escapeText(migration.where)]
  ]
  if (migration.taskArn) rows.push(['Task', escapeText(shortArn(migration.taskArn))])
  if (migration.exitCode !== undefined) rows.push(['Exit code', String(migration.exitCode)])
  if (migration.stoppedReason) {
    const code = migration.stopCode ? ` — ${escapeText(migration.stopCode)}` : ''
    rows.push(['Stopped', `${escapeText(migration.stoppedReason)}${code}`])
  }
  if (migration.startedAt && migration.stoppedAt) {
    const seconds = (Date.parse(migration.stoppedAt) - Date.parse(migration.startedAt)) / 1000
    rows.push(['Ran for', `${Math.max(0, Math.round(seconds))} s`])
  }
  if (migration.failure) rows.push(['Why', escapeText(migration.failure)])
  if (migration.cancelled) rows.push(['Cancelled', escapeText(migration.cancelled)])
  if (stays) rows.push(['Database', escapeText(stays)])
  const out = [
    '### Migration',
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    ''
  ]
  if (migration.status !== 'planned') {
    const lines = migration.logLines.length > 0 ? migration.logLines : ['(no log lines)']
    out.push('<pre>', escapeBlock(lines), '</pre>', '')
  }
  return out
}

const BAKE_STATUS: Record<BakeResult['status'], string> = {
  baking: '▶️ baking',
  passed: '✅ passed',
  regressed: '❌ regressed: rolled back',
  stopped: '⏹️ stopped early'
}

/** What the bake watched and found. */
function bakeSection(bake: BakeResult, level: string): string[] {
  const errors = bake.errors
  const before = errors.before
  const rows: [string, string][] = [
    ['Result', BAKE_STATUS[bake.status]],
    [
      'Watched',
      `${minutesSeconds(bake.watchedMs)} of ${minutesSeconds(bake.bakeMs)}, ${bake.polls} polls`
    ]
  ]
  if (bake.shift) {
    rows.push([
      'While ECS shifted the traffic',
      `${minutesSeconds(bake.shift.ms)}: ${escapeText(bake.shift.stages.join(' → '))}`
    ])
  }
  if (bake.regression) rows.push(['Why', escapeText(bake.regression)])
  rows.push([
    'Error lines, new tasks',
    errors.counted
      ? `${errors.lines} over ${errors.taskMinutes.toFixed(1)} task-minutes (${perMinute(errors.lines / Math.max(errors.taskMinutes, 1))})`
      : `not counted: ${escapeText(errors.why ?? 'no log stream')}`
  ])
  rows.push([
    'Error lines before the deploy',
    before.unknown
      ? `not known: ${escapeText(before.unknown)}`
      : `${before.lines} in ${before.minutes} min over ${escapeText(before.source ?? `${before.tasks} tasks`)} (${perMinute(baselineRate(before))})`
  ])
  if (bake.health) {
    const bad =
      bake.health.bad.length > 0 ? ` (not 2xx: ${escapeText(bake.health.bad.join(', '))})` : ''
    rows.push(['Health', `${bake.health.ok} of ${bake.health.asked} answers 2xx${bad}`])
  }
  if (bake.testTraffic) {
    const test = bake.testTraffic
    const bad = test.bad.length > 0 ? ` (not 2xx: ${escapeText(test.bad.join(', '))})` : ''
    rows.push(['Test traffic', `${test.ok} of ${test.asked} answers 2xx${bad}`])
  }
  rows.push(['New tasks stopped', String(bake.failedTasks)])
  const out = [
    `${level} Bake`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    ''
  ]
  if (errors.last.length > 0) out.push('<pre>', escapeBlock(errors.last), '</pre>', '')
  if (bake.judged) out.push(...judgedSection(bake.judged, `${level}#`, escapeText))
  return out
}

/** The one-service table: where, what, which revision, verified. */
function serviceRows(result: RunResult, service: ServiceResult): string[] {
  const rows: [string, string][] = [
    ['Cluster', escapeText(result.cluster)],
    ['Service', escapeText(service.service)],
    ['Region', escapeText(result.region)]
  ]
  const runs = service.runs
  if (runs?.tag) rows.push(['Tag', `<code>${escapeText(runs.tag)}</code>`])
  if (runs?.image) rows.push(['Image', `<code>${escapeText(runs.image)}</code>`])
  if (service.containerName) rows.push(['Container', containerText(service)])
  rows.push(['Revision', revisionPath(service)])
  rows.push(['Verified', verifiedText(service)])
  if (service.rolledBack) rows.push(['Rolled back', '↩️ yes'])
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`), '']
}

/** A service's checks, timeline, stopped tasks, events, logs and plan, under `level` headings. */
function serviceSections(service: ServiceResult, level: string): string[] {
  const out: string[] = []
  if (service.checks.length > 0) {
    out.push(`${level} Verification`, '', '| | Check | Detail |', '|---|---|---|')
    for (const check of service.checks) {
      out.push(
        `| ${STATUS_ICON[check.status]} | ${escapeText(check.name)} | ${escapeText(check.detail)} |`
      )
    }
    out.push('')
  }

  if (service.timeline.length > 0) {
    out.push(`${level} Rollout timeline`, '', '<pre>')
    out.push(escapeBlock(service.timeline.map(e => `${e.at.slice(11, 19)}  ${e.message}`)))
    out.push('</pre>', '')
  }

  if (service.bake) out.push(...bakeSection(service.bake, level))

  if (service.stoppedTasks.length > 0) {
    out.push(`${level} Stopped tasks`, '')
    for (const task of service.stoppedTasks) {
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

  if (service.events.length > 0) {
    out.push(`${level} Service events`, '', ...service.events.map(e => `- ${escapeText(e)}`), '')
  }

  if (service.logs) {
    const errors = service.logs.marked
      ? `${service.logs.errorCount} ERROR lines in the running tasks`
      : service.logs.whole
        ? `${service.logs.errorCount} ERROR lines in the whole group`
        : `${service.logs.errorCount} ERROR lines`
    out.push(
      `${level} Recent logs: ${escapeText(service.logs.group)} (${errors})`,
      '',
      ...(service.logs.marked
        ? [
            "Lines of the service's running tasks are marked with their task; `[other]`: older tasks and other services that log to the group.",
            ''
          ]
        : service.logs.whole
          ? [
              `The whole group, of any task or service that logs there: ${escapeText(service.logs.whole)}.`,
              ''
            ]
          : []),
      '<pre>',
      escapeBlock(service.logs.lines.length > 0 ? service.logs.lines : ['(no log lines)']),
      '</pre>',
      ''
    )
  }

  if (service.plan) {
    out.push(
      `${level} Planned task definition (diff against the current revision)`,
      '',
      '<pre>',
      escapeBlock([service.plan]),
      '</pre>',
      ''
    )
  }
  return out
}

/** Writes the summary; a summary that cannot be written only warns. */
export async function writeSummary(result: RunResult): Promise<void> {
  try {
    await core.summary.addRaw(renderSummary(result)).write()
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorText(error)}`)
  }
}
