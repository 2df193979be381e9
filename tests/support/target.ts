// Where the code under test lives (see tools/grader/target.ts for the switch) and how a
// test loads it: in-process, through vitest's TypeScript transform, from any directory.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveTarget, displayPath } from '../../tools/grader/target.ts';

/** Read on every call, not cached: one worker may run the test files of several targets. */
export function targetDir(): string {
  return resolveTarget(process.env.LAB_TARGET);
}

/** Absolute path of a file of a lab in the target, e.g. labFile('01-echo', 'server.ts'). */
export function labFile(slug: string, file: string): string {
  return join(targetDir(), slug, file);
}

/**
 * Imports a lab module. Type it with the starter's signature:
 * `await loadLab<typeof import('../../labs/01-echo/server.ts')>('01-echo', 'server.ts')`.
 */
export async function loadLab<Module>(slug: string, file: string): Promise<Module> {
  const path = labFile(slug, file);
  if (!existsSync(path)) throw new Error(`${displayPath(path)} does not exist: the tests need it (copy it from the lab's starter)`);
  return (await import(pathToFileURL(path).href)) as Module;
}
