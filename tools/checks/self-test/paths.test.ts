// The repository in a folder whose name has a space, parentheses, brackets and non-ASCII
// letters, as a student's "Cours réseau (2026)" folder or a OneDrive path may: the
// self-tests' own configuration still finds its files. (A parenthesis in an absolute include
// glob once made vitest find no test at all, so every test "did not run".) Grading from such a
// folder is checked by student-copy.test.ts, whose copy lives in one.
import { describe, expect, test, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { REPO_ROOT } from '../../grader/lab.ts';
import { removeDir } from './helpers.ts';

/** What is not the repository's own: installed, generated or scratch. */
const LEFT_OUT = new Set(['node_modules', '.git', '.grader-tmp', 'bench-results', 'mutation-results']);

const parent = mkdtempSync(join(tmpdir(), 'paths-'));
const copy = join(parent, 'Cours réseau (2026) [ß]', 'sockets lab');
cpSync(REPO_ROOT, copy, {
  recursive: true,
  filter: (path) =>
    !relative(REPO_ROOT, path)
      .split(sep)
      .some((part) => LEFT_OUT.has(part)),
});
// A junction needs no privilege on Windows; elsewhere the type is ignored.
symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'), 'junction');
afterAll(() => removeDir(parent));

describe('a repository in a folder named "Cours réseau (2026) [ß]/sockets lab"', () => {
  test("npm test's vitest configuration finds the self-tests", () => {
    const list = spawnSync(
      process.execPath,
      [
        join(copy, 'node_modules', 'vitest', 'vitest.mjs'),
        'list',
        '--filesOnly',
        '--config',
        'tools/checks/self-test/vitest.config.ts',
      ],
      { cwd: copy, encoding: 'utf8' },
    );
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain('tools/checks/self-test/paths.test.ts');
  });
});
