// The action's inputs are read once: each by its spec (spec.ts: name, default, parser), then all
// against each other (rules.ts), every problem reported together; one typed object comes out.
import * as core from '@actions/core'
import { errorText, ReportedError } from '../model/errors.js'
import { combinationProblems, WAY_BACK_MINUTES } from './rules.js'
import { INPUT_SPECS, type InputReader, type Inputs, type InputSpec } from './spec.js'

export type { ImageRef, Mode, RollbackTarget } from './parse.js'
export type { InputReader, Inputs, InputSpec }
export { INPUT_SPECS, WAY_BACK_MINUTES }

export class InputError extends ReportedError {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Invalid input: ${problems[0]}`
        : `Invalid inputs:\n${problems.map(p => `  - ${p}`).join('\n')}`
    )
    this.name = 'InputError'
  }
}

export function getInputs(): Inputs {
  const inputs = parseInputs(name => core.getInput(name), process.env)
  if (inputs.githubToken) core.setSecret(inputs.githubToken)
  return inputs
}

/** Validates every input at once, so one run reports every problem. Pure. */
export function parseInputs(read: InputReader, env: NodeJS.ProcessEnv = {}): Inputs {
  const problems: string[] = []
  const parsed: Partial<Record<keyof Inputs, unknown>> = {}
  for (const [key, spec] of Object.entries(INPUT_SPECS) as [keyof Inputs, InputSpec<unknown>][]) {
    const text = spec.untrimmed ? read(spec.name) : read(spec.name).trim()
    try {
      parsed[key] = spec.parse(text.trim() === '' ? spec.default : text, env)
    } catch (error) {
      problems.push(errorText(error))
    }
  }
  const inputs = parsed as Partial<Inputs>
  problems.push(...combinationProblems(inputs, name => read(name).trim()))
  if (problems.length > 0) throw new InputError(problems)
  return inputs as Inputs
}
