// Lab 06: the primary process of the relay on every core. It accepts every connection and
// hands it, still paused, to one of its worker processes in turn. It alone keeps the table
// of names and answers every line (lab 05's handleLine, unchanged): a worker passes each
// client's lines up, and the answers, messages and broadcasts come back down to whichever
// worker holds the client they are for. One table in one process: claiming a name is
// atomic, and no two clients on different workers can get the same one.
import net from 'node:net';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { NameTable } from '../04-names/names.ts';
import { handleLine, type Recipient } from '../05-relay/relay.ts';
import { handOver, post, receive, type ToPrimary, type ToWorker } from './messages.ts';

const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** Starts worker number `index`. Tests pass their own (a prebuilt worker starts faster). */
export type LaunchWorker = (index: number) => ChildProcess;

/** The worker as a TypeScript program, the way `npx tsx` runs it. */
export const launchWorker: LaunchWorker = () => fork(WORKER_FILE, [], { execArgv: ['--import', 'tsx'] });

export interface ClusterOptions {
  host?: string;
  port?: number;
  /** How many worker processes (default 2). */
  workers?: number;
  log?: (line: string) => void;
  launch?: LaunchWorker;
}

export interface ClusterRelay {
  server: net.Server;
  port: number;
  /** The live worker processes, by slot (a dead worker's replacement takes its slot). */
  workers(): ChildProcess[];
  /** Stops accepting, ends every worker, and resolves once they have all exited. */
  close(): Promise<void>;
}

/** One slot of the pool: the worker process in it now, and whether it takes connections yet. */
export interface WorkerSlot {
  index: number;
  child: ChildProcess;
  ready: boolean;
}

/** A client held by some worker, as the primary's table sees it. */
export class RemoteClient implements Recipient {
  /** Set once the relay closes this client (QUIT, a bad line, its end): nothing it sent after counts. */
  closed = false;

  constructor(readonly id: number, readonly slot: WorkerSlot) {}

  send(line: string): void {
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 1: one table, in the primary").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 1: one table, in the primary\"");
  }

  close(lastLine?: string): void {
    this.closed = true;
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 1: one table, in the primary").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 1: one table, in the primary\"");
  }
}

/** Sends to a worker if it can still hear: a message for a dead worker has no one to go to. */
export function tellWorker(slot: WorkerSlot, message: ToWorker): void {
  post(slot.child, message);
}

/**
 * The table of names and every client the workers hold: answers what the workers pass up.
 * Everything runs on the primary's one thread, so each message is handled whole, in order.
 */
export class Directory {
  readonly table = new NameTable<RemoteClient>();
  readonly clients = new Map<number, RemoteClient>();

  /** A worker's message about one of its clients. */
  handle(slot: WorkerSlot, message: Exclude<ToPrimary, { type: 'ready' }>): void {
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 1: one table, in the primary").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 1: one table, in the primary\"");
  }

  /** Every client of a worker that died: they are gone, and so are their names. */
  forgetWorker(slot: WorkerSlot): void {
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 3: the pool of workers").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 3: the pool of workers\"");
  }

  private forget(client: RemoteClient): void {
    this.table.release(client);
    this.clients.delete(client.id);
  }
}

export async function startClusterRelay({ host = '0.0.0.0', port = 5000, workers = 2, log = console.log, launch = launchWorker }: ClusterOptions = {}): Promise<ClusterRelay> {
  // TODO: write this part (see labs/06-cluster/README.md, section "Task 3: the pool of workers").
  throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 3: the pool of workers\"");
}
