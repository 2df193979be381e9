// Which code the tests exercise. One switch, the LAB_TARGET environment variable:
// "labs" (the default: the student's work), the reference solutions (in the full repository
// only), or any directory laid out like
// labs/ — or a whole repository that has a labs/ folder (a submission).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { hasReference, LAB_FOLDER, REFERENCE, REPO_ROOT } from './lab.ts';

export function resolveTarget(target: string | undefined, cwd = process.cwd()): string {
  const name = target ?? 'labs';
  const dir = name === 'labs' || name === REFERENCE ? join(REPO_ROOT, name) : resolve(cwd, name);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    const reference = hasReference() ? `, ${REFERENCE}` : '';
    throw new Error(
      `the target "${name}" is not a directory (expected labs${reference}, or a folder laid out like labs/)`,
    );
  }
  return labsFolderOf(dir) ?? dir;
}

/**
 * The folder of a submission that holds the lab folders (01-echo/...): its labs/ (a whole
 * repository), itself (labs/ alone, or bare lab folders), or a subfolder's labs/ (a
 * repository zipped with its top folder). One rule for --target, batch grading and Gradescope.
 */
export function labsFolderOf(submission: string): string | undefined {
  const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();
  const candidates = [join(submission, 'labs'), submission];
  for (const entry of isDir(submission) ? readdirSync(submission) : []) {
    if (isDir(join(submission, entry))) candidates.push(join(submission, entry, 'labs'));
  }
  return candidates.find((dir) => isDir(dir) && readdirSync(dir).some((name) => LAB_FOLDER.test(name)));
}

/** Short form for messages: "labs/01-echo/server.ts" inside the repository (forward slashes on every system), absolute outside. */
export function displayPath(path: string): string {
  return path.startsWith(REPO_ROOT + sep)
    ? path
        .slice(REPO_ROOT.length + 1)
        .split(sep)
        .join('/')
    : path;
}

/** Scratch space inside the repository (git-ignored), where the repository's ESM package.json applies. */
export const SCRATCH_DIR = join(REPO_ROOT, '.grader-tmp');

export function scratchDir(prefix: string): string {
  mkdirSync(SCRATCH_DIR, { recursive: true });
  return mkdtempSync(join(SCRATCH_DIR, prefix));
}

/** True when Node treats .ts/.js files in `dir` as ES modules (nearest package.json says "type": "module"). */
function inEsmScope(dir: string): boolean {
  for (let at = dir; ; at = dirname(at)) {
    const manifest = join(at, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(at) === at) return false;
  }
}

/**
 * The lab programs are ES modules (top-level await, import.meta). A submission copied to a
 * folder outside any "type": "module" package would be run as CommonJS and fail for that
 * reason alone, so such a submission is graded from a copy inside the repository.
 */
export function stageOutsideEsm(target: string): { dir: string } | undefined {
  if (inEsmScope(target)) return undefined;
  const dir = scratchDir('stage-');
  // Every lab folder, not just the one graded: later labs import earlier ones.
  cpSync(target, dir, { recursive: true, filter: (path) => !path.includes('node_modules') });
  return { dir };
}
