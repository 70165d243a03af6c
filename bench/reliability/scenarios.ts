// The reliability scenarios: the bundled action run as the runner runs it, against the bench's
// private stack through the fault proxy. Each records what happened; report.ts judges it.
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ECR_TOKEN, ECR_USER } from '../../test/e2e/stack/config.js'
import { runAction, type ActionRun } from '../../test/e2e/support/run-action.js'
import type { Burst, RateRule } from './fault-proxy.js'
import { BENCH_DIR, type PrivateStack } from './private-stack.js'
import {
  firstSentence,
  operationNamed,
  reportedRevision,
  verdict,
  type RunRecord,
  type ScenarioRecord,
  type SoakFigures
} from './report.js'
import {
  CLUSTER,
  REPOSITORY,
  SERVICE,
  activeRevisions,
  deployBehindTheActionsBack,
  describeService,
  revisionStatus,
  rolloutStarted,
  seedWorker,
  seedWorld,
  settledService,
  WORKER,
  type Image
} from './world.js'

/** Calls of the action's that get faults at these rates during the soak. */
export const RATES: RateRule[] = [
  { operation: 'DescribeServices', fault: 'throttle', rate: 0.12 },
  { operation: 'DescribeServices', fault: '503', rate: 0.05 },
  { operation: 'DescribeServices', fault: 'drop', rate: 0.04 },
  { operation: 'DescribeImages', fault: 'throttle', rate: 0.15 },
  { operation: 'DescribeImages', fault: '500', rate: 0.05 },
  { operation: 'DescribeImages', fault: 'drop', rate: 0.05 },
  { operation: 'RegisterTaskDefinition', fault: 'throttle', rate: 0.15 },
  { operation: 'RegisterTaskDefinition', fault: '500', rate: 0.05 },
  { operation: 'RegisterTaskDefinition', fault: 'drop', rate: 0.05 },
  { operation: 'RegisterTaskDefinition', fault: 'drop-after', rate: 0.05 },
  { operation: 'UpdateService', fault: 'throttle', rate: 0.15 },
  { operation: 'UpdateService', fault: '503', rate: 0.05 },
  { operation: 'UpdateService', fault: 'drop', rate: 0.05 },
  { operation: 'UpdateService', fault: 'drop-after', rate: 0.05 }
]

/** Longer than the SDK's 6 attempts: every 5th soak run gets one, in turn. */
export const HARD_BURSTS: Burst[] = [
  { operation: 'DescribeImages', fault: '503', count: 6 },
  { operation: 'RegisterTaskDefinition', fault: 'throttle', count: 6 },
  { operation: 'UpdateService', fault: '500', count: 6 },
  { operation: 'DescribeServices', fault: 'drop', count: 6 }
]

const INPUTS = {
  cluster: CLUSTER,
  service: SERVICE,
  'ecr-repository': REPOSITORY,
  'poll-seconds': '1',
  'timeout-minutes': '2',
  // The bench is about the rollout under faults; the bake has its own bench (bench:bake).
  'bake-minutes': '0'
}

/** A preload that tells the bench the action's pid, so it can be signalled like the runner does. */
const REPORT_PID =
  "--import=data:text/javascript,import{writeFileSync}from'node:fs';writeFileSync(process.env.RELIABILITY_PID_FILE,String(process.pid))"

interface Timed {
  run: ActionRun
  seconds: number
}

/** The step's error: the message of its ::error:: lines, unescaped. */
/** The revisions a step's warnings say it deregistered as twins of a retried registration. */
export function twinsDeregistered(stdout: string): string[] {
  return [...stdout.matchAll(/an earlier attempt had registered (.+?) as well/g)].flatMap(m =>
    (m[1] ?? '').split(', ')
  )
}

export function stepError(stdout: string): string {
  return stdout
    .split('\n')
    .filter(line => line.startsWith('::error'))
    .map(line =>
      line
        .slice(line.indexOf('::', 2) + 2)
        .replace(/%0D/g, '\r')
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%')
    )
    .join('\n')
}

export class Bench {
  /** Runs in which a secret showed up outside an ::add-mask:: line, or a Docker config stayed. */
  readonly secretLeaks: string[] = []
  actionRuns = 0

  constructor(
    readonly stack: PrivateStack,
    readonly seedImage: Image,
    readonly images: Image[],
    private readonly log: (line: string) => void
  ) {}

  /** Runs the bundled action with AWS_ENDPOINT_URL on the fault proxy. */
  async action(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<Timed> {
    const started = Date.now()
    const run = await runAction(
      { ...INPUTS, ...inputs },
      { AWS_ENDPOINT_URL: this.stack.proxyUrl, ...env },
      { timeoutMs: 5 * 60_000 }
    )
    this.actionRuns++
    // Kept for a post-mortem: a run's own log says more than its verdict.
    mkdirSync(join(BENCH_DIR, 'runs'), { recursive: true })
    writeFileSync(
      join(BENCH_DIR, 'runs', `${this.actionRuns}.log`),
      `exit ${run.exitCode}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- outputs\n${JSON.stringify(run.outputs, null, 2)}\n`
    )
    this.checkSecrets(run)
    rmSync(run.runnerTemp, { recursive: true, force: true })
    rmSync(run.home, { recursive: true, force: true })
    if (!inputs.image) rmSync(run.workspace, { recursive: true, force: true })
    return { run, seconds: (Date.now() - started) / 1000 }
  }

  /** A fresh world on a stack whose shared parts are up. */
  private async fresh(stepMs: number): Promise<string> {
    await this.stack.ensureShared()
    return seedWorld(this.stack, this.seedImage, stepMs)
  }

  private checkSecrets(run: ActionRun): void {
    const basic = Buffer.from(`${ECR_USER}:${ECR_TOKEN}`).toString('base64')
    const shown = [run.stdout, run.stderr]
      .join('\n')
      .split('\n')
      .filter(line => !line.startsWith('::add-mask::'))
      .join('\n')
    const places: [string, string][] = [
      ['log', shown],
      ['outputs', JSON.stringify(run.outputs)],
      ['summary', run.summary]
    ]
    for (const file of filesUnder(run.runnerTemp)) places.push([file, readFileSync(file, 'utf8')])
    for (const [where, text] of places) {
      if (text.includes(ECR_TOKEN) || text.includes(basic)) this.secretLeaks.push(where)
    }
    const leftover = filesUnder(run.runnerTemp).filter(f => f.includes('deploy-action-docker-'))
    if (leftover.length > 0) this.secretLeaks.push(`Docker config left: ${leftover.join(', ')}`)
  }

  /** Calls that change something and reached AWS, so far. */
  private changes(): number {
    let total = 0
    for (const [operation, count] of this.stack.proxy.forwarded) {
      if (!/^(Describe|List|Get|BatchGet|Filter)/.test(operation)) total += count
    }
    return total
  }

  private injected(): Map<string, number> {
    return new Map(this.stack.proxy.plan.injected)
  }

  private injectedSince(before: Map<string, number>): Record<string, number> {
    const since: Record<string, number> = {}
    for (const [key, count] of this.stack.proxy.plan.injected) {
      const added = count - (before.get(key) ?? 0)
      if (added > 0) since[key] = added
    }
    return since
  }

  /** One run, recorded with what the service runs once it settled. */
  async record(label: string, inputs: Record<string, string>, build: boolean): Promise<RunRecord> {
    await this.stack.ensureShared()
    const serviceBefore = (await describeService(this.stack)).taskDefinition ?? ''
    const changesBefore = this.changes()
    const before = this.injected()
    const errorsBefore = this.stack.proxy.upstreamErrors.length
    const { run, seconds } = await this.action(inputs)
    const injected = this.injectedSince(before)
    const stackErrors = this.stack.proxy.upstreamErrors.slice(errorsBefore)
    this.stack.proxy.plan.dropBursts()
    const service = await settledService(this.stack)
    const record: RunRecord = {
      label,
      build,
      exitCode: run.exitCode,
      seconds,
      outputs: run.outputs,
      error: stepError(run.stdout),
      serviceRuns: service.taskDefinition ?? '',
      injected,
      stackErrors,
      serviceBefore,
      changes: this.changes() - changesBefore,
      twinsDeregistered: twinsDeregistered(run.stdout)
    }
    const faults = Object.entries(injected).map(([key, n]) => `${key} ×${n}`)
    this.log(
      `${label}: exit ${record.exitCode} in ${seconds.toFixed(1)} s, ${verdict(record)}; faults: ${faults.join(', ') || 'none'}${stackErrors.length ? `; stack errors: ${stackErrors.join('; ')}` : ''}${record.error ? ` — ${firstSentence(record.error)}` : ''}`
    )
    return record
  }

  /** N deploys through faults at RATES, with a burst from HARD_BURSTS every 5th run. */
  async soak(runs: number, seed: number): Promise<SoakFigures> {
    const start = await this.fresh(500)
    this.stack.proxy.plan.reset(seed, RATES)
    const bursts: SoakFigures['bursts'] = []
    const records: RunRecord[] = []
    for (let i = 0; i < runs; i++) {
      const build = i === 0 || i === Math.floor(runs / 2)
      const image = this.images[i % this.images.length]!
      if ((i + 1) % 5 === 0) {
        const burst = HARD_BURSTS[((i + 1) / 5 - 1) % HARD_BURSTS.length]!
        this.stack.proxy.plan.burst(burst)
        bursts.push({ run: i, burst })
      }
      const label = `${i + 1} (${build ? 'build' : `image ${image.tag}`})`
      records.push(await this.record(label, build ? {} : { image: image.tag }, build))
    }
    this.stack.proxy.plan.setRules([])
    const reported = new Set([start, ...records.map(reportedRevision)])
    const current = (await describeService(this.stack)).taskDefinition ?? ''
    const unreportedActiveRevisions = (await activeRevisions(this.stack)).filter(
      arn => !reported.has(arn) && arn !== current
    )
    return { seed, rates: RATES, bursts, runs: records, unreportedActiveRevisions }
  }

  /**
   * Deploys of the service and its worker together, through the soak's faults: after each,
   * every service runs the revision the step reported for it (its line of task-definition-arn).
   */
  async severalServices(runs: number, seed: number): Promise<ScenarioRecord> {
    await this.fresh(500)
    await seedWorker(this.stack, this.seedImage)
    this.stack.proxy.plan.reset(seed + 1, RATES)
    const names = [SERVICE, WORKER]
    const observed: string[] = []
    let unreported = 0
    let completed = 0
    for (let i = 0; i < runs; i++) {
      const image = this.images[i % this.images.length]!
      const { run, seconds } = await this.action({ service: names.join('\n'), image: image.tag })
      this.stack.proxy.plan.dropBursts()
      const reported = (run.outputs['task-definition-arn'] ?? '').split('\n')
      const runsNow: string[] = []
      for (const name of names) {
        runsNow.push((await settledService(this.stack, 20_000, name)).taskDefinition ?? '')
      }
      const left = names.filter((_, j) => runsNow[j] !== reported[j])
      unreported += left.length
      if (run.exitCode === 0) completed++
      observed.push(
        `run ${i + 1}: exit ${run.exitCode} in ${seconds.toFixed(1)} s; ${names.map((n, j) => `${n} runs ${short(runsNow[j] ?? '')} (reported ${short(reported[j] ?? '')})`).join(', ')}${left.length ? ` — UNREPORTED: ${left.join(', ')}` : ''}${run.exitCode === 0 ? '' : ` — ${firstSentence(stepError(run.stdout))}`}`
      )
      this.log(observed.at(-1) ?? '')
    }
    this.stack.proxy.plan.setRules([])
    observed.unshift(
      `${completed} of ${runs} completed; ${unreported} services left on a revision their step did not report`
    )
    return {
      name: `${runs} deploys of two services together (${names.join(' and ')}) under the soak's fault rates`,
      expected: '0 services left on a revision the step did not report',
      observed,
      ok: unreported === 0
    }
  }

  /** RegisterTaskDefinition works, then UpdateService fails every attempt. */
  async updateFailsAfterRegister(seed: number): Promise<ScenarioRecord> {
    const start = await this.fresh(500)
    this.stack.proxy.plan.reset(seed)
    this.stack.proxy.plan.burst({ operation: 'UpdateService', fault: '500', count: 6 })
    const revision = nextRevision(start)
    const record = await this.record('update fails', { image: this.images[0]!.tag }, false)
    const status = await revisionStatus(this.stack, revision).catch(() => 'missing')
    return {
      name: 'UpdateService fails (500 on all 6 attempts) after RegisterTaskDefinition',
      expected:
        'step fails naming UpdateService; the new revision is deregistered (INACTIVE); the service stays on its revision',
      observed: [
        `exit ${record.exitCode} after ${record.seconds.toFixed(1)} s`,
        `"${firstSentence(record.error, 400)}"`,
        `${short(revision)} is ${status}`,
        `service runs ${short(record.serviceRuns)} (before: ${short(start)})`
      ],
      ok:
        record.exitCode !== 0 &&
        operationNamed(record.error) === 'UpdateService' &&
        status === 'INACTIVE' &&
        record.serviceRuns === start &&
        verdict(record) === 'failed cleanly'
    }
  }

  /** UpdateService is applied on the last attempt but its answer is lost. */
  async updateAnswerLost(seed: number): Promise<ScenarioRecord> {
    const start = await this.fresh(500)
    this.stack.proxy.plan.reset(seed)
    this.stack.proxy.plan.burst({ operation: 'UpdateService', fault: '503', count: 5 })
    this.stack.proxy.plan.burst({ operation: 'UpdateService', fault: 'drop-after', count: 1 })
    const revision = nextRevision(start)
    const record = await this.record('update answer lost', { image: this.images[1]!.tag }, false)
    const runs = await describeService(this.stack)
    const status = await revisionStatus(this.stack, record.serviceRuns).catch(() => 'missing')
    return {
      name: 'UpdateService applied on its 6th attempt, but the answer is lost',
      expected:
        'the step does not claim the service is unchanged while it moves, and does not deregister the revision it moves to',
      observed: [
        `exit ${record.exitCode}`,
        `"${firstSentence(record.error, 400)}"`,
        `service runs ${short(runs.taskDefinition ?? '')} (${status}); the step reported ${short(reportedRevision(record))}; new revision ${short(revision)}`
      ],
      ok: verdict(record) !== 'unreported' && status === 'ACTIVE'
    }
  }

  /** SIGTERM while the service rolls out a deployment that never finishes; then a second deploy. */
  async cancelMidRollout(seed: number): Promise<ScenarioRecord[]> {
    const start = await this.fresh(500)
    this.stack.proxy.plan.reset(seed)
    await this.stack.nextRollout({ outcome: 'stuck', service: SERVICE })
    const pidFile = join(BENCH_DIR, 'action.pid')
    rmSync(pidFile, { force: true })
    const running = this.action(
      { image: this.images[2]!.tag },
      { NODE_OPTIONS: REPORT_PID, RELIABILITY_PID_FILE: pidFile }
    )
    const target = await rolloutStarted(this.stack, start)
    // Let the watch poll a few times, as a real cancellation would find it.
    await sleep(2500)
    const pid = Number(readFileSync(pidFile, 'utf8'))
    const signalled = Date.now()
    process.kill(pid, 'SIGTERM')
    const { run } = await running
    const exitMs = Date.now() - signalled
    const error = stepError(run.stdout)
    const after = await describeService(this.stack)
    const deployments = after.deployments ?? []
    const cancelled: ScenarioRecord = {
      name: 'SIGTERM mid-rollout (a rollout that never finishes)',
      expected:
        'step exits 1 at once, outputs and summary written, error names the revision being rolled out and the one before',
      observed: [
        `exit ${run.exitCode} ${exitMs} ms after SIGTERM`,
        `"${firstSentence(error, 400)}"`,
        `outputs: task-definition-arn ${short(run.outputs['task-definition-arn'] ?? '')}, previous ${short(run.outputs['previous-task-definition-arn'] ?? '')}`,
        `service: ${short(after.taskDefinition ?? '')}, ${deployments.length} deployments (${deployments.map(d => `${d.status} ${d.rolloutState}`).join(', ')})`,
        `summary ${run.summary.includes('cancelled') ? 'says' : 'does not say'} cancelled`
      ],
      ok:
        run.exitCode === 1 &&
        error.includes('cancelled (SIGTERM)') &&
        run.outputs['task-definition-arn'] === target &&
        run.outputs['previous-task-definition-arn'] === start &&
        after.taskDefinition === target &&
        run.summary.includes('cancelled')
    }

    const revisionsBefore = (await activeRevisions(this.stack)).length
    const next = await this.action({ image: this.images[0]!.tag, 'timeout-minutes': '0.5' })
    const nextError = stepError(next.run.stdout)
    const later = await describeService(this.stack)
    const revisionsAfter = (await activeRevisions(this.stack)).length
    const following: ScenarioRecord = {
      name: 'the next deploy while that rollout is still stuck (timeout-minutes 0.5)',
      expected:
        'waits for the deployment in progress, then refuses clearly; no deployment stacked, no revision registered',
      observed: [
        `exit ${next.run.exitCode} after ${next.seconds.toFixed(1)} s`,
        `"${firstSentence(nextError, 400)}"`,
        `deployments ${deployments.length} → ${later.deployments?.length ?? 0}, service ${short(later.taskDefinition ?? '')}, ACTIVE revisions ${revisionsBefore} → ${revisionsAfter}`
      ],
      ok:
        next.run.exitCode !== 0 &&
        /in progress/.test(nextError) &&
        later.taskDefinition === after.taskDefinition &&
        (later.deployments?.length ?? 0) === deployments.length &&
        revisionsAfter === revisionsBefore
    }
    return [cancelled, following]
  }

  /** A second deploy started while the first one rolls out. */
  async concurrentDeploys(seed: number): Promise<ScenarioRecord> {
    const start = await this.fresh(1200)
    this.stack.proxy.plan.reset(seed)
    const first = this.action({ image: this.images[0]!.tag })
    await rolloutStarted(this.stack, start)
    const second = this.action({ image: this.images[1]!.tag })
    let done = false
    let most = 0
    const watching = (async () => {
      while (!done) {
        most = Math.max(most, (await describeService(this.stack)).deployments?.length ?? 0)
        await sleep(300)
      }
    })()
    const [a, b] = await Promise.all([first, second])
    done = true
    await watching
    const final = await settledService(this.stack)
    const waited = b.run.stdout.includes('already in progress')
    // The second can start between two polls of the first, right after the first completed:
    // then the first cannot verify its revision any more and must fail, saying why.
    const firstOk =
      a.run.exitCode === 0 ||
      (a.run.exitCode === 1 && a.run.stdout.includes('completed, then was replaced'))
    return {
      name: 'a second deploy started while the first rolls out',
      expected:
        'the second waits for the first to settle, then deploys; never more than 2 deployments (old + new) at once; the first succeeds, or fails saying its completed rollout was replaced before it could verify it',
      observed: [
        `first: exit ${a.run.exitCode}, ${short(reportedRevision(a.run))}`,
        `second: exit ${b.run.exitCode} after ${b.seconds.toFixed(1)} s, ${waited ? 'waited for the first' : 'did not wait'}, ${short(reportedRevision(b.run))}`,
        `most deployments seen at once: ${most}`,
        `service runs ${short(final.taskDefinition ?? '')}`
      ],
      ok:
        firstOk &&
        b.run.exitCode === 0 &&
        waited &&
        most <= 2 &&
        final.taskDefinition === reportedRevision(b.run)
    }
  }

  /** Someone else's deployment replaces the action's while it watches. */
  async replacedMidWatch(seed: number): Promise<ScenarioRecord> {
    const start = await this.fresh(1200)
    this.stack.proxy.plan.reset(seed)
    const running = this.action({ image: this.images[0]!.tag })
    const ours = await rolloutStarted(this.stack, start)
    const theirs = await deployBehindTheActionsBack(this.stack, ours, this.images[2]!)
    const { run } = await running
    const error = stepError(run.stdout)
    const final = await settledService(this.stack)
    return {
      name: "someone else's deployment replaces the action's mid-watch",
      expected:
        'the step fails, reports the other deployment and does not claim it or roll back over it',
      observed: [
        `exit ${run.exitCode}`,
        `"${firstSentence(error, 400)}"`,
        `ours ${short(ours)}, theirs ${short(theirs)}; the step reported ${short(reportedRevision(run))}; service runs ${short(final.taskDefinition ?? '')}`
      ],
      ok:
        run.exitCode !== 0 &&
        reportedRevision(run) === theirs &&
        final.taskDefinition === theirs &&
        run.outputs.verified !== 'true'
    }
  }

  /** Tasks of the new revision keep crashing: the rollback path. */
  async crashingRollout(seed: number): Promise<ScenarioRecord> {
    const start = await this.fresh(500)
    this.stack.proxy.plan.reset(seed)
    await this.stack.nextRollout({ outcome: 'crashloop', service: SERVICE })
    const record = await this.record('crashloop', { image: this.images[1]!.tag }, false)
    return {
      name: 'the new revision crash-loops (rollback-on-failure: true)',
      expected:
        'step fails, puts the previous revision back, reports rolled-back and that revision',
      observed: [
        `exit ${record.exitCode} after ${record.seconds.toFixed(1)} s`,
        `"${firstSentence(record.error, 400)}"`,
        `rolled-back ${record.outputs['rolled-back'] ?? ''}; the step reported ${short(reportedRevision(record))}; service runs ${short(record.serviceRuns)} (before: ${short(start)})`
      ],
      ok:
        record.exitCode !== 0 &&
        record.outputs['rolled-back'] === 'true' &&
        record.serviceRuns === start &&
        verdict(record) === 'failed cleanly'
    }
  }
}

/** The revision a family's next registration gets. */
function nextRevision(arn: string): string {
  const colon = arn.lastIndexOf(':')
  return `${arn.slice(0, colon)}:${Number(arn.slice(colon + 1)) + 1}`
}

function short(arn: string): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : '—'
}

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return []
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map(name => join(root, name))
    .filter(path => statSync(path).isFile())
}
