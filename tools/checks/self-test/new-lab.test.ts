// npm run new-lab refuses what would break the repository, in one line that says what to do.
// That a scaffolded lab passes `npm test -- NN` is proven by CI in a scratch clone
// (.ci/new-lab.sh): it grades a whole lab, too slow for here.
import { describe, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { REPO_ROOT } from '../../grader/lab.ts';
import { headingsOf } from '../../authoring/starters.ts';
import { scaffold } from '../../authoring/new-lab.ts';

function newLab(...args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'tools/authoring/new-lab.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stderr: run.stderr };
}

describe('npm run new-lab', () => {
  test('refuses a number that is taken and a name that is not NN-topic, saying what to type', ({ expect }) => {
    expect(newLab('01', 'another-echo')).toEqual({
      status: 1,
      stderr: 'error: lab 01 exists already (01-echo): pick another number\n',
    });
    for (const args of [['7', 'example'], ['07', 'Example'], ['07']]) {
      expect(newLab(...args).stderr, args.join(' ')).toMatch(/^error: usage: npm run new-lab -- NN topic/);
    }
  });

  test('scaffolds one solution region whose section is a heading of the handout', ({ expect }) => {
    const files = scaffold('07', 'example');
    const sections = headingsOf(files.get('solutions/07-example/README.md')!);
    const regions = [...files.get('solutions/07-example/server.ts')!.matchAll(/BEGIN SOLUTION "([^"]+)"/g)].map(
      (match) => match[1],
    );
    expect(regions).toEqual(['Task 1: the server']);
    expect(sections).toContain(regions[0]);
    expect(files.get('solutions/07-example/README.md')).toContain('<!-- graded-tests:begin -->');
  });

  test('scaffolds tests in the layout npm test checks (Prettier)', async ({ expect }) => {
    const tests = [...scaffold('07', 'example')].filter(([path]) => path.startsWith('tests/'));
    expect(tests.length).toBeGreaterThanOrEqual(3);
    for (const [path, content] of tests) {
      const filepath = join(REPO_ROOT, path);
      const options = { ...(await prettier.resolveConfig(filepath)), filepath };
      expect(await prettier.check(content, options), path).toBe(true);
    }
  });
});
