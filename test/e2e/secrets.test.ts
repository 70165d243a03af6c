// The ECR password never shows: not in the log, the outputs or the summary, and no docker
// config holding it is left in RUNNER_TEMP or HOME after the step.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, expect, test } from 'vitest'
import { ECR_TOKEN, ECR_USER } from './stack/config.js'
import { runAction, runPost, type ActionRun } from './support/run-action.js'
import { ACTION_INPUTS, seed } from './seed.js'

const SECRETS = [ECR_TOKEN, Buffer.from(`${ECR_USER}:${ECR_TOKEN}`).toString('base64')]

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter(e => e.isFile()).map(e => join(e.parentPath, e.name))
}

/**
 * The log as the runner shows it: `::add-mask::` lines are commands the runner consumes (they
 * are how an action registers a secret), not log lines.
 */
function visibleLog(text: string): string {
  return text
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')
}

let run: ActionRun
beforeAll(async () => {
  await seed()
  run = await runAction(ACTION_INPUTS)
})

test('the deploy that handled the token succeeded', () => {
  expect(run.exitCode, run.stdout + run.stderr).toBe(0)
  expect(run.stdout).toContain('::add-mask::')
})

test.each(SECRETS)('%s is in no log line, output or summary', secret => {
  expect(visibleLog(run.stdout)).not.toContain(secret)
  expect(visibleLog(run.stderr)).not.toContain(secret)
  expect(JSON.stringify(run.outputs)).not.toContain(secret)
  expect(run.summary).not.toContain(secret)
})

test('no file in RUNNER_TEMP or HOME holds the token or a registry login', async () => {
  const files = [...(await filesUnder(run.runnerTemp)), ...(await filesUnder(run.home))]
  for (const file of files) {
    const text = await readFile(file, 'utf8')
    for (const secret of SECRETS) expect(text, file).not.toContain(secret)
    if (file.endsWith('config.json')) expect(text, file).not.toMatch(/"auth"\s*:/)
  }
})

test('a step killed mid-deploy leaves its login behind, and the post step removes it', async () => {
  await seed()
  // SIGKILL once the rollout is being watched: logged in and pushed, no cleanup ran.
  const killed = await runAction(
    ACTION_INPUTS,
    {},
    { killWhen: line => line.startsWith('rollout ') }
  )
  expect(killed.exitCode).toBe(-1)
  const dir = killed.state['docker-config'] ?? ''
  expect(dir.startsWith(join(killed.runnerTemp, 'deploy-action-docker-'))).toBe(true)
  expect(await readFile(join(dir, 'config.json'), 'utf8')).toMatch(/"auth"\s*:/)

  const post = runPost(killed)

  expect(post.exitCode).toBe(0)
  expect(post.stdout).toContain(
    `Docker credentials: removed ${dir}, which the main step left behind`
  )
  const files = [...(await filesUnder(killed.runnerTemp)), ...(await filesUnder(killed.home))]
  for (const file of files) {
    const text = await readFile(file, 'utf8')
    for (const secret of SECRETS) expect(text, file).not.toContain(secret)
  }
})

test('after a step that cleaned up, the post step has nothing to remove', () => {
  expect(run.state['docker-config']).toBe('')
  expect(runPost(run).stdout).toContain('Docker credentials: none left to remove')
})
