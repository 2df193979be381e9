// The repository's own checks (npm test): not graded, never copied to students.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // fileURLToPath, not .pathname: a path with a space or a non-ASCII letter stays a path.
    root: fileURLToPath(new URL('../../..', import.meta.url)),
    include: ['tools/checks/self-test/**/*.test.ts'],
    // The example private tests are graded by the grader, not run as self-tests.
    exclude: ['**/node_modules/**', 'tools/checks/self-test/fixtures/**'],
    pool: 'forks',
    // Each check starts whole grades in child processes: two files at a time fill 2 cores.
    maxWorkers: 2,
    maxConcurrency: 3,
    // Each check grades whole labs in child processes: allow for a loaded 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    experimental: { fsModuleCache: true },
  },
});
