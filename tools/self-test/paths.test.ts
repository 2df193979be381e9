// The repository in a folder whose name has a space, parentheses, brackets and non-ASCII
// letters, as a student's "Cours réseau (2026)" folder or a OneDrive path may: grading and the
// self-tests' own configuration still find their files. (A parenthesis in an absolute include
// glob once made vitest find no test at all, so every test "did not run".)
import { describe, expect, test, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { maxPoints, REPO_ROOT } from '../grader/lab.ts';
import { labs, removeDir } from './helpers.ts';

/** What is not the repository's own: installed, generated or scratch. */
const LEFT_OUT = new Set(['node_modules', '.git', '.grader-tmp', 'bench-results', 'mutation-results']);

const parent = mkdtempSync(join(tmpdir(), 'paths-'));
const copy = join(parent, 'Cours réseau (2026) [ß]', 'sockets lab');
cpSync(REPO_ROOT, copy, { recursive: true, filter: (path) => !relative(REPO_ROOT, path).split(sep).some((part) => LEFT_OUT.has(part)) });
// A junction needs no privilege on Windows; elsewhere the type is ignored.
symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'), 'junction');
afterAll(() => removeDir(parent));

describe('a repository in a folder named "Cours réseau (2026) [ß]/sockets lab"', () => {
  test('grades lab 01\'s reference to full marks', () => {
    const results = join(parent, 'results.json');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'tools/grade.ts', '01', '--target', 'solutions', '--json', results], { cwd: copy, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const echo = labs.find((lab) => lab.slug === '01-echo')!;
    const json = JSON.parse(readFileSync(results, 'utf8')) as { points: number; labs: Array<{ tests: Array<{ status: string }> }> };
    expect(json.labs[0].tests.filter((each) => each.status !== 'passed'), run.stdout).toEqual([]);
    expect(json.points).toBe(maxPoints(echo));
  });

  test('npm test\'s vitest configuration finds the self-tests', () => {
    const list = spawnSync(process.execPath, [join(copy, 'node_modules', 'vitest', 'vitest.mjs'), 'list', '--filesOnly', '--config', 'tools/self-test/vitest.config.ts'], { cwd: copy, encoding: 'utf8' });
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain('tools/self-test/paths.test.ts');
  });
});
