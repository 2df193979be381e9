// Starts the student's cluster relay (the primary) in the test's student host, on 127.0.0.1,
// port 0. Its workers are the student's worker.ts, bundled once per test process so that each
// starts in a fraction of tsx's time, and forked in the host by host-side.ts: every worker
// process started is reported here with its stderr (for the failure report), and each is
// killed in teardown whatever the student's close() does.
import { existsSync } from 'node:fs';
import type { Trace } from '../support/graded.ts';
import type { Remote } from '../support/host.ts';
import { LOOPBACK } from '../support/net.ts';
import { givenLimits, type RelayStartOptions } from '../support/protocol-conformance.ts';
import { childrenOf } from '../../tools/shared/proc.ts';

type Lab = typeof import('../../labs/06-cluster/primary.ts');
type Launcher = ReturnType<(typeof import('./host-side.ts'))['workerLauncher']>;
export type StartedCluster = Remote<Awaited<ReturnType<Lab['startClusterRelay']>>>;

export interface Cluster {
  relay: StartedCluster;
  port: number;
  /** Pids of every worker process started so far, in order (replacements included). */
  launched: number[];
  /** The launcher in the host, for what only the host knows: which workers run, as its relay sees them. */
  launcher: Remote<Launcher>;
  /** What the relay logged. */
  logged: string[];
  /** Resolves once the relay has logged more than `count` lines in all. */
  loggedMoreThan(count: number): Promise<void>;
}

/** What a test needs to start the student's relay: its startClusterRelay, the launcher its workers come from, and what it logs. */
export interface Prepared {
  startClusterRelay: Remote<Lab['startClusterRelay']>;
  launched: number[];
  launcher: Remote<Launcher>;
  logged: string[];
  loggedMoreThan(count: number): Promise<void>;
  /** The relay's `log` option: records each line in `logged`. */
  log: (line: string) => Promise<void>;
}

/** Loads the student's primary and a launcher for its (bundled) worker; every worker started is killed in teardown. */
export async function prepareCluster(t: Trace): Promise<Prepared> {
  const { startClusterRelay } = await t.lab<Lab>('06-cluster', 'primary.ts');
  const { workerLauncher } = await t.helper<typeof import('./host-side.ts')>(
    new URL('./host-side.ts', import.meta.url),
  );
  const { script } = await t.programScript('06-cluster', 'worker.ts');
  const logged: string[] = [];
  const launched: number[] = [];
  let stderr = '';
  const launcher = await workerLauncher(script, {
    launched: (pid: number) => {
      launched.push(pid);
    },
    stderr: (tail: string) => {
      stderr = tail;
    },
  });
  t.onFailure(() =>
    stderr.trim()
      ? `your workers printed on stderr:\n${stderr
          .trimEnd()
          .split('\n')
          .map((line) => `    ${line}`)
          .join('\n')}`
      : '',
  );
  t.onFailure(() => (logged.length ? `your relay logged:\n${logged.map((line) => `    ${line}`).join('\n')}` : ''));
  // Cleanups run newest first: this one after the relay's close() (startStudentCluster's).
  t.defer(() => launcher.killAll());
  // log runs here (async, as every call from the host is).
  const lineLogged = new EventTarget();
  const log = async (line: string) => {
    logged.push(line);
    lineLogged.dispatchEvent(new Event('line'));
  };
  const loggedMoreThan = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (logged.length <= count) return;
        lineLogged.removeEventListener('line', check);
        resolve();
      };
      lineLogged.addEventListener('line', check);
      check();
    });
  return { startClusterRelay, launched, launcher, logged, loggedMoreThan, log };
}

/** What a test may set besides lab 05's limits. */
export interface ClusterStartOptions extends RelayStartOptions {
  handOverTimeoutMs?: number;
}

export async function startStudentCluster(t: Trace, workers = 2, options: ClusterStartOptions = {}): Promise<Cluster> {
  const { startClusterRelay, launched, launcher, logged, loggedMoreThan, log } = await prepareCluster(t);
  const { limits, shown } = givenLimits(options);
  t.step(`started your relay: startClusterRelay({ host: "${LOOPBACK}", port: 0, workers: ${workers}${shown}, log })`);
  // launch is the host's own function.
  const relay = await t.within(
    startClusterRelay({ host: LOOPBACK, port: 0, workers, log, launch: launcher.launch, ...limits }),
    8000,
    'startClusterRelay to resolve once its workers are ready and it listens',
    () => `its promise has not settled; ${launched.length} worker(s) started`,
  );
  t.defer(() => relay.close());
  return { relay, port: relay.port, launched, launcher, logged, loggedMoreThan };
}

/**
 * Kills worker `index` (relay.workers()[index]) with SIGKILL from the test process; returns
 * its pid. The pid comes from the student host, so it is killed only if it is one of the
 * host's own child processes (where /proc tells).
 */
export async function killWorker(t: Trace, { relay, launcher }: Cluster, index: number): Promise<number> {
  const pid = (await launcher.describe(await relay.workers()))[index]?.pid ?? -1;
  const host = (await t.host()).process.pid!;
  const known = pid > 0 && (!existsSync('/proc/self/stat') || childrenOf(host).includes(pid));
  t.check(known, `relay.workers()[${index}] to be a worker process your relay started`, () =>
    pid > 0 ? `pid ${pid} is not one` : 'it is not',
  );
  t.step(`killed worker ${index} (pid ${pid}) with SIGKILL`);
  process.kill(pid, 'SIGKILL');
  return pid;
}
