// Private tests: an instructor's extra tests, kept outside the repository and run with the
// public ones (npm run grade -- --extra-tests DIR). DIR mirrors tests/: DIR/01-echo/lab.ts
// declares the extra tests (defineExtraTests), DIR/01-echo/*.test.ts run them with graded().
// They are copied into the repository's scratch space first, so that they are ES modules
// and can import the repository's helpers as "#repo/tests/support/graded.ts".
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LabInfo, TestSpec } from './lab.ts';
import { scratchDir } from './target.ts';
import { sandboxMode } from './sandbox/sandbox.ts';
import { filesUnder } from '../shared/files.ts';

/** True when a user other than the owner could read a file of `dir` (its folders let them through). */
function readableByOthers(dir: string): boolean {
  const open = (path: string, bits: number) => (statSync(path).mode & bits) !== 0;
  if (!open(dir, 0o001)) return false;
  return filesUnder(dir).some((file) => open(file, 0o004) && open(dirname(file), 0o001));
}

export interface ExtraTests {
  slug: string;
  tests: Record<string, TestSpec>;
}

export function defineExtraTests(extra: ExtraTests): ExtraTests {
  return extra;
}

/** Where a lab's private tests were staged, and the lab with them added to its tests. */
export interface StagedExtraTests {
  labs: LabInfo[];
  /** Staged folder of each lab that has private tests, by slug. */
  dirs: Map<string, string>;
  remove(): void;
}

/** Key of a private test in the merged lab: never the same as a public key. */
const privateKey = (key: string) => `private:${key}`;

/** Stages DIR and adds its tests to the selected `labs`; `allSlugs` catches misnamed folders. */
export async function stageExtraTests(from: string, labs: LabInfo[], allSlugs: string[]): Promise<StagedExtraTests> {
  const source = resolve(from);
  if (!existsSync(source)) throw new Error(`--extra-tests: the folder "${from}" does not exist`);
  // The staged copy is readable by the grader alone (mkdtemp: mode 700). The original is the
  // instructor's to protect: in trusted mode, say so if the sandbox users could read it.
  if (sandboxMode() === 'trusted' && readableByOthers(source)) {
    console.warn(
      `warning: ${from} is readable by other users, so the code being graded could read your private tests: chmod -R go-rwx ${from}`,
    );
  }
  const staged = scratchDir('private-');
  cpSync(source, staged, { recursive: true, filter: (path) => !path.includes('node_modules') });
  const remove = () => rmSync(staged, { recursive: true, force: true });
  try {
    const folders = readdirSync(staged).filter((name) => existsSync(join(staged, name, 'lab.ts')));
    if (folders.length === 0)
      throw new Error(`--extra-tests: "${from}" has no LAB/lab.ts (e.g. 01-echo/lab.ts); see docs/instructor-guide.md`);
    const unknown = folders.find((name) => !allSlugs.includes(name));
    if (unknown) throw new Error(`--extra-tests: "${unknown}" is not a lab; the labs are ${allSlugs.join(', ')}`);
    const dirs = new Map<string, string>();
    const merged: LabInfo[] = [];
    for (const lab of labs) {
      if (!folders.includes(lab.slug)) {
        merged.push(lab);
        continue;
      }
      const file = join(staged, lab.slug, 'lab.ts');
      const extra = ((await import(pathToFileURL(file).href)) as { default?: ExtraTests }).default;
      if (extra?.slug !== lab.slug)
        throw new Error(
          `--extra-tests: ${lab.slug}/lab.ts must export default defineExtraTests({ slug: "${lab.slug}", tests })`,
        );
      const clash = Object.values(extra.tests).find((test) =>
        Object.values(lab.tests).some((own) => own.name === test.name),
      );
      if (clash) throw new Error(`--extra-tests: "${clash.name}" is already the name of a public test of ${lab.slug}`);
      const tests = Object.fromEntries(
        Object.entries(extra.tests).map(([key, spec]) => [privateKey(key), { ...spec, private: true }]),
      );
      merged.push({ ...lab, tests: { ...lab.tests, ...tests } });
      dirs.set(lab.slug, join(staged, lab.slug));
    }
    return { labs: merged, dirs, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
