// Runs a lab's command-line program the way a student would, as its own process. The
// program and what it imports are first bundled into one ES module by esbuild (what tsx
// uses underneath), which Node starts in a third of the CPU time `node --import tsx` takes;
// a program that does not build runs under tsx instead, which shows the error the student
// would see. The test reads its output as it comes, waits for lines and exit with time
// limits, and the process is killed in teardown whatever happened.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import type { Trace } from './graded.ts';
import { labFile } from './target.ts';
import { displayPath, scratchDir } from '../../tools/grader/target.ts';

const TSX = import.meta.resolve('tsx');
const OFFLINE_DNS = fileURLToPath(import.meta.resolve('./offline-dns.ts'));

/**
 * In a bundle every module would see the bundle's import.meta.url and process.argv[1], so
 * each module gets its own file's URL back, and argv[1] is set to the program's file before
 * any of its code runs: `if (process.argv[1] === fileURLToPath(import.meta.url))` then holds
 * for the program and for none of the modules it imports, as under tsx.
 */
function asIfUnbundled(file: string): Plugin {
  return {
    name: 'as-if-unbundled',
    setup(on) {
      on.onResolve({ filter: /^program-argv$/ }, () => ({ path: 'argv', namespace: 'program-argv' }));
      on.onLoad({ filter: /.*/, namespace: 'program-argv' }, () => ({ contents: `process.argv[1] = ${JSON.stringify(file)};`, loader: 'js' }));
      on.onLoad({ filter: /\.[cm]?[jt]s$/ }, ({ path }) => {
        if (path.includes('/node_modules/')) return undefined;
        const url = pathToFileURL(path).href;
        const contents = readFileSync(path, 'utf8')
          .replaceAll('import.meta.url', JSON.stringify(url))
          .replaceAll('import.meta.filename', JSON.stringify(path))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(path)));
        return { contents, loader: /\.[cm]?ts$/.test(path) ? 'ts' : 'js' };
      });
    },
  };
}

/** The program as one .mjs file in `outDir`, or undefined if it does not build. */
async function bundleProgram(file: string, outDir: string): Promise<string | undefined> {
  const outfile = join(outDir, 'program.mjs');
  try {
    await build({
      stdin: { contents: [OFFLINE_DNS, 'program-argv', file].map((path) => `import ${JSON.stringify(path)};`).join('\n'), resolveDir: dirname(file), loader: 'js' },
      outfile, bundle: true, platform: 'node', format: 'esm', packages: 'external',
      target: `node${process.versions.node.split('.')[0]}`, sourcemap: 'inline', logLevel: 'silent',
      plugins: [asIfUnbundled(file)],
    });
    return outfile;
  } catch {
    return undefined;
  }
}

/** How node starts a program: `node ...execArgv script ...args`. */
export interface NodeCommand {
  execArgv: string[];
  script: string;
}

/**
 * Its bundle (built into `outDir`); or, if it does not build, the program itself under tsx,
 * which reports the error the way the student will see it.
 */
export async function nodeCommandFor(file: string, outDir: string): Promise<NodeCommand> {
  const bundled = await bundleProgram(file, outDir);
  return bundled ? { execArgv: ['--enable-source-maps'], script: bundled }
    : { execArgv: ['--import', TSX, '--import', pathToFileURL(OFFLINE_DNS).href], script: file };
}

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
  /** Settles once the process is spawned: stdin writes and kills wait for it, in order. */
  private readonly spawned: Promise<ChildProcess>;
  private readonly changed = new EventTarget();

  constructor(private readonly t: Trace, readonly label: string, file: string, args: string[]) {
    t.step(`started ${label}: ${displayPath(file)} ${args.join(' ')}`.trimEnd());
    const outDir = scratchDir('program-');
    let exited: (exit: Exit) => void = () => {};
    this.exited = new Promise((resolve) => (exited = resolve));
    this.spawned = nodeCommandFor(file, outDir).then(({ execArgv, script }) => {
      const child = spawn(process.execPath, [...execArgv, script, ...args], {
        cwd: dirname(file),
        env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0', NO_COLOR: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      child.stdout!.setEncoding('utf8').on('data', (text: string) => { this.stdout += text; this.notify(); });
      child.stderr!.setEncoding('utf8').on('data', (text: string) => { this.stderr += text; this.notify(); });
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        this.notify();
        exited(this.exit);
      });
      child.on('error', (error) => { this.stderr += `\n[could not start: ${error.message}]`; this.notify(); });
      return child;
    });
    // Cleanups run newest first, each under its own limit: the bundle goes last, whatever happens.
    t.defer(() => rmSync(outDir, { recursive: true, force: true }));
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
    await this.t.until(this.changed, done, ms, expected, () => this.describe());
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

  /** The process id, once it has started. */
  async pid(): Promise<number | undefined> {
    return (await this.spawned).pid;
  }

  /** Sends a signal, as Ctrl-C (SIGINT) or `kill` (SIGTERM) would. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    this.t.step(`sent ${signal} to ${this.label}`);
    (await this.spawned).kill(signal);
  }

  writeStdin(text: string): void {
    this.t.step(`typed ${JSON.stringify(text)} into ${this.label}`);
    void this.spawned.then((child) => child.stdin!.write(text));
  }

  /** Ends standard input, as Ctrl-D does at a terminal. */
  endStdin(): void {
    this.t.step(`ended ${this.label}'s input (Ctrl-D)`);
    void this.spawned.then((child) => child.stdin!.end());
  }

  async kill(): Promise<void> {
    const child = await this.spawned;
    if (this.exit || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
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
