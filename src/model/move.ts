// What a service runs, and how this step moves it: each fact one record, made once and handed
// down. The stages after an update take a Move and return what happened; none rebuilds it.

/** One task definition revision, as the outputs describe it. */
export interface Revision {
  taskDefinitionArn: string
  /** The chosen container's image: `URI@sha256:…`, or as the revision names it. */
  image?: string
  digest?: string
  /** The image tag it was deployed with, when known. */
  tag?: string
}

/** How a service deploys: its deployment configuration's strategy (ECS's default is ROLLING). */
export type Strategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY'

/** A service this step is about to move from one revision to another. */
export interface PlannedMove {
  /** The service as the input names it. */
  service: string
  /** The container whose image the move is about. */
  containerName: string
  /** The other containers `to` runs the same image in, checked with it; none when absent. */
  sameImage?: string[]
  /** What the service ran before the move. */
  from: Revision
  /** What the move points it at. */
  to: Revision
  strategy: Strategy
  /**
   * A rolling deployment with early success criteria and DEFERRED cleanup: ECS calls it done once
   * this share of the new tasks is healthy, while the old tasks still drain.
   */
  earlySuccess?: { healthyPercent: number }
  /** The commit `to` was deployed from, when its revision says (a rollback's record names it). */
  commit?: string
}

/** A move under way: the deployment ECS started for it. Made once, when UpdateService starts it. */
export interface Move extends PlannedMove {
  /** The deployment of DescribeServices' `deployments`. */
  deploymentId: string
  /** The service deployment ECS made of it, when known (looked up on the first poll if not). */
  serviceDeploymentArn?: string
}

/** An image already in ECR, named by tag or by digest. */
export type ImageRef = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: string }

/** What a rollback returns a service to. */
export type RollbackTarget =
  | { kind: 'previous' }
  | { kind: 'revision'; revision: number }
  | { kind: 'arn'; arn: string }
  | ImageRef
