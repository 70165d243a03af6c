// A failure before this step changed anything in ECS says so, and what the service still runs:
// a person reading a failed deploy must know at once whether production was touched.
import { errorText, NothingChangedError } from '../errors.js'
import { shortArn } from '../names.js'
import type { RunResult } from '../result.js'

/** `error`, its message ending with what was not done and what the service runs. Pure. */
export function nothingChanged(
  error: unknown,
  notDone: 'deployed' | 'rolled back',
  runs: string | undefined
): NothingChangedError {
  if (error instanceof NothingChangedError) return error
  const message = errorText(error).replace(/[.\s]+$/, '')
  const service = runs ? `the service still runs ${shortArn(runs)}` : 'the service was not changed'
  return new NothingChangedError(`${message}. Nothing was ${notDone}; ${service}.`, {
    cause: error
  })
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
    throw nothingChanged(error, notDone, result.previousTaskDefinitionArn)
  }
}
