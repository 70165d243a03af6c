// The ELBv2 wrapper: a target group's load balancers and CloudWatch's names for both.
import {
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, test } from 'vitest'
import { Elbv2, loadBalancerDimension, targetGroupDimension } from '../../src/aws/elbv2.js'

const elb = mockClient(ElasticLoadBalancingV2Client)
const elbv2 = new Elbv2(new ElasticLoadBalancingV2Client({ region: 'eu-north-1' }))
beforeEach(() => elb.reset())

const TG =
  'arn:aws:elasticloadbalancing:eu-north-1:123456789012:targetgroup/babyshield-api-blue/0123456789abcdef'
const LB =
  'arn:aws:elasticloadbalancing:eu-north-1:123456789012:loadbalancer/app/babyshield-api/fedcba9876543210'

describe('CloudWatch dimensions from ARNs', () => {
  test.each([
    [TG, 'targetgroup/babyshield-api-blue/0123456789abcdef'],
    [
      'arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:targetgroup/a/1a',
      'targetgroup/a/1a'
    ],
    ['arn:aws:elasticloadbalancing:eu-north-1:123456789012:loadbalancer/app/x/1', undefined],
    ['targetgroup/babyshield-api-blue/0123456789abcdef', undefined]
  ])('target group %s → %s', (arn, dimension) => expect(targetGroupDimension(arn)).toBe(dimension))

  test.each([
    [LB, 'app/babyshield-api/fedcba9876543210'],
    [
      'arn:aws:elasticloadbalancing:eu-north-1:123456789012:loadbalancer/net/internal/0a1b',
      'net/internal/0a1b'
    ],
    [TG, undefined]
  ])('load balancer %s → %s', (arn, dimension) =>
    expect(loadBalancerDimension(arn)).toBe(dimension)
  )
})

describe('targetGroups', () => {
  test('each with its load balancers, in the order asked', async () => {
    const green = TG.replace('blue/0123456789abcdef', 'green/00112233aabbccdd')
    elb.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [
        { TargetGroupArn: green, TargetGroupName: 'babyshield-api-green', LoadBalancerArns: [LB] },
        { TargetGroupArn: TG, TargetGroupName: 'babyshield-api-blue', LoadBalancerArns: [LB] }
      ]
    })
    expect(await elbv2.targetGroups([TG, green])).toEqual([
      {
        arn: TG,
        name: 'babyshield-api-blue',
        dimension: 'targetgroup/babyshield-api-blue/0123456789abcdef',
        loadBalancers: [{ arn: LB, dimension: 'app/babyshield-api/fedcba9876543210' }]
      },
      {
        arn: green,
        name: 'babyshield-api-green',
        dimension: 'targetgroup/babyshield-api-green/00112233aabbccdd',
        loadBalancers: [{ arn: LB, dimension: 'app/babyshield-api/fedcba9876543210' }]
      }
    ])
    expect(elb.commandCalls(DescribeTargetGroupsCommand)[0]?.args[0].input).toEqual({
      TargetGroupArns: [TG, green]
    })
  })

  test('a target group with no load balancer yet has none', async () => {
    elb
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [{ TargetGroupArn: TG, TargetGroupName: 'babyshield-api-blue' }] })
    expect((await elbv2.targetGroups([TG]))[0]?.loadBalancers).toEqual([])
  })

  test('more than 20 take more than one call', async () => {
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [] })
    await elbv2.targetGroups(Array.from({ length: 25 }, (_, i) => `${TG}${i}`))
    expect(
      elb
        .commandCalls(DescribeTargetGroupsCommand)
        .map(c => c.args[0].input.TargetGroupArns?.length)
    ).toEqual([20, 5])
  })

  test('a target group ELBv2 does not know fails, saying which was asked', async () => {
    elb.on(DescribeTargetGroupsCommand).rejects(
      Object.assign(new Error('One or more target groups not found'), {
        name: 'TargetGroupNotFoundException'
      })
    )
    await expect(elbv2.targetGroups([TG])).rejects.toThrow(
      `Could not describe target groups ${TG}: TargetGroupNotFoundException: One or more target groups not found`
    )
  })
})
