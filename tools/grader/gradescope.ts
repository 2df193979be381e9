// Grading results in Gradescope's autograder format (results.json): one entry per test,
// with the same student-readable trace the terminal shows, never cut short.
import type { LabResult, TestOutcome } from './run-lab.ts';
import { NOT_SELECTED } from './report.ts';
import { handoutSection, labNumber } from './lab.ts';
import { modeLine } from './sandbox/sandbox.ts';

export type Visibility = 'hidden' | 'after_due_date' | 'after_published' | 'visible';

export interface GradescopeTest {
  name: string;
  number: string;
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  output: string;
  visibility: Visibility;
}

export interface GradescopeResults {
  /** Overrides the sum of the tests' scores; set only when nothing could be graded. */
  score?: number;
  execution_time: number;
  output: string;
  stdout_visibility: Visibility;
  tests: GradescopeTest[];
}

/** What the student reads for one test: the trace, then the hint and where to read. */
function testOutput(test: TestOutcome, slug: string): string {
  if (test.status === 'passed') return 'Passed.';
  const parts = [test.message ?? 'Failed.'];
  if (test.message !== NOT_SELECTED) parts.push(`Hint: ${test.hint}`, `Read: ${handoutSection(slug, test.section)}`);
  return parts.join('\n');
}

/** Results of graded labs → results.json. Private tests (--extra-tests) stay hidden until the due date. */
export function toGradescope(results: LabResult[], durationMs: number): GradescopeResults {
  const tests = results.flatMap((lab) =>
    lab.tests.map((test, index): GradescopeTest => ({
      name: `Lab ${labNumber(lab)}: ${test.name}`,
      number: `${Number(labNumber(lab))}.${index + 1}`,
      score: test.points,
      max_score: test.maxPoints,
      status: test.status === 'passed' ? 'passed' : 'failed',
      output: [...lab.notes.map((note) => `Lab note: ${note}`), testOutput(test, lab.slug)].join('\n'),
      visibility: test.private ? 'after_due_date' : 'visible',
    })),
  );
  const summary = results.map(
    (lab) =>
      `Lab ${labNumber(lab)} (${lab.title}): ${lab.points}/${lab.maxPoints} points, ${lab.passed}/${lab.total} tests, ${lab.status}` +
      (lab.typeErrors?.length
        ? `\n  type errors (no points lost):\n${lab.typeErrors.map((error) => `    ${error}`).join('\n')}`
        : ''),
  );
  return {
    execution_time: Math.round(durationMs / 1000),
    output: [...summary, modeLine()].join('\n'),
    stdout_visibility: 'hidden',
    tests,
  };
}
