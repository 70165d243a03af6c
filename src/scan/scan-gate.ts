// The scan gate, acting: waits for the ECR scan of an image (polling on the injectable clock, up
// to its own time limit) and returns the verdict. It registers nothing and writes nothing into
// the run's result: the mode refuses the deploy, or warns, with what it returns.
import * as core from '@actions/core'
import { transientProblem } from '../aws/clients.js'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import { shortDigest } from '../model/names.js'
import {
  classifyScan,
  decide,
  gateLines,
  rollbackNote,
  timedOut,
  type FinalState,
  type GateOutcome,
  type ScanPolicy,
  type ScanState
} from './gate.js'

/** How long after a push ECR may have no scan yet without that meaning scanning is off. */
export const NO_SCAN_GRACE_MS = 60_000

export interface GateRequest {
  repository: string
  digest: string
  /** When the image was pushed (a fresh push: unset, the wait's start stands for it). */
  pushedAt?: Date
  policy: ScanPolicy
}

/** Waits for the scan (at most policy.timeoutMs) and judges it. Never throws for the scan's sake. */
export async function scanGate(
  request: GateRequest,
  deps: Pick<Deps, 'ecr' | 'clock'>
): Promise<GateOutcome> {
  const { policy } = request
  const image = `${request.repository}@${request.digest}`
  const start = deps.clock.now()
  const pushed = request.pushedAt?.getTime() ?? start
  for (;;) {
    const state = await read(request, deps, deps.clock.now() - pushed < NO_SCAN_GRACE_MS)
    const waited = deps.clock.now() - start
    if (state.kind !== 'pending') return told(decide(state, policy, image, waited))
    if (waited + policy.pollMs > policy.timeoutMs) {
      return told(decide(timedOut(state.status, policy), policy, image, waited))
    }
    core.info(
      `scan of ${shortDigest(request.digest)}: ${state.status}, waiting (${Math.round(waited / 1000)} s of ${Math.round(policy.timeoutMs / 1000)} s)`
    )
    await deps.clock.sleep(policy.pollMs)
  }
}

/**
 * The scan of a rollback target, read once (an old image's scan is done or never will be): a
 * warning when it has findings at or above the level. A rollback is never blocked.
 */
export async function rollbackScan(
  request: Omit<GateRequest, 'pushedAt'>,
  deps: Pick<Deps, 'ecr' | 'clock'>
): Promise<{ outcome: GateOutcome; warning?: string; info: string }> {
  const image = `${request.repository}@${request.digest}`
  const state = await read(request, deps, false)
  const final: FinalState =
    state.kind === 'pending'
      ? { kind: 'unavailable', problem: 'timed-out', detail: `the scan is still ${state.status}` }
      : state
  const outcome = decide(final, request.policy, image, 0)
  const note = rollbackNote(outcome)
  for (const line of [note.info, ...gateLines(outcome).slice(1)]) core.info(line)
  return { outcome, ...note }
}

/** The verdict, written to the log with every finding. */
function told(outcome: GateOutcome): GateOutcome {
  for (const line of gateLines(outcome)) core.info(line)
  return outcome
}

/** One look at the scan; a throttled or failed call is "still waiting", any other is unreadable. */
async function read(
  request: Omit<GateRequest, 'pushedAt'>,
  deps: Pick<Deps, 'ecr'>,
  young: boolean
): Promise<ScanState> {
  try {
    return classifyScan(await deps.ecr.scanFindings(request.repository, request.digest), young)
  } catch (error) {
    if (transientProblem(error))
      return { kind: 'pending', status: `unanswered (${errorText(error)})` }
    return { kind: 'unavailable', problem: 'unreadable', detail: errorText(error) }
  }
}
