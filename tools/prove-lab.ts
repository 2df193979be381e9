// npm run prove -- LAB...: proves one lab's tests, as npm test does for every lab: the
// solution earns every point, the starter none, and each buggy variant in its catalog is
// caught by the tests it names. For someone changing a lab, in seconds instead of minutes.
import { join } from 'node:path';
import { discoverLabs, REPO_ROOT, selectLabs } from './grader/lab.ts';
import { gradeBatch, type LabResult } from './grader/run-lab.ts';
import { buildVariant, type BuggyVariant } from './grader/variants.ts';
import { freshStarters, removeDir, variantsOf } from './self-test/helpers.ts';

const labs = selectLabs(await discoverLabs(), process.argv.slice(2));
const starters = freshStarters();
let failed = 0;
const fail = (text: string) => {
  failed++;
  console.log(`  ✗ ${text}`);
};
try {
  for (const lab of labs) {
    const variants = await variantsOf(lab);
    const targets = variants.map((variant) => buildVariant(lab.slug, [variant], variant.name));
    try {
      const [solution, starter, ...caught] = await gradeBatch([
        { lab, target: join(REPO_ROOT, 'solutions') },
        { lab, target: starters },
        ...variants.map((variant, i) => ({ lab, target: targets[i], only: variant.caughtBy })),
      ], 600_000, { maxWorkers: 4 });
      console.log(`Lab ${lab.slug}: solution ${solution.points}/${solution.maxPoints}, starter ${starter.points}/${starter.maxPoints}, ${variants.length} variants`);
      if (solution.points !== solution.maxPoints || solution.notes.length > 0) {
        fail(`the solution: ${solution.tests.filter((test) => test.status !== 'passed').map((test) => `${test.name}: ${test.message}`).join('\n\n')}\n${solution.notes.join('\n')}`);
      }
      if (starter.points !== 0) fail(`the starter earns ${starter.points} points`);
      const missedBy = (result: LabResult, variant: BuggyVariant) => variant.caughtBy.filter((key) => result.tests.find((test) => test.key === key)?.status !== 'failed');
      // A miss gets a second try: a catch that depends on timing is reported, not a failure of
      // the whole proof (on a loaded machine a reset or a race may fall the other way).
      const misses = variants.map((variant, i) => i).filter((i) => missedBy(caught[i], variants[i]).length > 0);
      const retried = misses.length === 0 ? [] : await gradeBatch(misses.map((i) => ({ lab, target: targets[i], only: variants[i].caughtBy })), 600_000, { maxWorkers: 4 });
      variants.forEach((variant, i) => {
        const retry = misses.indexOf(i);
        const missed = retry < 0 ? [] : missedBy(retried[retry], variant);
        if (missed.length > 0) fail(`variant "${variant.name}" is not caught by ${missed.join(', ')}`);
        else if (retry >= 0) console.log(`  ⚠ variant "${variant.name}" caught only on a second try: its catch depends on timing (by ${missedBy(caught[i], variant).join(', ')})`);
        else console.log(`  ✓ variant "${variant.name}" caught`);
      });
    } finally {
      targets.forEach(removeDir);
    }
  }
} finally {
  removeDir(starters);
}
console.log(`\nprove: ${failed === 0 ? 'every lab proven' : `${failed} problem(s)`}`);
process.exitCode = failed > 0 ? 1 : 0;
