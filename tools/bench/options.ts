// The bench's command line: parse it, check it, and turn it into plain settings. Anything
// wrong is a UsageError, which bench.ts prints as one line before exiting with code 2.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hasReference, REFERENCE, REPO_ROOT } from '../grader/lab.ts';
import { displayPath, resolveTarget } from '../grader/target.ts';
import { MAX_SIZE, MIN_SIZE } from './load.ts';

export const USAGE = `Usage: npm run bench -- [options]

Measures the chat relay against a bare forwarder (the ceiling: the same bytes moved from
socket to socket with no parsing) at each client count, then at half the relay's peak rate.

  --lab 05|06        the relay to measure: 05-relay (default) or 06-cluster
  --target T         ${hasReference() ? `${REFERENCE} (the reference, the default here), labs (your work)` : 'labs (your work, the default)'},
                     or a folder laid out like labs/
  --clients LIST     client counts, comma-separated (default 1,10,100)
  --messages M       messages each client sends in each run (default 2000)
  --size S           payload bytes per message, ${MIN_SIZE} to ${MAX_SIZE} (default 64)
  --workers N        lab 06 only: the relay's worker processes (default 2)
  --compare          measure every relay side by side instead, in one run: the forwarder,
                     lab 05, lab 06 with 1 and 2 workers, and Redis pub/sub if redis-server is
                     on the PATH; each client count pipelined, then one message at a time
  --idle COUNT       then hold COUNT silent clients on a fresh relay and check that it still
                     answers LIST (e.g. 10000; needs ulimit -n above COUNT)
  --out DIR          where results.json and chart.svg go (default bench-results/)
  --help             show this

See docs/benchmark.md.`;

export class UsageError extends Error {}

export interface BenchOptions {
  lab: '05' | '06';
  /** The folder holding the lab folders, e.g. /repo/labs. */
  targetDir: string;
  /** The lab's folder name: 05-relay or 06-cluster. */
  labFolder: string;
  /** What the user asked for, for the report: "labs", the reference's folder or a path. */
  targetName: string;
  clientCounts: number[];
  messagesPerClient: number;
  size: number;
  /** Lab 06 only. */
  workers?: number;
  idle?: number;
  /** Every relay side by side (compare.ts) instead of one against the forwarder. */
  compare: boolean;
  outDir: string;
}

const LAB_DIRS = { '05': '05-relay', '06': '06-cluster' } as const;
const MAX_MESSAGES_PER_RUN = 50_000_000;

/** A whole number within [min, max], or a UsageError that names the option. */
function wholeNumber(option: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`--${option} takes a whole number from ${min} to ${max} (got "${text}")`);
  }
  return value;
}

/** The settings, or 'help' when the user asked for the usage. */
export function parseOptions(argv: string[]): BenchOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        lab: { type: 'string', default: '05' },
        // A student copy has no reference solutions: there the default is the student's own work.
        target: { type: 'string', default: hasReference() ? REFERENCE : 'labs' },
        clients: { type: 'string', default: '1,10,100' },
        messages: { type: 'string', default: '2000' },
        size: { type: 'string', default: '64' },
        workers: { type: 'string' },
        idle: { type: 'string' },
        compare: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    // parseArgs explains itself in one sentence, then adds advice about positionals.
    throw new UsageError(`${(error as Error).message.split('. ')[0]} (see npm run bench -- --help)`);
  }
  if (values.help) return 'help';
  if (values.lab !== '05' && values.lab !== '06') throw new UsageError(`--lab takes 05 or 06 (got "${values.lab}")`);
  const lab = values.lab;
  if (values.compare && (values.lab !== '05' || values.workers !== undefined || values.idle !== undefined))
    throw new UsageError('--compare measures every relay: it takes no --lab, --workers or --idle');
  if (values.workers !== undefined && lab !== '06')
    throw new UsageError('--workers applies to --lab 06 only: the lab 05 relay is one process');

  const counts = values.clients.split(',').map((part) => wholeNumber('clients', part.trim(), 1, 10_000));
  const clientCounts = [...new Set(counts)].sort((a, b) => a - b);

  const messagesPerClient = wholeNumber('messages', values.messages, 1, 10_000_000);
  // One latency is kept per message of a run: 4 bytes each.
  if (clientCounts[clientCounts.length - 1] * messagesPerClient > MAX_MESSAGES_PER_RUN) {
    throw new UsageError(
      `--clients ${clientCounts[clientCounts.length - 1]} with --messages ${messagesPerClient} makes a run of more than ${MAX_MESSAGES_PER_RUN.toLocaleString('en-US')} messages`,
    );
  }

  const labFolder = LAB_DIRS[lab];
  let targetDir: string;
  try {
    targetDir = resolveTarget(values.target);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const relayFile = join(targetDir, labFolder, 'relay.ts');
  if (!existsSync(relayFile)) {
    const later = lab === '06' ? ' (lab 06 may not exist yet)' : '';
    throw new UsageError(`there is no ${displayPath(relayFile)}${later}: --target must hold ${labFolder}/relay.ts`);
  }

  return {
    lab,
    targetDir,
    labFolder,
    targetName: values.target,
    clientCounts,
    messagesPerClient,
    size: wholeNumber('size', values.size, MIN_SIZE, MAX_SIZE),
    workers: lab === '06' ? wholeNumber('workers', values.workers ?? '2', 1, 256) : undefined,
    idle: values.idle === undefined ? undefined : wholeNumber('idle', values.idle, 1, 1_000_000),
    compare: values.compare,
    outDir: values.out === undefined ? join(REPO_ROOT, 'bench-results') : resolve(values.out),
  };
}
