// A cancelled workflow stops the action with a signal (the runner sends SIGINT, then SIGTERM).
// The step still gets a moment to say what it leaves behind (report/cancelled.ts says what).

export const CANCEL_SIGNALS = ['SIGINT', 'SIGTERM'] as const
export type CancelSignal = (typeof CANCEL_SIGNALS)[number]

/** The longest the step spends reporting a cancellation before it exits anyway. */
export const REPORT_TIMEOUT_MS = 5000

/** The part of `process` this needs, so tests can give a stand-in. */
export interface SignalSource {
  on(signal: CancelSignal, listener: () => void): unknown
  removeListener(signal: CancelSignal, listener: () => void): unknown
  exit(code: number): never
}

/**
 * On the first SIGINT or SIGTERM, runs `report` (bounded by REPORT_TIMEOUT_MS), then exits 1.
 * Later signals are swallowed, so the runner's SIGTERM after its SIGINT does not cut the
 * report short. Returns a function that removes the handlers, for when the step ends normally.
 */
export function onCancel(
  report: (signal: CancelSignal) => Promise<void>,
  source: SignalSource = process,
  timeoutMs = REPORT_TIMEOUT_MS
): () => void {
  let cancelled = false
  const listeners = CANCEL_SIGNALS.map(signal => {
    const listener = (): void => {
      if (cancelled) return
      cancelled = true
      let timer: NodeJS.Timeout | undefined
      const deadline = new Promise<void>(resolve => {
        timer = setTimeout(resolve, timeoutMs)
      })
      void Promise.race([report(signal).catch(() => undefined), deadline]).then(() => {
        clearTimeout(timer)
        source.exit(1)
      })
    }
    source.on(signal, listener)
    return { signal, listener }
  })
  return () => {
    for (const { signal, listener } of listeners) source.removeListener(signal, listener)
  }
}
