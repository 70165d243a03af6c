// Inputs and fresh results as the tests start from: the shared world's cluster, service,
// repository and region, then what a test says.
import { parseInputs, type Inputs } from '../../src/inputs/inputs.js'
import { newResult, type Audit, type RunResult } from '../../src/model/result.js'
import { CLUSTER, REGION, SERVICE } from './constants.js'

/** The inputs a step would read: the shared world's, then `values` (action.yml's names). */
export function inputsOf(values: Record<string, string> = {}): Inputs {
  const all: Record<string, string> = {
    cluster: CLUSTER,
    service: SERVICE,
    'ecr-repository': 'babyshield-backend',
    'aws-region': REGION,
    ...values
  }
  return parseInputs(name => all[name] ?? '')
}

/** A fresh result for the inputs; the audit trail is empty but for what `audit` says. */
export function resultFor(inputs: Inputs, audit: Partial<Audit> = {}): RunResult {
  return newResult(
    inputs.mode,
    { region: inputs.region, cluster: inputs.cluster, services: inputs.services },
    { commit: '', actor: 'octocat', repository: '', runUrl: '', notes: '', ...audit }
  )
}
