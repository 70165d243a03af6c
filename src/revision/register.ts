// Registering a revision. RegisterTaskDefinition is not idempotent: when an attempt is applied
// but its answer is lost, the SDK's retry registers the same revision again, and the family
// keeps an ACTIVE twin that no step reported. After such a call, the twins this run registered
// are found by their `deploy:run` tag and image, and deregistered.
import * as core from '@actions/core'
import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs'
import { RETRY } from '../aws/clients.js'
import type { TaskDefinitionWithTags } from '../aws/ecs.js'
import type { Deps } from '../deps.js'
import { errorText, NothingChangedError } from '../model/errors.js'
import { revisionOf, shortArn } from '../model/names.js'
import { AUDIT_TAG, tagOf } from './audit.js'
import { pinnedAlike } from './next.js'

/** How far a revision's registeredAt may precede the call, for clocks that disagree a little. */
const CLOCK_SKEW_MS = 60_000

export interface TwinQuery {
  /** This run's `deploy:run` tag value. */
  run: string
  containerName: string
  image: string
  /** The revision ECS answered with, when it answered. */
  kept?: string
  /** The revision the service runs: never a twin, whatever its tags say. */
  running: string
  /** When the call started (ms since the epoch), on this machine's clock. */
  startedAt: number
}

/** A revision that can be a twin: not one in use or reported, nor newer than the reported one. Pure. */
function mayBeTwin(arn: string, query: TwinQuery): boolean {
  const { kept, running } = query
  return (
    arn !== '' && arn !== kept && arn !== running && !(kept && revisionOf(arn) > revisionOf(kept))
  )
}

/** True when `candidate` is a revision this call registered besides the one it reported. Pure. */
export function isTwin(candidate: TaskDefinitionWithTags, query: TwinQuery): boolean {
  if (!mayBeTwin(candidate.taskDefinition.taskDefinitionArn ?? '', query)) return false
  const run = tagOf(candidate.tags, AUDIT_TAG.run)
  if (run !== query.run) return false
  const container = candidate.taskDefinition.containerDefinitions?.find(
    c => c.name === query.containerName
  )
  if (container?.image !== query.image) return false
  const registeredAt = candidate.taskDefinition.registeredAt
  return !registeredAt || registeredAt.getTime() >= query.startedAt - CLOCK_SKEW_MS
}

/** The SDK attempts behind an answer or an error, and whether the call may have been applied. */
function attemptsOf(error: unknown): { attempts: number; clientFault: boolean } {
  const cause = (error instanceof Error && error.cause) || error
  const meta = (cause as { $metadata?: { attempts?: number }; $fault?: string } | undefined) ?? {}
  return { attempts: meta.$metadata?.attempts ?? 1, clientFault: meta.$fault === 'client' }
}

/**
 * Registers the revision, in its own log group; when the call took more than one attempt, or
 * failed in a way ECS may have applied, deregisters the twins it left. A failure says that the
 * service is unchanged.
 */
export async function registerRevision(
  deps: Pick<Deps, 'ecs' | 'clock'>,
  input: RegisterTaskDefinitionCommandInput,
  target: { containerName: string; running: string }
): Promise<TaskDefinition> {
  return core.group('Register the pinned task definition revision', async () => {
    const registered = await registerOnce(deps, input, target)
    const image = input.containerDefinitions?.find(c => c.name === target.containerName)?.image
    const alike = pinnedAlike(input, target.containerName)
    const also = alike.length > 0 ? ` (and ${alike.join(', ')}, on the same image)` : ''
    core.info(
      `Registered ${registered.taskDefinitionArn} with ${target.containerName} = ${image ?? '?'}${also}`
    )
    return registered
  })
}

async function registerOnce(
  deps: Pick<Deps, 'ecs' | 'clock'>,
  input: RegisterTaskDefinitionCommandInput,
  target: { containerName: string; running: string }
): Promise<TaskDefinition> {
  const { containerName, running } = target
  const run = tagOf(input.tags ?? [], AUDIT_TAG.run) ?? ''
  const image = input.containerDefinitions?.find(c => c.name === containerName)?.image ?? ''
  const query = { run, containerName, image, running, startedAt: deps.clock.now() }
  const family = input.family ?? ''
  try {
    const registered = await deps.ecs.register(input)
    const kept = registered.taskDefinition.taskDefinitionArn ?? ''
    if (registered.attempts > 1 && run) {
      const note = await dropTwins(deps, family, { ...query, kept }, registered.attempts - 1)
      if (note) core.warning(`RegisterTaskDefinition was retried: ${note}`)
      else
        core.info(
          `RegisterTaskDefinition took ${registered.attempts} attempts; no earlier attempt left a revision behind.`
        )
    }
    return registered.taskDefinition
  } catch (error) {
    const { attempts, clientFault } = attemptsOf(error)
    const mayHaveApplied = attempts > 1 || !clientFault
    const note = run && mayHaveApplied ? await dropTwins(deps, family, query, attempts) : ''
    throw new NothingChangedError(
      `${errorText(error)}; nothing was deployed and the service is unchanged${note ? `; ${note}` : ''}`,
      { cause: error }
    )
  }
}

export interface TwinSweep {
  /** Twins deregistered. */
  dropped: string[]
  /** Why the search stopped early, if it did. */
  failure?: string
}

/** What the search for twins did, as a sentence, or '' when there is nothing to say. Pure. */
export function sweepText(sweep: TwinSweep, family: string, run: string): string {
  const parts: string[] = []
  if (sweep.dropped.length > 0) {
    const one = sweep.dropped.length === 1
    parts.push(
      `an earlier attempt had registered ${sweep.dropped.map(shortArn).join(', ')} as well; ${one ? 'it was' : 'they were'} deregistered`
    )
  }
  if (sweep.failure) {
    parts.push(
      `looking for revisions an earlier attempt registered failed (${sweep.failure}): check the ACTIVE revisions of ${family} tagged ${AUDIT_TAG.run}=${run}`
    )
  }
  return parts.join('; ')
}

/** Looks at the newest revisions for twins and deregisters them; never throws. */
async function dropTwins(
  deps: Pick<Deps, 'ecs'>,
  family: string,
  query: TwinQuery,
  most: number
): Promise<string> {
  const sweep: TwinSweep = { dropped: [] }
  try {
    // Others may register in between; look a little further than the twins there can be.
    const look = most + RETRY.maxAttempts
    for (const arn of (await deps.ecs.revisions(family)).slice(0, look)) {
      if (!mayBeTwin(arn, query) || !isTwin(await deps.ecs.taskDefinition(arn), query)) continue
      await deps.ecs.deregister(arn)
      sweep.dropped.push(arn)
      if (sweep.dropped.length >= most) break
    }
  } catch (error) {
    sweep.failure = errorText(error)
  }
  return sweepText(sweep, family, query.run)
}
