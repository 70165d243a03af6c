import * as core from '@actions/core'
import { errorText } from './errors.js'
import { run } from './main.js'

// run() reports its own failures; this catches only what escapes it, so no failure is silent.
run().catch((error: unknown) => core.setFailed(`Unexpected error: ${errorText(error)}`))
