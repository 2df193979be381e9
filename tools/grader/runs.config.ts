// The vitest config of every grade: the graded config (vitest.config.ts) with one vitest
// project per run, each with its lab's test files, its target and its name filter. The
// grader writes the runs as JSON (see run-lab.ts) and names the file in GRADER_RUNS_FILE:
// data, not code, so nothing here is generated.
import { readFileSync } from 'node:fs';
import base from '../../vitest.config.ts';
import { REPO_ROOT } from './lab.ts';

/** One project of a grade, as run-lab.ts writes it. */
export interface RunPlan {
  /** vitest include globs: the lab's test files (and its private tests'). */
  include: string[];
  /** LAB_TARGET for the tests: the folder laid out like labs/ that they grade. */
  target: string;
  /** A regular expression's source that selects the tests to run, or none for all. */
  testNamePattern?: string;
}

export interface RunsFile {
  runs: RunPlan[];
  maxWorkers?: number;
}

const file = process.env.GRADER_RUNS_FILE;
if (!file)
  throw new Error(
    "tools/grader/runs.config.ts is the grader's config: run `npm run grade`, or `npx vitest run tests/NN-topic` by hand",
  );
const { runs, maxWorkers } = JSON.parse(readFileSync(file, 'utf8')) as RunsFile;
const { include: _all, ...shared } = base.test ?? {};

export default {
  test: {
    ...shared,
    ...(maxWorkers ? { maxWorkers } : {}),
    projects: runs.map((run, index) => ({
      test: {
        ...shared,
        root: REPO_ROOT,
        // Events name their run by the project (tests/support/graded.ts reads GRADER_RUN).
        name: `run-${index}`,
        env: { LAB_TARGET: run.target, GRADER_RUN: `run-${index}` },
        include: run.include,
        ...(run.testNamePattern ? { testNamePattern: new RegExp(run.testNamePattern) } : {}),
      },
    })),
  },
};
