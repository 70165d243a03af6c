// run(): read the inputs, pick the mode, write outputs and summary. The one place that fails the step.
import * as core from '@actions/core'
import { createDeps, type Deps } from './deps.js'
import { errorText } from './model/errors.js'
import { auditFromEnv } from './github/context.js'
import {
  finishDeploymentRecord,
  startDeploymentRecord,
  type DeploymentRecord
} from './github/record.js'
import { getInputs, type Inputs, type Mode } from './inputs/inputs.js'
import { recordSettings } from './inputs/policy.js'
import { stopMigrationOnCancel } from './migration/run.js'
import { deploy } from './modes/deploy.js'
import { withdrawOnCancel } from './modes/release.js'
import { rollback } from './modes/rollback.js'
import { verify } from './modes/verify.js'
import { newResult, outputsOf, type RunResult } from './model/result.js'
import { maskProxyPasswords } from './net/proxy.js'
import { onCancel } from './cancel.js'
import { cancelledError } from './report/cancelled.js'
import { writeSummary } from './report/summary.js'

export type ModeRunner = (inputs: Inputs, deps: Deps, result: RunResult) => Promise<void>

const MODE_RUNNERS: Record<Mode, ModeRunner> = { deploy, verify, rollback }

export async function run(
  makeDeps: (inputs: Inputs) => Deps = inputs => createDeps(inputs.region, inputs.cluster)
): Promise<void> {
  maskProxyPasswords()
  let inputs: Inputs
  try {
    inputs = getInputs()
  } catch (error) {
    // Refused before anything was read: the outputs say so as every failure does.
    const refused = newResult(modeInput(), { region: '', cluster: '', services: [] }, NO_AUDIT)
    refused.error = errorText(error)
    await writeResult(refused)
    return
  }

  const made = makeDeps(inputs)
  const env = made.env
  const result = newResult(
    inputs.mode,
    { region: inputs.region, cluster: inputs.cluster, services: inputs.services },
    auditFromEnv(env, inputs.deploymentNotes)
  )
  // A GitHub deployment a service, made when its rollout starts, so its payload can name the
  // digest and the revision; a step that fails before then deployed nothing and records nothing.
  const recordings = new Map<string, Promise<DeploymentRecord | undefined>>()
  const record = recordSettings(inputs)
  const deps: Deps = {
    ...made,
    onRolloutStart: async rolling => {
      if (!recordings.has(rolling.service)) {
        recordings.set(rolling.service, startDeploymentRecord(record, env, rolling))
      }
      await recordings.get(rolling.service)
    }
  }
  const finishRecords = async (): Promise<void> => {
    for (const service of result.services) {
      await finishDeploymentRecord(await recordings.get(service.service), result, service)
    }
  }
  // Cancelled: stop a running migration, deregister the revisions no service took, say what each
  // service was being moved to, and remove the credentials, then exit.
  const stopCancel = onCancel(async signal => {
    const stopped = await stopMigrationOnCancel(deps, result.migration)
    if (stopped && result.migration) result.migration.cancelled = stopped
    const withdrawn = await withdrawOnCancel(deps, result, WITHDRAW_MS)
    result.status = 'failed'
    result.error = cancelledError(signal, result, withdrawn)
    await deps.docker.cleanup().catch(() => undefined)
    await writeResult(result)
    await finishRecords()
  })
  try {
    await MODE_RUNNERS[inputs.mode](inputs, deps, result)
  } catch (error) {
    result.status = 'failed'
    result.error = errorText(error)
  } finally {
    await deps.docker.cleanup().catch((error: unknown) => {
      core.warning(`Could not remove the private Docker config: ${errorText(error)}`)
    })
  }

  stopCancel()

  await finishRecords()
  await writeResult(result)
}

/** Of the moments a cancelled step has (REPORT_TIMEOUT_MS), the most deregistering may take. */
const WITHDRAW_MS = 2000

const NO_AUDIT = { commit: '', actor: '', repository: '', runUrl: '', notes: '' }

/** The mode input when it is a mode, for the result of refused inputs. */
function modeInput(): Mode {
  const mode = core.getInput('mode').trim()
  return mode === 'verify' || mode === 'rollback' ? mode : 'deploy'
}

/** Outputs and summary, then the step's verdict. */
async function writeResult(result: RunResult): Promise<void> {
  for (const [name, value] of Object.entries(outputsOf(result))) core.setOutput(name, value)
  await writeSummary(result)
  if (result.status === 'failed') core.setFailed(result.error ?? `${result.mode} failed`)
}
