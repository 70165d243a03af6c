// The reusable workflow lets a caller set every input of the action: each one is passed to the
// action step, under its own name or as the workflow's header says, or named there as left out
// with its reason. A new input of action.yml that is neither fails here.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'

const ROOT = join(import.meta.dirname, '..', '..')
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

interface Input {
  type?: string
  default?: string | boolean | number
}

interface Step {
  uses?: string
  with?: Record<string, string>
}

const action = parse(read('action.yml')) as { inputs: Record<string, Input> }
const reusableText = read('.github/workflows/deploy-reusable.yml')
const reusable = parse(reusableText) as {
  on: { workflow_call: { inputs: Record<string, Input> } }
  jobs: Record<string, { steps: Step[]; permissions?: Record<string, string> }>
}

/** The header's `passed as: NAME <- …` and `left out: NAME: why` lines. */
function header(text: string): { passedAs: Map<string, string>; leftOut: Map<string, string> } {
  const passedAs = new Map<string, string>()
  const leftOut = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break
    const passed = /^#\s+passed as: ([a-z-]+) <- (.+)$/.exec(line)
    if (passed?.[1] && passed[2]) passedAs.set(passed[1], passed[2])
    const left = /^#\s+left out: ([a-z-]+): (.+)$/.exec(line)
    if (left?.[1] && left[2]) leftOut.set(left[1], left[2])
  }
  return { passedAs, leftOut }
}

function actionStep(): Step {
  const steps = Object.values(reusable.jobs).flatMap(job => job.steps)
  const found = steps.filter(step => step.uses?.startsWith('babyshield/deploy-action@'))
  expect(found).toHaveLength(1)
  return found[0] ?? {}
}

describe('the reusable workflow', () => {
  const passed = actionStep().with ?? {}
  const { passedAs, leftOut } = header(reusableText)
  const callerInputs = reusable.on.workflow_call.inputs

  test('passes every input of action.yml, or names it as left out with its reason', () => {
    const missing = Object.keys(action.inputs).filter(
      name => !(name in passed) && !leftOut.has(name)
    )
    expect(missing).toEqual([])
  })

  test('passes nothing that is not an input of the action', () => {
    expect(Object.keys(passed).filter(name => !(name in action.inputs))).toEqual([])
  })

  test('passes each input from the workflow input of its name, or as its header says', () => {
    const unexplained = Object.entries(passed).filter(
      ([name, value]) => value !== `\${{ inputs.${name} }}` && !passedAs.has(name)
    )
    expect(unexplained).toEqual([])
    for (const name of passedAs.keys()) expect(passed[name]).toBeDefined()
  })

  test('a workflow input of an action input’s name defaults to empty (the action’s default) or to the same default', () => {
    const differing = Object.entries(callerInputs).filter(([name, input]) => {
      const own = action.inputs[name]
      if (!own || input.default === undefined || input.default === '') return false
      return String(input.default) !== String(own.default ?? '')
    })
    expect(differing).toEqual([])
  })

  test('the header’s lists name inputs of the action', () => {
    for (const name of [...passedAs.keys(), ...leftOut.keys()]) {
      expect(action.inputs[name], name).toBeDefined()
    }
  })
})

describe('the rollback workflow', () => {
  const rollback = parse(read('.github/workflows/rollback.yml')) as {
    jobs: Record<string, { steps: Step[]; permissions?: Record<string, string> }>
  }
  const [job] = Object.values(rollback.jobs)

  test('records its rollbacks as GitHub deployments: a token, and the right to write them', () => {
    const step = job?.steps.find(s => s.uses === './')
    expect(step?.with?.['github-token']).toBe('${{ github.token }}')
    expect(job?.permissions?.deployments).toBe('write')
  })
})
