// tools/checks/mutation/equivalent.ts matches mutants by their line's code and change: once a solution
// changes, an entry may match nothing, and would later hide a real survivor if the same code
// came back. Every entry must match a mutant the tool makes of today's solutions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { REPO_ROOT } from '../../grader/lab.ts';
import equivalents from '../mutation/equivalent.ts';
import { mutantsOf } from '../mutation/mutants.ts';

describe('mutation testing', () => {
  test('every mutant listed as equivalent is one the tool makes of the solutions today', ({ expect }) => {
    const stale: string[] = [];
    for (const [slug, entries] of Object.entries(equivalents)) {
      const dir = join(REPO_ROOT, 'solutions', slug);
      const mutants = readdirSync(dir)
        .filter((name) => name.endsWith('.ts'))
        .flatMap((file) => mutantsOf(file, readFileSync(join(dir, file), 'utf8')));
      for (const entry of entries) {
        const same = mutants.filter(
          (m) => m.file === entry.file && m.code === entry.code && m.mutation === entry.mutation,
        );
        if (same.length < (entry.nth ?? 1))
          stale.push(`${slug}/${entry.file}: ${entry.mutation} ${entry.code}${entry.nth ? ` #${entry.nth}` : ''}`);
      }
    }
    expect(stale).toEqual([]);
  });
});
