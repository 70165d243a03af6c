// Where a service's traffic is read: its target groups, shared by both revisions for a rolling
// service, paired with their alternates for BLUE_GREEN, LINEAR and CANARY; and which side of a
// pair is the new revision's.
import type { Service } from '@aws-sdk/client-ecs'
import { describe, expect, test } from 'vitest'
import { serviceTraffic, sidesOf, type ServiceTraffic } from '../../src/aws/target-groups.js'

const BLUE = 'arn:aws:elasticloadbalancing:eu-north-1:123456789012:targetgroup/api-blue/0a'
const GREEN = 'arn:aws:elasticloadbalancing:eu-north-1:123456789012:targetgroup/api-green/0b'
const ADMIN = 'arn:aws:elasticloadbalancing:eu-north-1:123456789012:targetgroup/admin/0c'
const ADMIN2 = 'arn:aws:elasticloadbalancing:eu-north-1:123456789012:targetgroup/admin-2/0d'
const advanced = (alternateTargetGroupArn: string) => ({
  alternateTargetGroupArn,
  productionListenerRule:
    'arn:aws:elasticloadbalancing:eu-north-1:123456789012:listener-rule/app/api/1/2/3',
  roleArn: 'arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers'
})

describe('serviceTraffic', () => {
  test.each<[string, Partial<Service>, ServiceTraffic]>([
    ['no load balancer', {}, { kind: 'none', why: 'api has no load balancer' }],
    [
      'a Classic Load Balancer',
      {
        loadBalancers: [
          { loadBalancerName: 'api-classic', containerName: 'api', containerPort: 8000 }
        ]
      },
      {
        kind: 'none',
        why: 'api is behind a Classic Load Balancer, which has no target group to read'
      }
    ],
    [
      'rolling: one target group, both revisions',
      { loadBalancers: [{ targetGroupArn: BLUE, containerName: 'api', containerPort: 8000 }] },
      { kind: 'shared', targetGroups: [BLUE] }
    ],
    [
      'rolling: a target group named twice (two ports) is read once',
      {
        loadBalancers: [
          { targetGroupArn: BLUE, containerName: 'api', containerPort: 8000 },
          { targetGroupArn: BLUE, containerName: 'api', containerPort: 8001 },
          { targetGroupArn: ADMIN, containerName: 'api', containerPort: 9000 }
        ],
        deploymentConfiguration: { strategy: 'ROLLING' }
      },
      { kind: 'shared', targetGroups: [BLUE, ADMIN] }
    ],
    [
      'BLUE_GREEN: the target group and its alternate',
      {
        loadBalancers: [
          {
            targetGroupArn: BLUE,
            containerName: 'api',
            containerPort: 8000,
            advancedConfiguration: advanced(GREEN)
          }
        ],
        deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 }
      },
      { kind: 'pairs', pairs: [{ primary: BLUE, alternate: GREEN }] }
    ],
    [
      'CANARY with two listeners: two pairs',
      {
        loadBalancers: [
          { targetGroupArn: BLUE, advancedConfiguration: advanced(GREEN) },
          { targetGroupArn: ADMIN, advancedConfiguration: advanced(ADMIN2) }
        ],
        deploymentConfiguration: { strategy: 'CANARY' }
      },
      {
        kind: 'pairs',
        pairs: [
          { primary: BLUE, alternate: GREEN },
          { primary: ADMIN, alternate: ADMIN2 }
        ]
      }
    ],
    [
      'LINEAR without an alternate',
      {
        loadBalancers: [{ targetGroupArn: BLUE }],
        deploymentConfiguration: { strategy: 'LINEAR' }
      },
      {
        kind: 'none',
        why: `api deploys LINEAR but its target group ${BLUE} has no alternate target group`
      }
    ]
  ])('%s', (_name, service, traffic) => {
    expect(serviceTraffic({ serviceName: 'api', ...service })).toEqual(traffic)
  })
})

describe('sidesOf', () => {
  const pair = { primary: BLUE, alternate: GREEN }
  test.each<[string, [string, number][], ReturnType<typeof sidesOf>]>([
    ['blue served before: green is new', [[BLUE, 9800]], { fresh: GREEN, old: BLUE }],
    [
      'green served before (the last deploy moved it): blue is new',
      [
        [BLUE, 0],
        [GREEN, 10_200]
      ],
      { fresh: BLUE, old: GREEN }
    ],
    [
      'both served before',
      [
        [BLUE, 5000],
        [GREEN, 4000]
      ],
      {
        why: `both ${BLUE} and ${GREEN} took requests before the deploy, so neither can be told to be the new revision's`
      }
    ],
    ['neither served', [], { why: `neither ${BLUE} nor ${GREEN} took requests before the deploy` }]
  ])('%s', (_name, before, sides) => {
    expect(sidesOf(pair, new Map(before))).toEqual(sides)
  })
})
