// The graded tests (tests/NN-topic/*.test.ts). The grader runs one lab at a time in its
// own process with this config; `npx vitest run tests/01-echo` does the same by hand.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 10_000,
    hookTimeout: 10_000,
    teardownTimeout: 3_000,
  },
});
