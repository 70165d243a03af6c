// The post step (action.yml `post:`, always run): removes the private Docker config the main step
// made, when the main step was stopped before its own cleanup (a cancelled or killed process
// runs none). It says what it did in one line and never fails the job.
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, resolve } from 'node:path'
import * as core from '@actions/core'
import { DOCKER_CONFIG_PREFIX, DOCKER_CONFIG_STATE } from './docker/docker.js'
import { errorText } from './model/errors.js'

/** Set by the main step: the same bundle then runs as the post step. */
export const POST_STATE = 'isPost'

export async function post(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const dir = core.getState(DOCKER_CONFIG_STATE)
    if (!dir || !existsSync(dir)) {
      core.info('Docker credentials: none left to remove.')
      return
    }
    // Only a directory this action makes: a child of RUNNER_TEMP named deploy-action-docker-….
    const parent = resolve(env.RUNNER_TEMP || tmpdir())
    if (dirname(resolve(dir)) !== parent || !basename(dir).startsWith(DOCKER_CONFIG_PREFIX)) {
      core.warning(
        `Docker credentials: ${dir} is not a directory this action makes; it is left alone.`
      )
      return
    }
    await rm(dir, { recursive: true, force: true })
    core.info(
      `Docker credentials: removed ${dir}, which the main step left behind when it was stopped before its own cleanup.`
    )
  } catch (error) {
    core.warning(`Docker credentials: could not be removed: ${errorText(error)}`)
  }
}
