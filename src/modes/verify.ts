// verify: check that the service runs what it should, and say so check by check.
import type { Deps } from '../deps.js'
import type { Inputs } from '../inputs.js'
import type { RunResult } from '../result.js'

export function verify(_inputs: Inputs, _deps: Deps, _result: RunResult): Promise<void> {
  return Promise.reject(new Error('mode verify is not available yet'))
}
