// Results as the tests read them: a one-service run's step fields and its service's fields as one
// record, and fresh results for a set of inputs.
import type { Inputs } from '../../src/inputs/inputs.js'
import { newResult, type RunResult, type ServiceResult } from '../../src/model/result.js'

/** The step's fields and the one service's, together; throws unless there is one service. */
export function flat(result: RunResult): RunResult & ServiceResult {
  const [service, ...others] = result.services
  if (!service || others.length > 0) throw new Error('expected a result of one service')
  return { ...result, ...service }
}

/** The service of that name in the result; throws when there is none. */
export function serviceIn(result: RunResult, name: string): ServiceResult {
  const service = result.services.find(s => s.service === name)
  if (!service) throw new Error(`no result for service ${name}`)
  return service
}

export function resultFor(inputs: Inputs, actor = 'octocat'): RunResult {
  return newResult(
    inputs.mode,
    { region: inputs.region, cluster: inputs.cluster, services: inputs.services },
    { commit: '', actor, repository: '', runUrl: '', notes: '' }
  )
}
