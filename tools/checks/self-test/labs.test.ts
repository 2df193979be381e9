// Proof that the graded tests are right: the reference solutions earn every point, and each
// lab's catalog of classic mistakes is sound. That the starters earn none and every mistake
// in a catalog is caught is proven by `npm run prove` (a grade per starter and per mistake,
// too slow for npm test on 2 cores: the six starters alone cost ~35 s of CPU), which CI runs
// right after npm test (.ci/run), and `npm test -- NN` runs for its lab.
import { describe, test } from 'vitest';
import { join } from 'node:path';
import { gradeBatch, type LabResult } from '../../grader/run-lab.ts';
import { REPO_ROOT } from '../../grader/lab.ts';
import { labProblems } from './lab-rules.ts';
import { labs, variantsOf } from './helpers.ts';

const TIME_LIMIT_MS = 120_000;
/** A batch ends within its time limit, then the grader's cleanup (about a second, 10 s at most). */
const ONE_BATCH_MS = TIME_LIMIT_MS + 10_000;
const catalogs = new Map(await Promise.all(labs.map(async (lab) => [lab.slug, await variantsOf(lab)] as const)));

/** Every lab's solution in one vitest run (a vitest start costs ~1.7 s of CPU). */
async function gradeAll(target: string): Promise<Map<string, LabResult>> {
  const results = await gradeBatch(
    labs.map((lab) => ({ lab, target })),
    TIME_LIMIT_MS,
  );
  return new Map(labs.map((lab, i) => [lab.slug, results[i]]));
}
const solutionResults = gradeAll(join(REPO_ROOT, 'solutions'));
// Failures surface in the tests that await it; never as an unhandled rejection.
solutionResults.catch(() => {});

function failures(result: LabResult): string {
  return (
    result.tests
      .filter((test) => test.status !== 'passed')
      .map((test) => `${test.name}: ${test.message}`)
      .join('\n\n') + result.notes.join('\n')
  );
}

describe.concurrent.each(labs)('lab $slug', (lab) => {
  test('follows the rules of docs/adding-a-lab.md: names, points, sections, catalog, requires', ({ expect }) => {
    expect(labProblems(lab, catalogs.get(lab.slug)!).join('\n')).toBe('');
  });

  test.concurrent(
    'the reference solution earns every point, and every test that ran is declared in lab.ts',
    async ({ expect }) => {
      const result = (await solutionResults).get(lab.slug)!;
      expect(result.notes, failures(result)).toEqual([]);
      expect(result.points, failures(result)).toBe(result.maxPoints);
    },
    ONE_BATCH_MS,
  );
});
