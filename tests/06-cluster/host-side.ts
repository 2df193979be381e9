// Runs in the student host, next to the student's primary (loaded with t.helper): the
// `launch` the tests hand to startClusterRelay, which forks the student's worker (bundled by
// the test) with an IPC channel, and records every worker process it started. The test hears
// of each start and of the workers' stderr through `watch`, asks about them as data (pids,
// which still run), decides everything on its side, and kills a worker itself, by pid.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const STDERR_KEPT = 4000;

const tell = (call: () => unknown) => void Promise.resolve().then(call).catch(() => {});

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** What the test hears as it happens (calls into the test process: they may fail once it has ended). */
export interface Watch {
  launched(pid: number): unknown;
  /** The tail of what the workers printed on stderr, each time it grows. */
  stderr(tail: string): unknown;
}

/** `script`: the worker, bundled. */
export function workerLauncher(script: string, watch: Watch) {
  const launched: ChildProcess[] = [];
  let stderr = '';
  const launch = (): ChildProcess => {
    const child = fork(script, [], { execArgv: ['--enable-source-maps'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_KEPT);
      tell(() => watch.stderr(stderr));
    });
    launched.push(child);
    tell(() => watch.launched(child.pid ?? -1));
    return child;
  };
  /** A process with an IPC channel that exits at once, with code 3, as a worker.ts that throws as it loads does. */
  const launchBroken = (): ChildProcess => {
    const child = spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    launched.push(child);
    tell(() => watch.launched(child.pid ?? -1));
    return child;
  };
  return {
    launch,
    /** Like launch, except that worker 1 exits at once, before it is ready. */
    launchWithBrokenWorker1: (index: number): ChildProcess => (index === 1 ? launchBroken() : launch()),
    /** What `relay.workers()` returned, as data: each one's pid (-1 if it is not a worker this launcher started) and whether it runs. */
    describe: (workers: unknown) => (Array.isArray(workers) ? workers : []).map((worker) => {
      const child = launched.find((each) => each === worker);
      return { pid: child?.pid ?? -1, alive: child ? alive(child) : false };
    }),
    /** Calls the relay's close() and, the moment it resolves, gives the pids of the workers still running. */
    async runningAfter(close: () => Promise<void>): Promise<number[]> {
      await close();
      return launched.filter(alive).map((child) => child.pid ?? -1);
    },
    /** Waits at most `ms` for every worker started so far to exit; gives the pids of those still running. */
    async runningAfterWaiting(ms: number): Promise<number[]> {
      const running = launched.filter(alive);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(running.map((child) => (alive(child) ? once(child, 'exit') : undefined))),
        new Promise((resolve) => { timer = setTimeout(resolve, ms); }),
      ]);
      clearTimeout(timer);
      return launched.filter(alive).map((child) => child.pid ?? -1);
    },
    /** Kills every worker still running and waits for each to exit. */
    async killAll(): Promise<void> {
      const running = launched.filter(alive);
      for (const child of running) child.kill('SIGKILL');
      await Promise.all(running.map((child) => once(child, 'exit')));
    },
  };
}
