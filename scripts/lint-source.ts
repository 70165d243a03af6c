// `npm run lint:source`: no import cycle among src/'s files, type-only imports counted too (a cycle
// of types is a cycle of concepts). ESLint's import-x/no-cycle skips type-only imports, hence this
// script; the layers between folders, file length and parameters are ESLint's (eslint.layers.js).
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Relative module specifiers a file imports or re-exports, static or dynamic. Pure. */
export function importsOf(source: string): string[] {
  const found = new Set<string>()
  const patterns = [
    /^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.[^'"]+)['"]/gm,
    /^\s*import\s*['"](\.[^'"]+)['"]/gm,
    /\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g
  ]
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) if (match[1]) found.add(match[1])
  }
  return [...found]
}

/** The `.ts` file an import of `specifier` from `file` names (`./x.js` is `./x.ts`). Pure. */
export function resolveImport(file: string, specifier: string): string {
  return normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts')
}

/** Every import cycle of the graph, each once, as the files around it. Pure. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's strongly connected components; a component of more than one file, or a file that
  // imports itself, is a cycle.
  let index = 0
  const indices = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (file: string): void => {
    indices.set(file, index)
    low.set(file, index)
    index += 1
    stack.push(file)
    onStack.add(file)
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue
      if (!indices.has(next)) {
        visit(next)
        low.set(file, Math.min(low.get(file) ?? 0, low.get(next) ?? 0))
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) ?? 0, indices.get(next) ?? 0))
      }
    }
    if (low.get(file) !== indices.get(file)) return
    const component: string[] = []
    let member: string | undefined
    do {
      member = stack.pop()
      if (member === undefined) break
      onStack.delete(member)
      component.push(member)
    } while (member !== file)
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) {
      cycles.push(component.sort())
    }
  }
  for (const file of [...graph.keys()].sort()) if (!indices.has(file)) visit(file)
  return cycles
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** The problems of the tree under `src`: its import cycles, as messages. */
export function sourceProblems(src: string): string[] {
  const graph = new Map<string, string[]>()
  const problems: string[] = []
  for (const file of sourceFiles(src)) {
    const source = readFileSync(file, 'utf8')
    const name = relative(ROOT, file)
    graph.set(
      name,
      importsOf(source).map(specifier => relative(ROOT, resolveImport(file, specifier)))
    )
  }
  for (const cycle of importCycles(graph)) {
    problems.push(
      `import cycle: ${cycle.join(' → ')}; move what they share into a module of its own`
    )
  }
  return problems
}

function main(): void {
  const problems = sourceProblems(join(ROOT, 'src'))
  for (const problem of problems) console.error(problem)
  if (problems.length > 0) process.exit(1)
  console.log('src/: no import cycle')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main()
