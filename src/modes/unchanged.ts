// A failure before this step changed anything in ECS says so, and what the service still runs:
// a person reading a failed deploy must know at once whether production was touched.
import { errorText, NothingChangedError } from '../model/errors.js'
import { shortArn } from '../model/names.js'
import type { RunResult } from '../model/result.js'

/**
 * `error`, its message ending with what was not done and what the service runs (`runs` holds a
 * revision a service, undefined for a service not read yet). Pure.
 */
export function nothingChanged(
  error: unknown,
  notDone: 'deployed' | 'rolled back',
  runs: string | undefined | { service: string; revision: string | undefined }[]
): NothingChangedError {
  if (error instanceof NothingChangedError) return error
  const message = errorText(error).replace(/[.\s]+$/, '')
  return new NothingChangedError(`${message}. Nothing was ${notDone}; ${stillRuns(runs)}.`, {
    cause: error
  })
}

function stillRuns(
  runs: string | undefined | { service: string; revision: string | undefined }[]
): string {
  if (!Array.isArray(runs)) {
    return runs ? `the service still runs ${shortArn(runs)}` : 'the service was not changed'
  }
  const [only, ...others] = runs
  if (only && others.length === 0) return stillRuns(only.revision)
  const read = runs.filter(r => r.revision)
  if (read.length === 0) return 'the services were not changed'
  return `the services still run what they ran: ${runs.map(r => `${r.service} ${r.revision ? shortArn(r.revision) : '(not changed)'}`).join(', ')}`
}

/**
 * Runs a part of a mode that changes nothing in ECS; its failure is said to have changed nothing,
 * naming the revision the service runs once the step has read it.
 */
export async function beforeAnyChange<T>(
  result: RunResult,
  notDone: 'deployed' | 'rolled back',
  part: () => Promise<T>
): Promise<T> {
  try {
    return await part()
  } catch (error) {
    throw nothingChanged(
      error,
      notDone,
      result.services.map(s => ({ service: s.service, revision: s.before?.taskDefinitionArn }))
    )
  }
}
