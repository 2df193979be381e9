// Shared by the self-tests: grade a lab against a directory, build throwaway targets.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { discoverLabs, TESTS_DIR, type LabInfo } from '../../grader/lab.ts';
import { scratchDir } from '../../grader/target.ts';
import { generate } from '../../authoring/starters.ts';
import { processesWithVariable } from '../../grader/sandbox/sandbox.ts';
import type { BuggyVariant } from '../variants.ts';
import type { LabResult } from '../../grader/run-lab.ts';

export const labs: LabInfo[] = await discoverLabs();

/** The starters exactly as `npm run starters` would write them, in a fresh directory. */
export function freshStarters(): string {
  const root = scratchDir('starters-');
  for (const [path, content] of generate(labs).files) {
    if (!path.startsWith('labs/')) continue;
    const file = join(root, path.slice('labs/'.length));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return root;
}

export async function variantsOf(lab: LabInfo): Promise<BuggyVariant[]> {
  const file = join(TESTS_DIR, lab.slug, 'buggy-variants.ts');
  if (!existsSync(file)) return [];
  return ((await import(pathToFileURL(file).href)) as { default: BuggyVariant[] }).default;
}

/** What is wrong with a starter's grade: every test must fail, saying where to start. */
export function starterProblems(result: LabResult): string[] {
  return result.tests
    .filter((test) => !/not implemented yet — see labs\//.test(test.message ?? ''))
    .map(
      (test) =>
        `the starter of ${result.slug} ${test.status === 'passed' ? 'passes' : 'fails'} "${test.name}" without saying "not implemented yet — see labs/...": ` +
        `put the code that test needs between // BEGIN SOLUTION "section" and // END SOLUTION in solutions/${result.slug}/ (got: ${(test.message ?? '').split('\n').slice(-3).join(' ')})`,
    );
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Processes whose environment says they test `target`: what a grade must leave behind is none. */
export function processesTesting(target: string): number[] {
  return processesWithVariable('LAB_TARGET', target);
}
