// What a rollout does outside the model: pulls (resolves image digests in the local registry),
// writes container logs to moto's CloudWatch Logs and the load balancer's metrics to moto's
// CloudWatch, and keeps moto's service record in step.
import { createHash } from 'node:crypto'
import { PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch'
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2'
import {
  CreateLogStreamCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException
} from '@aws-sdk/client-cloudwatch-logs'
import { UpdateServiceCommand, type ContainerDefinition, type Task } from '@aws-sdk/client-ecs'
import { REGISTRY_HOST } from '../stack/config.js'
import { registryDigest } from '../stack/http.js'
import type { RolloutEffects } from './ecs/rollout.js'
import { taskId, type SimService } from './ecs/model.js'
import type { TargetGroupTraffic } from './ecs/load-balancer.js'
import type { Moto } from './moto.js'

const ECR_HOST = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/

export interface ImageReference {
  host: string
  repository: string
  tag: string | undefined
  digest: string | undefined
}

/** `host/repo:tag`, `host/repo@sha256:…` or `repo:tag` (Docker Hub). Pure. */
export function parseImage(image: string): ImageReference {
  const [name = '', digest] = image.split('@')
  const slash = name.indexOf('/')
  const first = slash === -1 ? '' : name.slice(0, slash)
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost'
  const host = hasHost ? first : 'docker.io'
  const path = hasHost ? name.slice(slash + 1) : name
  const colon = path.lastIndexOf(':')
  return {
    host,
    repository: colon === -1 ? path : path.slice(0, colon),
    tag: colon === -1 ? (digest ? undefined : 'latest') : path.slice(colon + 1),
    digest
  }
}

/** CloudWatch's names for ELBv2 ARNs: `targetgroup/NAME/ID`, and `app/NAME/ID` for a load balancer. */
function dimensionOf(arn: string, kind: 'targetgroup' | 'loadbalancer'): string {
  const resource = arn.split(':').slice(5).join(':')
  return kind === 'targetgroup' ? resource : resource.replace(/^loadbalancer\//, '')
}

export class StackEffects implements RolloutEffects {
  /** Each target group's load balancer (its CloudWatch name), or null without one. */
  private readonly loadBalancers = new Map<string, string | null>()

  constructor(
    private readonly moto: Moto,
    private readonly log: (line: string) => void
  ) {}

  now(): Date {
    return new Date()
  }

  async resolveDigest(image: string): Promise<{ digest: string } | { error: string }> {
    const ref = parseImage(image)
    if (!ECR_HOST.test(ref.host)) {
      // Images from elsewhere cannot be pulled offline; they get a stable stand-in digest.
      if (ref.digest) return { digest: ref.digest }
      return { digest: `sha256:${createHash('sha256').update(image).digest('hex')}` }
    }
    const notFound = { error: `failed to resolve ref ${image}: ${image}: not found` }
    if (ref.host !== REGISTRY_HOST) return notFound
    const stored = await registryDigest(ref.repository, ref.digest ?? ref.tag ?? 'latest')
    return stored ? { digest: stored } : notFound
  }

  async writeLogs(
    region: string,
    task: Task,
    container: ContainerDefinition,
    lines: string[]
  ): Promise<void> {
    const options = container.logConfiguration?.options ?? {}
    if (container.logConfiguration?.logDriver !== 'awslogs' || !options['awslogs-group']) return
    const logGroupName = options['awslogs-group']
    const prefix = options['awslogs-stream-prefix']
    const logStreamName = `${prefix ? `${prefix}/` : ''}${container.name}/${taskId(task)}`
    const logs = this.moto.logs(options['awslogs-region'] ?? region)
    try {
      await logs
        .send(new CreateLogStreamCommand({ logGroupName, logStreamName }))
        .catch((error: unknown) => {
          if (!(error instanceof ResourceAlreadyExistsException)) throw error
        })
      const start = Date.now()
      await logs.send(
        new PutLogEventsCommand({
          logGroupName,
          logStreamName,
          logEvents: lines.map((message, i) => ({ timestamp: start + i, message }))
        })
      )
    } catch (error) {
      this.log(`could not write logs to ${logGroupName}/${logStreamName}: ${String(error)}`)
    }
  }

  /** The load balancer a target group is behind, as CloudWatch names it; asked of moto once. */
  private async loadBalancerOf(region: string, targetGroupArn: string): Promise<string | null> {
    const known = this.loadBalancers.get(targetGroupArn)
    if (known !== undefined) return known
    const answer = await this.moto
      .elbv2(region)
      .send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] }))
    const arn = answer.TargetGroups?.[0]?.LoadBalancerArns?.[0]
    const dimension = arn ? dimensionOf(arn, 'loadbalancer') : null
    if (!dimension) this.log(`target group ${targetGroupArn} has no load balancer: no metrics`)
    this.loadBalancers.set(targetGroupArn, dimension)
    return dimension
  }

  async writeTraffic(region: string, traffic: TargetGroupTraffic[]): Promise<void> {
    for (const t of traffic) {
      try {
        const loadBalancer = await this.loadBalancerOf(region, t.targetGroupArn)
        if (!loadBalancer) continue
        const Dimensions = [
          { Name: 'TargetGroup', Value: dimensionOf(t.targetGroupArn, 'targetgroup') },
          { Name: 'LoadBalancer', Value: loadBalancer }
        ]
        const datum = (
          MetricName: string,
          Value: number,
          Unit: 'Count' | 'Seconds'
        ): MetricDatum => ({
          MetricName,
          Dimensions,
          Timestamp: t.at,
          Value,
          Unit
        })
        // The load balancer reports no 5xx and no response time for a minute without them.
        const data = [
          datum('RequestCount', t.requests, 'Count'),
          ...(t.errors > 0 ? [datum('HTTPCode_Target_5XX_Count', t.errors, 'Count')] : []),
          ...(t.p99 !== undefined ? [datum('TargetResponseTime', t.p99, 'Seconds')] : [])
        ]
        await this.moto
          .cloudwatch(region)
          .send(new PutMetricDataCommand({ Namespace: 'AWS/ApplicationELB', MetricData: data }))
      } catch (error) {
        this.log(`could not write the metrics of ${t.targetGroupArn}: ${String(error)}`)
      }
    }
  }

  async setServiceTaskDefinition(service: SimService, taskDefinitionArn: string): Promise<void> {
    await this.moto.ecs(service.region).send(
      new UpdateServiceCommand({
        cluster: service.clusterArn,
        service: service.name,
        taskDefinition: taskDefinitionArn
      })
    )
  }
}
