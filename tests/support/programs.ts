// Runs a lab's command-line program the way a student would, as its own process in the
// test's sandbox (tools/grader/sandbox/sandbox.ts). The program and what it imports are first
// bundled into one ES module by esbuild (tools/grader/sandbox/bundle.ts); a program that does not
// build is reported with esbuild's file:line message and never started. The test reads its
// output as it comes, waits for lines and exit with time limits, and the process is killed
// in teardown whatever happened.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Trace } from './graded.ts';
import { labFile } from './target.ts';
import { displayPath } from '../../tools/grader/target.ts';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The program did not build, so it never ran (stderr holds esbuild's message). */
  notBuilt?: boolean;
}

export class Program {
  stdout = '';
  stderr = '';
  exit: Exit | undefined;
  /** Settles when the program exits, however. */
  readonly exited: Promise<Exit>;
  /** Settles once the process is spawned: stdin writes and kills wait for it, in order. */
  private readonly spawned: Promise<ChildProcess | undefined>;
  private readonly changed = new EventTarget();

  constructor(
    private readonly t: Trace,
    readonly label: string,
    slug: string,
    file: string,
    args: string[],
  ) {
    t.step(`started ${label}: ${displayPath(labFile(slug, file))} ${args.join(' ')}`.trimEnd());
    let exited: (exit: Exit) => void = () => {};
    this.exited = new Promise((resolve) => (exited = resolve));
    const ended = (exit: Exit) => {
      this.exit = exit;
      this.notify();
      exited(exit);
    };
    this.spawned = t.programScript(slug, file).then(
      ({ script, cwd }) => {
        // The program's own folder (in the sandbox's copy) as its working directory, as when a student runs it.
        const child = t.sandbox.spawnNode(['--enable-source-maps', script, ...args], { cwd });
        child.stdout!.setEncoding('utf8').on('data', (text: string) => {
          this.stdout += text;
          this.notify();
        });
        child.stderr!.setEncoding('utf8').on('data', (text: string) => {
          this.stderr += text;
          this.notify();
        });
        // 'close', not 'exit': only then has everything the program printed been read.
        child.on('close', (code, signal) => ended({ code, signal }));
        child.on('error', (error) => {
          this.stderr += `\n[could not start: ${error.message}]`;
          this.notify();
        });
        return child;
      },
      (error: Error) => {
        this.stderr = error.message;
        ended({ code: null, signal: null, notBuilt: true });
        return undefined;
      },
    );
    t.defer(() => this.kill());
  }

  private notify(): void {
    this.changed.dispatchEvent(new Event('change'));
  }

  /** Everything the program has shown so far, CodeCrafters style. */
  describe(): string {
    const lines = (prefix: string, text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((line) => `    [${prefix}] ${line}`)
        .join('\n');
    const parts = [];
    if (this.stdout.trim()) parts.push(lines('stdout', this.stdout));
    if (this.stderr.trim()) parts.push(lines('stderr', this.stderr));
    const state = this.exit?.notBuilt
      ? 'it could not be built, so it never ran'
      : this.exit
        ? `it exited with ${this.exit.signal ? `signal ${this.exit.signal}` : `code ${this.exit.code}`}`
        : 'it is still running';
    return `${parts.length ? `${this.label} printed:\n${parts.join('\n')}\n    and ` : `${this.label} printed nothing and `}${state}`;
  }

  private async until(done: () => boolean, ms: number, expected: string): Promise<void> {
    await this.t.until(this.changed, done, ms, expected, () => this.describe());
  }

  /** Waits for a line of standard output matching `pattern`; fails early if the program exits. */
  async waitForLine(pattern: RegExp, ms: number, expected: string): Promise<RegExpMatchArray> {
    const find = () =>
      this.stdout
        .split('\n')
        .map((line) => line.match(pattern))
        .find((m) => m !== null) ?? null;
    await this.until(() => find() !== null || this.exit !== undefined, ms, expected);
    const match = find();
    if (!match) this.t.fail(expected, this.describe());
    this.t.step(`${this.label} printed ${JSON.stringify(match[0])}`);
    return match;
  }

  async waitForExit(ms: number, expected = `${this.label} to exit`): Promise<Exit> {
    await this.until(() => this.exit !== undefined, ms, expected);
    return this.exit!;
  }

  /** The process id, once it has started. */
  async pid(): Promise<number | undefined> {
    return (await this.spawned)?.pid;
  }

  /** Sends a signal, as Ctrl-C (SIGINT) or `kill` (SIGTERM) would. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    this.t.step(`sent ${signal} to ${this.label}`);
    (await this.spawned)?.kill(signal);
  }

  writeStdin(text: string): void {
    this.t.step(`typed ${JSON.stringify(text)} into ${this.label}`);
    void this.spawned.then((child) => child?.stdin!.write(text));
  }

  /** Ends standard input, as Ctrl-D does at a terminal. */
  endStdin(): void {
    this.t.step(`ended ${this.label}'s input (Ctrl-D)`);
    void this.spawned.then((child) => child?.stdin!.end());
  }

  async kill(): Promise<void> {
    const child = await this.spawned;
    if (!child || this.exit || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

/** Starts `labs/<slug>/<file>` (or the target's copy) with `args`. */
export function runProgram(
  t: Trace,
  slug: string,
  file: string,
  args: string[],
  label = `your ${file.replace(/\.ts$/, '')} program`,
): Program {
  return new Program(t, label, slug, file, args);
}

/** True when text contains a Node stack trace ("    at fn (file:line)"). */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+(:\d+:\d+\)?|<anonymous>)$/m.test(text);
}
