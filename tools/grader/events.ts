// What a graded test run writes, one JSON object per line, to GRADER_EVENTS_FILE.
// "start" and "settled" come from the test worker itself (tests/support/graded.ts), so they
// reach the file even when student code then blocks the worker forever; "result",
// "module-error", "unhandled" and "end" come from vitest's reporter (reporter.ts), which
// also sees failures outside the test body (hooks, vitest's own timeout).
export type TestState = 'passed' | 'failed' | 'skipped';

// `run` names the vitest project the event belongs to when one vitest run grades several
// targets (gradeBatch); it is absent otherwise, and on the events of the whole run.
export type GraderEvent =
  | { type: 'start'; name: string; run?: string }
  | { type: 'settled'; name: string; state: TestState; errors: string[]; run?: string }
  | { type: 'result'; name: string; state: TestState; errors: string[]; durationMs: number; run?: string }
  | { type: 'module-error'; file: string; errors: string[]; run?: string }
  | { type: 'unhandled'; errors: string[] }
  | { type: 'note'; text: string; run?: string }
  | { type: 'end' };
