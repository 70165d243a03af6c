// `npm run docs:tables`: writes the tables of the action's inputs (grouped by purpose, as
// scripts/input-groups.ts says) and outputs into the README, and the reusable workflow's inputs
// (from its workflow_call trigger) into docs/reusable-workflow.md, between `<!-- NAME:start -->`
// and `<!-- NAME:end -->` markers. `--check` only says whether they are current;
// __tests__/repository/readme.test.ts fails when they are not.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { parse } from 'yaml'
import { INPUT_GROUPS, type InputGroup } from './input-groups.js'

interface ActionInput {
  description?: string
  required?: boolean
  default?: string | boolean | number
  type?: string
}

interface ActionMetadata {
  inputs?: Record<string, ActionInput>
  outputs?: Record<string, { description?: string }>
}

const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const REUSABLE_WORKFLOW = '.github/workflows/deploy-reusable.yml'

/** Text for one table cell: one line, pipes escaped. Pure. */
export function cell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim()
}

function code(text: string): string {
  return `\`${cell(text)}\``
}

function fallbackOf(input: ActionInput): string {
  if (input.required && input.default === undefined) return '**required**'
  if (input.default === undefined || input.default === '') return '*empty*'
  return code(String(input.default))
}

const GROUPS_FILE = 'scripts/input-groups.ts'

/**
 * What keeps `groups` from covering `inputs` (action.yml's names) once each: an input in no
 * group, in two, or a name action.yml does not have. Each problem says where to fix it. Pure.
 */
export function groupProblems(inputs: readonly string[], groups: readonly InputGroup[]): string[] {
  const problems: string[] = []
  const groupsOf = new Map<string, string[]>()
  for (const group of groups) {
    for (const name of group.inputs)
      groupsOf.set(name, [...(groupsOf.get(name) ?? []), group.title])
  }
  for (const name of inputs) {
    const titles = groupsOf.get(name) ?? []
    if (titles.length === 0) {
      problems.push(
        `input '${name}' of action.yml is in no group of the README's inputs: add it to the group of what it is for in ${GROUPS_FILE} (INPUT_GROUPS), or add a group there`
      )
    } else if (titles.length > 1) {
      problems.push(
        `input '${name}' is in ${titles.length} groups of ${GROUPS_FILE} (${titles.join(', ')}): keep it in one`
      )
    }
  }
  for (const [name, titles] of groupsOf) {
    if (!inputs.includes(name)) {
      problems.push(
        `${GROUPS_FILE} lists '${name}' (in ${titles.join(', ')}), which action.yml does not have: remove it`
      )
    }
  }
  return problems
}

/**
 * The inputs, a table a group under the group's heading: name, default (or required),
 * description, in the group's order. Throws with every problem when the groups do not cover
 * action.yml's inputs once each. Pure.
 */
export function inputsTables(action: ActionMetadata, groups: readonly InputGroup[]): string {
  const inputs = action.inputs ?? {}
  const problems = groupProblems(Object.keys(inputs), groups)
  if (problems.length > 0) throw new Error(problems.join('\n'))
  return groups
    .map(group => {
      const rows = group.inputs.map(name => {
        const input = inputs[name] ?? {}
        return `| \`${name}\` | ${fallbackOf(input)} | ${cell(input.description ?? '')} |`
      })
      const table = ['| Input | Default | Description |', '|---|---|---|', ...rows].join('\n')
      return `### ${group.title}\n\n${group.about}\n\n${table}`
    })
    .join('\n\n')
}

/** The reusable workflow's inputs: name, type, default (or required), description. Pure. */
export function reusableInputsTable(workflow: unknown): string {
  const on = (workflow as { on?: { workflow_call?: ActionMetadata } } | null)?.on
  const rows = Object.entries(on?.workflow_call?.inputs ?? {}).map(
    ([name, input]) =>
      `| \`${name}\` | ${input.type ?? 'string'} | ${fallbackOf(input)} | ${cell(input.description ?? '')} |`
  )
  return ['| Input | Type | Default | Description |', '|---|---|---|---|', ...rows].join('\n')
}

/** The outputs table, in action.yml's order. Pure. */
export function outputsTable(action: ActionMetadata): string {
  const rows = Object.entries(action.outputs ?? {}).map(
    ([name, output]) => `| \`${name}\` | ${cell(output.description ?? '')} |`
  )
  return ['| Output | Description |', '|---|---|', ...rows].join('\n')
}

/** The generated tables, by marker name, from the sources' text. Pure. */
export function tablesFrom(
  sources: { actionYml: string; reusableYml: string },
  groups: readonly InputGroup[] = INPUT_GROUPS
): Record<string, string> {
  const action = parse(sources.actionYml) as ActionMetadata
  return {
    inputs: inputsTables(action, groups),
    outputs: outputsTable(action),
    'reusable-inputs': reusableInputsTable(parse(sources.reusableYml))
  }
}

/** Which generated tables each file holds. */
export const GENERATED: readonly { path: string; tables: readonly string[] }[] = [
  { path: 'README.md', tables: ['inputs', 'outputs'] },
  { path: 'docs/reusable-workflow.md', tables: ['reusable-inputs'] }
]

/** `text` (the file at `path`) with each of `names` replaced from `tables`. Pure. */
export function withTables(
  text: string,
  path: string,
  names: readonly string[],
  tables: Record<string, string>
): string {
  return names.reduce((current, name) => {
    const start = `<!-- ${name}:start -->`
    const end = `<!-- ${name}:end -->`
    const from = current.indexOf(start)
    const to = current.indexOf(end)
    if (from < 0 || to < from) {
      throw new Error(`${path} has no ${start} … ${end} markers to put the ${name} table between`)
    }
    return `${current.slice(0, from + start.length)}\n${tables[name] ?? ''}\n${current.slice(to)}`
  }, text)
}

/**
 * Each file with generated tables as it is and as it should be: tables regenerated, then
 * formatted as `prettier --write` would, so the generator and the format check never fight over
 * column widths.
 */
export async function currentDocs(
  root = ROOT
): Promise<{ path: string; text: string; updated: string }[]> {
  const tables = tablesFrom({
    actionYml: readFileSync(join(root, 'action.yml'), 'utf8'),
    reusableYml: readFileSync(join(root, REUSABLE_WORKFLOW), 'utf8')
  })
  return Promise.all(
    GENERATED.map(async ({ path, tables: names }) => {
      const file = join(root, path)
      const text = readFileSync(file, 'utf8')
      const options = (await resolveConfig(file)) ?? {}
      const updated = await format(withTables(text, path, names, tables), {
        ...options,
        filepath: file
      })
      return { path, text, updated }
    })
  )
}

async function main(check: boolean): Promise<void> {
  const stale = (await currentDocs()).filter(doc => doc.updated !== doc.text)
  if (stale.length === 0) {
    console.log('the generated tables match action.yml and the reusable workflow')
    return
  }
  if (check) {
    for (const { path } of stale) {
      console.error(
        `${path}: a generated table differs from action.yml or the reusable workflow; run 'npm run docs:tables'`
      )
    }
    process.exit(1)
  }
  for (const { path, updated } of stale) {
    writeFileSync(join(ROOT, path), updated)
    console.log(`${path}: tables written from action.yml and the reusable workflow`)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.includes('--check')).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  })
}
