// PAUSE lifecycle hooks: at a stage that has one, the service deployment waits with the hook
// AWAITING_ACTION in its lifecycleHookDetails until ContinueServiceDeployment acts on it
// (CONTINUE: on to the next stage; ROLLBACK: ECS's rollback) or its timeout passes (then its
// timeout action). A minute of timeout lasts `bakeMinuteMs` on the layer's clock.
import { randomBytes } from 'node:crypto'
import type { DeploymentLifecycleHookAction } from '@aws-sdk/client-ecs'
import type { SimHook, SimServiceDeployment } from './model.js'
import { HOOK_TIMEOUT_DEFAULTS } from './traffic.js'

/** What the walk may do at its stage, by the stage's PAUSE hooks; `changed`: the hooks did. */
export type HookGate = { go: boolean; changed: boolean } | { rollback: string }

/** ECS's hook ids: `ecs-pause-` and 43 characters (API reference example). */
function newHookId(): string {
  return `ecs-pause-${randomBytes(32).toString('base64url')}`
}

/** Opens the PAUSE hooks configured for the stage `sd` is at (none: nothing to wait for). */
export function openHooks(sd: SimServiceDeployment, now: Date): void {
  const stage = sd.lifecycleStage
  sd.hooks = []
  if (!stage) {
    delete sd.hookStage
    return
  }
  sd.hookStage = stage
  sd.hooks = (sd.config.lifecycleHooks ?? [])
    .filter(
      h => h.targetType === 'PAUSE' && (h.lifecycleStages as string[] | undefined)?.includes(stage)
    )
    .map(h => {
      const minutes =
        h.timeoutConfiguration?.timeoutInMinutes ?? HOOK_TIMEOUT_DEFAULTS.timeoutInMinutes
      return {
        hookId: newHookId(),
        stage,
        status: 'AWAITING_ACTION' as const,
        expiresAt: new Date(now.getTime() + minutes * sd.bakeMinuteMs),
        timeoutAction: h.timeoutConfiguration?.action ?? HOOK_TIMEOUT_DEFAULTS.action
      }
    })
}

/**
 * Whether the walk may leave its stage. The first stage's hooks are opened the first time it
 * asks (the others' when the walk enters them), and it stays that step. An expired hook takes its
 * timeout action (TIMED_OUT, seen for a step before the walk goes on, or the rollback asked for);
 * the walk goes on once none awaits action.
 */
export function hookGate(sd: SimServiceDeployment, now: Date): HookGate {
  if (sd.hookStage !== sd.lifecycleStage) {
    openHooks(sd, now)
    return { go: false, changed: true }
  }
  let timedOut = false
  for (const hook of sd.hooks) {
    if (hook.status !== 'AWAITING_ACTION' || now < hook.expiresAt) continue
    hook.status = 'TIMED_OUT'
    timedOut = true
    if (hook.timeoutAction === 'ROLLBACK') {
      return {
        rollback: `Lifecycle hook ${hook.hookId} at ${hook.stage} timed out; its timeout action is ROLLBACK.`
      }
    }
  }
  const waiting = timedOut || sd.hooks.some(h => h.status === 'AWAITING_ACTION')
  return { go: !waiting, changed: timedOut }
}

/** The hooks DescribeServiceDeployments shows: those of the stage the deployment is at. */
export function hookDetails(sd: SimServiceDeployment): SimHook[] {
  return sd.hookStage === sd.lifecycleStage ? sd.hooks : []
}

/**
 * ContinueServiceDeployment on `hookId`: why ECS refuses it (InvalidParameterException), or what
 * to do: on, or roll back for the given reason. The hook's status records the decision.
 */
export function continueHook(
  sd: SimServiceDeployment,
  hookId: string,
  action: DeploymentLifecycleHookAction
): { refused: string } | { rollback: string } | { continued: true } {
  if (sd.status !== 'IN_PROGRESS') {
    return {
      refused: `The service deployment ${sd.arn} is ${sd.status}; only an IN_PROGRESS service deployment can be continued.`
    }
  }
  const hook = hookDetails(sd).find(h => h.hookId === hookId)
  if (!hook) {
    return {
      refused: `The lifecycle hook ${hookId} was not found for the service deployment ${sd.arn}.`
    }
  }
  if (hook.status !== 'AWAITING_ACTION') {
    return {
      refused: `The lifecycle hook ${hookId} is ${hook.status}; only a hook in AWAITING_ACTION status can be continued.`
    }
  }
  if (action === 'ROLLBACK') {
    hook.status = 'FAILED'
    return {
      rollback: `ContinueServiceDeployment rolled the service deployment back at lifecycle hook ${hookId} (${hook.stage}).`
    }
  }
  hook.status = 'SUCCEEDED'
  return { continued: true }
}
