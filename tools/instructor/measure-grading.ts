// npm run measure-grading [-- --runs N]: how long grading takes, from outside, as a student
// or a CI job sees it: the full grade of the solutions, then each lab on its own, each the
// median of N runs of `node --import tsx tools/grader/grade.ts ... --target solutions`. Wall clock
// on a shared machine is noisy: compare figures taken in one run of this script.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { discoverLabs, labNumber, REPO_ROOT } from '../grader/lab.ts';
import { modeLine } from '../grader/sandbox/sandbox.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);

function seconds(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'tools/grader/grade.ts', ...args, '--target', 'solutions', '--strict'],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    if (run.status !== 0)
      throw new Error(
        `grade ${args.join(' ')} did not give full marks (exit ${run.status}):\n${run.stdout}${run.stderr}`,
      );
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

console.log(`${modeLine()}\nmedian of ${runs} runs, wall clock, solutions:`);
console.log(`  all labs: ${seconds([]).toFixed(1)} s`);
for (const lab of await discoverLabs())
  console.log(`  lab ${labNumber(lab)}:   ${seconds([labNumber(lab)]).toFixed(1)} s`);
