// Grades one lab: runs its tests in a vitest process of its own, in a new process group,
// under a hard wall-clock limit. Whatever the student's code does — loops forever, throws
// on import, leaves servers or child processes running — the limit kills the whole group,
// and the result says what happened, test by test.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labNumber, REPO_ROOT, type LabInfo, type TestSpec } from './lab.ts';
import { displayPath, scratchDir, stageOutsideEsm } from './target.ts';
import { NOT_SELECTED } from './report.ts';
import { groupEnds, killGroup } from '../shared/proc.ts';
import { sandboxMode, sweepAfterRun } from './sandbox/sandbox.ts';
import { sandboxNode, sandboxNodeModules } from './sandbox/runtime.ts';
import type { GraderEvent } from './events.ts';
import type { RunsFile } from './runs.config.ts';
import { causeNote, findCause, type Cause } from './causes.ts';

export { sharedCause } from './causes.ts';

const VITEST = join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const REPORTER = fileURLToPath(new URL('./reporter.ts', import.meta.url));
const RUNS_CONFIG = fileURLToPath(new URL('./runs.config.ts', import.meta.url));
const KEEP_OUTPUT_BYTES = 64 * 1024;

export type TestStatus = 'passed' | 'failed' | 'not-run';
export type LabStatus = 'complete' | 'incomplete' | 'timed-out' | 'crashed';

export interface TestOutcome {
  key: string;
  name: string;
  status: TestStatus;
  points: number;
  maxPoints: number;
  /** The failure as the test explained it (steps, expected, got), or why it did not run. */
  message?: string;
  hint: string;
  section: string;
  /** An instructor's private test (--extra-tests). */
  private?: boolean;
}

export interface LabResult {
  slug: string;
  title: string;
  status: LabStatus;
  points: number;
  maxPoints: number;
  passed: number;
  total: number;
  tests: TestOutcome[];
  /** Things that happened outside any single test (crash at import, leftover processes...). */
  notes: string[];
  durationMs: number;
  /** The last bytes vitest printed, for --verbose and for debugging the grader. */
  output: string;
  /** The reason most failures share, if one stands out: shown first, and where "Next:" points. */
  cause?: Cause;
  /** What tsc found in the lab's files ("file:line:column TSnnnn: message"); they cost no points. */
  typeErrors?: string[];
}

export interface GradeOptions {
  /** Absolute directory laid out like labs/. */
  target: string;
  timeLimitMs: number;
  /** Run only these tests (keys of lab.tests); the others are reported as not run. */
  only?: string[];
  /** The staged folder of this lab's private tests (--extra-tests), if it has any. */
  extraDir?: string;
}

interface RunOutcome {
  events: GraderEvent[];
  timedOut: boolean;
  exitCode: number | null;
  leftovers: boolean;
  output: string;
  durationMs: number;
}

/** Every process group still running, so the grader can clean up if it is interrupted. */
const running = new Set<number>();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    for (const pid of running) killGroup(pid);
    process.exit(130);
  });
}

/**
 * A path as a vitest include glob: relative to the repository, vitest's root, where it lies
 * inside (everything the grader stages does), since a folder named "Course (2026)" or "[x]"
 * anywhere above would read as glob syntax and match nothing; with forward slashes, also on
 * Windows, where join() gives backslashes.
 */
export function globPath(path: string): string {
  const inside = relative(REPO_ROOT, path);
  return (inside.startsWith('..') || isAbsolute(inside) ? path : inside).split('\\').join('/');
}

/** The vitest name filter that selects exactly these tests of the lab. */
function namePattern(lab: LabInfo, keys: string[]): string {
  const names = keys.map((key) => lab.tests[key].name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `^(.* )?(${names.join('|')})$`;
}

/** Runs vitest with `args` in a process group of its own, under the time limit; collects the events. */
async function runVitest(
  label: string,
  args: string[],
  env: Record<string, string>,
  timeLimitMs: number,
): Promise<RunOutcome> {
  const workDir = mkdtempSync(join(tmpdir(), `grade-${label}-`));
  const eventsFile = join(workDir, 'events.jsonl');
  // Every process of this run carries the id, the sandboxed ones too: what is left is swept.
  const runId = randomUUID();
  const started = Date.now();
  const child = spawn(process.execPath, [VITEST, 'run', ...args, '--reporter', REPORTER], {
    cwd: REPO_ROOT,
    // A process group of its own, so one kill reaches every process it starts (Unix; on
    // Windows killGroup ends the tree with taskkill, and windowsHide keeps consoles away).
    detached: process.platform !== 'win32',
    windowsHide: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...env,
      GRADER_EVENTS_FILE: eventsFile,
      GRADER_SCRATCH: workDir,
      GRADER_RUN_ID: runId,
      ...(sandboxMode() === 'trusted'
        ? {
            GRADER_NODE_MODULES: sandboxNodeModules(join(REPO_ROOT, 'node_modules')),
            GRADER_SANDBOX_NODE: sandboxNode(),
          }
        : {}),
      FORCE_COLOR: '0',
      NO_COLOR: '1',
    },
  });
  running.add(child.pid!);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-KEEP_OUTPUT_BYTES);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid!);
  }, timeLimitMs);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  // vitest has exited and its workers end a moment later; anything still alive after that
  // was started by the code under test.
  const leftovers = !timedOut && !(await groupEnds(child.pid!, 1000));
  killGroup(child.pid!);
  await groupEnds(child.pid!, 2000); // SIGKILL is delivered asynchronously
  running.delete(child.pid!);
  sweepAfterRun(runId);

  const events = existsSync(eventsFile)
    ? readFileSync(eventsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as GraderEvent)
    : [];
  rmSync(workDir, { recursive: true, force: true });
  return { events, timedOut, exitCode, leftovers, output, durationMs: Date.now() - started };
}

/**
 * Writes the runs for tools/grader/runs.config.ts to read (GRADER_RUNS_FILE): one vitest
 * project per run, with every test file of its lab. A run of a few tests (--test, a
 * variant's caughtBy) selects them by name; files without one of them load and run nothing.
 */
function writeRuns(dir: string, runs: BatchRun[], maxWorkers?: number): string {
  const file = join(dir, 'runs.json');
  const plan: RunsFile = {
    maxWorkers,
    runs: runs.map((run) => ({
      include: [join(REPO_ROOT, 'tests', run.lab.slug), ...(run.extraDir ? [run.extraDir] : [])].map((folder) =>
        globPath(join(folder, '**/*.test.ts')),
      ),
      target: run.target,
      ...(run.only ? { testNamePattern: namePattern(run.lab, run.only) } : {}),
    })),
  };
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

export async function gradeLab(lab: LabInfo, options: GradeOptions): Promise<LabResult> {
  const staged = stageOutsideEsm(options.target);
  try {
    const result = await gradeStaged(lab, { ...options, target: staged?.dir ?? options.target });
    if (!staged) return result;
    // Report paths as the student knows them, not as the staged copy's.
    const json = JSON.stringify(result)
      .replaceAll(staged.dir, options.target)
      .replaceAll(displayPath(staged.dir), options.target);
    return JSON.parse(json) as LabResult;
  } finally {
    if (staged) rmSync(staged.dir, { recursive: true, force: true });
  }
}

async function gradeStaged(lab: LabInfo, options: GradeOptions): Promise<LabResult> {
  const dir = scratchDir(`grade-${lab.slug}-`);
  try {
    const runs = writeRuns(dir, [{ ...options, lab }]);
    const run = await runVitest(lab.slug, ['--config', RUNS_CONFIG], { GRADER_RUNS_FILE: runs }, options.timeLimitMs);
    // One run: its events carry its project's name, or none.
    return summarize(lab, run, options.timeLimitMs, options.only);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface BatchRun {
  lab: LabInfo;
  /** Absolute directory laid out like labs/, inside an ES module scope (see stageOutsideEsm). */
  target: string;
  only?: string[];
  extraDir?: string;
}

/**
 * Grades many (lab, target) runs in ONE vitest run, a vitest project per run: vitest starts
 * once instead of once per run (~1.7 s of CPU each). `maxWorkers` overrides the graded
 * config's: runs that mostly wait (for a reply that never comes) can share a core. For the repository's own checks
 * (solutions, starters, buggy variants); a student's submission is graded alone, so that
 * nothing else shares its time limit.
 */
export async function gradeBatch(
  runs: BatchRun[],
  timeLimitMs: number,
  { maxWorkers }: { maxWorkers?: number } = {},
): Promise<LabResult[]> {
  const dir = scratchDir('batch-');
  try {
    const plan = writeRuns(dir, runs, maxWorkers);
    const outcome = await runVitest('batch', ['--config', RUNS_CONFIG], { GRADER_RUNS_FILE: plan }, timeLimitMs);
    return runs.map((run, index) => {
      // Events of other runs are dropped; those of no run (the end of the whole run) are shared.
      const mine = outcome.events.filter(
        (event) => !('run' in event) || event.run === undefined || event.run === `run-${index}`,
      );
      return summarize(run.lab, { ...outcome, events: mine }, timeLimitMs, run.only);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * When failures point into a lab this one requires (its starter's "not implemented yet — see
 * labs/02-framing/...", or a stack frame there), says to finish that lab first.
 */
export function requiredLabsNote(lab: LabInfo, tests: TestOutcome[]): string | undefined {
  const unfinished = (lab.requires ?? []).filter((slug) =>
    tests.some((test) => test.status === 'failed' && test.message?.includes(`labs/${slug}/`)),
  );
  if (unfinished.length === 0) return undefined;
  const names = unfinished.map((slug) => `lab ${labNumber({ slug })}`);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return (
    `Lab ${labNumber(lab)} runs your code from ${list}, and tests here fail inside it: finish ${list} first ` +
    `(npm run grade -- ${unfinished.map((slug) => labNumber({ slug })).join(' ')}).`
  );
}

/** Turns what one run reported into a result per declared test, and notes on what went wrong. */
function summarize(lab: LabInfo, run: RunOutcome, timeLimitMs: number, only?: string[]): LabResult {
  const results = new Map<string, { state: string; errors: string[] }>();
  const started = new Set<string>();
  const moduleErrors: string[] = [];
  const unhandled: string[] = [];
  const sandboxNotes: string[] = [];
  let ended = false;
  for (const event of run.events) {
    if (event.type === 'start') started.add(event.name);
    // The reporter's verdict wins over the worker's own: it also sees hook failures.
    if (event.type === 'settled' && !results.has(event.name)) results.set(event.name, event);
    if (event.type === 'result') results.set(event.name, event);
    if (event.type === 'module-error') moduleErrors.push(...event.errors);
    if (event.type === 'unhandled') unhandled.push(...event.errors);
    if (event.type === 'note' && !sandboxNotes.includes(event.text)) sandboxNotes.push(event.text);
    if (event.type === 'end') ended = true;
  }

  const limitSeconds = Math.round(timeLimitMs / 1000);
  const notes: string[] = [];
  let notRunReason = 'this test did not run';
  if (run.timedOut) {
    // Said after the tests are known, with the cause if one stands out (see below).
    notes.push(`Timed out: the tests of this lab did not finish within ${limitSeconds} s, so the grader stopped them.`);
    notRunReason = `did not run: the lab hit its ${limitSeconds} s limit before this test started`;
  } else if (moduleErrors.length > 0) {
    notes.push(
      `Your code could not be loaded, so the tests that need it did not run:\n${[...new Set(moduleErrors)].map((e) => `    ${e}`).join('\n')}`,
    );
    notRunReason = `did not run: your code could not be loaded (${firstLine(moduleErrors[0])})`;
  } else if (!ended) {
    // Student code runs in processes of its own: this is the grader's own process, killed or
    // crashed. Say what happened without blaming the submission; what did not run scores 0.
    notes.push(
      `The grader's test process stopped unexpectedly (exit code ${run.exitCode}), so some tests did not run and score 0. ` +
        'Grade again; if it happens again, tell your instructor.',
    );
    notRunReason = "did not run: the grader's test process stopped before this test started";
  }
  if (run.leftovers) notes.push('Your code left a process running after the tests ended; the grader stopped it.');
  notes.push(...sandboxNotes);
  const explained = (error: string) =>
    [...results.values()].some((result) => result.errors.some((e) => e.includes(firstLine(error))));
  for (const error of unhandled.filter((e) => !explained(e)))
    notes.push(`Your code threw an error outside any single test:\n    ${error}`);

  const tests = Object.entries(lab.tests).map(([key, spec]: [string, TestSpec]): TestOutcome => {
    const base = {
      key,
      name: spec.name,
      maxPoints: spec.points,
      hint: spec.hint,
      section: spec.section,
      ...(spec.private ? { private: true } : {}),
    };
    const result = results.get(spec.name);
    if (only && !only.includes(key)) return { ...base, status: 'not-run', points: 0, message: NOT_SELECTED };
    if (result?.state === 'passed') return { ...base, status: 'passed', points: spec.points };
    if (result?.state === 'skipped') return { ...base, status: 'not-run', points: 0, message: NOT_SELECTED };
    if (result) return { ...base, status: 'failed', points: 0, message: result.errors.join('\n') || 'failed' };
    if (run.timedOut && started.has(spec.name)) {
      // The test's own limit runs in the test process, which the student's code cannot block:
      // it was still within that limit, having started late, after tests that waited for
      // answers that never came.
      return {
        ...base,
        status: 'failed',
        points: 0,
        message:
          `Timed out: this test was running when the lab hit its ${limitSeconds} s limit, ` +
          'the tests before it having used up the time waiting for answers that never came.',
      };
    }
    // The run ended normally and no test file ran it: the test is declared but never written.
    const unwritten = notRunReason === 'this test did not run' && ended && !run.timedOut;
    return {
      ...base,
      status: 'not-run',
      points: 0,
      message: unwritten
        ? `did not run: no file in tests/${lab.slug}/ declares it: write graded(lab.tests.${key}, async (t) => { ... }) in one of them`
        : notRunReason,
    };
  });
  for (const name of results.keys()) {
    if (!tests.some((test) => test.name === name))
      notes.push(
        `The test "${name}" is not declared in tests/${lab.slug}/lab.ts, so it earns no points: ` +
          'add it to the tests of lab.ts (name, points, hint, section) and write it as graded(lab.tests.KEY, ...), never as a bare test().',
      );
  }

  const cause = findCause(lab.slug, tests);
  if (run.timedOut) {
    notes[0] += cause
      ? ' Each test waits up to its own time limit for answers that do not come, so one reason, repeated, used up the time: fix the one above first.'
      : ' Look for a loop that never ends, or code that waits for something that never happens.';
  }
  if (cause) notes.unshift(causeNote(lab.slug, cause));
  const required = requiredLabsNote(lab, tests);
  if (required) notes.unshift(required);

  const passed = tests.filter((test) => test.status === 'passed').length;
  const status: LabStatus = run.timedOut
    ? 'timed-out'
    : moduleErrors.length > 0 || !ended
      ? 'crashed'
      : passed === tests.length
        ? 'complete'
        : 'incomplete';
  return {
    slug: lab.slug,
    title: lab.title,
    status,
    points: tests.reduce((sum, test) => sum + test.points, 0),
    maxPoints: tests.reduce((sum, test) => sum + test.maxPoints, 0),
    passed,
    total: tests.length,
    tests,
    notes,
    ...(cause ? { cause } : {}),
    durationMs: run.durationMs,
    output: run.output,
  };
}
