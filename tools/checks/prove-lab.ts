// npm run prove -- [LAB...] [--update-fixtures]: proves labs' tests, every lab by default.
// For each lab: its lab.ts and catalog follow the rules (tools/checks/self-test/lab-rules.ts), the
// solution earns every point, the starter none (each failure saying where to start), each
// buggy variant in its catalog is caught by the tests it names, and what the student reads
// then is the text pinned in tests/NN-topic/buggy-variants.failures.txt.
// --update-fixtures rewrites those files instead of comparing (review the diff, commit it).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { discoverLabs, REPO_ROOT, selectLabs } from '../grader/lab.ts';
import { gradeBatch, type LabResult } from '../grader/run-lab.ts';
import { buildVariant, type BuggyVariant } from './variants.ts';
import { freshStarters, removeDir, starterProblems, variantsOf } from './self-test/helpers.ts';
import { labProblems } from './self-test/lab-rules.ts';
import { existsSync } from 'node:fs';
import {
  catalogText,
  fixturePath,
  howToUpdate,
  mergeRuns,
  pinnedTexts,
  variantDiff,
  variantFailureText,
  writeFixture,
} from './self-test/failure-fixtures.ts';

/** A batch of grades may take this long; the proof runs this many vitest workers. */
const LIMIT_MS = 600_000;
const WORKERS = 4;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'update-fixtures': { type: 'boolean', default: false } },
});
const labs = selectLabs(await discoverLabs(), positionals);
const starters = freshStarters();
let failed = 0;
const fail = (text: string) => {
  failed++;
  console.log(`  ✗ ${text}`);
};
try {
  for (const lab of labs) {
    const variants = await variantsOf(lab);
    for (const problem of labProblems(lab, variants)) fail(problem);
    const targets = variants.map((variant) => buildVariant(lab.slug, [variant], variant.name));
    /** Grades the variants at `indices` again, each on the tests that must catch it. */
    const gradeVariants = (indices: number[]): Promise<LabResult[]> =>
      indices.length === 0
        ? Promise.resolve([])
        : gradeBatch(
            indices.map((i) => ({ lab, target: targets[i], only: variants[i].caughtBy })),
            LIMIT_MS,
            { maxWorkers: WORKERS },
          );
    try {
      const [solution, starter, ...caught] = await gradeBatch(
        [
          { lab, target: join(REPO_ROOT, 'solutions') },
          { lab, target: starters },
          ...variants.map((variant, i) => ({ lab, target: targets[i], only: variant.caughtBy })),
        ],
        LIMIT_MS,
        { maxWorkers: WORKERS },
      );
      console.log(
        `Lab ${lab.slug}: solution ${solution.points}/${solution.maxPoints}, starter ${starter.points}/${starter.maxPoints}, ${variants.length} variants`,
      );
      if (solution.points !== solution.maxPoints || solution.notes.length > 0) {
        fail(
          `the solution: ${solution.tests
            .filter((test) => test.status !== 'passed')
            .map((test) => `${test.name}: ${test.message}`)
            .join('\n\n')}\n${solution.notes.join('\n')}`,
        );
      }
      for (const problem of starterProblems(starter)) fail(problem);
      const missedBy = (result: LabResult, variant: BuggyVariant) =>
        variant.caughtBy.filter((key) => result.tests.find((test) => test.key === key)?.status !== 'failed');
      // A miss gets a second try: a catch that depends on timing is reported, not a failure of
      // the whole proof (on a loaded machine a reset or a race may fall the other way).
      const misses = variants.map((variant, i) => i).filter((i) => missedBy(caught[i], variants[i]).length > 0);
      const retried = await gradeVariants(misses);
      const final = caught.map((result, i) => (misses.includes(i) ? retried[misses.indexOf(i)] : result));
      variants.forEach((variant, i) => {
        const missed = missedBy(final[i], variant);
        if (missed.length > 0)
          fail(
            `variant "${variant.name}" is not caught by ${missed.join(', ')}: make those tests fail on it, or name the tests that do in caughtBy`,
          );
        else if (misses.includes(i))
          console.log(
            `  ⚠ variant "${variant.name}" caught only on a second try: its catch depends on timing (by ${missedBy(caught[i], variant).join(', ')})`,
          );
        else console.log(`  ✓ variant "${variant.name}" caught`);
      });
      const texts = variants.map((variant, i) => variantFailureText(lab, variant, final[i], targets[i]));
      if (values['update-fixtures'] || !existsSync(fixturePath(lab.slug))) {
        // A new lab's first proof pins its text: nothing was pinned to compare with. A second
        // grade of every variant shows which lines depend on the run; they are pinned as such.
        const again = await gradeVariants(variants.map((_, i) => i));
        writeFixture(
          lab.slug,
          catalogText(
            texts.map((text, i) => mergeRuns(text, variantFailureText(lab, variants[i], again[i], targets[i]))),
          ),
        );
        console.log(`  wrote tests/${lab.slug}/buggy-variants.failures.txt: review it and commit it`);
      } else {
        const pinned = pinnedTexts(lab.slug);
        const changed = variants
          .map((_, i) => i)
          .filter((i) => variantDiff(pinned, variants[i].name, texts[i]).failure !== '');
        // What got there in time may differ under load: a second grade that matches is a warning.
        const again = await gradeVariants(changed);
        const diffs: string[] = [];
        variants.forEach((variant, i) => {
          const retry = changed.indexOf(i);
          const { failure, warning } = variantDiff(
            pinned,
            variant.name,
            retry < 0 ? texts[i] : variantFailureText(lab, variant, again[retry], targets[i]),
          );
          if (failure) diffs.push(failure);
          else if (warning)
            console.log(
              `  ⚠ only what the code got differs from the pinned text (it may depend on timing): ${warning}`,
            );
          else if (retry >= 0)
            console.log(
              `  ⚠ variant "${variant.name}" failed with its pinned text only on a second try: part of it depends on timing`,
            );
        });
        const stale = [...pinned.keys()].filter((name) => !variants.some((variant) => variant.name === name));
        diffs.push(...stale.map((name) => `variant "${name}" is pinned but no longer in the catalog`));
        if (diffs.length > 0)
          fail(
            `what a student reads differs from tests/${lab.slug}/buggy-variants.failures.txt:\n${diffs.join('\n')}\n${howToUpdate(lab.slug)}`,
          );
        else console.log('  ✓ every variant fails with its pinned text');
      }
    } finally {
      targets.forEach(removeDir);
    }
  }
} finally {
  removeDir(starters);
}
console.log(`\nprove: ${failed === 0 ? 'every lab proven' : `${failed} problem(s)`}`);
process.exitCode = failed > 0 ? 1 : 0;
