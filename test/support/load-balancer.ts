// A fake Application Load Balancer and the team's alarms, one SDK call deep: DescribeTargetGroups,
// GetMetricData (RequestCount, HTTPCode_Target_5XX_Count, TargetResponseTime by the minute) and
// DescribeAlarms answer from a script read on the story's clock. Without a script, no target group
// is known and no alarm exists.
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type DescribeAlarmsCommandInput,
  type GetMetricDataCommandInput,
  type MetricDataResult
} from '@aws-sdk/client-cloudwatch'
import {
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  type DescribeTargetGroupsCommandInput
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { mockClient } from 'aws-sdk-client-mock'
import { CloudWatch } from '../../src/aws/cloudwatch.js'
import { Elbv2 } from '../../src/aws/elbv2.js'
import type { Deps } from '../../src/deps.js'
import type { FakeClock } from './fakes.js'

export const LOAD_BALANCER_ARN =
  'arn:aws:elasticloadbalancing:eu-north-1:123456789012:loadbalancer/app/babyshield-api/50dc6c495c0c9188'
export const BLUE =
  'arn:aws:elasticloadbalancing:eu-north-1:123456789012:targetgroup/babyshield-blue/73e2d6bc24d8a067'
export const GREEN =
  'arn:aws:elasticloadbalancing:eu-north-1:123456789012:targetgroup/babyshield-green/2453ed029918f21f'

/** What a target group took in one minute. */
export interface ScriptedMinute {
  requests: number
  errors: number
  /** Seconds. */
  p99: number
}

/** An alarm as DescribeAlarms answers it; `since`: seconds of the story it entered its state. */
export interface ScriptedAlarm {
  name: string
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'
  reason: string
  since: number
}

export interface TrafficScript {
  /**
   * What `targetGroup` (an ARN) took in the minute that starts `minute` minutes after the story's
   * start (negative: before it); undefined: no requests, so no datapoint.
   */
  minute(targetGroup: string, minute: number): ScriptedMinute | undefined
  /** The alarms at a second of the story. */
  alarms?: (second: number) => ScriptedAlarm[]
}

const MINUTE = 60_000
const dimension = (arn: string) => arn.split(':').pop() ?? ''

/** The service's `loadBalancers`: blue serving, green its alternate (for a strategy's walk). */
export function behindBlue(alternate: boolean) {
  return [
    {
      targetGroupArn: BLUE,
      containerName: 'app',
      containerPort: 8000,
      ...(alternate
        ? {
            advancedConfiguration: {
              alternateTargetGroupArn: GREEN,
              productionListenerRule: `${LOAD_BALANCER_ARN}/listener-rule`,
              roleArn: 'arn:aws:iam::123456789012:role/ecs-infrastructure'
            }
          }
        : {})
    }
  ]
}

/** The judge's reads of `deps`, answered from `script` on `clock`; the calls made, counted. */
export function fakeLoadBalancer(
  clock: FakeClock,
  script: TrafficScript = { minute: () => undefined }
): { reads: Pick<Deps, 'cloudwatch' | 'elbv2'>; calls: { metricData: number; alarms: number } } {
  const calls = { metricData: 0, alarms: 0 }
  const cloudwatchClient = new CloudWatchClient({ region: 'eu-north-1' })
  const elbv2Client = new ElasticLoadBalancingV2Client({ region: 'eu-north-1' })
  const groups = [BLUE, GREEN]
  mockClient(elbv2Client)
    .on(DescribeTargetGroupsCommand)
    .callsFake((input: DescribeTargetGroupsCommandInput) => ({
      TargetGroups: (input.TargetGroupArns ?? [])
        .filter(arn => groups.includes(arn))
        .map(arn => ({
          TargetGroupArn: arn,
          TargetGroupName: dimension(arn).split('/')[1],
          LoadBalancerArns: [LOAD_BALANCER_ARN]
        }))
    }))
  const cloudwatch = mockClient(cloudwatchClient)
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    calls.metricData += 1
    const start = input.StartTime?.getTime() ?? 0
    const end = Math.min(input.EndTime?.getTime() ?? 0, clock.now())
    const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map(query => {
      const group = query.MetricStat?.Metric?.Dimensions?.find(d => d.Name === 'TargetGroup')
      const arn = groups.find(g => dimension(g) === group?.Value) ?? ''
      const timestamps: Date[] = []
      const values: number[] = []
      for (let at = start; at + MINUTE <= end; at += MINUTE) {
        const minute = script.minute(arn, (at - clock.start) / MINUTE)
        if (!minute || minute.requests <= 0) continue
        const metric = query.MetricStat?.Metric?.MetricName
        const value =
          metric === 'RequestCount'
            ? minute.requests
            : metric === 'HTTPCode_Target_5XX_Count'
              ? minute.errors
              : minute.p99
        // As the load balancer, no 5xx datapoint for a minute without any.
        if (metric === 'HTTPCode_Target_5XX_Count' && value === 0) continue
        timestamps.push(new Date(at))
        values.push(value)
      }
      return { Id: query.Id, StatusCode: 'Complete', Timestamps: timestamps, Values: values }
    })
    return { MetricDataResults: results }
  })
  cloudwatch.on(DescribeAlarmsCommand).callsFake((input: DescribeAlarmsCommandInput) => {
    calls.alarms += 1
    const all = script.alarms?.((clock.now() - clock.start) / 1000) ?? []
    const picked = all.filter(alarm =>
      input.AlarmNamePrefix
        ? alarm.name.startsWith(input.AlarmNamePrefix)
        : (input.AlarmNames ?? []).includes(alarm.name)
    )
    return {
      MetricAlarms: picked.map(alarm => ({
        AlarmName: alarm.name,
        StateValue: alarm.state,
        StateReason: alarm.reason,
        StateUpdatedTimestamp: new Date(clock.start + alarm.since * 1000)
      }))
    }
  })
  return {
    reads: { cloudwatch: new CloudWatch(cloudwatchClient), elbv2: new Elbv2(elbv2Client) },
    calls
  }
}
