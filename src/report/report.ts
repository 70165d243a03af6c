// The one place the run's result is written: the modes tell the reporter what they found and the
// stages' outcomes, the stages tell it (as the journal) what happens while they run, and it
// keeps the record that becomes the outputs and the job summary.
import type { BuildRecord } from '../model/build.js'
import type { Clock } from '../model/clock.js'
import type { Journal } from '../model/journal.js'
import type { Move, PlannedMove, Revision } from '../model/move.js'
import type { BakeResult, MigrationResult, RunResult, ServiceResult } from '../model/result.js'
import type { CleanupOutcome } from '../cleanup/clean-up.js'
import type { GateOutcome } from '../scan/gate.js'
import type { Supervision } from '../supervise/supervise.js'
import { allPassed } from '../verify/checks.js'
import type { Verification } from '../verify/running.js'
import { cleanupJson, cleanupSection, scanJson, scanSection, type ScanUse } from './cleanup-scan.js'

export class Reporter implements Journal {
  constructor(
    readonly result: RunResult,
    private readonly clock: Pick<Clock, 'now'>
  ) {}

  /** The service's part of the result; services are named by the service input, each once. */
  private service(name: string): ServiceResult {
    const found = this.result.services.find(s => s.service === name)
    if (!found) throw new Error(`No result for service ${name}`)
    return found
  }

  note(service: string, message: string): void {
    this.service(service).timeline.push({ at: new Date(this.clock.now()).toISOString(), message })
  }

  returning(service: string, to: Revision): void {
    const found = this.service(service)
    found.runs = { ...to }
    found.change = 'returning'
  }

  baking(service: string, bake: BakeResult): void {
    this.service(service).bake = structuredClone(bake)
  }

  migrating(migration: MigrationResult): void {
    this.result.migration = structuredClone(migration)
  }

  /**
   * The service was read: it runs `before`, in which `containerName` is the container in
   * question, and `sameImage` the others on its image.
   */
  read(
    service: string,
    read: { containerName: string; sameImage?: string[]; before: Revision }
  ): void {
    const found = this.service(service)
    found.containerName = read.containerName
    if (read.sameImage?.length) found.sameImage = [...read.sameImage]
    found.before = { ...read.before }
    found.runs = { ...read.before }
  }

  /**
   * The revision a service runs, known before the rest of it was read (or when the rest cannot
   * be): what it ran before this step, and what it runs, unless the step moved it already.
   */
  runsRevision(service: string, taskDefinitionArn: string): void {
    const found = this.service(service)
    found.before = { taskDefinitionArn }
    found.runs ??= { taskDefinitionArn }
  }

  /**
   * Dry run: the planned task definition's diff, and what would run: no revision ARN (''), since
   * the service is moved to none, and no digest for an image not built yet.
   */
  planned(service: string, diff: string, wouldRun: Revision): void {
    const found = this.service(service)
    found.plan = diff
    found.runs = { ...wouldRun }
  }

  /** verify: what should run, and the tag that names what runs when the revision does not say. */
  expected(service: string, expected: { digest?: string; tag?: string }, tagged?: string): void {
    const found = this.service(service)
    found.expected = expected
    if (tagged && found.runs && !found.runs.tag) found.runs = { ...found.runs, tag: tagged }
  }

  /** The checks of what runs, and whether all passed. */
  checked(service: string, verification: Verification): void {
    const found = this.service(service)
    found.checks = verification.checks
    if (verification.logs) found.logs = verification.logs
    found.verified = allPassed(verification.checks)
  }

  /** This step registered `taskDefinitionArn` for the service. */
  registered(service: string, taskDefinitionArn: string): void {
    this.service(service).registered = taskDefinitionArn
  }

  /** UpdateService is about to point the service at `move.to`. */
  attempting(move: PlannedMove): void {
    this.service(move.service).attempted = { ...move.to }
  }

  /** ECS started the move: the service is on its way to `move.to`. */
  started(move: Move): void {
    const found = this.service(move.service)
    found.change = 'rolling-out'
    found.runs = { ...move.to }
  }

  /** What the watch, the checks, the bake and the way back found, service by service, in order. */
  supervised(supervision: Supervision): void {
    for (const outcome of supervision.services) {
      const found = this.service(outcome.move.service)
      if (outcome.verification) this.checked(outcome.move.service, outcome.verification)
      if (outcome.bake) {
        found.bake = structuredClone(outcome.bake.result)
        found.checks = [...found.checks, outcome.bake.check]
        if (outcome.bake.result.status !== 'passed') found.verified = false
      }
      const recovery = outcome.recovery
      if (!recovery) continue
      found.verified = false
      if (recovery.failure) {
        found.failedTaskDefinitionArn = recovery.failure.revision
        if (recovery.failure.replaced) found.replaced = true
        found.stoppedTasks = recovery.failure.explanation.stoppedTasks
        found.events = recovery.failure.explanation.events
      }
      if (recovery.back) this.returning(outcome.move.service, recovery.back.move.to)
      if (recovery.runs) found.runs = { ...recovery.runs }
      if (recovery.rolledBack) found.rolledBack = true
      if (recovery.verification) {
        found.checks = recovery.verification.checks
        if (recovery.verification.logs) found.logs = recovery.verification.logs
      }
    }
  }

  /** A rollback step's target now runs. */
  rolledBack(service: string): void {
    this.service(service).rolledBack = true
  }

  migration(migration: MigrationResult): void {
    this.result.migration = structuredClone(migration)
  }

  /** What the scan gate decided (a rollback: what its target's scan says). */
  scanned(outcome: GateOutcome, use: ScanUse): void {
    const part = { section: scanSection(outcome, '###', use), json: scanJson(outcome, use) }
    this.result.scans = [...(this.result.scans ?? []), part]
  }

  /** What the cleanup after the deploy removed (dry run: would remove) and kept. */
  cleanedUp(outcome: CleanupOutcome): void {
    this.result.cleanup = { section: cleanupSection(outcome), json: cleanupJson(outcome) }
  }

  buildFailed(lines: string[]): void {
    this.result.buildLog = lines
  }

  built(build: BuildRecord): void {
    this.result.build = { ...build }
  }

  finished(status: Exclude<RunResult['status'], 'failed'>): void {
    this.result.status = status
  }
}
