// CloudWatch: a target group's minutes as the Application Load Balancer counts them (requests, 5xx
// answers, p99 response time), and the state of the team's alarms, as thin typed calls.
import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult
} from '@aws-sdk/client-cloudwatch'
import type { AlarmSelector } from '../judge/alarms.js'
import type { TrafficMinute } from '../judge/traffic.js'
import type { AlarmState, AlarmStateValue } from '../judge/verdict.js'
import { attempt } from './clients.js'

/** A target group as CloudWatch's `AWS/ApplicationELB` dimensions name it. */
export interface TargetGroupDimensions {
  /** `targetgroup/NAME/ID`. */
  targetGroup: string
  /** `app/NAME/ID`. */
  loadBalancer: string
}

const MINUTE = 60_000
/** GetMetricData answers at most 500 queries a call; each target group takes three. */
const TARGETS_A_CALL = Math.floor(500 / 3)
/** Pages read at most: a bake's minutes fit in one. */
const MAX_PAGES = 10

function query(
  id: string,
  target: TargetGroupDimensions,
  metric: string,
  stat: string
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/ApplicationELB',
        MetricName: metric,
        Dimensions: [
          { Name: 'TargetGroup', Value: target.targetGroup },
          { Name: 'LoadBalancer', Value: target.loadBalancer }
        ]
      },
      Period: 60,
      Stat: stat
    },
    ReturnData: true
  }
}

/** The values of one query by the start of their minute, across pages. */
function byMinute(results: MetricDataResult[], id: string): Map<number, number> {
  const values = new Map<number, number>()
  for (const result of results) {
    if (result.Id !== id) continue
    for (const [i, at] of (result.Timestamps ?? []).entries()) {
      const value = result.Values?.[i]
      if (value !== undefined) values.set(at.getTime(), value)
    }
  }
  return values
}

/** The minutes of one target group, oldest first, from the answers of its three queries. */
export function minutesOf(results: MetricDataResult[], index: number): TrafficMinute[] {
  const requests = byMinute(results, `r${index}`)
  const errors = byMinute(results, `e${index}`)
  const p99 = byMinute(results, `l${index}`)
  const starts = [...new Set([...requests.keys(), ...errors.keys()])].sort((a, b) => a - b)
  return starts.map(at => ({
    at,
    requests: requests.get(at) ?? 0,
    // The load balancer publishes no 5xx datapoint for a minute without any.
    errors: errors.get(at) ?? 0,
    p99: p99.get(at)
  }))
}

function stateOf(value: string | undefined): AlarmStateValue {
  return value === 'ALARM' || value === 'OK' ? value : 'INSUFFICIENT_DATA'
}

export class CloudWatch {
  constructor(private readonly client: CloudWatchClient) {}

  /**
   * Each target group's minutes from `since` to `until` (epoch ms, widened to whole minutes):
   * RequestCount and HTTPCode_Target_5XX_Count summed, TargetResponseTime's p99. CloudWatch has
   * no datapoint for a minute without requests, so such minutes are not in the answer.
   */
  async trafficMinutes(
    targets: TargetGroupDimensions[],
    since: number,
    until: number
  ): Promise<TrafficMinute[][]> {
    const start = Math.floor(since / MINUTE) * MINUTE
    const end = Math.max(start + MINUTE, Math.ceil(until / MINUTE) * MINUTE)
    const answers: TrafficMinute[][] = []
    for (let first = 0; first < targets.length; first += TARGETS_A_CALL) {
      const batch = targets.slice(first, first + TARGETS_A_CALL)
      const queries = batch.flatMap((target, i) => [
        query(`r${i}`, target, 'RequestCount', 'Sum'),
        query(`e${i}`, target, 'HTTPCode_Target_5XX_Count', 'Sum'),
        query(`l${i}`, target, 'TargetResponseTime', 'p99')
      ])
      const results = await this.metricData(queries, start, end, batch)
      answers.push(...batch.map((_, i) => minutesOf(results, i)))
    }
    return answers
  }

  private async metricData(
    queries: MetricDataQuery[],
    start: number,
    end: number,
    targets: TargetGroupDimensions[]
  ): Promise<MetricDataResult[]> {
    const results: MetricDataResult[] = []
    let nextToken: string | undefined
    const names = targets.map(t => t.targetGroup).join(', ')
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await attempt(`Could not read the load balancer metrics of ${names}`, () =>
        this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(start),
            EndTime: new Date(end),
            ScanBy: 'TimestampAscending',
            ...(nextToken ? { NextToken: nextToken } : {})
          })
        )
      )
      for (const result of answer.MetricDataResults ?? []) {
        if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
          const said = result.Messages?.map(m => m.Value).join('; ') ?? ''
          throw new Error(
            `Could not read the load balancer metrics of ${names}: ${result.Id ?? '?'} ${result.StatusCode}${said ? `: ${said}` : ''}`
          )
        }
        results.push(result)
      }
      nextToken = answer.NextToken
      if (!nextToken) break
    }
    return results
  }

  /** The alarms named, and those whose names start with a prefix: metric and composite alike. */
  async alarms(selector: AlarmSelector): Promise<AlarmState[]> {
    const found = new Map<string, AlarmState>()
    const read = async (
      what: string,
      filter: { AlarmNames: string[] } | { AlarmNamePrefix: string }
    ) => {
      let nextToken: string | undefined
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await attempt(`Could not read the CloudWatch alarms ${what}`, () =>
          this.client.send(
            new DescribeAlarmsCommand({
              ...filter,
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              MaxRecords: 100,
              ...(nextToken ? { NextToken: nextToken } : {})
            })
          )
        )
        for (const alarm of [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])]) {
          if (!alarm.AlarmName) continue
          found.set(alarm.AlarmName, {
            name: alarm.AlarmName,
            state: stateOf(alarm.StateValue),
            reason: alarm.StateReason ?? '',
            updatedAt: alarm.StateUpdatedTimestamp?.getTime() ?? 0
          })
        }
        nextToken = answer.NextToken
        if (!nextToken) break
      }
    }
    // DescribeAlarms takes up to 100 names a call, and one prefix.
    for (let i = 0; i < selector.names.length; i += 100) {
      const names = selector.names.slice(i, i + 100)
      await read(names.join(', '), { AlarmNames: names })
    }
    for (const prefix of selector.prefixes) {
      await read(`starting with ${prefix}`, { AlarmNamePrefix: prefix })
    }
    return [...found.values()]
  }
}
