// The graded tests (tests/NN-topic/*.test.ts). The grader runs one lab at a time in its
// own process with this config; `npx vitest run tests/01-echo` does the same by hand.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    // One worker runs several test files (half the CPU of a fork per file). Test support
    // modules therefore keep no per-target state: see tests/support/target.ts.
    isolate: false,
    // vitest's default is one worker fewer than the cores: just one on a 2-core machine.
    maxWorkers: Math.max(2, availableParallelism()),
    // Concurrent tests (the end-to-end ones) each start a program: ~0.5 s of CPU apiece.
    maxConcurrency: 3,
    testTimeout: 10_000,
    // Transformed modules (keyed by content) persist between runs: each grade is a new
    // vitest process, and most of its start-up was transforming the same test files again.
    experimental: { fsModuleCache: true },
    hookTimeout: 10_000,
    teardownTimeout: 3_000,
  },
});
