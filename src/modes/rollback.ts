// rollback: return the service to an earlier revision, then watch and verify it.
import type { Deps } from '../deps.js'
import type { Inputs } from '../inputs.js'
import type { RunResult } from '../result.js'

export function rollback(_inputs: Inputs, _deps: Deps, _result: RunResult): Promise<void> {
  return Promise.reject(new Error('mode rollback is not available yet'))
}
