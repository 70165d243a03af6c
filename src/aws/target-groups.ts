// Where a service's traffic can be read: the target groups of its `loadBalancers`. A rolling
// service's old and new tasks share its target groups, so its new minutes are compared with the
// minutes before the deploy. A BLUE_GREEN, LINEAR or CANARY service has, for each, the alternate
// target group of `advancedConfiguration`: one of the pair holds the new revision while the other
// keeps the old, and they are compared minute by minute. Pure.
import type { Service } from '@aws-sdk/client-ecs'

/** A target group and its alternate, as the service's configuration names them. */
export interface TargetGroupPair {
  primary: string
  alternate: string
}

export type ServiceTraffic =
  /** Nothing to read, and why. */
  | { kind: 'none'; why: string }
  /** Both revisions behind the same target groups (rolling). */
  | { kind: 'shared'; targetGroups: string[] }
  /** Each revision behind its own target group of each pair (blue/green, linear, canary). */
  | { kind: 'pairs'; pairs: TargetGroupPair[] }

const SHIFTING = new Set(['BLUE_GREEN', 'LINEAR', 'CANARY'])

/** The service's target groups, and how its revisions share them. */
export function serviceTraffic(
  service: Pick<Service, 'serviceName' | 'loadBalancers' | 'deploymentConfiguration'>
): ServiceTraffic {
  const name = service.serviceName ?? 'the service'
  const entries = service.loadBalancers ?? []
  const withGroups = entries.filter(entry => entry.targetGroupArn)
  if (withGroups.length === 0) {
    return {
      kind: 'none',
      why:
        entries.length === 0
          ? `${name} has no load balancer`
          : `${name} is behind a Classic Load Balancer, which has no target group to read`
    }
  }
  const strategy = service.deploymentConfiguration?.strategy ?? 'ROLLING'
  if (!SHIFTING.has(strategy)) {
    return {
      kind: 'shared',
      targetGroups: [...new Set(withGroups.map(entry => entry.targetGroupArn ?? ''))]
    }
  }
  const pairs = new Map<string, TargetGroupPair>()
  for (const entry of withGroups) {
    const primary = entry.targetGroupArn ?? ''
    const alternate = entry.advancedConfiguration?.alternateTargetGroupArn
    if (!alternate) {
      return {
        kind: 'none',
        why: `${name} deploys ${strategy} but its target group ${primary} has no alternate target group`
      }
    }
    pairs.set(`${primary} ${alternate}`, { primary, alternate })
  }
  return { kind: 'pairs', pairs: [...pairs.values()] }
}

/** Which target group of a pair holds which revision, or why that cannot be told. */
export type PairSides = { fresh: string; old: string } | { why: string }

/**
 * The side of a pair that took the production traffic before the deploy holds the old revision,
 * the other the new: ECS sends a blue/green deployment's new tasks to the target group that is not
 * serving, whichever of the two the service's configuration names first. `requestsBefore` is each
 * target group's requests over the minutes before anything changed.
 */
export function sidesOf(
  pair: TargetGroupPair,
  requestsBefore: ReadonlyMap<string, number>
): PairSides {
  const primary = requestsBefore.get(pair.primary) ?? 0
  const alternate = requestsBefore.get(pair.alternate) ?? 0
  if (primary > 0 && alternate === 0) return { fresh: pair.alternate, old: pair.primary }
  if (alternate > 0 && primary === 0) return { fresh: pair.primary, old: pair.alternate }
  return {
    why:
      primary > 0
        ? `both ${pair.primary} and ${pair.alternate} took requests before the deploy, so neither can be told to be the new revision's`
        : `neither ${pair.primary} nor ${pair.alternate} took requests before the deploy`
  }
}
