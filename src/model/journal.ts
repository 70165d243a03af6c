// What the stages say while they run, to whoever keeps the run's record: a line of a service's
// timeline, and where a service stands whenever that changes, so that a step cancelled midway
// still says it. The stages' outcomes are returned; only this is told as it happens.
import type { Revision } from './move.js'
import type { BakeResult, MigrationResult } from './result.js'

export interface Journal {
  /** A line of the service's timeline, stamped with the time it is told. */
  note(service: string, message: string): void
  /** The service is on its way back to `to`, the revision it ran before this step. */
  returning(service: string, to: Revision): void
  /** The service's bake as it stands now. */
  baking(service: string, bake: BakeResult): void
  /** The migration's one-off task as it stands now. */
  migrating(migration: MigrationResult): void
}
