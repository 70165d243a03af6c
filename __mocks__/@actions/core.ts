// What `vi.mock('@actions/core')` gives a unit test: the real toolkit, except that the log lines
// the code writes (info, warning, error, notice, debug) are recorded by vi.fn instead of printed,
// and a group just runs its function. Tests read them with vi.mocked(core.info).mock.calls.
import type * as Core from '@actions/core'
import { vi } from 'vitest'

const actual = await vi.importActual<typeof Core>('@actions/core')

export const info = vi.fn<typeof Core.info>()
export const warning = vi.fn<typeof Core.warning>()
export const error = vi.fn<typeof Core.error>()
export const notice = vi.fn<typeof Core.notice>()
export const debug = vi.fn<typeof Core.debug>()
export const group = vi.fn(<T>(_name: string, fn: () => Promise<T>): Promise<T> => fn())
export const startGroup = vi.fn<typeof Core.startGroup>()
export const endGroup = vi.fn<typeof Core.endGroup>()

export const {
  ExitCode,
  addPath,
  exportVariable,
  getBooleanInput,
  getIDToken,
  getInput,
  getMultilineInput,
  getState,
  isDebug,
  markdownSummary,
  platform,
  saveState,
  setCommandEcho,
  setFailed,
  setOutput,
  setSecret,
  summary,
  toPlatformPath,
  toPosixPath,
  toWin32Path
} = actual
