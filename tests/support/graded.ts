// graded(): one graded test. It gives the test body a Trace that records every step the
// test takes, so a failure reads like CS144's "Action / Expectation" log: what the test
// did, what it expected, and what came back instead. It also guarantees the rest of the
// course's rules for every test: the student's code runs only in this test's sandbox (a
// student host and the programs the test starts, never in this process), a time limit on
// the whole test, teardown of everything registered with t.defer() and then of every
// process of the sandbox, a failure (not a crash) when student code throws outside any
// call or ends its process, and a failure when student code leaves a server or socket
// open after the test closed what it was given.
import { appendFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'vitest';
import type { TestSpec } from '../../tools/grader/lab.ts';
import type { GraderEvent } from '../../tools/grader/events.ts';
import { Sandbox } from '../../tools/grader/sandbox/sandbox.ts';
import { bundleProgram } from '../../tools/grader/sandbox/bundle.ts';
import { REPO_ROOT } from '../../tools/grader/lab.ts';
import { displayPath } from '../../tools/grader/target.ts';
import { labFile, targetDir } from './target.ts';
import { StudentHost, type Remote } from './host.ts';
import { Mismatch } from './mismatch.ts';

export { Mismatch };

const CLEANUP_LIMIT_MS = 2000;
const LEAK_WAIT_MS = 500;

export class Trace {
  readonly steps: string[] = [];
  private readonly cleanups: Array<() => unknown> = [];
  private readonly explainers: Array<() => string> = [];
  private sandboxInstance: Sandbox | undefined;
  private programs = 0;
  private hostInstance: Promise<StudentHost> | undefined;
  /** Set by graded(): fails the test at once (student code crashed its host, threw outside a call). */
  crash: (error: unknown) => void = () => {};

  /** Where this test runs the student's code: opened on first use, closed when the test ends. */
  get sandbox(): Sandbox {
    this.sandboxInstance ??= new Sandbox();
    return this.sandboxInstance;
  }

  /** This test's student host, started on first use (or ahead of time: see takeSpare). */
  host(): Promise<StudentHost> {
    if (this.hostInstance) return this.hostInstance;
    if (!this.sandboxInstance) {
      const spare = takeSpare();
      this.sandboxInstance = spare.sandbox;
      this.hostInstance = spare.host;
    }
    this.hostInstance ??= StudentHost.start(this.sandbox);
    // Once per test: a test that calls host() (or lab()) three times shows what the code printed once.
    this.hostInstance = this.hostInstance.then((host) => {
      host.onUncaught = (error) =>
        this.crash(
          new Mismatch(
            'your code to handle its own errors',
            `it threw an uncaught exception, which would crash a real server:\n    ${describeError(error)}`,
          ),
        );
      host.onExit = (failure) => this.crash(failure);
      this.onFailure(() => host.printed());
      return host;
    });
    return this.hostInstance;
  }

  /**
   * A module of the student's, loaded into this test's host. Type it with the starter:
   * `await t.lab<typeof import('../../labs/01-echo/server.ts')>('01-echo', 'server.ts')`.
   */
  async lab<Module>(slug: string, file: string): Promise<Remote<Module>> {
    const path = labFile(slug, file);
    if (!existsSync(path))
      throw new Error(`${displayPath(path)} does not exist: the tests need it (copy it from the lab's starter)`);
    return (await this.host()).import<Module>(path, targetDir(), `${slug}/${file}`);
  }

  /**
   * The student's program `slug/file`, bundled into this test's sandbox from the sandbox's
   * own copy of the labs: the script to run and the folder to run it in. Throws a
   * BuildError (esbuild's file:line message, with the student's paths) if it does not build.
   */
  async programScript(slug: string, file: string): Promise<{ script: string; cwd: string }> {
    const target = targetDir();
    // The grader says where sandboxed programs find node_modules (tools/grader/sandbox/runtime.ts).
    const labs = this.sandbox.labsCopy(target, process.env.GRADER_NODE_MODULES ?? join(REPO_ROOT, 'node_modules'));
    const copy = join(labs, slug, file);
    const script = join(this.sandbox.home, `program-${++this.programs}.mjs`);
    const shown = (path: string) => displayPath(path.startsWith(labs) ? target + path.slice(labs.length) : path);
    await bundleProgram(copy, labs, script, shown);
    return { script, cwd: dirname(copy) };
  }

  /**
   * A module of the tests' own that runs inside the host, next to the student's code (to
   * fork the student's workers, say). Give it the module's URL: `new URL('./x.ts', import.meta.url)`.
   */
  async helper<Module>(url: URL): Promise<Remote<Module>> {
    return (await this.host()).import<Module>(
      fileURLToPath(url),
      join(REPO_ROOT, 'tests'),
      displayPath(fileURLToPath(url)),
    );
  }

  /** Waits until this test's host (if it has one) has handled everything that reached it before now. */
  async settleHost(): Promise<void> {
    await (await this.runningHost())?.flush().catch(() => {});
  }

  /** The host, if this test started one and it still runs. */
  async runningHost(): Promise<StudentHost | undefined> {
    const host = await this.hostInstance?.catch(() => undefined);
    return host?.running ? host : undefined;
  }

  /**
   * Ends the sandbox: the host and every process the student's code started. Returns how
   * many of those were still running although nothing expected them to.
   */
  async closeSandbox(): Promise<number> {
    if (!this.sandboxInstance) return 0;
    const host = await this.hostInstance?.catch(() => undefined);
    host?.markDisposing();
    return this.sandboxInstance.close(host ? [host.process] : []);
  }

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
  async until(
    changes: EventTarget,
    done: () => boolean,
    ms: number,
    expected: string,
    gotSoFar: () => string,
  ): Promise<void> {
    if (done()) return;
    let listener = () => {};
    const reached = new Promise<void>((resolve) => {
      listener = () => {
        if (done()) resolve();
      };
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
        await Promise.race([
          Promise.resolve().then(fn),
          new Promise((resolve) => setTimeout(resolve, CLEANUP_LIMIT_MS).unref()),
        ]);
      } catch (error) {
        problems.push(describeError(error));
      }
    }
    this.cleanups.length = 0;
    return problems;
  }
}

/**
 * A sandbox whose host is already starting, for this process's next test that needs one:
 * starting a host (~80 ms) then overlaps with the test before it. It holds no student code
 * until a test loads some; the process's exit ends it, and a grade's sweep if it is killed.
 */
let spare: { sandbox: Sandbox; host: Promise<StudentHost> } | undefined;

function startSpare(): { sandbox: Sandbox; host: Promise<StudentHost> } {
  const sandbox = new Sandbox();
  const host = StudentHost.start(sandbox);
  host.catch(() => {});
  return { sandbox, host };
}

function takeSpare(): { sandbox: Sandbox; host: Promise<StudentHost> } {
  const taken = spare ?? startSpare();
  spare = startSpare();
  // A spare whose host has died meanwhile is replaced, not handed to a test.
  const host = taken.host.then((started) => {
    if (started.running) return started;
    taken.sandbox.close();
    throw new Error('the spare student host stopped before its test began');
  });
  return { sandbox: taken.sandbox, host };
}

process.once('exit', () => {
  void spare?.host.then(
    (host) => host.markDisposing(),
    () => {},
  );
  spare?.sandbox.close();
});

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
  return [
    ...numbered.slice(0, SHOWN_STEPS.head),
    `      … ${hidden} more steps …`,
    ...numbered.slice(-SHOWN_STEPS.tail),
  ].join('\n');
}

function explain(trace: Trace, error: unknown): Error {
  const steps = formatSteps(trace.steps);
  const outcome =
    error instanceof Mismatch
      ? error.message
      : ['BuildError', 'LoadError'].includes((error as Error)?.name)
        ? `Your code could not be loaded: ${(error as Error).message}`
        : `Your code threw: ${describeError(error)}`;
  const context = trace
    .context()
    .map((text) => `\n${text}`)
    .join('');
  const failure = new Error(`${steps ? `Steps:\n${steps}\n` : ''}${outcome}${context}`);
  failure.name = 'GradedTestFailure';
  return failure;
}

/** What the host holds open beyond what it held at the start: servers and sockets the test did not close. */
async function leaksIn(host: StudentHost): Promise<string[]> {
  const deadline = Date.now() + LEAK_WAIT_MS;
  for (;;) {
    const { servers, sockets } = await host.harness.openHandles();
    const leaks = [
      ...(servers > 0 ? [`${servers} listening server${servers > 1 ? 's' : ''}`] : []),
      ...(sockets > 0 ? [`${sockets} open socket${sockets > 1 ? 's' : ''}`] : []),
    ];
    // Closing a handle completes a loop turn or two later: ask again, bounded.
    if (leaks.length === 0 || Date.now() >= deadline) return leaks;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function record(event: GraderEvent): void {
  const file = process.env.GRADER_EVENTS_FILE;
  if (file) appendFileSync(file, JSON.stringify(event) + '\n');
}

export interface GradedOptions {
  /** Run alongside the file's other concurrent tests (each has its own sandbox). */
  concurrent?: boolean;
}

export function graded(
  spec: TestSpec,
  body: (t: Trace) => Promise<void>,
  { concurrent = false }: GradedOptions = {},
): void {
  const limit = spec.timeoutMs ?? 10_000;
  // vitest's own limit is a backstop for teardown; ours fires first and explains itself.
  test(spec.name, { timeout: limit + CLEANUP_LIMIT_MS + LEAK_WAIT_MS + 3000, concurrent }, async () => {
    record({ type: 'start', name: spec.name, run: process.env.GRADER_RUN });
    const t = new Trace();
    const crashed = new Promise<never>((_, reject) => (t.crash = reject));
    crashed.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Mismatch(`the test to finish within ${limit} ms`, 'it was still waiting after the last step above'),
          ),
        limit,
      );
    });
    let failure: Error | undefined;
    try {
      await Promise.race([body(t), crashed, timedOut]);
    } catch (error) {
      failure = explain(t, error);
    } finally {
      clearTimeout(timer);
      t.crash = () => {};
      const cleanupProblems = await t.runCleanups();
      const host = await t.runningHost();
      const leaks = !failure && host ? await leaksIn(host).catch(() => []) : [];
      if (!failure && leaks.length > 0) {
        failure = explain(
          t,
          new Mismatch(
            'every server and socket your code opened to be closed once the test closed what it was given',
            `${leaks.join(' and ')} still open after the test ended (something your code created but never closed)`,
          ),
        );
      }
      if (!failure && cleanupProblems.length > 0) {
        failure = explain(t, new Mismatch('closing your server to work', cleanupProblems.join('; ')));
      }
      const leftovers = await t.closeSandbox();
      if (leftovers > 0) {
        record({
          type: 'note',
          text: `Your code left ${leftovers} process${leftovers > 1 ? 'es' : ''} running after the test "${spec.name}"; the grader stopped ${leftovers > 1 ? 'them' : 'it'}.`,
          run: process.env.GRADER_RUN,
        });
      }
      record({
        type: 'settled',
        name: spec.name,
        state: failure ? 'failed' : 'passed',
        errors: failure ? [failure.message] : [],
        run: process.env.GRADER_RUN,
      });
    }
    if (failure) throw failure;
  });
}
