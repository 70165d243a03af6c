// Errors as the step reports them: one way to turn anything thrown into text, and the errors
// whose message is already written for the person reading the log.

/** An error whose message is written for the user and is shown as it is, without its name. */
export class ReportedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ReportedError'
  }
}

/** An error whose message already says that nothing in ECS was changed. */
export class NothingChangedError extends ReportedError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'NothingChangedError'
  }
}

/**
 * The text of anything thrown. Our own errors and plain `Error`s read as their message; others
 * (the SDK's `ThrottlingException`, a `TypeError`) keep their name, which says more than the
 * message alone.
 */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const named = !(error instanceof ReportedError) && error.name && error.name !== 'Error'
    return named ? `${error.name}: ${error.message}` : error.message
  }
  if (typeof error === 'string') return error
  try {
    return JSON.stringify(error) ?? String(error)
  } catch {
    return String(error)
  }
}

/** Notes joined into an error's sentence start with a capital letter when they open one. */
export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
