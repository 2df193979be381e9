// Proof that the graded tests are right: the reference solutions earn every point, the
// starters earn none, and each lab's catalog of classic mistakes is sound. That every
// mistake in a catalog is caught is proven by `npm run prove` (a grade per mistake, too
// slow for npm test on 2 cores), which CI runs right after npm test (.ci/run).
import { describe, test, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gradeBatch, type LabResult } from '../grader/run-lab.ts';
import { REPO_ROOT } from '../grader/lab.ts';
import { headingsOf } from '../starters.ts';
import { freshStarters, labs, removeDir, variantsOf } from './helpers.ts';

const TIME_LIMIT_MS = 120_000;
/** A batch ends within its time limit, then the grader's cleanup (about a second, 10 s at most). */
const ONE_BATCH_MS = TIME_LIMIT_MS + 10_000;
const starters = freshStarters();
const catalogs = new Map(await Promise.all(labs.map(async (lab) => [lab.slug, await variantsOf(lab)] as const)));
afterAll(() => removeDir(starters));

/** Every lab's solution in one vitest run, then every lab's starter in another (a vitest start costs ~1.7 s of CPU). */
async function gradeAll(target: string): Promise<Map<string, LabResult>> {
  const results = await gradeBatch(labs.map((lab) => ({ lab, target })), TIME_LIMIT_MS);
  return new Map(labs.map((lab, i) => [lab.slug, results[i]]));
}
const solutionResults = gradeAll(join(REPO_ROOT, 'solutions'));
const starterResults = solutionResults.then(() => gradeAll(starters));
// Failures surface in the tests that await these; never as an unhandled rejection.
for (const results of [solutionResults, starterResults]) results.catch(() => {});

function failures(result: LabResult): string {
  return result.tests.filter((test) => test.status !== 'passed').map((test) => `${test.name}: ${test.message}`).join('\n\n') + result.notes.join('\n');
}

describe.concurrent.each(labs)('lab $slug', (lab) => {
  test('every test has a unique name, positive points, and a hint section that is a heading of the handout', ({ expect }) => {
    expect(catalogs.get(lab.slug)!.length, 'a catalog of at least 3 buggy variants').toBeGreaterThanOrEqual(3);
    const sections = headingsOf(readFileSync(join(REPO_ROOT, 'solutions', lab.slug, 'README.md'), 'utf8'));
    const names = Object.values(lab.tests).map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of Object.values(lab.tests)) {
      expect(spec.points, spec.name).toBeGreaterThan(0);
      expect(sections, `section of "${spec.name}"`).toContain(spec.section);
    }
  });

  test('no mistake in its catalog rests on tests worth less than 2 points together (points match gravity)', ({ expect }) => {
    for (const variant of catalogs.get(lab.slug)!) {
      const cost = variant.caughtBy.reduce((sum, key) => sum + lab.tests[key].points, 0);
      expect(cost, `"${variant.name}" costs ${cost} point(s): see "Points" in docs/instructor-guide.md`).toBeGreaterThanOrEqual(2);
    }
  });

  test('is listed in the top-level README', ({ expect }) => {
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain(`(labs/${lab.slug}/README.md)`);
  });

  test.concurrent('the reference solution earns every point, and every test that ran is declared in lab.ts', async ({ expect }) => {
    const result = (await solutionResults).get(lab.slug)!;
    expect(result.notes, failures(result)).toEqual([]);
    expect(result.points, failures(result)).toBe(result.maxPoints);
  }, ONE_BATCH_MS);

  test.concurrent('the starter earns no points, and every failure says where to start', async ({ expect }) => {
    const result = (await starterResults).get(lab.slug)!;
    expect(result.points).toBe(0);
    for (const outcome of result.tests) expect(outcome.message, outcome.name).toMatch(/not implemented yet — see labs\//);
  }, 2 * ONE_BATCH_MS); // it waits for the solutions' batch, then its own
});
