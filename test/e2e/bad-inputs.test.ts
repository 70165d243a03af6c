// Bad input is refused before anything changes: exit code 1, a message naming the input, and
// ECR and ECS exactly as they were.
import { beforeEach, expect, test } from 'vitest'
import { runAction } from './support/run-action.js'
import { snapshot } from './support/world.js'
import { ACTION_INPUTS, seed } from './seed.js'

beforeEach(async () => {
  await seed()
})

test.each([
  { input: 'tag', value: 'latest', message: /tag 'latest'/ },
  { input: 'dockerfile', value: 'Dockerfile.backend', message: /Dockerfile\.backend/ },
  { input: 'mode', value: 'promote', message: /mode 'promote'/ },
  { input: 'timeout-minutes', value: '-5', message: /timeout-minutes/ }
])('$input = $value is refused and nothing changes', async ({ input, value, message }) => {
  const before = await snapshot()
  const run = await runAction({ ...ACTION_INPUTS, [input]: value })

  expect(run.exitCode).toBe(1)
  // core.setFailed writes the message as an ::error:: workflow command.
  const errors = run.stdout.split('\n').filter(line => line.startsWith('::error'))
  expect(errors.join('\n')).toMatch(message)
  expect(run.stdout).not.toMatch(/docker (build|push)/)
  expect(await snapshot()).toEqual(before)
})
