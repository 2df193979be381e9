// A server under test, run as a child process exactly as a person runs it from a terminal:
// `node --import tsx FILE --host 127.0.0.1 --port 0 ...`. It gets a process group of its own
// (detached), so that stopping it reaches every process it started (lab 06's workers), and
// so that Ctrl-C in the terminal reaches only the bench, which then stops it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hasReference, REFERENCE, REPO_ROOT } from '../grader/lab.ts';
import { displayPath } from '../grader/target.ts';
import { groupEnds, killGroup } from '../shared/proc.ts';

const LISTENING = /^listening on 127\.0\.0\.1:(\d+)$/;
const START_TIMEOUT_MS = 15_000;
/** How much of the program's output is kept to explain a failure. */
const KEEP_OUTPUT_CHARS = 4000;

export interface ServerProcess {
  /** "the relay (labs/05-relay/relay.ts)", for messages. */
  readonly label: string;
  readonly pid: number;
  readonly port: number;
  /** Without /proc: the folder where each of its Node processes reports its CPU and memory (cpu-report.mjs). */
  readonly reportDir?: string;
  /** Waits at most `ms` for the process to end; if it did, why, in words for the user. */
  endsWithin(ms: number): Promise<string | undefined>;
  /** Writes `line` to the program's stdin and waits for `reply` as a whole line on its stdout. */
  ask(line: string, reply: string, timeoutMs?: number): Promise<void>;
  /** SIGTERM to the group, SIGKILL shortly after; resolves once every process of the group is gone. */
  stop(): Promise<void>;
}

/** Process groups still running: stopped on Ctrl-C, on a crash and on exit, whatever happens. */
const running = new Set<number>();

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    for (const pgid of running) killGroup(pgid, 'SIGKILL');
    console.error(`\nstopped (${signal}); every server the bench started is stopped too`);
    process.exit(128 + constants.signals[signal]);
  });
}
process.on('exit', () => {
  for (const pgid of running) killGroup(pgid, 'SIGKILL');
});

/** The line a lab starter throws from every function a student has not written yet. */
function stubMessage(stderr: string): string | undefined {
  return stderr.match(/Error: (not implemented yet[^\n]*)/)?.[1];
}

const REPORTER = fileURLToPath(new URL('cpu-report.mjs', import.meta.url));

/**
 * Where /proc cannot say what a server's processes cost, they say it themselves: every Node
 * process of the server loads cpu-report.mjs (NODE_OPTIONS reaches lab 06's workers too).
 */
function selfReporting(): { env: NodeJS.ProcessEnv; reportDir?: string } {
  // BENCH_SELF_REPORT=1 forces it where /proc exists too: to compare the two, and to test it.
  if (existsSync('/proc/self/stat') && !process.env.BENCH_SELF_REPORT) return { env: {} };
  const reportDir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  process.once('exit', () => rmSync(reportDir, { recursive: true, force: true }));
  // A file URL has no spaces (they are %20), so it needs no quotes in NODE_OPTIONS.
  const options = `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(REPORTER).href}`.trim();
  return { env: { NODE_OPTIONS: options, BENCH_REPORT_DIR: reportDir }, reportDir };
}

export async function startServer({
  name,
  file,
  args = [],
}: {
  name: string;
  file: string;
  args?: string[];
}): Promise<ServerProcess> {
  const label = `the ${name} (${displayPath(file)})`;
  const { env: reporting, reportDir } = selfReporting();
  // cwd is the repository so that --import tsx finds the repository's tsx, whatever the target.
  const child = spawn(process.execPath, ['--import', 'tsx', file, '--host', '127.0.0.1', '--port', '0', ...args], {
    cwd: REPO_ROOT,
    // Windows has no process groups (killGroup ends the tree there), and a detached child
    // would get a console window of its own.
    detached: process.platform !== 'win32',
    windowsHide: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...reporting },
  });
  const pid = child.pid!;
  running.add(pid);

  let stdout = '';
  let stderr = '';
  let partialLine = '';
  const lineListeners = new Set<(line: string) => void>();
  // Always read both pipes: a server that logs into a full pipe would block, and be measured so.
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout = (stdout + text).slice(-KEEP_OUTPUT_CHARS);
    const lines = (partialLine + text).split('\n');
    partialLine = lines.pop()!;
    for (const line of lines) for (const listener of lineListeners) listener(line);
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-KEEP_OUTPUT_CHARS)));
  child.stdin.on('error', () => {}); // it may exit before reading what we wrote

  let reason: string | undefined;
  let listening = false;
  const closed = new Promise((resolve) => child.once('close', resolve)); // never rejects: a failed spawn is 'exit''s to report
  const exited = once(child, 'exit').then(
    async ([code, signal]) => {
      // What it printed has all been read only once its pipes close ('close', not 'exit'), and
      // what is left of its group (lab 06's workers) holds them too: end those first. Windows
      // has no groups to end, so there the output is read as it stands.
      if (process.platform !== 'win32') {
        killGroup(pid);
        await closed;
      }
      const how = `${signal ? `was killed by ${signal}` : `exited with code ${code}`}${listening ? '' : ' before it was listening'}`;
      const stub = stubMessage(stderr);
      if (stub) {
        const where = stub.replace(/^not implemented yet\W*/, '');
        reason = `${label} is still the starter: it throws "not implemented yet"${where ? ` (${where})` : ''}. Finish the lab first (npm run grade shows what is left)${hasReference() ? `, or measure the reference relay with --target ${REFERENCE}` : ''}.`;
      } else {
        const output = stderr.trim() || stdout.trim();
        reason = `${label} ${how}${output ? `; it printed:\n${indent(output)}` : ' and printed nothing'}`;
      }
      return reason;
    },
    (error: Error) => (reason = `${label} could not be started: ${error.message}`),
  ); // spawn failed

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(
          `${label} did not print "listening on 127.0.0.1:PORT" within ${START_TIMEOUT_MS / 1000} s; its stderr:\n${indent(stderr.trim() || '(nothing)')}`,
        ),
      );
    }, START_TIMEOUT_MS);
    const check = (line: string) => {
      const match = line.match(LISTENING);
      if (!match) return;
      lineListeners.delete(check);
      clearTimeout(timer);
      listening = true;
      resolve(Number(match[1]));
    };
    lineListeners.add(check);
    void exited.then((why) => {
      clearTimeout(timer);
      reject(new Error(why));
    });
  }).catch(async (error: unknown) => {
    await stopGroup();
    throw error;
  });

  async function stopGroup(): Promise<void> {
    if (reason === undefined) {
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 500);
      await exited;
      clearTimeout(timer);
    }
    // The group may hold more than the child (lab 06's workers): SIGKILL whatever is left,
    // and wait for it to be gone.
    killGroup(pid);
    await groupEnds(pid, 3000);
    running.delete(pid);
  }

  return {
    label,
    pid,
    port,
    reportDir,
    endsWithin: (ms) => {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        exited,
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
      ]).finally(() => clearTimeout(timer));
    },
    ask: (line, reply, timeoutMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          lineListeners.delete(check);
          reject(new Error(`${label} did not answer "${line}" with "${reply}" within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        const check = (answer: string) => {
          if (answer !== reply) return;
          lineListeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        lineListeners.add(check);
        child.stdin.write(`${line}\n`);
      }),
    stop: stopGroup,
  };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
