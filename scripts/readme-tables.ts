// `npm run docs:tables`: writes the README's tables of the action's inputs and outputs (from
// action.yml) and of the reusable workflow's inputs (from its workflow_call trigger), between
// `<!-- NAME:start -->` and `<!-- NAME:end -->` markers. `--check` only says whether they are
// current; __tests__/repository/readme.test.ts fails when they are not.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { parse } from 'yaml'

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

/** The inputs table: name, default (or required), description, in action.yml's order. Pure. */
export function inputsTable(action: ActionMetadata): string {
  const rows = Object.entries(action.inputs ?? {}).map(
    ([name, input]) => `| \`${name}\` | ${fallbackOf(input)} | ${cell(input.description ?? '')} |`
  )
  return ['| Input | Default | Description |', '|---|---|---|', ...rows].join('\n')
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

/** The README with every generated table replaced from the sources' text. Pure. */
export function withTables(
  readme: string,
  sources: { actionYml: string; reusableYml: string }
): string {
  const action = parse(sources.actionYml) as ActionMetadata
  let text = replaceBetween(readme, 'inputs', inputsTable(action))
  text = replaceBetween(text, 'outputs', outputsTable(action))
  return replaceBetween(text, 'reusable-inputs', reusableInputsTable(parse(sources.reusableYml)))
}

function replaceBetween(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) {
    throw new Error(`README.md has no ${start} … ${end} markers to put the ${name} table between`)
  }
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`
}

/**
 * The README as it should be: tables regenerated, then formatted as `prettier --write` would,
 * so the generator and the format check never fight over column widths.
 */
export async function currentReadme(root = ROOT): Promise<{ readme: string; updated: string }> {
  const readmePath = join(root, 'README.md')
  const readme = readFileSync(readmePath, 'utf8')
  const withGenerated = withTables(readme, {
    actionYml: readFileSync(join(root, 'action.yml'), 'utf8'),
    reusableYml: readFileSync(join(root, REUSABLE_WORKFLOW), 'utf8')
  })
  const options = (await resolveConfig(readmePath)) ?? {}
  const updated = await format(withGenerated, { ...options, filepath: readmePath })
  return { readme, updated }
}

async function main(check: boolean): Promise<void> {
  const { readme, updated } = await currentReadme()
  if (updated === readme) {
    console.log('README.md: the generated tables match action.yml and the reusable workflow')
    return
  }
  if (check) {
    console.error(
      "README.md: a generated table differs from action.yml or the reusable workflow; run 'npm run docs:tables'"
    )
    process.exit(1)
  }
  writeFileSync(join(ROOT, 'README.md'), updated)
  console.log('README.md: tables written from action.yml and the reusable workflow')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.includes('--check')).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  })
}
