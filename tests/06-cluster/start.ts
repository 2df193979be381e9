// Starts the student's cluster relay in-process (the primary) for a test, on 127.0.0.1, port 0.
// Its workers are the student's worker.ts, bundled once per test so that each starts in a
// fraction of tsx's time; every worker process started is recorded, its stderr kept for the
// failure report, and killed in teardown whatever the student's close() does.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import type { Trace } from '../support/graded.ts';
import { labFile, loadLab } from '../support/target.ts';
import { LOOPBACK } from '../support/net.ts';
import { nodeCommandFor } from '../support/programs.ts';
import { scratchDir } from '../../tools/grader/target.ts';

type Lab = typeof import('../../labs/06-cluster/primary.ts');
export type StartedCluster = Awaited<ReturnType<Lab['startClusterRelay']>>;

export interface Cluster {
  relay: StartedCluster;
  port: number;
  /** Every worker process started so far, in order (replacements included). */
  launched: ChildProcess[];
  /** What the relay logged. */
  logged: string[];
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

export async function startStudentCluster(t: Trace, workers = 2): Promise<Cluster> {
  // Loaded per call, not at module load: a worker may run the test files of several targets.
  const { startClusterRelay } = await loadLab<Lab>('06-cluster', 'primary.ts');
  const outDir = scratchDir('worker-');
  const { execArgv, script } = await nodeCommandFor(labFile('06-cluster', 'worker.ts'), outDir);
  const launched: ChildProcess[] = [];
  const logged: string[] = [];
  let stderr = '';
  const launch = (): ChildProcess => {
    const child = fork(script, [], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => { stderr = (stderr + text).slice(-4000); });
    launched.push(child);
    return child;
  };
  t.onFailure(() => stderr.trim() ? `your workers printed on stderr:\n${stderr.trimEnd().split('\n').map((line) => `    ${line}`).join('\n')}` : '');
  t.onFailure(() => logged.length ? `your relay logged:\n${logged.map((line) => `    ${line}`).join('\n')}` : '');
  // Cleanups run newest first, each under its own limit: the bundle goes last, whatever happens.
  t.defer(() => rmSync(outDir, { recursive: true, force: true }));
  t.defer(async () => {
    const running = launched.filter(alive);
    for (const child of running) child.kill('SIGKILL');
    await Promise.all(running.map((child) => once(child, 'exit')));
  });
  t.step(`started your relay: startClusterRelay({ host: "${LOOPBACK}", port: 0, workers: ${workers}, log })`);
  const relay = await t.within(startClusterRelay({ host: LOOPBACK, port: 0, workers, log: (line) => logged.push(line), launch }), 8000,
    'startClusterRelay to resolve once its workers are ready and it listens', () => `its promise has not settled; ${launched.length} worker(s) started`);
  // Closed before the processes above are killed (cleanups run newest first).
  t.defer(() => relay.close());
  return { relay, port: relay.port, launched, logged };
}

export { alive };
