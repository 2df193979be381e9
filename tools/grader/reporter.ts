// A vitest reporter for the grader: one JSON line per event, appended synchronously to
// the file named by GRADER_EVENTS_FILE. Appending as we go (instead of one report at the
// end) means that when the grader has to kill a run that hangs, everything that finished
// before the hang is still on disk, and the last "start" line names the test that hung.
import { appendFileSync } from 'node:fs';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { GraderEvent } from './events.ts';

function messageOf(error: { message?: string; name?: string } | undefined): string {
  if (!error) return 'unknown error';
  if (error.name === 'GradedTestFailure') return error.message ?? '';
  const text = error.message ?? String(error);
  return error.name && error.name !== 'Error' && !text.startsWith(error.name) ? `${error.name}: ${text}` : text;
}

export default class GraderReporter implements Reporter {
  private readonly file = process.env.GRADER_EVENTS_FILE;

  private emit(event: GraderEvent): void {
    if (this.file) appendFileSync(this.file, JSON.stringify(event) + '\n');
  }

  onTestCaseReady(test: TestCase): void {
    this.emit({ type: 'start', name: test.name, run: test.project.name || undefined });
  }

  onTestCaseResult(test: TestCase): void {
    const result = test.result();
    this.emit({
      type: 'result',
      name: test.name,
      state: result.state === 'passed' ? 'passed' : result.state === 'skipped' ? 'skipped' : 'failed',
      errors: (result.errors ?? []).map(messageOf),
      durationMs: test.diagnostic()?.duration ?? 0,
      run: test.project.name || undefined,
    });
  }

  onTestModuleEnd(module: TestModule): void {
    const errors = module.errors();
    if (errors.length > 0)
      this.emit({
        type: 'module-error',
        file: module.moduleId,
        errors: errors.map(messageOf),
        run: module.project.name || undefined,
      });
  }

  onTestRunEnd(
    _modules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<{ message?: string; name?: string }>,
  ): void {
    if (unhandledErrors.length > 0) this.emit({ type: 'unhandled', errors: unhandledErrors.map(messageOf) });
    this.emit({ type: 'end' });
  }
}
