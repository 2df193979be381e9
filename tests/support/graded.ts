// graded(): one graded test. It gives the test body a Trace that records every step the
// test takes, so a failure reads like CS144's "Action / Expectation" log: what the test
// did, what it expected, and what came back instead. It also guarantees the rest of the
// course's rules for every test: a time limit on the whole test, teardown of everything
// registered with t.defer() even when the student's code throws or hangs, a failure (not
// a crash) when student code throws outside the test's own call stack, and a failure when
// student code leaves a server or socket open after the test closed what it was given.
import { appendFileSync } from 'node:fs';
import { test } from 'vitest';
import type { TestSpec } from '../../tools/grader/lab.ts';
import type { GraderEvent } from '../../tools/grader/events.ts';
import { targetDir } from './target.ts';
import { displayPath } from '../../tools/grader/target.ts';

/** A failure the test explains itself: what it expected and what it got. */
export class Mismatch extends Error {
  constructor(readonly expected: string, readonly got: string) {
    super(`Expected: ${expected}\nGot:      ${got}`);
    this.name = 'Mismatch';
  }
}

const CLEANUP_LIMIT_MS = 2000;
const LEAK_WAIT_MS = 500;

export class Trace {
  readonly steps: string[] = [];
  private readonly cleanups: Array<() => unknown> = [];
  private readonly explainers: Array<() => string> = [];

  /** Records an action the test took or something it observed. */
  step(text: string): void {
    this.steps.push(text);
  }

  fail(expected: string, got: string): never {
    throw new Mismatch(expected, got);
  }

  check(ok: boolean, expected: string, got: () => string): void {
    if (!ok) this.fail(expected, got());
  }

  /** Adds what `describe()` says (evaluated at failure time) below a failure's steps. */
  onFailure(describe: () => string): void {
    this.explainers.push(describe);
  }

  /** The extra context registered with onFailure, one block per line (empty ones left out). */
  context(): string[] {
    return this.explainers.map((describe) => describe()).filter((text) => text !== '');
  }

  /** Runs fn when the test ends, pass or fail, newest first. */
  defer(fn: () => unknown): void {
    this.cleanups.push(fn);
  }

  /**
   * Waits for `promise` at most `ms`. On time-out fails with `expected` and what
   * `gotSoFar()` describes; if the promise rejects, the error goes up as it is.
   */
  async within<T>(promise: Promise<T>, ms: number, expected: string, gotSoFar: () => string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Mismatch(`${expected} (waited ${ms} ms)`, gotSoFar())), ms);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Waits at most `ms` until `done()` holds, checking it each time `changes` dispatches a
   * 'change' event (a peer received bytes, a program printed); fails as within() does.
   */
  async until(changes: EventTarget, done: () => boolean, ms: number, expected: string, gotSoFar: () => string): Promise<void> {
    if (done()) return;
    let listener = () => {};
    const reached = new Promise<void>((resolve) => {
      listener = () => { if (done()) resolve(); };
      changes.addEventListener('change', listener);
    });
    try {
      await this.within(reached, ms, expected, gotSoFar);
    } finally {
      changes.removeEventListener('change', listener);
    }
  }

  async runCleanups(): Promise<string[]> {
    const problems: string[] = [];
    for (const fn of this.cleanups.reverse()) {
      try {
        await Promise.race([Promise.resolve().then(fn), new Promise((resolve) => setTimeout(resolve, CLEANUP_LIMIT_MS).unref())]);
      } catch (error) {
        problems.push(describeError(error));
      }
    }
    this.cleanups.length = 0;
    return problems;
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const where = studentFrame(error.stack);
  return `${error.name === 'Error' ? 'Error' : error.name}: ${error.message}${where ? `\n    at ${where}` : ''}`;
}

/** The first stack frame inside the code under test, shown relative to its lab folder. */
function studentFrame(stack: string | undefined): string | undefined {
  const root = targetDir();
  for (const line of stack?.split('\n') ?? []) {
    const at = line.indexOf(root);
    if (at >= 0) return displayPath(line.slice(at).replace(/\)$/, ''));
  }
  return undefined;
}

/** Long runs (random sequences) show their start and their last steps, where it went wrong. */
const SHOWN_STEPS = { head: 3, tail: 30 };

function formatSteps(steps: string[]): string {
  const numbered = steps.map((text, i) => `  ${String(i + 1).padStart(2)}. ${text}`);
  if (numbered.length <= SHOWN_STEPS.head + SHOWN_STEPS.tail + 1) return numbered.join('\n');
  const hidden = numbered.length - SHOWN_STEPS.head - SHOWN_STEPS.tail;
  return [...numbered.slice(0, SHOWN_STEPS.head), `      … ${hidden} more steps …`, ...numbered.slice(-SHOWN_STEPS.tail)].join('\n');
}

function explain(trace: Trace, error: unknown): Error {
  const steps = formatSteps(trace.steps);
  const outcome = error instanceof Mismatch ? error.message : `Your code threw: ${describeError(error)}`;
  const context = trace.context().map((text) => `\n${text}`).join('');
  const failure = new Error(`${steps ? `Steps:\n${steps}\n` : ''}${outcome}${context}`);
  failure.name = 'GradedTestFailure';
  return failure;
}

const WATCHED_HANDLES = ['TCPServerWrap', 'TCPSocketWrap'];

function openHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (WATCHED_HANDLES.includes(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

function leaksSince(before: Map<string, number>): string[] {
  const now = openHandles();
  const leaks: string[] = [];
  const servers = (now.get('TCPServerWrap') ?? 0) - (before.get('TCPServerWrap') ?? 0);
  const sockets = (now.get('TCPSocketWrap') ?? 0) - (before.get('TCPSocketWrap') ?? 0);
  if (servers > 0) leaks.push(`${servers} listening server${servers > 1 ? 's' : ''}`);
  if (sockets > 0) leaks.push(`${sockets} open socket${sockets > 1 ? 's' : ''}`);
  return leaks;
}

async function waitForHandlesToClose(before: Map<string, number>): Promise<string[]> {
  const deadline = Date.now() + LEAK_WAIT_MS;
  // Closing a handle completes a loop turn or two later: poll, bounded.
  while (leaksSince(before).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return leaksSince(before);
}

function record(event: GraderEvent): void {
  const file = process.env.GRADER_EVENTS_FILE;
  if (file) appendFileSync(file, JSON.stringify(event) + '\n');
}

/** Catches errors thrown by student code outside the test's call stack (event handlers). */
function watchUncaught(onError: (error: unknown) => void): () => void {
  const handler = (error: unknown) => onError(error);
  process.on('uncaughtException', handler);
  process.on('unhandledRejection', handler);
  return () => {
    process.off('uncaughtException', handler);
    process.off('unhandledRejection', handler);
  };
}

export interface GradedOptions {
  /**
   * Run alongside the file's other concurrent tests. Only for tests that run the student's
   * code as separate processes: in-process code is checked for leaked handles, and that
   * count is only meaningful when one test runs at a time.
   */
  concurrent?: boolean;
}

export function graded(spec: TestSpec, body: (t: Trace) => Promise<void>, { concurrent = false }: GradedOptions = {}): void {
  const limit = spec.timeoutMs ?? 10_000;
  // vitest's own limit is a backstop for teardown; ours fires first and explains itself.
  test(spec.name, { timeout: limit + CLEANUP_LIMIT_MS + LEAK_WAIT_MS + 1000, concurrent }, async () => {
    record({ type: 'start', name: spec.name, run: process.env.GRADER_RUN });
    const t = new Trace();
    const before = openHandles();
    let crash: (error: unknown) => void = () => {};
    const crashed = new Promise<never>((_, reject) => (crash = reject));
    const stopWatching = concurrent ? () => {} : watchUncaught((error) =>
      crash(new Mismatch('your code to handle its own errors', `it threw an uncaught exception, which would crash a real server:\n    ${describeError(error)}`)),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Mismatch(`the test to finish within ${limit} ms`, 'it was still waiting after the last step above')), limit);
    });
    let failure: Error | undefined;
    try {
      await Promise.race([body(t), crashed, timedOut]);
    } catch (error) {
      failure = explain(t, error);
    } finally {
      clearTimeout(timer);
      const cleanupProblems = await t.runCleanups();
      stopWatching();
      const leaks = concurrent ? [] : await waitForHandlesToClose(before);
      if (!failure && leaks.length > 0) {
        failure = explain(t, new Mismatch(
          'every server and socket your code opened to be closed once the test closed what it was given',
          `${leaks.join(' and ')} still open after the test ended (something your code created but never closed)`,
        ));
      }
      if (!failure && cleanupProblems.length > 0) {
        failure = explain(t, new Mismatch('closing your server to work', cleanupProblems.join('; ')));
      }
      record({ type: 'settled', name: spec.name, state: failure ? 'failed' : 'passed', errors: failure ? [failure.message] : [], run: process.env.GRADER_RUN });
    }
    if (failure) throw failure;
  });
}
