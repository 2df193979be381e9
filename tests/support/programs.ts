// Runs a lab's command-line program the way a student would, as its own process:
// `node --import tsx FILE ARGS` (never through npx, whose child outlives a kill). The
// test reads its output as it comes, waits for lines and exit with time limits, and the
// process is killed in teardown whatever happened.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname } from 'node:path';
import type { Trace } from './graded.ts';
import { labFile } from './target.ts';
import { displayPath } from '../../tools/grader/target.ts';

const TSX = import.meta.resolve('tsx');
const OFFLINE_DNS = import.meta.resolve('./offline-dns.ts');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Program {
  stdout = '';
  stderr = '';
  exit: Exit | undefined;
  /** Settles when the program exits, however. */
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private readonly changed = new EventTarget();

  constructor(private readonly t: Trace, readonly label: string, file: string, args: string[]) {
    t.step(`started ${label}: ${displayPath(file)} ${args.join(' ')}`.trimEnd());
    this.child = spawn(process.execPath, ['--import', TSX, '--import', OFFLINE_DNS, file, ...args], {
      cwd: dirname(file),
      env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => { this.stdout += text; this.notify(); });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => { this.stderr += text; this.notify(); });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      this.notify();
      resolve(this.exit);
    }));
    this.child.on('error', (error) => { this.stderr += `\n[could not start: ${error.message}]`; this.notify(); });
    t.defer(() => this.kill());
  }

  private notify(): void {
    this.changed.dispatchEvent(new Event('change'));
  }

  /** Everything the program has shown so far, CodeCrafters style. */
  describe(): string {
    const lines = (prefix: string, text: string) => text.trimEnd().split('\n').map((line) => `    [${prefix}] ${line}`).join('\n');
    const parts = [];
    if (this.stdout.trim()) parts.push(lines('stdout', this.stdout));
    if (this.stderr.trim()) parts.push(lines('stderr', this.stderr));
    const state = this.exit ? `it exited with ${this.exit.signal ? `signal ${this.exit.signal}` : `code ${this.exit.code}`}` : 'it is still running';
    return `${parts.length ? `${this.label} printed:\n${parts.join('\n')}\n    and ` : `${this.label} printed nothing and `}${state}`;
  }

  private async until(done: () => boolean, ms: number, expected: string): Promise<void> {
    if (done()) return;
    let listener = () => {};
    const reached = new Promise<void>((resolve) => {
      listener = () => { if (done()) resolve(); };
      this.changed.addEventListener('change', listener);
    });
    try {
      await this.t.within(reached, ms, expected, () => this.describe());
    } finally {
      this.changed.removeEventListener('change', listener);
    }
  }

  /** Waits for a line of standard output matching `pattern`; fails early if the program exits. */
  async waitForLine(pattern: RegExp, ms: number, expected: string): Promise<RegExpMatchArray> {
    const find = () => this.stdout.split('\n').map((line) => line.match(pattern)).find((m) => m !== null) ?? null;
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

  writeStdin(text: string): void {
    this.t.step(`typed ${JSON.stringify(text)} into ${this.label}`);
    this.child.stdin!.write(text);
  }

  /** Ends standard input, as Ctrl-D does at a terminal. */
  endStdin(): void {
    this.t.step(`ended ${this.label}'s input (Ctrl-D)`);
    this.child.stdin!.end();
  }

  async kill(): Promise<void> {
    if (this.exit || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await once(this.child, 'exit');
  }
}

/** Starts `labs/<slug>/<file>` (or the target's copy) with `args`. */
export function runProgram(t: Trace, slug: string, file: string, args: string[], label = `your ${file.replace(/\.ts$/, '')} program`): Program {
  return new Program(t, label, labFile(slug, file), args);
}

/** True when text contains a Node stack trace ("    at fn (file:line)"). */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+(:\d+:\d+\)?|<anonymous>)$/m.test(text);
}
