// What a bake reads: where a container's lines are, the old revision's error lines before the
// deploy (read once, before anything changes), the new tasks' error lines since they started
// (read a poll at a time, each line once), and the health URL with its confirmations.
import type { Task, TaskDefinition } from '@aws-sdk/client-ecs'
import type { LogLine } from '../aws/logs.js'
import type { Clock } from '../model/clock.js'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import { shortArn, taskId } from '../model/names.js'
import type { Fetch } from '../net/proxy.js'
import { askOnce, isHealthy, type HealthAttempt } from '../verify/health.js'
import {
  BASELINE_MINUTES,
  HEALTH_CONFIRM_DELAY_MS,
  HEALTH_CONFIRMATIONS,
  type Baseline,
  type BakeRules
} from './rules.js'

/** Where the container writes: its awslogs group and the stream prefix `PREFIX/CONTAINER/`. */
export type LogTarget = { group: string; prefix: string } | { why: string }

/** Error lines read at once, at most; more are reported as "at least". */
const MAX_LINES = 10_000

export function logTarget(
  taskDefinition: TaskDefinition,
  container: string,
  logGroup: string | undefined
): LogTarget {
  const definition = taskDefinition.containerDefinitions?.find(c => c.name === container)
  const config = definition?.logConfiguration
  const prefix = config?.options?.['awslogs-stream-prefix']
  const group = logGroup ?? config?.options?.['awslogs-group']
  if (config?.logDriver !== 'awslogs' || !group) {
    return {
      why: `container ${container} does not log to CloudWatch (no awslogs driver and group)`
    }
  }
  if (!prefix) {
    return {
      why: `container ${container} has no awslogs-stream-prefix, so its streams do not name their task`
    }
  }
  return { group, prefix: `${prefix}/${container}/` }
}

/** Lines matching any of the patterns, each once (patterns may overlap), oldest first. */
async function errorLines(
  deps: Pick<Deps, 'logs'>,
  query: {
    group: string
    since: number
    until?: number
    streams?: string[]
    streamPrefix?: string
  },
  patterns: string[]
): Promise<LogLine[]> {
  const seen = new Map<string, LogLine>()
  for (const pattern of patterns) {
    const lines = await deps.logs.recent({ ...query, pattern, limit: MAX_LINES })
    for (const line of lines)
      seen.set(line.id ?? `${line.stream} ${line.timestamp} ${line.message}`, line)
  }
  return [...seen.values()].sort((a, b) => a.timestamp - b.timestamp)
}

/**
 * The old revision's error lines in the BASELINE_MINUTES before now, in the streams of its own
 * running tasks: not another service's that shares the prefix, nor earlier releases' stopped
 * tasks. A pattern CloudWatch refuses throws, having changed nothing; any other failure gives a
 * baseline that is not known, and the bake holds the new tasks to bake-error-min alone.
 */
export async function readBaseline(
  deps: Pick<Deps, 'logs' | 'clock'>,
  target: LogTarget,
  rules: BakeRules,
  old: { revision: string; tasks: Task[] }
): Promise<Baseline> {
  const source = `${old.tasks.length} task${old.tasks.length === 1 ? '' : 's'} of ${shortArn(old.revision)}`
  const base = { lines: 0, tasks: old.tasks.length, minutes: BASELINE_MINUTES, source }
  if ('why' in target) return { ...base, unknown: target.why }
  if (old.tasks.length === 0) {
    return { ...base, unknown: `no task of ${shortArn(old.revision)} runs to read it from` }
  }
  const now = deps.clock.now()
  try {
    const lines = await errorLines(
      deps,
      {
        group: target.group,
        since: now - BASELINE_MINUTES * 60_000,
        until: now,
        streams: old.tasks.slice(0, 100).map(t => `${target.prefix}${taskId(t.taskArn)}`)
      },
      rules.patterns
    )
    return { ...base, lines: lines.length }
  } catch (error) {
    const text = errorText(error)
    if (/InvalidParameterException|filter pattern/i.test(text)) {
      // A plain error: the preflight adds that nothing was deployed, and what runs.
      throw new Error(
        `bake-error-patterns is not accepted by CloudWatch Logs (${text}): give filter patterns it takes, e.g. 'ERROR' or '?ERROR ?Traceback'`,
        { cause: error }
      )
    }
    return { ...base, unknown: `the lines before the deploy could not be read: ${text}` }
  }
}

/** The new tasks' error lines, read a poll at a time: each line once, the newest kept. */
export class NewErrors {
  lines = 0
  last: string[] = []
  private readonly seen = new Set<string>()
  private cursor: number

  constructor(
    private readonly target: { group: string; prefix: string },
    private readonly patterns: string[],
    since: number
  ) {
    this.cursor = since
  }

  /** Reads the lines since the last read in the streams of these tasks; returns how many were new. */
  async read(deps: Pick<Deps, 'logs'>, tasks: Task[]): Promise<number> {
    if (tasks.length === 0) return 0
    const streams = tasks.slice(-100).map(t => `${this.target.prefix}${taskId(t.taskArn)}`)
    const found = await errorLines(
      deps,
      { group: this.target.group, since: this.cursor, streams },
      this.patterns
    )
    let fresh = 0
    for (const line of found) {
      const key = line.id ?? `${line.stream} ${line.timestamp} ${line.message}`
      if (this.seen.has(key)) continue
      this.seen.add(key)
      fresh++
      this.last = [...this.last, line.message].slice(-5)
      // Lines at the cursor's millisecond are read again next time, and recognised.
      this.cursor = Math.max(this.cursor, line.timestamp)
    }
    this.lines += fresh
    return fresh
  }
}

/**
 * The health URL asked once; a bad answer is asked again HEALTH_CONFIRMATIONS times, a second
 * apart, until one is good. Returns every answer, in order, with its time.
 */
export async function askHealth(
  url: string,
  clock: Clock,
  timeoutMs: number,
  fetcher: Fetch = globalThis.fetch
): Promise<{ answer: HealthAttempt; at: number }[]> {
  const answers: { answer: HealthAttempt; at: number }[] = []
  for (let i = 0; i <= HEALTH_CONFIRMATIONS; i++) {
    if (i > 0) await clock.sleep(HEALTH_CONFIRM_DELAY_MS)
    const at = clock.now()
    const answer = await askOnce(url, fetcher, timeoutMs)
    answers.push({ answer, at })
    if (isHealthy(answer)) break
  }
  return answers
}
