// While ECS shifts traffic to the new revision (BLUE_GREEN, LINEAR, CANARY), the release is judged
// every poll as the bake judges it, with the old revision still running: a regression ends that
// move's watch, and the recovery stops the service deployment so that ECS sends the traffic back.
// A PAUSE lifecycle hook is said when ECS waits at it; when the step is told to approve pauses, it
// continues the deployment once the stage was watched long enough without a regression.
import * as core from '@actions/core'
import type { DeploymentLifecycleHookDetail, ServiceDeployment } from '@aws-sdk/client-ecs'
import type { Judgement, Verdict } from '../bake/judgement.js'
import { minutesSeconds } from '../bake/rules.js'
import type { Deps } from '../deps.js'
import { errorText } from '../model/errors.js'
import type { Journal } from '../model/journal.js'
import { shortArn } from '../model/names.js'
import type { RolloutOutcome, Seen } from '../rollout/watch.js'
import type { RolloutPolicy } from './supervised.js'

/** The stages at which the new revision runs beside the old one, and is judged. */
const JUDGED_STAGES = new Set([
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP'
])

/** Where a service deployment stands: its stage, and the production traffic's weight. Pure. */
export function stageOf(deployment: ServiceDeployment): string {
  const stage = deployment.lifecycleStage ?? 'no stage yet'
  const weight = deployment.targetServiceRevision?.requestedProductionTrafficWeight
  return weight === undefined ? stage : `${stage} ${weight} %`
}

/** Whether the new revision runs beside the old one, at a stage where it is judged. Pure. */
export function judgedNow(deployment: ServiceDeployment | undefined): boolean {
  if (!deployment || !['PENDING', 'IN_PROGRESS'].includes(deployment.status ?? '')) return false
  return JUDGED_STAGES.has(deployment.lifecycleStage ?? '')
}

/** Whether test traffic goes to the new revision while production traffic does not. Pure. */
export function testTrafficNow(deployment: ServiceDeployment): boolean {
  const target = deployment.targetServiceRevision
  const stage = deployment.lifecycleStage ?? ''
  if (stage === 'TEST_TRAFFIC_SHIFT' || stage === 'POST_TEST_TRAFFIC_SHIFT') return true
  return (
    (target?.requestedTestTrafficWeight ?? 0) > 0 &&
    (target?.requestedProductionTrafficWeight ?? 0) === 0
  )
}

/** The PAUSE hook ECS waits at, if any. Pure. */
export function awaitingPause(
  deployment: ServiceDeployment | undefined
): DeploymentLifecycleHookDetail | undefined {
  return deployment?.lifecycleHookDetails?.find(
    hook => hook.targetType === 'PAUSE' && hook.status === 'AWAITING_ACTION' && hook.hookId
  )
}

/** `ECS paused … at POST_TEST_TRAFFIC_SHIFT (hook h1): …, at 12:30:00 (in 60:00) ECS will ROLLBACK.` Pure. */
export function pauseLine(
  service: string,
  deployment: ServiceDeployment,
  hook: DeploymentLifecycleHookDetail,
  now: number
): string {
  const expires = hook.expiresAt
    ? `at ${hook.expiresAt.toISOString().slice(11, 19)} (in ${minutesSeconds(hook.expiresAt.getTime() - now)})`
    : 'when the hook times out'
  return `ECS paused the deployment of ${service} at ${deployment.lifecycleStage ?? 'its stage'} (PAUSE hook ${hook.hookId ?? '?'}): it waits for ContinueServiceDeployment; ${expires} ECS will ${hook.timeoutAction ?? 'ROLLBACK'} by itself`
}

interface Pause {
  seenAt: number
  /** The test-traffic URL must have answered 2xx before a pause at a test stage is approved. */
  test: boolean
}

export class ShiftWatch {
  /** The regression that ended a move's watch, if one did. */
  verdict: Verdict | undefined
  private readonly pauses = new Map<string, Pause>()
  private readonly said = new Set<string>()

  constructor(
    private readonly deps: Pick<Deps, 'ecs' | 'clock'>,
    private readonly policy: Pick<RolloutPolicy, 'pauses' | 'testTrafficUrl'>,
    private readonly judgement: Judgement | undefined,
    private readonly journal: Pick<Journal, 'note'>,
    private readonly many: boolean
  ) {}

  /** The watch's `during`: judges the moves whose traffic shifts, and acts on their pauses. */
  readonly during = async (
    seen: Seen[]
  ): Promise<{ service: string; outcome: RolloutOutcome }[]> => {
    const stages = new Map<string, string>()
    const labels = new Map<string, string>()
    let testTraffic = false
    for (const { move, serviceDeployment } of seen) {
      if (move.strategy === 'ROLLING' || !judgedNow(serviceDeployment)) continue
      if (!serviceDeployment) continue
      const where = stageOf(serviceDeployment)
      stages.set(move.service, where)
      labels.set(move.service, this.many ? `${where} ${move.service}` : where)
      this.judgement?.noteStage(move.service, where)
      testTraffic ||= testTrafficNow(serviceDeployment)
    }
    const verdict =
      this.judgement && labels.size > 0
        ? await this.judgement.look({
            labels,
            testTraffic,
            checkPrimary: false,
            stage: [...labels.values()].join('\n')
          })
        : undefined
    const ended: { service: string; outcome: RolloutOutcome }[] = []
    if (verdict) {
      const where = stages.get(verdict.service) ?? 'the traffic shift'
      const judged = minutesSeconds(this.judgement?.judgedMs(this.deps.clock.now()) ?? 0)
      const reason = `it regressed at ${where} of production traffic, ${judged} after the new revision was first judged beside the old one: ${verdict.reason}`
      this.verdict = { ...verdict, reason }
      ended.push({ service: verdict.service, outcome: { kind: 'regressed', reason } })
    }
    for (const { move, serviceDeployment } of seen) {
      const hook = awaitingPause(serviceDeployment)
      if (!hook?.hookId || !serviceDeployment?.serviceDeploymentArn) continue
      if (ended.some(e => e.service === move.service)) continue
      await this.pause(move.service, serviceDeployment, hook, testTraffic)
    }
    return ended
  }

  /** Says the pause once; approves it when told to, once its stage was watched long enough. */
  private async pause(
    service: string,
    deployment: ServiceDeployment,
    hook: DeploymentLifecycleHookDetail,
    testTraffic: boolean
  ): Promise<void> {
    const now = this.deps.clock.now()
    const hookId = hook.hookId ?? ''
    const key = `${deployment.serviceDeploymentArn ?? ''} ${hookId}`
    if (!this.said.has(key)) {
      this.said.add(key)
      const line = pauseLine(service, deployment, hook, now)
      const { approve, watchMs } = this.policy.pauses
      core.info(
        approve
          ? `${line}. This step continues it once the release was watched ${minutesSeconds(watchMs)} there without a regression (approve-pauses).`
          : `${line}. approve-pauses is false: this step waits on someone else to continue or roll it back.`
      )
      this.journal.note(service, `paused at ${deployment.lifecycleStage ?? '?'} (hook ${hookId})`)
      this.pauses.set(key, { seenAt: now, test: testTraffic && !!this.policy.testTrafficUrl })
    }
    const pause = this.pauses.get(key)
    if (!this.policy.pauses.approve || !pause) return
    if (now - pause.seenAt < this.policy.pauses.watchMs) return
    if (pause.test && !this.judgement?.testTrafficAnswered()) return
    try {
      await this.deps.ecs.continueServiceDeployment(
        deployment.serviceDeploymentArn ?? '',
        hookId,
        'CONTINUE'
      )
    } catch (error) {
      core.warning(
        `Could not continue the deployment of ${service} at its PAUSE hook ${hookId}: ${errorText(error)}. It stays paused; ECS takes its timeout action ${hook.timeoutAction ?? 'ROLLBACK'} unless someone continues it.`
      )
      this.pauses.delete(key)
      return
    }
    this.pauses.delete(key)
    const watched = minutesSeconds(now - pause.seenAt)
    core.info(
      `${service}: no regression in ${watched} at ${deployment.lifecycleStage ?? '?'}: ContinueServiceDeployment CONTINUE (hook ${hookId}, ${shortArn(deployment.serviceDeploymentArn)}).`
    )
    this.journal.note(
      service,
      `approved at ${deployment.lifecycleStage ?? '?'} after ${watched} without a regression: CONTINUE`
    )
  }
}
