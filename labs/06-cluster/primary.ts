// Lab 06: the primary process of the relay on every core. It accepts every connection and
// hands it, still paused, to one of its worker processes in turn, and it owns the names: it
// alone decides whether a name is free (lab 04's table, one in the whole relay), and tells
// every worker of every name claimed and released, numbered, in order, and answers LIST from
// its table. It never sees a chat message: the workers answer every other line themselves, and
// send each other the messages for each other's clients over the mesh. So it stays off the
// path every message takes.
import net from 'node:net';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { NameTable } from '../04-names/names.ts';
import { answerTableCommand } from '../04-names/server.ts';
import { IDLE_TIMEOUT_MS, logRefusals, MAX_QUEUED_BYTES, namesLines } from '../05-relay/relay.ts';
import { handOver, post, postNow, receive, type MeshAddress, type NameEntry, type NameUpdate, type ToPrimary } from './messages.ts';

const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** Starts worker number `index`. Tests pass their own (a prebuilt worker starts faster). */
export type LaunchWorker = (index: number) => ChildProcess;

/** The worker as a TypeScript program, the way `npx tsx` runs it. */
export const launchWorker: LaunchWorker = () => fork(WORKER_FILE, [], { execArgv: ['--import', 'tsx'] });

/**
 * How long a worker has to say it `took` a connection before the primary takes it as lost on
 * the way: a worker out of file descriptors cannot receive one, and its Node drops it without
 * a word to either side. A worker says `took` as soon as the connection reaches it, so a
 * healthy one is never near this.
 */
export const HAND_OVER_TIMEOUT_MS = 5000;

export interface ClusterOptions {
  host?: string;
  port?: number;
  /** How many worker processes (default 2). */
  workers?: number;
  log?: (line: string) => void;
  launch?: LaunchWorker;
  /** Lab 05's limits, passed to every worker. */
  maxQueuedBytes?: number;
  idleTimeoutMs?: number;
  /** HAND_OVER_TIMEOUT_MS unless given (the tests shorten it). */
  handOverTimeoutMs?: number;
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
  /** Where its mesh listens, once it is ready. */
  mesh?: MeshAddress;
  /** The version of the names it has said it applied (its welcome's, then each `applied`). */
  applied: number;
}

/**
 * The owner of the names. Its table maps each name to a client's number; every change to it
 * gets the next version number and goes to every ready worker, so that each keeps an exact
 * copy, some versions behind at most. Everything runs on the primary's one thread, so each
 * claim is decided whole, in order: a name is claimed once, across every worker.
 */
export class Registry {
  readonly table = new NameTable<number>();
  /** How many changes the table has had. */
  version = 0;
  /** Every client handed to a worker, and that worker's slot, until it is gone. */
  readonly clients = new Map<number, WorkerSlot>();
  /** What waits until every ready worker has applied a version (an OK NAME, a BYE), oldest first. */
  private readonly waiting: { version: number; then: () => void }[] = [];

  constructor(private readonly slots: WorkerSlot[]) {}

  /** Client `client` of the worker in `slot` sent NAME `name`. */
  claim(slot: WorkerSlot, client: number, name: string): void {
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 1: names, claimed from the primary").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 1: names, claimed from the primary\"");
  }

  /** Client `client` of the worker in `slot` sent LIST. */
  list(slot: WorkerSlot, client: number): void {
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 1: names, claimed from the primary").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 1: names, claimed from the primary\"");
  }

  /** Client `client` of the worker in `slot` is gone: its name is free. */
  gone(slot: WorkerSlot, client: number): void {
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 1: names, claimed from the primary").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 1: names, claimed from the primary\"");
  }

  /**
   * Runs `then` once every ready worker has applied version `version` of the names: at once if
   * they all have, else when the last of them says so (`applied`) or dies.
   */
  whenEveryWorkerHas(version: number, then: () => void): void {
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 1: names, claimed from the primary").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 1: names, claimed from the primary\"");
  }

  /** The worker in `slot` has applied every change up to `version`. */
  applied(slot: WorkerSlot, version: number): void {
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 1: names, claimed from the primary").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 1: names, claimed from the primary\"");
  }

  /** Runs what waited for versions every ready worker has now applied (also after a death). */
  settle(): void {
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 1: names, claimed from the primary").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 1: names, claimed from the primary\"");
  }

  /** Every client of a worker that died: they are gone, and so are their names. */
  forgetWorker(slot: WorkerSlot): void {
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 4: the pool of workers").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 4: the pool of workers\"");
  }

  /** The names as they are now, for a worker that starts with this version. */
  snapshot(): NameEntry[] {
    return this.table.list().map((name) => {
      const client = this.table.connectionOf(name)!;
      return { name, client, worker: this.clients.get(client)!.index };
    });
  }

  /** Sends a change to every ready worker: each gets every change, in order. */
  private publish(update: NameUpdate): void {
    for (const slot of this.slots) if (slot?.ready) post(slot.child, update);
  }
}

export async function startClusterRelay({ host = '0.0.0.0', port = 5000, workers = 2, log = console.log, launch = launchWorker, maxQueuedBytes = MAX_QUEUED_BYTES, idleTimeoutMs = IDLE_TIMEOUT_MS, handOverTimeoutMs = HAND_OVER_TIMEOUT_MS }: ClusterOptions = {}): Promise<ClusterRelay> {
  // TODO: write this part (see labs/06-cluster/README.md, section "Task 4: the pool of workers").
  throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 4: the pool of workers\"");
}
