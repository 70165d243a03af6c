import * as core from '@actions/core'
import { errorText } from './model/errors.js'
import { run } from './main.js'
import { post, POST_STATE } from './post.js'

// One bundle, two steps: the main step marks its state, so the same file run as the post step
// only removes what a stopped main step may have left.
if (core.getState(POST_STATE) === 'true') {
  void post()
} else {
  core.saveState(POST_STATE, 'true')
  // run() reports its own failures; this catches only what escapes it, so no failure is silent.
  run().catch((error: unknown) => core.setFailed(`Unexpected error: ${errorText(error)}`))
}
