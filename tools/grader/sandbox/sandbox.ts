// Where a test runs the student's code: processes started with a scrubbed environment,
// resource limits, and a cleanup that ends every process they started, detached or not.
//
// Two modes, chosen by what the grader can do, never by anything the student controls:
// - trusted (the grader runs as root on Linux: Gradescope, a container, CI, `sudo`): each
//   sandbox leases a user of its own (sockets-lab-0, -1, ..., created on first use). Its
//   processes run as that user, so they cannot write the grader, the tests, caches or
//   results, cannot read private tests, and cannot signal the grader; at the end, every
//   process of that user is killed and its files in the shared temporary folders removed.
// - student (anywhere else): the same separate processes and limits, but the same user, so
//   integrity is not enforced; cleanup kills what the sandbox started and, on Linux and
//   macOS, whatever carries its tag in the environment, detached or not.
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import {
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { killTree, processesWithVariable } from '../../shared/proc.ts';

export type SandboxMode = 'trusted' | 'student';

const isLinux = process.platform === 'linux';
const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit'].find((path) => existsSync(path));
const USERADD = ['/usr/sbin/useradd', '/sbin/useradd'].find((path) => existsSync(path));
const USER_PREFIX = 'sockets-lab-';
const MAX_USERS = 64;
/** The heap of a sandboxed Node process, and all the memory it may map (heap, Buffers...). */
export const HEAP_LIMIT_MB = 512;
// 2 GiB: Node 24 needs more than 1 GiB to reserve a second isolate's code space (tsx's loader thread).
const DATA_LIMIT_BYTES = 2 * 1024 ** 3;
/** Processes and threads of one sandbox user (a Node process has about a dozen threads). */
const TASK_LIMIT = 256;
/** Marks every process a sandbox starts; children inherit it unless they clear their environment. */
const TAG_VARIABLE = 'SOCKETS_LAB_SANDBOX';
/** Passed on from the test process: the grade's own id (a grade finds its processes by it) and the folder under test. */
const RUN_VARIABLE = 'GRADER_RUN_ID';
const PASSED_ON = [RUN_VARIABLE, 'LAB_TARGET'];

/** Trusted when the grader is root on Linux with useradd; GRADER_SANDBOX=student forces the other mode. */
export function sandboxMode(): SandboxMode {
  if (process.env.GRADER_SANDBOX === 'student') return 'student';
  return isLinux && process.getuid?.() === 0 && USERADD !== undefined ? 'trusted' : 'student';
}

/** The one line a report gives about integrity. */
export function modeLine(mode = sandboxMode()): string {
  return mode === 'trusted'
    ? 'Trusted mode: your code ran as a separate user, out of reach of the tests and the results.'
    : 'Student mode: your code ran in separate processes, as you; integrity is enforced only when the grader runs as root on Linux (Gradescope, CI).';
}

// ---------------------------------------------------------------------------------------
// Sandbox users (trusted mode). A lease is a file named after the user's number, holding
// the pid of the process that leased it; a lease whose holder is gone can be taken over.

const LEASE_DIR = existsSync('/run') ? '/run/sockets-lab-leases' : join(tmpdir(), 'sockets-lab-leases');

interface SandboxUser {
  name: string;
  uid: number;
  gid: number;
  index: number;
}

function leaseDir(): string {
  mkdirSync(LEASE_DIR, { recursive: true, mode: 0o700 });
  const stat = lstatSync(LEASE_DIR);
  // Created by someone else (a sandbox user in a shared /tmp?): never trust it.
  if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o077) !== 0)
    throw new Error(`${LEASE_DIR} must be a directory owned by root with mode 700`);
  return LEASE_DIR;
}

/** Waits `ms` without returning to the event loop: the lease and cleanup steps are synchronous. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lookUpUser(name: string): SandboxUser | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name)
      return { name, uid: Number(uid), gid: Number(gid), index: Number(name.slice(USER_PREFIX.length)) };
  }
  return undefined;
}

function ensureUser(index: number): SandboxUser {
  const name = `${USER_PREFIX}${index}`;
  for (let attempt = 0; attempt < 20; attempt++) {
    const found = lookUpUser(name);
    if (found) return found;
    // --user-group: a group of its own, so no file is shared with another sandbox user by group.
    spawnSync(
      USERADD!,
      [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        name,
      ],
      { stdio: 'ignore' },
    );
    // Another grader may hold the lock on /etc/passwd: try again a moment later.
    if (!lookUpUser(name)) sleepSync(50);
  }
  throw new Error(`could not create the sandbox user ${name} (useradd failed)`);
}

/**
 * Leases the first free sandbox user. The lease file appears with its holder's pid already
 * in it (written aside, then hard-linked into place, which fails if the lease exists), so
 * no one ever sees a lease without a holder. A lease whose holder died is not taken over
 * here, where two graders could both decide to take it: sweepAfterRun frees it.
 */
function leaseUser(): { user: SandboxUser; release: () => void } {
  const dir = leaseDir();
  const pending = join(dir, `.pending-${process.pid}-${randomUUID()}`);
  writeFileSync(pending, String(process.pid), { mode: 0o600 });
  try {
    for (let index = 0; index < MAX_USERS; index++) {
      const path = join(dir, String(index));
      try {
        linkSync(pending, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw error;
      }
      // A free lease was released by close() (nothing of its user left) or freed by the sweep.
      return { user: ensureUser(index), release: () => rmSync(path, { force: true }) };
    }
  } finally {
    rmSync(pending, { force: true });
  }
  throw new Error(`all ${MAX_USERS} sandbox users are in use (leases in ${LEASE_DIR})`);
}

/** Pids of the live (not zombie) processes of a user, from /proc. */
function processesOf(uid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const state = /^State:\s+(\S)/m.exec(status)?.[1];
      const real = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (real === uid && state !== 'Z') pids.push(Number(entry));
    } catch {
      // It ended while we looked.
    }
  }
  return pids;
}

/**
 * Kills every process of the user: kill(-1) sent as that user reaches exactly its
 * processes, and again while any is left (one may have been forking). Returns their pids.
 */
function endUserProcesses(user: SandboxUser): number[] {
  const found = processesOf(user.uid);
  let left = found;
  for (let round = 0; round < 20 && left.length > 0; round++) {
    if (round > 0) sleepSync(10);
    spawnSync('/bin/sh', ['-c', 'kill -9 -1 2>/dev/null; exit 0'], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
    left = processesOf(user.uid);
  }
  return found;
}

/** Removes what the user left in the world-writable folders, where the next lease could find it. */
function removeUserFiles(user: SandboxUser): void {
  for (const dir of new Set([tmpdir(), '/tmp', '/var/tmp', '/dev/shm'])) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(dir, entry);
      try {
        if (lstatSync(path).uid === user.uid) rmSync(path, { recursive: true, force: true });
      } catch {
        // Gone already.
      }
    }
  }
}

/**
 * After a test run: ends what its sandboxes may have left when the run was killed before
 * their teardown. Trusted mode: every process of a sandbox user whose lease holder is gone.
 * Either mode: every process that still carries the run's id in its environment.
 */
export function sweepAfterRun(runId: string): void {
  for (const pid of processesWithVariable(RUN_VARIABLE, runId)) killTree(pid);
  if (sandboxMode() !== 'trusted' || !existsSync(LEASE_DIR)) return;
  for (const entry of readdirSync(LEASE_DIR).filter((name) => /^\d+$/.test(name))) {
    const path = join(LEASE_DIR, entry);
    let holder: number;
    try {
      holder = Number(readFileSync(path, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    if (alive(holder)) continue;
    const user = lookUpUser(`${USER_PREFIX}${entry}`);
    if (user) {
      endUserProcesses(user);
      removeUserFiles(user);
    }
    rmSync(path, { force: true });
  }
}

// ---------------------------------------------------------------------------------------
// Student mode: processes found by the tag in their environment (Linux, macOS), or by pid.

export { processesWithVariable };

// ---------------------------------------------------------------------------------------

export interface SandboxSpawnOptions {
  /** An IPC channel (advanced serialization) as file descriptor 3, for the student host. */
  ipc?: boolean;
  /** Extra variables; the rest of the environment is not passed on. */
  env?: Record<string, string>;
  stdio?: StdioOptions;
  /** The working directory (default: the sandbox's home). */
  cwd?: string;
}

/** The environment a sandboxed process gets: enough to run, nothing of the grader's. */
function scrubbedEnvironment(home: string, tag: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep =
    process.platform === 'win32'
      ? ['PATH', 'Path', 'SystemRoot', 'SYSTEMROOT', 'windir', 'COMSPEC', 'PATHEXT']
      : ['PATH', 'LANG', 'LC_ALL'];
  const env: NodeJS.ProcessEnv = {};
  for (const name of keep) if (process.env[name] !== undefined) env[name] = process.env[name];
  for (const name of PASSED_ON) if (process.env[name] !== undefined) env[name] = process.env[name];
  return {
    ...env,
    HOME: home,
    TMPDIR: home,
    TEMP: home,
    TMP: home,
    NODE_OPTIONS: '',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    [TAG_VARIABLE]: tag,
    ...extra,
  };
}

export class Sandbox {
  /** The sandbox's own folder: its processes' working directory, home and TMPDIR. */
  readonly home: string;
  private readonly tag = randomUUID();
  private readonly started: ChildProcess[] = [];
  private readonly lease: { user: SandboxUser; release: () => void } | undefined;
  private closed = false;
  private provided = 0;

  constructor(mode = sandboxMode()) {
    this.lease = mode === 'trusted' ? leaseUser() : undefined;
    this.home = mkdtempSync(join(tmpdir(), 'sandbox-'));
    if (this.lease) chownSync(this.home, this.lease.user.uid, this.lease.user.gid);
  }

  /** Copies a file into the sandbox, where its user can read it; returns the copy's path. */
  provide(file: string): string {
    const copy = join(this.home, `provided-${++this.provided}-${basename(file)}`);
    copyFileSync(file, copy);
    this.giveToUser(copy);
    return copy;
  }

  /**
   * The lab folders of `target`, copied into the sandbox once and laid out as in the
   * repository (an ES module scope, node_modules beside it), so that a program runs from
   * there as a student runs it (lab 06's relay forks its worker.ts under tsx). Only this
   * sandbox's user can read the copy; the original may be readable by root alone.
   */
  labsCopy(target: string, nodeModules: string): string {
    const labs = join(this.home, 'labs');
    if (!existsSync(labs)) {
      cpSync(target, labs, { recursive: true, filter: (path) => !path.includes('node_modules') });
      writeFileSync(join(this.home, 'package.json'), '{ "type": "module" }\n');
      symlinkSync(nodeModules, join(this.home, 'node_modules'), 'junction');
      this.giveToUser(labs);
      this.giveToUser(join(this.home, 'package.json'));
    }
    return labs;
  }

  /**
   * In trusted mode, makes the sandbox's user the owner of `path` and everything under it.
   * lchown, and no descent into links: a submission's symbolic link must never hand its
   * target (a test, /etc/passwd) to the sandbox's user.
   */
  private giveToUser(path: string): void {
    if (!this.lease) return;
    const { uid, gid } = this.lease.user;
    lchownSync(path, uid, gid);
    const stat = lstatSync(path);
    if (stat.isDirectory() && !stat.isSymbolicLink())
      for (const entry of readdirSync(path)) this.giveToUser(join(path, entry));
  }

  /** Starts `node ...args` in the sandbox, as its user, with its limits. */
  spawnNode(args: string[], options: SandboxSpawnOptions = {}): ChildProcess {
    if (this.closed) throw new Error('the sandbox is closed');
    const nodeArgs = [`--max-old-space-size=${HEAP_LIMIT_MB}`, ...args];
    // prlimit sets the limits on itself, then becomes node: they hold for node and its children.
    // The grader gives a node the sandbox's user can reach (tools/grader/sandbox/runtime.ts).
    const node = process.env.GRADER_SANDBOX_NODE ?? process.execPath;
    const limited =
      isLinux && PRLIMIT
        ? [
            PRLIMIT,
            `--data=${DATA_LIMIT_BYTES}`,
            '--core=0',
            ...(this.lease ? [`--nproc=${TASK_LIMIT}`] : []),
            '--',
            node,
            ...nodeArgs,
          ]
        : [node, ...nodeArgs];
    const stdio: StdioOptions = options.stdio ?? ['pipe', 'pipe', 'pipe'];
    const child = spawn(limited[0], limited.slice(1), {
      cwd: options.cwd ?? this.home,
      env: scrubbedEnvironment(this.home, this.tag, options.env ?? {}),
      stdio: options.ipc ? [...(stdio as Array<'pipe' | 'ignore'>), 'ipc'] : stdio,
      serialization: options.ipc ? 'advanced' : 'json',
      windowsHide: true,
      ...(this.lease ? { uid: this.lease.user.uid, gid: this.lease.user.gid } : {}),
    });
    this.started.push(child);
    return child;
  }

  /**
   * Ends every process of the sandbox; returns how many were still running that nobody had
   * stopped: those `expected` to run until now (the host) do not count.
   */
  close(expected: ChildProcess[] = []): number {
    if (this.closed) return 0;
    this.closed = true;
    const expectedPids = new Set(expected.map((child) => child.pid));
    let leftovers = 0;
    if (this.lease) {
      const user = this.lease.user;
      leftovers = endUserProcesses(user).filter((pid) => !expectedPids.has(pid)).length;
      removeUserFiles(user);
      this.lease.release();
    } else {
      const tagged = processesWithVariable(TAG_VARIABLE, this.tag);
      leftovers = tagged.filter((pid) => !expectedPids.has(pid)).length;
      for (const child of this.started)
        if (child.pid && child.exitCode === null && child.signalCode === null) killTree(child.pid);
      for (const pid of tagged) killTree(pid);
    }
    rmSync(this.home, { recursive: true, force: true });
    return leftovers;
  }
}
