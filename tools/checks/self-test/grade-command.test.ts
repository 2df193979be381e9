// `npm run grade` as a student runs it: exit codes, progress, --json, --strict, --watch.
import { describe, test } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../grader/lab.ts';
import { freshStarters, labs, removeDir } from './helpers.ts';
import { killGroup } from '../../shared/proc.ts';
import { typeErrors } from '../../grader/typecheck.ts';

const echo = labs.find((lab) => lab.slug === '01-echo')!;

/** Runs `npm run grade` as a student would, without npm: node --import tsx tools/grader/grade.ts. */
async function runGradeCommand(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/grader/grade.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout };
}

describe('npm run grade', () => {
  // One grade of fresh starters serves both checks: each grade costs seconds of CPU.
  test('on fresh starters: scores 0, says what to do first, and with --strict exits 1, with --json writes every test with its points', async ({
    expect,
  }) => {
    const starters = freshStarters();
    const jsonFile = join(mkdtempSync(join(tmpdir(), 'grade-json-')), 'results.json');
    try {
      const { code, stdout } = await runGradeCommand([
        '01',
        '--target',
        starters,
        '--strict',
        '--json',
        jsonFile,
        '--test',
        'explainSocketError',
      ]);
      expect(code).toBe(1);
      expect(stdout).toMatch(/Lab 01: One-shot echo {2}0\/\d+ tests, 0\/\d+ points/);
      expect(stdout).toMatch(/Progress: 0 of 1 lab complete/);
      expect(stdout).toMatch(/Next: lab 01 — read labs\/01-echo\/README\.md, section "Task 1: when things go wrong"/);
      const json = JSON.parse(readFileSync(jsonFile, 'utf8'));
      expect(json.points).toBe(0);
      expect(json.maxPoints).toBe(Object.values(echo.tests).reduce((sum, spec) => sum + spec.points, 0));
      expect(json.labs[0].tests).toHaveLength(Object.keys(echo.tests).length);
      expect(json.labs[0].tests[0]).toMatchObject({
        status: 'failed',
        points: 0,
        maxPoints: echo.tests.explainsErrors.points,
      });
      expect(json.labs[0].tests[1]).toMatchObject({ status: 'not-run', points: 0 });
    } finally {
      removeDir(starters);
      removeDir(join(jsonFile, '..'));
    }
  });

  test('shows the type errors in the lab being graded, file and line, above its results, takes no points for them, and checks again when the code changes', async ({
    expect,
  }) => {
    const target = mkdtempSync(join(REPO_ROOT, '.grader-tmp', 'typed-'));
    try {
      cpSync(join(REPO_ROOT, 'solutions'), target, { recursive: true });
      const errors = join(target, '01-echo', 'errors.ts');
      writeFileSync(
        errors,
        readFileSync(errors, 'utf8').replace(
          'export interface Endpoint',
          'export const LIMIT: number = "many";\nexport interface Endpoint',
        ),
      );
      const { stdout } = await runGradeCommand(['01', '--target', target, '--test', 'explainSocketError']);
      expect(stdout).toMatch(
        /TypeScript finds a type error in your code[^\n]*\n\s+\S*01-echo\/errors\.ts:\d+:\d+ TS2322: Type 'string' is not assignable to type 'number'\./,
      );
      expect(stdout).toMatch(/Lab 01: One-shot echo {2}1\/\d+ tests, 2\/\d+ points/);
      // What tsc found is kept by content: the same code again gets the same errors, the
      // code fixed gets none.
      const slug = '01-echo';
      expect((await typeErrors(target, [slug])).get(slug)).toEqual([
        expect.stringMatching(/01-echo\/errors\.ts:\d+:\d+ TS2322/),
      ]);
      cpSync(join(REPO_ROOT, 'solutions', slug, 'errors.ts'), errors);
      expect((await typeErrors(target, [slug])).get(slug)).toEqual([]);
    } finally {
      removeDir(target);
    }
  });

  test.for([[] as string[], ['--poll']])(
    '--watch %j re-grades the lab when one of its files is saved',
    async (extra, { expect }) => {
      const starters = freshStarters();
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'tools/grader/grade.ts',
          '01',
          '--target',
          starters,
          '--test',
          'explainSocketError',
          '--watch',
          ...extra,
        ],
        {
          // A group of its own (Unix), so that one kill ends the grader and the vitest it runs.
          cwd: REPO_ROOT,
          stdio: ['ignore', 'pipe', 'inherit'],
          detached: process.platform !== 'win32',
          windowsHide: true,
        },
      );
      let stdout = '';
      const seen = (pattern: RegExp) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${pattern} in 30 s; output so far:\n${stdout}`)), 30_000);
          const check = () => {
            if (!pattern.test(stdout)) return;
            child.stdout.off('data', check);
            clearTimeout(timer);
            resolve();
          };
          child.stdout.on('data', check);
          check();
        });
      child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
      try {
        await seen(/Watching/);
        cpSync(join(REPO_ROOT, 'solutions', '01-echo', 'errors.ts'), join(starters, '01-echo', 'errors.ts'));
        writeFileSync(
          join(starters, '01-echo', 'errors.ts'),
          readFileSync(join(starters, '01-echo', 'errors.ts'), 'utf8') + '\n',
        );
        await seen(/re-grading lab 01[\s\S]*Progress:/);
        expect(stdout).toMatch(/re-grading lab 01[\s\S]*✓ explainSocketError/);
      } finally {
        killGroup(child.pid!);
        removeDir(starters);
      }
    },
  );
});
