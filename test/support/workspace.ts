// A deploy that builds needs a workspace with a Dockerfile.final: for a describe whose tests run
// whole deploys, a fresh one as the working directory, and stdout kept out of the test's output.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, vi } from 'vitest'

export function inBuildWorkspace(): void {
  let cwd: string
  beforeEach(() => {
    const workspace = mkdtempSync(join(tmpdir(), 'workspace-'))
    writeFileSync(join(workspace, 'Dockerfile.final'), 'FROM scratch\n')
    cwd = process.cwd()
    process.chdir(workspace)
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
  })
  afterEach(() => {
    process.chdir(cwd)
  })
}
