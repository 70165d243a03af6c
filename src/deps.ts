// Everything a mode touches outside itself, in one object that tests replace.
import { createClients } from './aws/clients.js'
import { CloudWatch } from './aws/cloudwatch.js'
import { Ecr } from './aws/ecr.js'
import { Ecs } from './aws/ecs.js'
import { Elbv2 } from './aws/elbv2.js'
import { Logs } from './aws/logs.js'
import { systemClock, type Clock } from './model/clock.js'
import { DockerCli, type Docker } from './docker/docker.js'
import type { PlannedMove } from './model/move.js'

export interface Deps {
  ecr: Ecr
  ecs: Ecs
  logs: Logs
  /** The load balancer's minutes and the alarms, for the judge. */
  cloudwatch: CloudWatch
  /** Where a service's target groups take their traffic from. */
  elbv2: Elbv2
  docker: Docker
  clock: Clock
  env: NodeJS.ProcessEnv
  /**
   * Called by deploy and rollback just before UpdateService points a service at a revision,
   * with the move about to start. Must not throw.
   */
  onRolloutStart?: (move: PlannedMove) => Promise<void>
}

export function createDeps(
  region: string,
  cluster: string,
  env: NodeJS.ProcessEnv = process.env
): Deps {
  const clients = createClients(region, env)
  return {
    ecr: new Ecr(clients.ecr),
    ecs: new Ecs(clients.ecs, cluster),
    logs: new Logs(clients.logs),
    cloudwatch: new CloudWatch(clients.cloudwatch),
    elbv2: new Elbv2(clients.elbv2),
    docker: new DockerCli(env),
    clock: systemClock,
    env
  }
}
