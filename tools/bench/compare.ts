// npm run bench -- --compare: every relay side by side, in one run, on the same load: the bare
// forwarder, lab 05, lab 06 with 1 and 2 workers, and Redis pub/sub when redis-server is on
// the PATH (optional: a reference users know, never a dependency). Each client count runs
// twice: pipelined (up to 64 messages in flight per client) and one message at a time. The
// servers all start first and wait their turn, idle, so that each run has the same machine.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { delimiter, join } from 'node:path';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { measure } from './measure.ts';
import type { BenchOptions } from './options.ts';
import type { RunResult, ServerKind } from './results.ts';
import { startServer, type ServerProcess } from './server-process.ts';
import { tableHeader, tableRow } from './table.ts';

const FORWARDER_FILE = fileURLToPath(new URL('forwarder.ts', import.meta.url));
const WARM_UP_MESSAGES = 2000;
const REDIS_START_MS = 10_000;
/**
 * One message at a time is slow (a round trip each): its runs stop at this many messages in
 * all, plenty for the CPU figures (/proc counts in 10 ms ticks: 0.1 µs a message here).
 */
const ONE_AT_A_TIME_MESSAGES = 100_000;

export interface Contender {
  label: string;
  kind: ServerKind;
  start(): Promise<ServerProcess>;
}

/** Where redis-server is, if it is on the PATH. */
function findOnPath(program: string): string | undefined {
  const names = process.platform === 'win32' ? [`${program}.exe`] : [program];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of names) if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** A port nobody uses now: redis-server takes a port number, not 0. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** redis-server on loopback, without persistence, as a ServerProcess. */
async function startRedis(file: string): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(
    file,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const label = `Redis (${file})`;
  let output = '';
  const exited = once(child, 'exit').then(
    ([code, signal]) =>
      `${label} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}: ${output.trim().slice(-500)}`,
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label} did not become ready within ${REDIS_START_MS / 1000} s:\n${output}`)),
      REDIS_START_MS,
    );
    const read = (text: string) => {
      output += text;
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.setEncoding('utf8').on('data', read);
    child.stderr.setEncoding('utf8').on('data', read);
    void exited.then((why) => {
      clearTimeout(timer);
      reject(new Error(why));
    });
  });
  return {
    label,
    pid: child.pid!,
    port,
    endsWithin: (ms) => {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        exited,
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
      ]).finally(() => clearTimeout(timer));
    },
    ask: () => Promise.reject(new Error('Redis takes no commands on stdin')),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, 'exit');
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** The contenders of a comparison: the relays of `options.targetDir`, the forwarder, Redis if installed. */
export function contenders(options: BenchOptions): Contender[] {
  const relay = (lab: string) => join(options.targetDir, lab, 'relay.ts');
  const list: Contender[] = [
    {
      label: 'forwarder',
      kind: 'forwarder',
      start: () => startServer({ name: 'forwarder', file: FORWARDER_FILE, args: ['--groups-from-stdin'] }),
    },
    { label: 'lab 05', kind: 'relay', start: () => startServer({ name: 'lab 05 relay', file: relay('05-relay') }) },
    {
      label: 'lab 06, 1 worker',
      kind: 'relay',
      start: () =>
        startServer({ name: 'lab 06 relay (1 worker)', file: relay('06-cluster'), args: ['--workers', '1'] }),
    },
    {
      label: 'lab 06, 2 workers',
      kind: 'relay',
      start: () =>
        startServer({ name: 'lab 06 relay (2 workers)', file: relay('06-cluster'), args: ['--workers', '2'] }),
    },
  ];
  const redis = findOnPath('redis-server');
  if (redis) list.push({ label: 'Redis pub/sub', kind: 'redis', start: () => startRedis(redis) });
  return list;
}

export interface Comparison {
  runs: RunResult[];
  /** Whether Redis took part. */
  redis: boolean;
}

/** Runs every contender at every client count, pipelined then one message at a time. */
export async function compareAll(options: BenchOptions): Promise<Comparison> {
  const list = contenders(options);
  const started: { contender: Contender; server: ServerProcess }[] = [];
  const runs: RunResult[] = [];
  try {
    for (const contender of list) started.push({ contender, server: await contender.start() });
    const base = { messagesPerClient: options.messagesPerClient, size: options.size };
    for (const { contender, server } of started) {
      await measure(
        server,
        contender.kind,
        { ...base, clients: 2, messagesPerClient: Math.min(WARM_UP_MESSAGES, base.messagesPerClient) },
        'peak',
      );
    }
    for (const [mode, window] of [
      ['pipelined', undefined],
      ['one message at a time', 1],
    ] as const) {
      console.log(`\n${mode}:`);
      console.log(tableHeader());
      for (const clients of options.clientCounts) {
        for (const { contender, server } of started) {
          const messagesPerClient =
            window === 1
              ? Math.min(base.messagesPerClient, Math.max(1, Math.floor(ONE_AT_A_TIME_MESSAGES / clients)))
              : base.messagesPerClient;
          const run = await measure(server, contender.kind, { ...base, messagesPerClient, clients, window }, 'peak');
          run.label = contender.label;
          runs.push(run);
          console.log(tableRow(run));
        }
      }
    }
  } finally {
    await Promise.all(started.map(({ server }) => server.stop()));
  }
  return { runs, redis: list.some((contender) => contender.kind === 'redis') };
}

/** The targets of issue 13, each with its measured figure: met or not. */
export function verdicts({ runs, redis }: Comparison, clients: number): string[] {
  const find = (label: string, window: 'pipelined' | 'single') =>
    runs.find(
      (run) =>
        run.label === label && run.clients === clients && (window === 'single' ? run.window === 1 : run.window > 1),
    );
  const lines: string[] = [];
  const lab05 = find('lab 05', 'pipelined');
  const lab06 = find('lab 06, 2 workers', 'pipelined');
  if (lab05 && lab06) {
    const ratio = lab06.msgsPerSec / lab05.msgsPerSec;
    lines.push(
      `lab 06 (2 workers) / lab 05 throughput, pipelined, ${clients} clients: ${ratio.toFixed(2)}× (target >= 1.0: ${ratio >= 1 ? 'met' : 'NOT met'})`,
    );
    const share = lab06.rootCpuUsPerMsg / lab05.cpuUsPerMsg;
    lines.push(
      `lab 06 primary's CPU per message: ${lab06.rootCpuUsPerMsg.toFixed(2)} µs = ${(share * 100).toFixed(1)} % of lab 05's ${lab05.cpuUsPerMsg.toFixed(2)} µs (target <= 10 %: ${share <= 0.1 ? 'met' : 'NOT met'})`,
    );
  }
  for (const window of ['pipelined', 'single'] as const) {
    const relay = find('lab 05', window);
    const reference = find('Redis pub/sub', window);
    const name = window === 'single' ? 'one at a time' : 'pipelined';
    if (!redis) {
      lines.push(`lab 05 / Redis CPU per message, ${name}: no redis-server on the PATH, not measured`);
    } else if (relay && reference) {
      const ratio = relay.cpuUsPerMsg / reference.cpuUsPerMsg;
      lines.push(
        `lab 05 / Redis CPU per message, ${name}, ${clients} clients: ${relay.cpuUsPerMsg.toFixed(1)} / ${reference.cpuUsPerMsg.toFixed(1)} µs = ${ratio.toFixed(2)}× (target <= 1.5: ${ratio <= 1.5 ? 'met' : 'NOT met'})`,
      );
    }
  }
  return lines;
}
