// Gradescope's results.json, built from grading results (no grading run needed here).
import { describe, expect, test } from 'vitest';
import { toGradescope } from '../../grader/gradescope.ts';
import type { LabResult } from '../../grader/run-lab.ts';

const trace = `Steps:\n   1. connected a test client\nExpected: the reply "echo: hi"\nGot:      ${'x'.repeat(5000)}`;
const lab: LabResult = {
  slug: '01-echo',
  title: 'One-shot echo',
  status: 'incomplete',
  points: 3,
  maxPoints: 5,
  passed: 1,
  total: 2,
  notes: ['Your code left a process running after the tests ended; the grader stopped it.'],
  durationMs: 1234,
  output: '',
  tests: [
    {
      key: 'a',
      name: 'the server replies',
      status: 'passed',
      points: 3,
      maxPoints: 3,
      hint: 'h1',
      section: 'Task 2: the server',
    },
    {
      key: 'b',
      name: 'the client prints the reply',
      status: 'failed',
      points: 0,
      maxPoints: 2,
      message: trace,
      hint: 'End your side.',
      section: 'Task 3: the client',
    },
  ],
};

describe('Gradescope results.json', () => {
  test('has one entry per test with name, number, score, max_score, status, output and visibility', () => {
    const results = toGradescope([lab], 4321);
    expect(results).toMatchObject({ execution_time: 4, stdout_visibility: 'hidden' });
    expect(results.tests).toEqual([
      expect.objectContaining({
        name: 'Lab 01: the server replies',
        number: '1.1',
        score: 3,
        max_score: 3,
        status: 'passed',
        visibility: 'visible',
      }),
      expect.objectContaining({
        name: 'Lab 01: the client prints the reply',
        number: '1.2',
        score: 0,
        max_score: 2,
        status: 'failed',
        visibility: 'visible',
      }),
    ]);
  });

  test("gives each failing test the whole trace (never cut short), the hint, the handout section and the lab's notes", () => {
    const output = toGradescope([lab], 0).tests[1].output;
    expect(output).toContain(trace);
    expect(output).toContain('Hint: End your side.');
    expect(output).toContain('Read: labs/01-echo/README.md, section "Task 3: the client"');
    expect(output).toContain('Lab note: Your code left a process running');
  });

  test('hides private tests (--extra-tests) until after the due date, and only those', () => {
    const withPrivate: LabResult = {
      ...lab,
      tests: [...lab.tests, { ...lab.tests[0], key: 'private:c', name: 'a private check', private: true }],
    };
    expect(toGradescope([withPrivate], 0).tests.map((test) => test.visibility)).toEqual([
      'visible',
      'visible',
      'after_due_date',
    ]);
  });
});
