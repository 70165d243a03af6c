// Elastic Load Balancing v2: a service's target groups, their load balancers, and the names
// CloudWatch gives both in its dimensions, as thin typed calls.
import {
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { attempt } from './clients.js'

export interface TargetGroupInfo {
  arn: string
  name: string
  /** CloudWatch's TargetGroup dimension: `targetgroup/NAME/ID`. */
  dimension: string
  /** The load balancers that send it traffic, with CloudWatch's LoadBalancer dimension (`app/NAME/ID`). */
  loadBalancers: { arn: string; dimension: string }[]
}

/** `targetgroup/NAME/ID` of a target group ARN; undefined when it is not one. Pure. */
export function targetGroupDimension(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:(targetgroup\/[^/]+\/[0-9a-f]+)$/.exec(
    arn
  )?.[1]
}

/** `app/NAME/ID` (or `net/…`, `gwy/…`) of a load balancer ARN; undefined when it is not one. Pure. */
export function loadBalancerDimension(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/((?:app|net|gwy)\/[^/]+\/[0-9a-f]+)$/.exec(
    arn
  )?.[1]
}

/** DescribeTargetGroups is asked about this many ARNs a call. */
const ARNS_A_CALL = 20

export class Elbv2 {
  constructor(private readonly client: ElasticLoadBalancingV2Client) {}

  /** The target groups, in the order asked; an ARN ELBv2 does not know fails the call. */
  async targetGroups(arns: string[]): Promise<TargetGroupInfo[]> {
    const found = new Map<string, TargetGroupInfo>()
    for (let i = 0; i < arns.length; i += ARNS_A_CALL) {
      const asked = arns.slice(i, i + ARNS_A_CALL)
      let marker: string | undefined
      do {
        const answer = await attempt(`Could not describe target groups ${asked.join(', ')}`, () =>
          this.client.send(
            new DescribeTargetGroupsCommand({
              TargetGroupArns: asked,
              ...(marker ? { Marker: marker } : {})
            })
          )
        )
        for (const group of answer.TargetGroups ?? []) {
          const arn = group.TargetGroupArn ?? ''
          found.set(arn, {
            arn,
            name: group.TargetGroupName ?? '',
            dimension: targetGroupDimension(arn) ?? '',
            loadBalancers: (group.LoadBalancerArns ?? []).map(lb => ({
              arn: lb,
              dimension: loadBalancerDimension(lb) ?? ''
            }))
          })
        }
        marker = answer.NextMarker
      } while (marker)
    }
    return arns.flatMap(arn => {
      const group = found.get(arn)
      return group ? [group] : []
    })
  }
}
