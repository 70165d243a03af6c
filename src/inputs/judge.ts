// The inputs of the judge (bake-5xx, bake-5xx-margin, bake-latency, bake-latency-margin,
// bake-min-requests, bake-confidence, bake-alarms): their entries of the input spec table, and
// how each text becomes a value (a message naming the input and the form it expects when it
// cannot). They are validated with every other input, before anything changes. Pure.
import type { AlarmSelector } from '../judge/alarms.js'
import type { TrafficSettings } from '../judge/traffic.js'
import { parseBoolean, parseInteger, parseNumber, show } from './parse.js'

export interface JudgeInputs {
  /** Judge the load balancer's 5xx share, new target group against old. */
  bake5xx: boolean
  /** Percent the new 5xx share must be above the old one to be a regression. */
  bake5xxMargin: number
  /** Judge the load balancer's p99 response time, new against old. */
  bakeLatency: boolean
  /** Percent the new p99 must be above the old one to be a regression. */
  bakeLatencyMargin: number
  /** Requests of the new revision below which a load balancer signal is too little to judge. */
  bakeMinRequests: number
  /** Percent, one-sided, of every test the judge makes. */
  bakeConfidence: number
  /** CloudWatch alarms that, in ALARM during the bake, are a regression. */
  bakeAlarms: AlarmSelector
}

/** Their entries of INPUT_SPECS (inputs.ts), in action.yml's order. */
export const JUDGE_SPECS: {
  [K in keyof JudgeInputs]: {
    name: string
    default: string
    untrimmed?: true
    parse(value: string): JudgeInputs[K]
  }
} = {
  bake5xx: { name: 'bake-5xx', default: 'true', parse: v => parseBoolean('bake-5xx', v) },
  bake5xxMargin: {
    name: 'bake-5xx-margin',
    default: '25',
    parse: v => parseNumber('bake-5xx-margin', v, { min: 0, max: 1000 })
  },
  bakeLatency: {
    name: 'bake-latency',
    default: 'true',
    parse: v => parseBoolean('bake-latency', v)
  },
  bakeLatencyMargin: {
    name: 'bake-latency-margin',
    default: '25',
    parse: v => parseNumber('bake-latency-margin', v, { min: 0, max: 1000 })
  },
  bakeMinRequests: {
    name: 'bake-min-requests',
    default: '300',
    parse: v => parseInteger('bake-min-requests', v, { min: 1, max: 10_000_000 })
  },
  bakeConfidence: {
    name: 'bake-confidence',
    default: '99.8',
    parse: v => parseNumber('bake-confidence', v, { min: 90, max: 99.99 })
  },
  bakeAlarms: { name: 'bake-alarms', default: '', untrimmed: true, parse: parseAlarms }
}

/** DescribeAlarms takes a hundred names a call; more than a call's worth is a list no one reads. */
export const MAX_ALARM_NAMES = 100
/** Each prefix is a DescribeAlarms call a look. */
export const MAX_ALARM_PREFIXES = 5
const MAX_ALARM_NAME = 255

/**
 * bake-alarms: CloudWatch alarm names, one a line (names may hold commas and spaces); a line that
 * ends with `*` is a prefix (`babyshield-api-*`). No other wildcard: CloudWatch has none.
 */
export function parseAlarms(value: string): AlarmSelector {
  const lines = value
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line !== '')
  const names: string[] = []
  const prefixes: string[] = []
  for (const line of lines) {
    const prefix = line.endsWith('*')
    const name = prefix ? line.slice(0, -1) : line
    if (
      name === '' ||
      name.includes('*') ||
      name.length > MAX_ALARM_NAME ||
      // eslint-disable-next-line no-control-regex
      /[\u0000-\u001f\u007f]/.test(name)
    ) {
      throw new Error(
        `bake-alarms line '${show(line)}' is not an alarm name or prefix: expected a CloudWatch alarm name (at most ${MAX_ALARM_NAME} characters, no control characters), or a prefix ending in * such as 'babyshield-api-*', one a line`
      )
    }
    const list = prefix ? prefixes : names
    if (!list.includes(name)) list.push(name)
  }
  if (names.length > MAX_ALARM_NAMES) {
    throw new Error(
      `bake-alarms names ${names.length} alarms: at most ${MAX_ALARM_NAMES}; give their common prefix ending in * instead`
    )
  }
  if (prefixes.length > MAX_ALARM_PREFIXES) {
    throw new Error(
      `bake-alarms gives ${prefixes.length} prefixes: at most ${MAX_ALARM_PREFIXES} (each is read every look)`
    )
  }
  return { names, prefixes }
}

/** What the judge of the load balancer's traffic is given, from these inputs. Pure. */
export function trafficSettings(inputs: JudgeInputs): TrafficSettings {
  return {
    fiveXx: inputs.bake5xx,
    fiveXxMargin: inputs.bake5xxMargin,
    latency: inputs.bakeLatency,
    latencyMargin: inputs.bakeLatencyMargin,
    minRequests: inputs.bakeMinRequests,
    confidence: inputs.bakeConfidence
  }
}
