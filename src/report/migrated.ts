// A rollback does not undo a migration: when the step put a service back after its migration ran,
// the step's error and the summary say that the database stays migrated under the old revision.
import { shortArn } from '../model/names.js'
import type { RunResult } from '../model/result.js'

/** The sentence, or undefined when no migration ran or no service went back. Pure. */
export function stillMigrated(result: RunResult): string | undefined {
  if (result.migration?.status !== 'succeeded') return undefined
  const back = result.services.filter(s => s.rolledBack || s.change === 'returning')
  if (back.length === 0) return undefined
  const runs =
    result.services.length === 1
      ? `the service runs ${shortArn(back[0]?.runs?.taskDefinitionArn)}`
      : back.map(s => `${s.service} runs ${shortArn(s.runs?.taskDefinitionArn)}`).join(', ')
  return `The migration ran before the rollout (exit 0) and the rollback does not undo it: the database stays migrated while ${runs} again, so that revision's code runs against the migrated schema.`
}
