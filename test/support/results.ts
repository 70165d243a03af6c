// Results as the tests read them: a one-service run's step fields and its service's fields as one
// record, as the outputs' `result` JSON names them (taskDefinitionArn, image, digest, tag,
// previousTaskDefinitionArn).
import type { Revision } from '../../src/model/move.js'
import type { RunResult, ServiceResult } from '../../src/model/result.js'

/** A service's fields as the outputs name them: what it runs, flat, and what it ran before. */
export type FlatService = Omit<ServiceResult, 'runs' | 'before'> &
  Partial<Revision> & { previousTaskDefinitionArn?: string }

/** The service's part in the outputs' flat view. */
export function flatService(service: ServiceResult): FlatService {
  const { runs, before, ...rest } = service
  // A revision not registered (dry run) has no ARN: the outputs leave it empty.
  const { taskDefinitionArn, ...image } = runs ?? { taskDefinitionArn: '' }
  return {
    ...rest,
    ...(taskDefinitionArn ? { taskDefinitionArn } : {}),
    ...image,
    ...(before ? { previousTaskDefinitionArn: before.taskDefinitionArn } : {})
  }
}

/** A service's part made from flat fields (what it runs, what it ran before) and the others. */
export function fromFlat(service: ServiceResult, fields: Partial<FlatService>): ServiceResult {
  const { taskDefinitionArn, image, digest, tag, previousTaskDefinitionArn, ...rest } = fields
  const runs =
    taskDefinitionArn !== undefined || image || digest || tag
      ? {
          taskDefinitionArn: taskDefinitionArn ?? '',
          ...(image ? { image } : {}),
          ...(digest ? { digest } : {}),
          ...(tag ? { tag } : {})
        }
      : undefined
  return {
    ...service,
    ...rest,
    ...(runs ? { runs } : {}),
    ...(previousTaskDefinitionArn !== undefined
      ? { before: { taskDefinitionArn: previousTaskDefinitionArn } }
      : {})
  }
}

/** The step's fields and the one service's, together; throws unless there is one service. */
export function flat(result: RunResult): RunResult & FlatService {
  const [service, ...others] = result.services
  if (!service || others.length > 0) throw new Error('expected a result of one service')
  return { ...result, ...flatService(service) }
}

/** The service of that name in the result; throws when there is none. */
export function serviceIn(result: RunResult, name: string): FlatService {
  const service = result.services.find(s => s.service === name)
  if (!service) throw new Error(`no result for service ${name}`)
  return flatService(service)
}
