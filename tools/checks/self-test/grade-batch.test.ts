// Batch grading: a folder of submissions into one summary, one broken or hanging
// submission never stopping the rest.
import { describe, expect, test, afterAll } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gradeSubmissions } from '../../instructor/grade-batch.ts';
import { maxPoints, REPO_ROOT } from '../../grader/lab.ts';
import { scratchDir } from '../../grader/target.ts';
import { freshStarters, labs, processesTesting, removeDir } from './helpers.ts';

const root = scratchDir('batch-');
afterAll(() => removeDir(root));

describe('npm run grade-batch', () => {
  test('grades a full, an empty and a hanging submission within its limits into summary.csv and summary.json', async () => {
    const submissions = join(root, 'submissions');
    mkdirSync(submissions);
    cpSync(join(REPO_ROOT, 'solutions'), join(submissions, 'full'), { recursive: true });
    const starters = freshStarters();
    cpSync(starters, join(submissions, 'empty'), { recursive: true });
    removeDir(starters);
    cpSync(join(REPO_ROOT, 'solutions'), join(submissions, 'hangs'), { recursive: true });
    const errors = join(submissions, 'hangs', '01-echo', 'errors.ts');
    writeFileSync(errors, `while (true) {}\n${readFileSync(errors, 'utf8')}`);

    const echo = labs.filter((lab) => lab.slug === '01-echo');
    const progress: string[] = [];
    const started = Date.now();
    const results = await gradeSubmissions(submissions, {
      labs: echo,
      labArgs: ['01'],
      out: join(root, 'out'),
      jobs: 3,
      timeLimitSeconds: 20,
      test: 'explainSocketError',
      onProgress: (line) => progress.push(line),
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    const row = (student: string) => results.find((result) => result.student === student)!;
    expect(row('full')).toMatchObject({ status: 'graded', total: 2 });
    expect(row('empty')).toMatchObject({ status: 'graded', total: 0 });
    // The loop freezes only the process running that student's code: the test says so, the lab goes on.
    expect(row('hangs')).toMatchObject({ status: 'graded', total: 0 });
    expect(readFileSync(join(root, 'out', 'students', 'hangs.json'), 'utf8')).toMatch(
      /stuck, probably in a loop that never ends/,
    );
    expect(progress.filter((line) => /^\[\d\/3\] /.test(line))).toHaveLength(3);
    const csv = readFileSync(join(root, 'out', 'summary.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('student,01-echo,total,max,status,problem');
    const max = maxPoints(echo[0]);
    expect(csv.slice(1)).toEqual([`empty,0,0,${max},graded,`, `full,2,2,${max},graded,`, `hangs,0,0,${max},graded,`]);
    expect(JSON.parse(readFileSync(join(root, 'out', 'summary.json'), 'utf8')).submissions).toHaveLength(3);
    expect(processesTesting(join(submissions, 'hangs'))).toEqual([]);
  });
});
