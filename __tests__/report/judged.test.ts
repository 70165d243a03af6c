import { describe, expect, test } from 'vitest'
import { chart, judgedSection } from '../../src/report/judged.js'
import { escapeText } from '../../src/report/summary.js'

const at = (minute: number) => Date.parse('2026-11-26T12:00:00Z') + minute * 60_000

describe('judgedSection', () => {
  test('each signal with its verdict and figures, each reason escaped, and two charts', () => {
    const out = judgedSection(
      {
        signals: [
          {
            signal: '5xx',
            status: 'regressed',
            reason: '5xx share 1.5 % of 2,400 requests against 0.50 % of 23,600 requests: 3×',
            new: { requests: 2400, share: 0.015 },
            old: { requests: 23_600, share: 0.005 },
            p: 0.00001,
            confidence: 0.998
          },
          {
            signal: 'latency',
            status: 'too-little',
            reason: 'p99: too little to judge: the new revision had 120 requests over 2 minutes',
            new: { requests: 120, p99: 0.25 },
            old: { requests: 10_000, p99: 0.12 },
            p: 1,
            confidence: 0.998
          },
          {
            signal: 'alarms',
            status: 'passed',
            reason: 'alarms: none of 2 alarms went into ALARM (not found: <api>)'
          }
        ],
        minutes: [
          { at: at(1), newShare: 0.015, oldShare: 0.005, newP99: 0.25, oldP99: 0.12 },
          { at: at(2), newShare: 0.02, oldShare: 0.004, newP99: 0.3 }
        ]
      },
      '####',
      escapeText
    )
    expect(out.slice(0, 8)).toEqual([
      '#### The judge: new revision against old',
      '',
      '| Signal | Verdict | New | Old | p | Confidence |',
      '|---|---|---|---|---|---|',
      '| 5xx share | ❌ regressed | 1.50 % of 2,400 requests | 0.50 % of 23,600 requests | < 0.0001 | 99.8 % |',
      '| p99 | ⚪ too little to judge | 250 ms (120 requests) | 120 ms (10,000 requests) | 1.00 | 99.8 % |',
      '| Alarms | ✅ passed | — | — | — | — |',
      ''
    ])
    expect(out).toContain('- alarms: none of 2 alarms went into ALARM (not found: &lt;api&gt;)')
    const text = out.join('\n')
    expect(text).toContain(
      [
        '```mermaid',
        'xychart-beta',
        '  title "5xx share per minute: new (first line) against old"',
        '  x-axis ["12:01", "12:02"]',
        '  y-axis "5xx share (%)" 0 --> 2.4',
        '  line [1.5, 2]',
        '  line [0.5, 0.4]',
        '```'
      ].join('\n')
    )
    // The old side has no p99 at 12:02: only the new revision's line is drawn.
    expect(text).toContain('  title "p99 per minute: new revision"\n')
    expect(text).toContain('  line [250, 300]\n```')
  })

  test('a service whose traffic was not read says why, and shows no table', () => {
    expect(
      judgedSection(
        { unread: 'api has no load balancer', signals: [], minutes: [] },
        '###',
        escapeText
      )
    ).toEqual([
      '### The judge: new revision against old',
      '',
      "The load balancer's signals were not judged: api has no load balancer.",
      ''
    ])
  })
})

describe('chart', () => {
  test.each<[string, number, number]>([
    ['one minute: no chart', 1, 0],
    ['two minutes: a chart', 2, 8],
    ['more than an hour: the last 60 minutes', 90, 8]
  ])('%s', (_name, minutes, lines) => {
    const all = Array.from({ length: minutes }, (_, i) => ({ at: at(i), newShare: i, oldShare: 0 }))
    const out = chart('t', 'a', all, m => [m.newShare, m.oldShare])
    expect(out.length).toBe(lines === 0 ? 0 : lines + 1)
    if (minutes === 90) expect(out[3]).toMatch(/^ {2}x-axis \["12:30", .*"13:29"\]$/)
  })
})
