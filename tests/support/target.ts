// Where the code under test lives (see tools/grader/target.ts for the switch). A test never
// imports it: it loads it into its student host with t.lab() (tests/support/graded.ts).
import { join } from 'node:path';
import { resolveTarget } from '../../tools/grader/target.ts';

/** Read on every call, not cached: one worker may run the test files of several targets. */
export function targetDir(): string {
  return resolveTarget(process.env.LAB_TARGET);
}

/** Absolute path of a file of a lab in the target, e.g. labFile('01-echo', 'server.ts'). */
export function labFile(slug: string, file: string): string {
  return join(targetDir(), slug, file);
}
