// Every check of what runs now, gathered: the service, all its running tasks, the health URL and
// the recent logs.
import type { Deps } from '../deps.js'
import type { Check, LogExcerpt } from '../model/result.js'
import { serviceChecks, taskChecks, type CheckPolicy, type Expectation } from './checks.js'
import { healthFetch } from '../net/proxy.js'
import { checkHealth, HEALTH_POLICY } from './health.js'
import { recentLogs } from './logs.js'

export interface Verification {
  checks: Check[]
  logs?: LogExcerpt
}

/** Every check of what runs now, reading the service and all its running tasks. */
export async function verifyRunning(
  deps: Deps,
  expected: Expectation,
  policy: CheckPolicy
): Promise<Verification> {
  const service = await deps.ecs.service(expected.service)
  const tasks = await deps.ecs.tasks(await deps.ecs.taskArns(expected.service, 'RUNNING'))
  // The slow part (a health URL that needs a few attempts) overlaps with reading the logs.
  const [health, logs] = await Promise.all([
    policy.healthCheckUrl
      ? checkHealth(policy.healthCheckUrl, deps.clock, HEALTH_POLICY, healthFetch(deps.env))
      : Promise.resolve<Check>({
          name: 'health check',
          status: 'skip',
          detail: 'no health-check-url given'
        }),
    recentLogs(deps, expected, policy, tasks)
  ])
  return {
    checks: [
      ...serviceChecks(service, expected),
      ...taskChecks(tasks, expected, service.desiredCount),
      health,
      logs.check
    ],
    ...(logs.logs ? { logs: logs.logs } : {})
  }
}
