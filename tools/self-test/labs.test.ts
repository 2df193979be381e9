// Proof that the graded tests are right: the reference solutions earn every point, the
// starters earn none, and every classic mistake in a lab's catalog is caught.
import { describe, test, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gradeBatch, gradeLab, type LabResult } from '../grader/run-lab.ts';
import type { LabInfo } from '../grader/lab.ts';
import type { BuggyVariant } from '../grader/variants.ts';
import { REPO_ROOT } from '../grader/lab.ts';
import { buildVariant } from '../grader/variants.ts';
import { headingsOf } from '../starters.ts';
import { freshStarters, labs, removeDir, variantsOf } from './helpers.ts';

const TIME_LIMIT_MS = 120_000;
const starters = freshStarters();
const catalogs = new Map(await Promise.all(labs.map(async (lab) => [lab.slug, await variantsOf(lab)] as const)));
afterAll(() => removeDir(starters));

/**
 * Every buggy variant in one vitest run; beside it, every lab's solution and then every
 * lab's starter, in one run each (a vitest start costs ~1.7 s of CPU: three starts instead
 * of eighteen). A variant that freezes the process gets a run and a short limit of its own.
 */
type Results = Map<string, LabResult>;
const keyOf = (lab: LabInfo, variant?: BuggyVariant) => `${lab.slug}:${variant?.name ?? ''}`;
async function gradeAll(runs: Array<{ lab: LabInfo; target: string; variant?: BuggyVariant }>, maxWorkers?: number): Promise<Results> {
  const results = await gradeBatch(runs.map(({ lab, target, variant }) => ({ lab, target, only: variant?.caughtBy })), TIME_LIMIT_MS, { maxWorkers });
  return new Map(runs.map((run, i) => [keyOf(run.lab, run.variant), results[i]]));
}
const solutionResults = gradeAll(labs.map((lab) => ({ lab, target: join(REPO_ROOT, 'solutions') })));
const starterResults = solutionResults.then(() => gradeAll(labs.map((lab) => ({ lab, target: starters }))));
const batchedVariants = labs.flatMap((lab) => catalogs.get(lab.slug)!.filter((variant) => variant.timeLimitMs === undefined).map((variant) => ({ lab, variant })));
const variantResults = (async () => {
  const runs = batchedVariants.map(({ lab, variant }) => ({ lab, variant, target: buildVariant(lab.slug, [variant], variant.name) }));
  try {
    // A caught mistake often shows as a reply that never comes: its test waits, idle, for
    // seconds. Four workers let those waits overlap.
    return await gradeAll(runs, 4);
  } finally {
    for (const run of runs) removeDir(run.target);
  }
})();
// Failures surface in the tests that await these; never as an unhandled rejection.
for (const results of [solutionResults, starterResults, variantResults]) results.catch(() => {});

async function resultFor(lab: LabInfo, variant: BuggyVariant): Promise<LabResult> {
  if (variant.timeLimitMs === undefined) return (await variantResults).get(keyOf(lab, variant))!;
  const target = buildVariant(lab.slug, [variant], variant.name);
  try {
    return await gradeLab(lab, { target, timeLimitMs: variant.timeLimitMs, only: variant.caughtBy });
  } finally {
    removeDir(target);
  }
}

function failures(result: Awaited<ReturnType<typeof gradeLab>>): string {
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
    const result = (await solutionResults).get(keyOf(lab))!;
    expect(result.notes, failures(result)).toEqual([]);
    expect(result.points, failures(result)).toBe(result.maxPoints);
  });

  test.concurrent('the starter earns no points, and every failure says where to start', async ({ expect }) => {
    const result = (await starterResults).get(keyOf(lab))!;
    expect(result.points).toBe(0);
    for (const outcome of result.tests) expect(outcome.message, outcome.name).toMatch(/not implemented yet — see labs\//);
  });

  test.concurrent.for(catalogs.get(lab.slug)!)('catches the mistake "$name"', async (variant, { expect }) => {
    const result = await resultFor(lab, variant);
    for (const key of variant.caughtBy) {
      const outcome = result.tests.find((test) => test.key === key)!;
      expect(outcome.status, `"${outcome.name}" should fail on this variant:\n${outcome.message ?? ''}\n${result.notes.join('\n')}`).toBe('failed');
    }
  });
});
