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

const TIME_LIMIT_MS = 60_000;
const starters = freshStarters();
const catalogs = new Map(await Promise.all(labs.map(async (lab) => [lab.slug, await variantsOf(lab)] as const)));
afterAll(() => removeDir(starters));

/**
 * Grades a lab's variants: all in one vitest run (vitest starts once per lab, not once per
 * variant), except a variant that freezes the process, which gets a run and a short limit
 * of its own. Started once per lab, on first use.
 */
const variantRuns = new Map<string, Promise<Map<string, LabResult>>>();
function resultFor(lab: LabInfo, variant: BuggyVariant): Promise<LabResult> {
  if (variant.timeLimitMs !== undefined) {
    const target = buildVariant(lab.slug, [variant], variant.name);
    return gradeLab(lab, { target, timeLimitMs: variant.timeLimitMs, only: variant.caughtBy }).finally(() => removeDir(target));
  }
  if (!variantRuns.has(lab.slug)) {
    const batched = catalogs.get(lab.slug)!.filter((each) => each.timeLimitMs === undefined);
    const targets = batched.map((each) => buildVariant(lab.slug, [each], each.name));
    variantRuns.set(lab.slug, gradeBatch(lab, batched.map((each, i) => ({ target: targets[i], only: each.caughtBy })), TIME_LIMIT_MS)
      .then((results) => new Map(batched.map((each, i) => [each.name, results[i]])))
      .finally(() => targets.forEach(removeDir)));
  }
  return variantRuns.get(lab.slug)!.then((results) => results.get(variant.name)!);
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

  test('is listed in the top-level README', ({ expect }) => {
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain(`(labs/${lab.slug}/README.md)`);
  });

  test.concurrent('the reference solution earns every point, and every test that ran is declared in lab.ts', async ({ expect }) => {
    const result = await gradeLab(lab, { target: join(REPO_ROOT, 'solutions'), timeLimitMs: TIME_LIMIT_MS });
    expect(result.notes, failures(result)).toEqual([]);
    expect(result.points, failures(result)).toBe(result.maxPoints);
  });

  test.concurrent('the starter earns no points, and every failure says where to start', async ({ expect }) => {
    const result = await gradeLab(lab, { target: starters, timeLimitMs: TIME_LIMIT_MS });
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
