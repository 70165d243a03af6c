// The CloudWatch wrapper: what GetMetricData and DescribeAlarms are asked, and how their answers
// become a target group's minutes and the alarms' states.
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand
} from '@aws-sdk/client-cloudwatch'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, test } from 'vitest'
import { CloudWatch } from '../../src/aws/cloudwatch.js'

const cw = mockClient(CloudWatchClient)
const cloudwatch = new CloudWatch(new CloudWatchClient({ region: 'eu-north-1' }))
beforeEach(() => cw.reset())

const BLUE = {
  targetGroup: 'targetgroup/babyshield-api-blue/0123456789abcdef',
  loadBalancer: 'app/babyshield-api/fedcba9876543210'
}
const GREEN = { ...BLUE, targetGroup: 'targetgroup/babyshield-api-green/00112233aabbccdd' }
const at = (hhmm: string) => new Date(`2026-12-06T${hhmm}:00Z`)

describe('trafficMinutes', () => {
  test('asks for the three ALB metrics of each target group, by minute, over whole minutes', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] })
    await cloudwatch.trafficMinutes(
      [BLUE],
      Date.parse('2026-12-06T10:00:30Z'),
      Date.parse('2026-12-06T10:04:10Z')
    )
    const input = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input
    expect(input?.StartTime).toEqual(at('10:00'))
    expect(input?.EndTime).toEqual(at('10:05'))
    expect(input?.ScanBy).toBe('TimestampAscending')
    expect(
      input?.MetricDataQueries?.map(q => [
        q.Id,
        q.MetricStat?.Metric?.MetricName,
        q.MetricStat?.Stat,
        q.MetricStat?.Period
      ])
    ).toEqual([
      ['r0', 'RequestCount', 'Sum', 60],
      ['e0', 'HTTPCode_Target_5XX_Count', 'Sum', 60],
      ['l0', 'TargetResponseTime', 'p99', 60]
    ])
    expect(input?.MetricDataQueries?.[0]?.MetricStat?.Metric).toEqual({
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'RequestCount',
      Dimensions: [
        { Name: 'TargetGroup', Value: 'targetgroup/babyshield-api-blue/0123456789abcdef' },
        { Name: 'LoadBalancer', Value: 'app/babyshield-api/fedcba9876543210' }
      ]
    })
  })

  test('joins the pages and the metrics by minute; a minute without 5xx has none', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'r0',
            Timestamps: [at('10:00'), at('10:01')],
            Values: [1000, 1200],
            StatusCode: 'PartialData'
          },
          { Id: 'e0', Timestamps: [at('10:00')], Values: [5], StatusCode: 'PartialData' },
          {
            Id: 'l0',
            Timestamps: [at('10:00'), at('10:01')],
            Values: [0.25, 0.27],
            StatusCode: 'PartialData'
          },
          { Id: 'r1', Timestamps: [at('10:01')], Values: [300], StatusCode: 'Complete' }
        ],
        NextToken: 'page-2'
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'r0', Timestamps: [at('10:02')], Values: [900], StatusCode: 'Complete' },
          { Id: 'e0', Timestamps: [at('10:02')], Values: [40], StatusCode: 'Complete' },
          { Id: 'l0', Timestamps: [at('10:02')], Values: [0.6], StatusCode: 'Complete' }
        ]
      })
    const [blue, green] = await cloudwatch.trafficMinutes(
      [BLUE, GREEN],
      at('10:00').getTime(),
      at('10:03').getTime()
    )
    expect(blue).toEqual([
      { at: at('10:00').getTime(), requests: 1000, errors: 5, p99: 0.25 },
      { at: at('10:01').getTime(), requests: 1200, errors: 0, p99: 0.27 },
      { at: at('10:02').getTime(), requests: 900, errors: 40, p99: 0.6 }
    ])
    expect(green).toEqual([{ at: at('10:01').getTime(), requests: 300, errors: 0, p99: undefined }])
    expect(cw.commandCalls(GetMetricDataCommand)[1]?.args[0].input.NextToken).toBe('page-2')
  })

  test('a query CloudWatch refuses fails the read, saying which', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'l0',
          StatusCode: 'Forbidden',
          Messages: [{ Code: 'Forbidden', Value: 'not allowed' }]
        }
      ]
    })
    await expect(cloudwatch.trafficMinutes([BLUE], 0, 60_000)).rejects.toThrow(
      'Could not read the load balancer metrics of targetgroup/babyshield-api-blue/0123456789abcdef: l0 Forbidden: not allowed'
    )
  })

  test('an SDK failure says what was being read', async () => {
    cw.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' })
    )
    await expect(cloudwatch.trafficMinutes([BLUE], 0, 60_000)).rejects.toThrow(
      'Could not read the load balancer metrics of targetgroup/babyshield-api-blue/0123456789abcdef: AccessDenied: User is not authorized'
    )
  })
})

describe('alarms', () => {
  test('by names and by prefix, metric and composite, each once, with state and reason', async () => {
    cw.on(DescribeAlarmsCommand, { AlarmNames: ['babyshield-api-5xx', 'babyshield-db'] }).resolves({
      MetricAlarms: [
        {
          AlarmName: 'babyshield-api-5xx',
          StateValue: 'ALARM',
          StateReason: 'Threshold Crossed',
          StateUpdatedTimestamp: at('10:03')
        }
      ]
    })
    cw.on(DescribeAlarmsCommand, { AlarmNamePrefix: 'babyshield-api-' })
      .resolvesOnce({
        MetricAlarms: [
          {
            AlarmName: 'babyshield-api-5xx',
            StateValue: 'ALARM',
            StateReason: 'Threshold Crossed',
            StateUpdatedTimestamp: at('10:03')
          }
        ],
        NextToken: 'more'
      })
      .resolvesOnce({
        CompositeAlarms: [
          {
            AlarmName: 'babyshield-api-health',
            StateValue: 'OK',
            StateReason: 'all children OK',
            StateUpdatedTimestamp: at('09:00')
          }
        ]
      })
    const alarms = await cloudwatch.alarms({
      names: ['babyshield-api-5xx', 'babyshield-db'],
      prefixes: ['babyshield-api-']
    })
    expect(alarms).toEqual([
      {
        name: 'babyshield-api-5xx',
        state: 'ALARM',
        reason: 'Threshold Crossed',
        updatedAt: at('10:03').getTime()
      },
      {
        name: 'babyshield-api-health',
        state: 'OK',
        reason: 'all children OK',
        updatedAt: at('09:00').getTime()
      }
    ])
    const inputs = cw.commandCalls(DescribeAlarmsCommand).map(c => c.args[0].input)
    expect(inputs.every(i => i.AlarmTypes?.join() === 'MetricAlarm,CompositeAlarm')).toBe(true)
    expect(inputs[2]?.NextToken).toBe('more')
  })

  test('more than 100 names take more than one call', async () => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] })
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`)
    await cloudwatch.alarms({ names, prefixes: [] })
    expect(
      cw.commandCalls(DescribeAlarmsCommand).map(c => c.args[0].input.AlarmNames?.length)
    ).toEqual([100, 50])
  })
})
