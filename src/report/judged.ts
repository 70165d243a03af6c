// The Bake section's part of the judge: each signal, new revision against old, with its verdict
// and figures, and a chart of the 5xx share and the p99 minute by minute, new against old (a
// Mermaid xychart, which GitHub draws in the job summary). Pure; the summary places it.
import type { JudgedMinute, JudgedSignal, JudgedSignals, SideFigures } from '../model/result.js'

/** The most minutes a chart shows: the last ones. */
export const CHART_MINUTES = 60

const VERDICT: Record<JudgedSignal['status'], string> = {
  regressed: '❌ regressed',
  passed: '✅ passed',
  'too-little': '⚪ too little to judge'
}

const NAME: Record<string, string> = {
  '5xx': '5xx share',
  latency: 'p99',
  alarms: 'Alarms',
  'error lines': 'Error lines'
}

/** `0.52 %`, `12 %`. */
function percent(share: number): string {
  const value = share * 100
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(2)} %`
}

function side(figures: SideFigures | undefined, signal: string): string {
  if (!figures) return '—'
  const requests = `${Math.round(figures.requests).toLocaleString('en-US')} requests`
  if (signal === 'latency') {
    return figures.p99 === undefined
      ? `no p99 (${requests})`
      : `${Math.round(figures.p99 * 1000)} ms (${requests})`
  }
  return figures.share === undefined ? requests : `${percent(figures.share)} of ${requests}`
}

function pText(p: number | undefined): string {
  if (p === undefined) return '—'
  return p < 0.0001 ? '< 0.0001' : p < 0.01 ? p.toPrecision(1) : p.toFixed(2)
}

/** `"12:01"`: a minute's label on the chart's axis. */
function label(at: number): string {
  return `"${new Date(at).toISOString().slice(11, 16)}"`
}

/**
 * One xychart of a value per minute: the new revision's line, and the old one's when it has a
 * value every minute shown (an old target group with no traffic left has none to draw).
 */
export function chart(
  title: string,
  axis: string,
  minutes: readonly JudgedMinute[],
  value: (m: JudgedMinute) => [number | undefined, number | undefined]
): string[] {
  const shown = minutes.filter(m => value(m)[0] !== undefined).slice(-CHART_MINUTES)
  if (shown.length < 2) return []
  const fresh = shown.map(m => value(m)[0] ?? 0)
  const olds = shown.map(m => value(m)[1])
  const old = olds.every(v => v !== undefined) ? olds : undefined
  const top = Math.max(...fresh, ...(old ?? []))
  const number = (v: number) => String(Number(v.toFixed(3)))
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${title}${old ? ': new (first line) against old' : ': new revision'}"`,
    `  x-axis [${shown.map(m => label(m.at)).join(', ')}]`,
    `  y-axis "${axis}" 0 --> ${number(top > 0 ? top * 1.2 : 1)}`,
    `  line [${fresh.map(number).join(', ')}]`,
    ...(old ? [`  line [${old.map(number).join(', ')}]`] : []),
    '```',
    ''
  ]
}

/** The judge's part of the Bake section; `escape` makes a user's text safe in Markdown. */
export function judgedSection(
  judged: JudgedSignals,
  level: string,
  escape: (text: string) => string
): string[] {
  const out = [`${level} The judge: new revision against old`, '']
  if (judged.unread) {
    out.push(`The load balancer's signals were not judged: ${escape(judged.unread)}.`, '')
  }
  if (judged.signals.length === 0) return out
  out.push(
    '| Signal | Verdict | New | Old | p | Confidence |',
    '|---|---|---|---|---|---|',
    ...judged.signals.map(
      s =>
        `| ${NAME[s.signal] ?? escape(s.signal)} | ${VERDICT[s.status]} | ${side(s.new, s.signal)} | ${side(s.old, s.signal)} | ${pText(s.p)} | ${s.confidence === undefined ? '—' : `${Number((s.confidence * 100).toFixed(2))} %`} |`
    ),
    '',
    ...judged.signals.map(s => `- ${escape(s.reason)}`),
    ''
  )
  out.push(
    ...chart('5xx share per minute', '5xx share (%)', judged.minutes, m => [
      m.newShare === undefined ? undefined : m.newShare * 100,
      m.oldShare === undefined ? undefined : m.oldShare * 100
    ]),
    ...chart('p99 per minute', 'p99 (ms)', judged.minutes, m => [
      m.newP99 === undefined ? undefined : m.newP99 * 1000,
      m.oldP99 === undefined ? undefined : m.oldP99 * 1000
    ])
  )
  return out
}
