import { defineConfig } from 'vitest/config'

/**
 * Whole stories: a mode, run() or the supervision driven end to end against fakes of AWS. After
 * each, every result it made must say of one revision what ECS says of it (the setup file).
 */
const SCENARIOS = [
  '__tests__/scenarios/**/*.test.ts',
  '__tests__/modes/**/*.test.ts',
  '__tests__/supervise/**/*.test.ts',
  '__tests__/main.test.ts',
  '__tests__/cancel.test.ts',
  '__tests__/hostile-inputs.test.ts',
  '__tests__/secrets.test.ts'
]
/** Checks of the repository's own files: README and docs, workflows, the layers of src/. */
const REPOSITORY = ['__tests__/repository/**/*.test.ts']

export default defineConfig({
  test: {
    environment: 'node',
    restoreMocks: true,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['__tests__/**/*.test.ts'],
          exclude: [...SCENARIOS, ...REPOSITORY]
        }
      },
      {
        extends: true,
        test: {
          name: 'scenarios',
          include: SCENARIOS,
          setupFiles: ['__tests__/setup/outputs-agree.ts']
        }
      },
      { extends: true, test: { name: 'repository', include: REPOSITORY } }
    ]
  }
})
