// npm run bench -- [--lab 05|06] [--target labs|DIR] [--clients 1,10,100]
//                  [--messages M] [--size S] [--workers N] [--idle COUNT] [--out DIR]
//
// Measures the chat relay against the bare forwarder, a server that only moves bytes and so
// is as fast as a relay in Node can be. Both run as child processes, each on its own core,
// started as a student starts them; the load comes from this process. For each client count:
// throughput, latency and the server's memory, first through the forwarder, then through
// the relay. Then both again at half the relay's peak rate, where latency (not throughput)
// is the point. With --idle, a fresh relay holds that many silent clients.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayPath, stageOutsideEsm } from '../grader/target.ts';
import { renderChart } from './chart.ts';
import { connectionLimitProblem } from './connect.ts';
import { runIdle } from './idle.ts';
import { windowFor } from './load.ts';
import { measure } from './measure.ts';
import { compareAll, verdicts } from './compare.ts';
import { parseOptions, UsageError, USAGE, type BenchOptions } from './options.ts';
import type { BenchResults, RunResult, ServerKind } from './results.ts';
import { startServer, type ServerProcess } from './server-process.ts';
import { idleReport, tableHeader, tableRow } from './table.ts';

const FORWARDER_FILE = fileURLToPath(new URL('forwarder.ts', import.meta.url));
/** The latency the relay should keep at half its peak rate. */
const TARGET_P99_MS = 10;
/** Messages per client in the untimed warm-up, so that the first measured run is not the JIT's. */
const WARM_UP_MESSAGES = 2000;

interface Servers {
  relay: ServerProcess;
  forwarder: ServerProcess;
}

function compare(relay: RunResult, ceiling: RunResult): void {
  relay.ratioToCeiling = {
    msgsPerSec: relay.msgsPerSec / ceiling.msgsPerSec,
    p99: relay.latencyMs.p99 / ceiling.latencyMs.p99,
  };
}

/** The forwarder then the relay at each client count, then both at half the relay's peak rate. */
async function loadRuns(servers: Servers, options: BenchOptions, results: BenchResults): Promise<void> {
  const base = { messagesPerClient: options.messagesPerClient, size: options.size };
  for (const kind of ['forwarder', 'relay'] as const) {
    await measure(
      servers[kind],
      kind,
      { ...base, clients: 2, messagesPerClient: Math.min(WARM_UP_MESSAGES, base.messagesPerClient) },
      'peak',
    );
  }
  console.log(tableHeader());
  const record = (run: RunResult) => {
    results.runs.push(run);
    console.log(tableRow(run));
  };

  let largest: RunResult | undefined;
  for (const clients of options.clientCounts) {
    const ceiling = await measure(servers.forwarder, 'forwarder', { ...base, clients }, 'peak');
    record(ceiling);
    const relay = await measure(servers.relay, 'relay', { ...base, clients }, 'peak');
    compare(relay, ceiling);
    record(relay);
    largest = relay;
  }

  const clients = largest!.clients;
  const rate = largest!.msgsPerSec / 2;
  const ceiling = await measure(servers.forwarder, 'forwarder', { ...base, clients, rate }, 'half');
  record(ceiling);
  const relay = await measure(servers.relay, 'relay', { ...base, clients, rate }, 'half');
  compare(relay, ceiling);
  record(relay);
  results.halfRate = {
    clients,
    rate,
    relayP99: relay.latencyMs.p99,
    forwarderP99: ceiling.latencyMs.p99,
    targetP99Ms: TARGET_P99_MS,
    met: relay.latencyMs.p99 < TARGET_P99_MS,
  };
  const verdict = results.halfRate.met ? 'met' : 'NOT met';
  console.log(
    `\np99 latency at half the relay's peak rate (${Math.round(rate).toLocaleString('en-US')} msgs/s, ${clients} clients): ${relay.latencyMs.p99.toFixed(2)} ms (target < ${TARGET_P99_MS} ms: ${verdict})`,
  );
}

function commandLine(argv: string[]): string {
  const args = argv.map((arg) => (/^[\w./,:=@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
  const program =
    process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'node --import tsx tools/bench/bench.ts';
  return args ? `${program}${program.startsWith('npm') ? ' --' : ''} ${args}` : program;
}

async function bench(options: BenchOptions): Promise<void> {
  const most = Math.max(...options.clientCounts);
  const limits =
    connectionLimitProblem(most, `${most} clients`) ??
    (options.idle === undefined ? undefined : connectionLimitProblem(options.idle, `--idle ${options.idle}`));
  if (limits) throw new Error(limits);
  // A target outside any "type": "module" package runs from a copy inside the repository.
  const staged = stageOutsideEsm(options.targetDir);
  if (staged) process.once('exit', () => rmSync(staged.dir, { recursive: true, force: true })); // Ctrl-C included
  const relayFile = join(staged?.dir ?? options.targetDir, options.labFolder, 'relay.ts');
  const relayArgs = options.workers === undefined ? [] : ['--workers', String(options.workers)];
  const results: BenchResults = {
    command: commandLine(process.argv.slice(2)),
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    lab: options.lab,
    target: options.targetName,
    relayFile: displayPath(join(options.targetDir, options.labFolder, 'relay.ts')),
    settings: {
      clientCounts: options.clientCounts,
      messagesPerClient: options.messagesPerClient,
      size: options.size,
      window: windowFor(options.size),
      workers: options.workers,
    },
    runs: [],
  };
  console.log(`Relay benchmark: ${results.relayFile} against the bare forwarder (tools/bench/forwarder.ts)`);
  console.log(
    `${options.messagesPerClient} messages of ${options.size} bytes per client and run, at most ${results.settings.window} in flight per client; ${results.cpus} CPUs, node ${results.node}\n`,
  );

  const servers: Partial<Servers> = {};
  try {
    servers.relay = await startServer({ name: 'relay', file: relayFile, args: relayArgs });
    servers.forwarder = await startServer({ name: 'forwarder', file: FORWARDER_FILE, args: ['--groups-from-stdin'] });
    await loadRuns(servers as Servers, options, results);
  } finally {
    await Promise.all([servers.relay?.stop(), servers.forwarder?.stop()]);
  }

  if (options.idle !== undefined) {
    // A fresh relay, so that its memory is the idle clients' and not the load runs' leftovers.
    console.log(`\nconnecting ${options.idle.toLocaleString('en-US')} idle clients to a fresh relay...`);
    const relay = await startServer({ name: 'relay', file: relayFile, args: relayArgs });
    try {
      results.idle = await runIdle(relay, options.idle).catch(async (error: Error) => {
        throw new Error((await relay.endsWithin(500)) ?? `idle mode, ${options.idle} clients: ${error.message}`);
      });
    } finally {
      await relay.stop();
    }
    console.log(idleReport(results.idle).join('\n'));
  }

  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(join(options.outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(options.outDir, 'chart.svg'), renderChart(results));
  console.log(
    `\nwrote ${displayPath(join(options.outDir, 'results.json'))} and ${displayPath(join(options.outDir, 'chart.svg'))}`,
  );
}

/** --compare: every relay side by side, then the targets of issue 13, then results.json. */
async function comparison(options: BenchOptions): Promise<void> {
  const most = Math.max(...options.clientCounts);
  const limits = connectionLimitProblem(most, `${most} clients`);
  if (limits) throw new Error(limits);
  console.log(
    `Relay comparison: ${displayPath(options.targetDir)}, the bare forwarder, and Redis pub/sub where installed`,
  );
  console.log(
    `${options.messagesPerClient} messages of ${options.size} bytes per client and run; ${availableParallelism()} CPUs, node ${process.version}`,
  );
  const compared = await compareAll(options);
  console.log('');
  for (const line of verdicts(compared, most)) console.log(line);
  const results = {
    command: commandLine(process.argv.slice(2)),
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    target: options.targetName,
    settings: { clientCounts: options.clientCounts, messagesPerClient: options.messagesPerClient, size: options.size },
    runs: compared.runs,
    verdicts: verdicts(compared, most),
  };
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(join(options.outDir, 'comparison.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${displayPath(join(options.outDir, 'comparison.json'))}`);
}

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  try {
    await (options.compare ? comparison(options) : bench(options));
    return 0;
  } catch (error) {
    console.error(`\nerror: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main();
