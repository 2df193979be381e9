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
    // BEGIN SOLUTION "Task 1: one table, in the primary"
    tellWorker(this.slot, { type: 'deliver', client: this.id, line });
    // END SOLUTION
  }

  close(lastLine?: string): void {
    this.closed = true;
    // BEGIN SOLUTION "Task 1: one table, in the primary"
    tellWorker(this.slot, { type: 'close', client: this.id, line: lastLine });
    // END SOLUTION
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
    // BEGIN SOLUTION "Task 1: one table, in the primary"
    const client = this.clients.get(message.client);
    if (!client || client.slot !== slot) return; // already gone
    if (message.type === 'gone') {
      this.forget(client);
      return;
    }
    // After QUIT or a bad line, the lines the worker had already passed up do not count.
    if (client.closed) return;
    switch (message.type) {
      case 'line':
        handleLine(this.table, client, message.line);
        return;
      case 'bad-line':
        this.forget(client);
        client.close(`ERR bad-line ${message.reason}`);
        return;
      case 'end':
        // Every line before the end is answered already (one channel, in order): close.
        this.forget(client);
        client.close();
        return;
    }
    // END SOLUTION
  }

  /** Every client of a worker that died: they are gone, and so are their names. */
  forgetWorker(slot: WorkerSlot): void {
    // BEGIN SOLUTION "Task 3: the pool of workers"
    for (const client of this.clients.values()) {
      if (client.slot === slot) this.forget(client);
    }
    // END SOLUTION
  }

  private forget(client: RemoteClient): void {
    this.table.release(client);
    this.clients.delete(client.id);
  }
}

export async function startClusterRelay({ host = '0.0.0.0', port = 5000, workers = 2, log = console.log, launch = launchWorker }: ClusterOptions = {}): Promise<ClusterRelay> {
  // BEGIN SOLUTION "Task 3: the pool of workers"
  const directory = new Directory();
  const slots: WorkerSlot[] = [];
  let closing = false;
  let nextClient = 0;
  let turn = 0;
  const waiting: net.Socket[] = []; // connections that came while no worker was ready

  const handOut = (socket: net.Socket) => {
    // A worker whose channel has closed is dying: its 'exit' has not come yet, but it
    // could not receive the socket.
    const ready = slots.filter((slot) => slot.ready && slot.child.connected);
    if (ready.length === 0) {
      waiting.push(socket);
      return;
    }
    const slot = ready[turn++ % ready.length];
    const client = new RemoteClient(nextClient++, slot);
    directory.clients.set(client.id, client);
    handOver(slot.child, { type: 'connection', client: client.id }, socket);
  };

  const start = (index: number): Promise<void> => {
    const slot: WorkerSlot = { index, child: launch(index), ready: false };
    slots[index] = slot;
    let becameReady = () => {};
    const whenReady = new Promise<void>((resolve, reject) => {
      becameReady = resolve;
      slot.child.once('exit', () => reject(new Error(`worker ${index} exited before it was ready`)));
    });
    receive<ToPrimary>(slot.child, (message) => {
      if (message.type !== 'ready') return directory.handle(slot, message);
      slot.ready = true;
      becameReady();
      for (const socket of waiting.splice(0)) handOut(socket);
    });
    slot.child.on('error', (error) => log(`worker ${index}: ${error.message}`));
    slot.child.on('exit', (code, signal) => {
      const wasReady = slot.ready;
      slot.ready = false;
      directory.forgetWorker(slot);
      if (closing) return;
      // One that died before it was ready would only die again: replacing it would spin.
      if (!wasReady) return log(`worker ${index} exited before it was ready (${signal ?? `exit code ${code}`})`);
      log(`worker ${index} died (${signal ?? `exit code ${code}`}); its clients are gone; starting a new one`);
      start(index).catch(() => {}); // its failure is logged by its own exit handler
    });
    return whenReady;
  };

  // pauseOnConnect: not one byte is read here; the worker that gets the socket reads them all.
  const server = net.createServer({ pauseOnConnect: true, noDelay: true }, handOut);
  const close = async () => {
    closing = true;
    server.close();
    for (const socket of waiting.splice(0)) socket.destroy();
    await Promise.all(slots.map(async (slot) => {
      if (slot.child.exitCode !== null || slot.child.signalCode !== null) return;
      const exited = once(slot.child, 'exit');
      slot.child.kill('SIGTERM');
      await exited;
    }));
  };
  try {
    await Promise.all(Array.from({ length: workers }, (_, index) => start(index)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { server, port: (server.address() as net.AddressInfo).port, workers: () => slots.map((slot) => slot.child), close };
  // END SOLUTION
}
