// The Gradescope autograder zip, run the way Gradescope runs it: unpacked into a folder laid
// out like /autograder (source/, submission/, results/), run_autograder run for a solution,
// a starter and an empty submission, results.json read back.
import { describe, expect, test, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { buildAutograderZip } from '../../instructor/gradescope/package.ts';
import { REPO_ROOT } from '../../grader/lab.ts';
import { scratchDir } from '../../grader/target.ts';
import type { GradescopeResults } from '../../grader/gradescope.ts';
import { freshStarters, removeDir } from './helpers.ts';

const PRIVATE_TESTS = join(REPO_ROOT, 'tools/checks/self-test/fixtures/private-tests');
const zip = unzipSync(await buildAutograderZip({ labs: ['01'], extraTests: PRIVATE_TESTS }));
const scratch = scratchDir('gradescope-');
const starters = freshStarters();
afterAll(() => {
  removeDir(scratch);
  removeDir(starters);
});

/** A fresh /autograder with the zip in source/ and `submit` filling submission/; runs run_autograder. */
async function runAutograder(name: string, submit: (dir: string) => void): Promise<GradescopeResults> {
  const root = join(scratch, name);
  for (const [path, data] of Object.entries(zip)) {
    mkdirSync(dirname(join(root, 'source', path)), { recursive: true });
    writeFileSync(join(root, 'source', path), data);
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'source', 'node_modules'), 'junction'); // what setup.sh's npm ci makes
  mkdirSync(join(root, 'submission'), { recursive: true });
  submit(join(root, 'submission'));
  await promisify(execFile)('bash', [join(root, 'source', 'run_autograder')], {
    env: { ...process.env, AUTOGRADER_ROOT: root },
  });
  return JSON.parse(readFileSync(join(root, 'results', 'results.json'), 'utf8')) as GradescopeResults;
}

const total = (results: GradescopeResults, key: 'score' | 'max_score') =>
  results.tests.reduce((sum, test) => sum + test[key], 0);

describe('the Gradescope autograder zip', () => {
  test('holds setup.sh and run_autograder at its root, and neither solutions nor buggy variants', () => {
    const paths = Object.keys(zip);
    expect(paths).toEqual(
      expect.arrayContaining(['setup.sh', 'run_autograder', 'package.json', 'private-tests/01-echo/lab.ts']),
    );
    expect(paths.filter((path) => path.startsWith('solutions/') || path.endsWith('buggy-variants.ts'))).toEqual([]);
  });

  // Gradescope runs run_autograder with bash on its Ubuntu images; Windows has no bash of its own.
  const onGradescopesSystem = test.skipIf(process.platform === 'win32');

  onGradescopesSystem(
    'grades a solution submitted as a whole repository to full marks, private tests hidden until the due date',
    async () => {
      const results = await runAutograder('solution', (dir) =>
        cpSync(join(REPO_ROOT, 'solutions', '01-echo'), join(dir, 'labs', '01-echo'), { recursive: true }),
      );
      expect(total(results, 'score')).toBe(total(results, 'max_score'));
      expect(results.tests.filter((test) => test.visibility === 'after_due_date').map((test) => test.name)).toEqual([
        'Lab 01: the server echoes a 64 KiB message byte for byte',
      ]);
    },
    60_000,
  );

  onGradescopesSystem(
    'grades the starter, submitted as bare lab folders, to 0 with every test explained',
    async () => {
      const results = await runAutograder('starter', (dir) =>
        cpSync(join(starters, '01-echo'), join(dir, '01-echo'), { recursive: true }),
      );
      expect(total(results, 'max_score')).toBeGreaterThan(0);
      expect(total(results, 'score')).toBe(0);
      expect(results.tests.every((test) => test.output.includes('not implemented yet'))).toBe(true);
    },
    60_000,
  );

  onGradescopesSystem(
    'answers a submission without lab folders with 0 and what to upload',
    async () => {
      const results = await runAutograder('empty', (dir) => writeFileSync(join(dir, 'notes.txt'), 'oops'));
      expect(results.score).toBe(0);
      expect(results.output).toMatch(/No lab folders found in your submission/);
    },
    30_000,
  );
});
