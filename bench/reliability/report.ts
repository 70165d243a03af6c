// What the bench found, judged and printed: pure functions from the runs' records to verdicts
// and one Markdown report (docs/reliability.md takes it as it is).
import type { Burst, RateRule } from './fault-proxy.js'

export interface RunRecord {
  label: string
  /** The run built and pushed an image (else it deployed one already in ECR). */
  build: boolean
  exitCode: number
  seconds: number
  outputs: Record<string, string>
  /** The step's error (its ::error:: lines), '' when it succeeded. */
  error: string
  /** The service's task definition once it settled after the run (DescribeServices). */
  serviceRuns: string
  /** Faults injected during the run, by `Operation fault`. */
  injected: Record<string, number>
  /** Failures of the stack itself during the run (not injected; the proxy answered 502). */
  stackErrors: string[]
  /** The service's task definition before the run. */
  serviceBefore: string
  /** Calls of the run that change something (RegisterTaskDefinition, UpdateService…) and reached AWS. */
  changes: number
  /** Twin revisions of a retried RegisterTaskDefinition that the step deregistered. */
  twinsDeregistered: string[]
}

/**
 * `failed, changed nothing`: the step failed before it could read the service (so it names no
 * revision), no call of it that changes anything reached AWS, and the service runs what it ran.
 */
export type Verdict = 'completed' | 'failed cleanly' | 'failed, changed nothing' | 'unreported'

/** The revision the run says the service runs after it: the new one, else the one before. */
export function reportedRevision(run: Pick<RunRecord, 'outputs'>): string {
  return run.outputs['task-definition-arn'] || run.outputs['previous-task-definition-arn'] || ''
}

/** A run is clean only when the service runs exactly the revision the run reported. Pure. */
export function verdict(
  run: Pick<RunRecord, 'exitCode' | 'outputs' | 'serviceRuns' | 'serviceBefore' | 'changes'>
): Verdict {
  const reported = reportedRevision(run)
  if (run.serviceRuns && run.serviceRuns === reported) {
    return run.exitCode === 0 ? 'completed' : 'failed cleanly'
  }
  const untouched = run.changes === 0 && !!run.serviceRuns && run.serviceRuns === run.serviceBefore
  return !reported && run.exitCode !== 0 && untouched ? 'failed, changed nothing' : 'unreported'
}

/** How the action's errors name what it was doing, by AWS operation. */
const OPERATIONS: [RegExp, string][] = [
  [/Could not describe ECS service/, 'DescribeServices'],
  [/Could not watch the (rollout|rollback)/, 'DescribeServices'],
  [/Could not register a task definition revision/, 'RegisterTaskDefinition'],
  [/Could not update ECS service/, 'UpdateService'],
  [/Could not deregister task definition/, 'DeregisterTaskDefinition'],
  [/Could not (look up image|list the images)/, 'DescribeImages'],
  [/Could not get an ECR authorization token/, 'GetAuthorizationToken'],
  [/Could not find ECR repository/, 'DescribeRepositories'],
  [/Could not describe task definition/, 'DescribeTaskDefinition'],
  [/Could not list the \w+ tasks/, 'ListTasks'],
  [/Could not describe \d+ tasks/, 'DescribeTasks']
]

/** The AWS operation a failure message names, if it names one. Pure. */
export function operationNamed(error: string): string | undefined {
  return OPERATIONS.find(([pattern]) => pattern.test(error))?.[1]
}

/** The first sentence of an error, for a table cell. */
export function firstSentence(error: string, max = 160): string {
  const line = error.split('\n')[0] ?? ''
  const end = line.search(/\.( |$)/)
  const sentence = end > 0 ? line.slice(0, end + 1) : line
  return sentence.length > max ? `${sentence.slice(0, max - 1)}…` : sentence
}

export function sumInjected(runs: Pick<RunRecord, 'injected'>[]): Record<string, number> {
  const byFault: Record<string, number> = {}
  for (const run of runs) {
    for (const [key, count] of Object.entries(run.injected)) {
      const fault = key.slice(key.indexOf(' ') + 1)
      byFault[fault] = (byFault[fault] ?? 0) + count
    }
  }
  return byFault
}

export interface SoakFigures {
  seed: number
  rates: RateRule[]
  bursts: { run: number; burst: Burst }[]
  runs: RunRecord[]
  /** ACTIVE revisions of the family that no run reported and the service does not run. */
  unreportedActiveRevisions: string[]
}

export interface ScenarioRecord {
  name: string
  expected: string
  observed: string[]
  ok: boolean
}

export interface ReportMeta {
  date: string
  seconds: number
  commit: string
}

function short(arn: string): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : '—'
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

/** The whole report as Markdown. Pure. */
export function renderReport(
  soak: SoakFigures,
  scenarios: ScenarioRecord[],
  meta: ReportMeta
): string {
  const runs = soak.runs
  const verdicts = runs.map(verdict)
  const count = (v: Verdict): number => verdicts.filter(x => x === v).length
  const failures = runs.filter(
    (_, i) => verdicts[i] === 'failed cleanly' || verdicts[i] === 'failed, changed nothing'
  )
  const named = failures.filter(r => operationNamed(r.error)).length
  const injected = sumInjected(runs)
  const total = Object.values(injected).reduce((a, b) => a + b, 0)
  const seconds = runs.map(r => r.seconds)
  const twins = runs.flatMap(r => r.twinsDeregistered)
  const out: string[] = []

  out.push(
    `### Reliability figures (${meta.date}, commit ${meta.commit}, \`npm run bench:reliability\`, seed ${soak.seed})`,
    '',
    `${runs.length} deploys (${runs.filter(r => r.build).length} with a real build and push, the rest with \`image\` already in ECR) ran the bundled action against the local stack through a fault-injecting proxy that answered the action's ECS and ECR calls with throttling, 500/503 and dropped connections (before the call reached AWS, or after it was applied with the answer lost). The SDK retries in adaptive mode, at most 6 attempts a call.${soak.bursts.length ? ` Runs ${soak.bursts.map(b => b.run + 1).join(', ')} also got a burst of faults on one operation, as long as the attempts allow, so that those deploys must fail.` : ''}`,
    '',
    '| figure | value |',
    '|---|---|',
    `| faults injected | ${total} (${Object.entries(injected)
      .sort((a, b) => b[1] - a[1])
      .map(([fault, n]) => `${fault} ${n}`)
      .join(', ')}) |`,
    `| deploys completed | ${count('completed')} of ${runs.length} |`,
    `| deploys failed cleanly | ${failures.length}: ${count('failed cleanly')} with the service on the revision the step reported, ${count('failed, changed nothing')} before the service could be read (no revision reported, nothing changed); ${named} of the ${failures.length} name the AWS operation that failed |`,
    `| **runs that left the service on a revision they did not report** | **${count('unreported')}** |`,
    `| ACTIVE revisions no run reported | ${soak.unreportedActiveRevisions.length}${soak.unreportedActiveRevisions.length ? ` (${soak.unreportedActiveRevisions.map(short).join(', ')})` : ''}; ${twins.length} twin${twins.length === 1 ? '' : 's'} registered by a retried RegisterTaskDefinition ${twins.length === 1 ? 'was' : 'were'} deregistered by the step${twins.length ? ` (${twins.join(', ')})` : ''} |`,
    `| failures of the local stack itself during the soak (not injected) | ${runs.reduce((n, r) => n + r.stackErrors.length, 0)} |`,
    `| time per deploy | median ${percentile(seconds, 50).toFixed(1)} s, 90th percentile ${percentile(seconds, 90).toFixed(1)} s, max ${Math.max(0, ...seconds).toFixed(1)} s |`,
    '',
    `Rates per call: ${soak.rates.map(r => `${r.operation} ${r.fault} ${Math.round(r.rate * 100)}%`).join(', ')}.`,
    ...(soak.bursts.length
      ? [
          `Bursts: ${soak.bursts.map(b => `run ${b.run + 1}: ${b.burst.operation} ${b.burst.fault} ×${b.burst.count}`).join('; ')}.`
        ]
      : []),
    ''
  )

  out.push('| scenario | expected | observed | |', '|---|---|---|---|')
  for (const s of scenarios) {
    out.push(
      `| ${cell(s.name)} | ${cell(s.expected)} | ${cell(s.observed.join('; '))} | ${s.ok ? 'ok' : '**NOT OK**'} |`
    )
  }
  out.push('')

  out.push(
    '<details><summary>Every run of the fault soak</summary>',
    '',
    '| run | faults injected | exit | s | service runs | step reported | verdict | error |',
    '|---|---|---|---|---|---|---|---|'
  )
  runs.forEach((run, i) => {
    const faults = Object.entries(run.injected)
      .map(([key, n]) => `${key} ×${n}`)
      .join(', ')
    out.push(
      `| ${cell(run.label)} | ${cell(faults || '—')} | ${run.exitCode} | ${run.seconds.toFixed(1)} | ${short(run.serviceRuns)} | ${short(reportedRevision(run))} | ${verdicts[i] ?? ''} | ${cell(run.error ? firstSentence(run.error) : '')} |`
    )
  })
  out.push('', '</details>', '', `Bench wall time: ${Math.round(meta.seconds)} s.`, '')
  return out.join('\n')
}
