// Everything a mode touches outside itself, in one object that tests replace.
import { createClients } from './aws/clients.js'
import { Ecr } from './aws/ecr.js'
import { Ecs } from './aws/ecs.js'
import { Logs } from './aws/logs.js'
import { systemClock, type Clock } from './model/clock.js'
import { DockerCli, type Docker } from './docker/docker.js'
import type { Revision } from './model/result.js'

/** A rollout about to start: the revision a service is pointed at, and what it ran before. */
export interface RollingOut extends Revision {
  service: string
  previousTaskDefinitionArn: string
  /** The commit the revision was deployed from (its deploy:commit), when it says. */
  commit?: string
}

export interface Deps {
  ecr: Ecr
  ecs: Ecs
  logs: Logs
  docker: Docker
  clock: Clock
  env: NodeJS.ProcessEnv
  /**
   * Called by deploy and rollback just before UpdateService points a service at a revision,
   * with that revision and the one the service ran before. Must not throw.
   */
  onRolloutStart?: (rolling: RollingOut) => Promise<void>
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
    docker: new DockerCli(env),
    clock: systemClock,
    env
  }
}
