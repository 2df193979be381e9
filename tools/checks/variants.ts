// Deliberately buggy variants of a lab's solution: the classic mistakes of that lab. Each
// is a small patch on the reference solution (find this text, put that instead), so a
// variant can never drift away from the code it mutates: if the solution changes and the
// text is gone, building the variant fails loudly. `npm test` grades every variant and
// checks that the tests named in `caughtBy` fail on it.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../grader/lab.ts';
import { scratchDir } from '../grader/target.ts';

export interface BuggyVariant<Key extends string = string> {
  /** Short name, e.g. "replies to the first chunk". */
  name: string;
  /** The mistake a student makes, and why it is wrong. */
  mistake: string;
  /** File inside the lab folder to patch. */
  file: string;
  /** Text that occurs exactly once in the solution's file... */
  find: string;
  /** ...and what it becomes. */
  replace: string;
  /** Keys of lab.ts tests that must fail on this variant. */
  caughtBy: Key[];
}

export function defineVariants<Key extends string>(
  _lab: { tests: Record<Key, unknown> },
  variants: BuggyVariant<Key>[],
): BuggyVariant<Key>[] {
  return variants;
}

/**
 * Copies solutions/ into a fresh directory laid out like labs/ (every lab: later labs import
 * earlier ones) and applies the patches to the given lab.
 */
export function buildVariant(
  slug: string,
  patches: Array<Pick<BuggyVariant, 'file' | 'find' | 'replace'>>,
  label: string,
): string {
  const root = scratchDir(`variant-${slug}-`);
  cpSync(join(REPO_ROOT, 'solutions'), root, { recursive: true });
  for (const { file, find, replace } of patches) {
    const path = join(root, slug, file);
    const source = readFileSync(path, 'utf8');
    const count = source.split(find).length - 1;
    if (count !== 1)
      throw new Error(
        `variant "${label}": the text to replace occurs ${count} times in solutions/${slug}/${file}; it must occur exactly once: ${count === 0 ? 'copy it again from the solution, which has changed' : 'make find longer, until it matches one place'}:\n${find}`,
      );
    writeFileSync(
      path,
      source.replace(find, () => replace),
    );
  }
  return root;
}
