// The grader as a hostile student sees it (the threat model is in docs/instructor-guide.md,
// "Grading integrity"). In trusted mode (root on Linux, as in CI and on Gradescope) a bare
// starter with every attack we know earns nothing, a solution graded beside it keeps every
// point, nothing on disk changes and nothing is left running. In either mode, accidents
// (process.exit, patched globals, a loop that never ends) stay in the student's process
// and are explained.
import { describe, test } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gradeLab, type LabResult } from '../../grader/run-lab.ts';
import { REPO_ROOT } from '../../grader/lab.ts';
import { scratchDir } from '../../grader/target.ts';
import { filesUnder } from '../../shared/files.ts';
import { sandboxMode } from '../../grader/sandbox/sandbox.ts';
import { freshStarters, labs, processesTesting, removeDir } from './helpers.ts';

const echo = labs.find((lab) => lab.slug === '01-echo')!;
const SOLUTIONS = join(REPO_ROOT, 'solutions');
const FIXTURES = join(REPO_ROOT, 'tools', 'checks', 'self-test', 'fixtures', 'attacks');
const LIMIT_MS = 60_000;
const SAMPLE = ['explainsErrors', 'replies', 'clientProgram'];

/** A bare lab 01 starter whose every module first runs `attack` (a fixture module), or `code`. */
function hostileStarter(attack: { fixture?: string; code?: string }): string {
  const starters = freshStarters();
  const dir = join(starters, echo.slug);
  if (attack.fixture) cpSync(join(FIXTURES, attack.fixture), join(dir, 'attack.ts'));
  else writeFileSync(join(dir, 'attack.ts'), attack.code!);
  for (const file of ['server.ts', 'client.ts', 'errors.ts']) {
    writeFileSync(join(dir, file), `import './attack.ts';\n${readFileSync(join(dir, file), 'utf8')}`);
  }
  return starters;
}

/** Content hashes of the files a grade reads: the tests, the grader, configs, vitest's cache. */
function fingerprint(): Map<string, string> {
  const roots = [
    'tests',
    'tools',
    'vitest.config.ts',
    'package.json',
    join('node_modules', '.experimental-vitest-cache'),
  ];
  const files = roots.flatMap((root) => {
    const path = join(REPO_ROOT, root);
    try {
      return root.endsWith('.ts') || root.endsWith('.json') ? [path] : filesUnder(path);
    } catch {
      return [];
    }
  });
  return new Map(files.map((file) => [file, createHash('sha256').update(readFileSync(file)).digest('hex')]));
}

function changedSince(before: Map<string, string>): string[] {
  const after = fingerprint();
  return [...before].filter(([file, hash]) => after.has(file) && after.get(file) !== hash).map(([file]) => file);
}

const describeResult = (result: LabResult) =>
  JSON.stringify(
    {
      points: result.points,
      notes: result.notes,
      tests: result.tests.map((t) => [t.status, t.name, t.message?.slice(0, 300)]),
    },
    null,
    2,
  );

describe.runIf(sandboxMode() === 'trusted')('grading integrity in trusted mode', () => {
  test("forged events, poisoned tests and caches, killed graders and leaked private tests earn nothing, change nothing, and spare a neighbour's grade", async ({
    expect,
  }) => {
    const hostile = hostileStarter({ fixture: 'forge.ts' });
    // A link to a file of root's: copying the submission for its sandbox must not hand it over.
    const rootsFile = join(scratchDir('roots-'), 'secret');
    writeFileSync(rootsFile, 'root only', { mode: 0o600 });
    symlinkSync(rootsFile, join(hostile, echo.slug, 'secret-link'));
    const before = fingerprint();
    try {
      // The neighbour and the grades after the attack run a test of each kind: a function, a
      // server in the host, a program.
      const [attacked, neighbour] = await Promise.all([
        gradeLab(echo, { target: hostile, timeLimitMs: LIMIT_MS }),
        gradeLab(echo, { target: SOLUTIONS, timeLimitMs: LIMIT_MS, only: SAMPLE }),
      ]);
      expect(attacked.points, describeResult(attacked)).toBe(0);
      expect(attacked.status).not.toBe('complete');
      expect(neighbour.passed, describeResult(neighbour)).toBe(SAMPLE.length);
      expect(JSON.stringify(attacked)).not.toContain('LEAKED');
      expect(changedSince(before)).toEqual([]);
      expect(statSync(rootsFile).uid).toBe(0);
      expect(processesTesting(hostile)).toEqual([]);
      // Grades after the attack are as they were.
      const starters = freshStarters();
      const [starter, solution] = await Promise.all([
        gradeLab(echo, { target: starters, timeLimitMs: LIMIT_MS, only: SAMPLE }),
        gradeLab(echo, { target: SOLUTIONS, timeLimitMs: LIMIT_MS, only: SAMPLE }),
      ]);
      removeDir(starters);
      expect(starter.passed).toBe(0);
      expect(solution.passed, describeResult(solution)).toBe(SAMPLE.length);
    } finally {
      removeDir(hostile);
      removeDir(dirname(rootsFile));
    }
  });

  test('detached children, a fork loop and a memory bomb earn nothing, are reported, and leave nothing running', async ({
    expect,
  }) => {
    const hostile = hostileStarter({ fixture: 'resources.ts' });
    try {
      const result = await gradeLab(echo, {
        target: hostile,
        timeLimitMs: LIMIT_MS,
        only: ['replies', 'explainsErrors'],
      });
      expect(result.points, describeResult(result)).toBe(0);
      expect(result.notes.join('\n'), describeResult(result)).toMatch(/left \d+ processes running/);
      expect(processesTesting(hostile)).toEqual([]);
    } finally {
      removeDir(hostile);
    }
  });
});

describe('in either mode', () => {
  test("an import of a file outside the labs (a private test, the grader's own) is refused at build time, never read into the student's code", async ({
    expect,
  }) => {
    const hostile = hostileStarter({
      code: "import '../../../tools/checks/self-test/fixtures/private-tests/01-echo/lab.ts';\nexport {};\n",
    });
    try {
      const result = await gradeLab(echo, { target: hostile, timeLimitMs: LIMIT_MS, only: ['explainsErrors'] });
      expect(result.points).toBe(0);
      expect(result.tests.find((test) => test.key === 'explainsErrors')!.message, describeResult(result)).toMatch(
        /could not be loaded[\s\S]*outside[\s\S]*a lab may import only files of the labs/,
      );
    } finally {
      removeDir(hostile);
    }
  });

  test("accidents stay in the student's process and are explained: process.exit() during a call, patched globals and a loop that never ends: each named in its own test, the lab still graded", async ({
    expect,
  }) => {
    const target = scratchDir('accidents-');
    try {
      cpSync(SOLUTIONS, target, { recursive: true });
      const patch = (file: string, find: string, replace: string) => {
        const path = join(target, echo.slug, file);
        writeFileSync(path, readFileSync(path, 'utf8').replace(find, replace));
      };
      // explainSocketError exits; sendOnce loops forever; the server module patches globals.
      patch(
        'errors.ts',
        'export function explainSocketError(err: unknown, target: Endpoint): string {',
        'export function explainSocketError(err: unknown, target: Endpoint): string {\n  process.exit(0);',
      );
      patch(
        'client.ts',
        'export function sendOnce({ host, port, message }: SendOnceOptions): Promise<Buffer> {',
        'export function sendOnce({ host, port, message }: SendOnceOptions): Promise<Buffer> {\n  while (host) {}',
      );
      patch(
        'server.ts',
        'export const DEFAULT_PORT = 5000;',
        'export const DEFAULT_PORT = 5000;\nPromise.race = (async () => undefined) as never;\nglobalThis.setTimeout = (() => 0) as never;',
      );
      const result = await gradeLab(echo, {
        target,
        timeLimitMs: LIMIT_MS,
        only: ['explainsErrors', 'clientReadsWholeReply', 'replies'],
      });
      const outcome = (key: string) => result.tests.find((test) => test.key === key)!;
      expect(outcome('explainsErrors').message, describeResult(result)).toMatch(
        /exited with code 0 while the test was explainSocketError\(.*did your code call process\.exit\(\)\?/s,
      );
      expect(outcome('clientReadsWholeReply').message, describeResult(result)).toMatch(
        /sendOnce\(.*\) to return[\s\S]*stuck, probably in a loop that never ends/,
      );
      // Patching the student's own process changes nothing for the tests: the server still works.
      expect(outcome('replies').status, describeResult(result)).toBe('passed');
      expect(result.status).toBe('incomplete');
    } finally {
      removeDir(target);
    }
  });
});
