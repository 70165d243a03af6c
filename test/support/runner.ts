// The runner's side of a step, for tests that drive run(): INPUT_* variables, the output and
// summary files, and what the step printed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { vi } from 'vitest'

export class FakeRunner {
  // core.summary remembers the file it first wrote to, so one runner serves a whole test file.
  readonly dir = mkdtempSync(join(tmpdir(), 'runner-'))

  /** Empty output and summary files, the runner's variables, stdout captured. For beforeEach. */
  reset(): void {
    writeFileSync(join(this.dir, 'output'), '')
    writeFileSync(join(this.dir, 'summary'), '')
    vi.stubEnv('GITHUB_OUTPUT', join(this.dir, 'output'))
    vi.stubEnv('GITHUB_STEP_SUMMARY', join(this.dir, 'summary'))
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    process.exitCode = undefined
  }

  /** Sets inputs as the runner does: INPUT_<NAME> with spaces as '_', in upper case. */
  inputs(values: Record<string, string>): void {
    for (const [name, value] of Object.entries(values)) {
      vi.stubEnv(`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value)
    }
  }

  /** GITHUB_OUTPUT's `name<<delimiter` blocks, as a map. */
  outputs(): Record<string, string> {
    const text = readFileSync(join(this.dir, 'output'), 'utf8')
    const found: Record<string, string> = {}
    for (const match of text.matchAll(/^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) {
      found[match[1] ?? ''] = match[3] ?? ''
    }
    return found
  }

  summary(): string {
    return readFileSync(join(this.dir, 'summary'), 'utf8')
  }

  /** Everything the step wrote to stdout since reset(). */
  printed(): string {
    return vi
      .mocked(process.stdout.write)
      .mock.calls.map(c => String(c[0]))
      .join('')
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}
