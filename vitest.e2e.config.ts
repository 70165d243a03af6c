import { defineConfig } from 'vitest/config'

// End-to-end tests: the bundled action against the local stack (test/e2e/README.md). The
// files share one stack and reset it before each test, so they run one at a time.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000
  }
})
