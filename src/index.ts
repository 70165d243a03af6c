import * as core from '@actions/core'
import { messageOf, run } from './main.js'

// run() reports its own failures; this catches only what escapes it, so no failure is silent.
run().catch((error: unknown) => core.setFailed(`Unexpected error: ${messageOf(error)}`))
