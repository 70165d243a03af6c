// How the services of one step went, said once for all of them in the summary of several.
import type { RunResult } from '../model/result.js'

/** Changed together, planned, refused with none changed, or checked. Pure. */
export function together(result: RunResult): string {
  if (result.mode === 'verify') return 'the services were verified together'
  const done = result.mode === 'rollback' ? 'rolled back' : 'deployed'
  if (result.status === 'planned') return `the services would be ${done} together, as one unit`
  const changed = result.services.some(s => s.change !== 'none' || s.rolledBack)
  return changed
    ? `the services were ${done} together, as one unit`
    : `the services are ${done} together, as one unit, and this step changed none of them`
}
