// npm run prove -- LAB...: proves one lab's tests, as npm test does for every lab: the
// solution earns every point, the starter none, and each buggy variant in its catalog is
// caught by the tests it names. For someone changing a lab, in seconds instead of minutes.
import { join } from 'node:path';
import { discoverLabs, REPO_ROOT, selectLabs } from './grader/lab.ts';
import { gradeBatch } from './grader/run-lab.ts';
import { buildVariant } from './grader/variants.ts';
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
      variants.forEach((variant, i) => {
        const missed = variant.caughtBy.filter((key) => caught[i].tests.find((test) => test.key === key)?.status !== 'failed');
        if (missed.length > 0) fail(`variant "${variant.name}" is not caught by ${missed.join(', ')}`);
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
