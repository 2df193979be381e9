// Which code the tests exercise. One switch, the LAB_TARGET environment variable:
// "labs" (the default: the student's work), "solutions", or any directory laid out like
// labs/ — or a whole repository that has a labs/ folder (a submission).
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './lab.ts';

export function resolveTarget(target: string | undefined, cwd = process.cwd()): string {
  const name = target ?? 'labs';
  const dir = name === 'labs' || name === 'solutions' ? join(REPO_ROOT, name) : resolve(cwd, name);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`the target "${name}" is not a directory (expected labs, solutions, or a folder laid out like labs/)`);
  }
  // A whole repository: grade its labs/ folder.
  const nested = join(dir, 'labs');
  if (existsSync(nested) && statSync(nested).isDirectory()) return nested;
  return dir;
}

/** Short form for messages: "labs/01-echo/server.ts" inside the repository, absolute outside. */
export function displayPath(path: string): string {
  return path.startsWith(REPO_ROOT + '/') ? path.slice(REPO_ROOT.length + 1) : path;
}
