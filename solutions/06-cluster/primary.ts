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
    // BEGIN SOLUTION "Task 1: names, claimed from the primary"
    if (this.clients.get(client) !== slot) return; // gone already, or not that worker's
    const named = this.table.nameOf(client) !== undefined;
    const line = answerTableCommand(this.table, client, { kind: 'NAME', name });
    if (!named && this.table.nameOf(client) === name) this.publish({ type: 'claimed', version: ++this.version, name, client, worker: slot.index });
    // Only once every worker has the change: a client told OK NAME may be sent to at once,
    // from any worker, and no worker may answer ERR unknown-name.
    this.whenEveryWorkerHas(this.version, () => post(slot.child, { type: 'answer', client, lines: [line] }));
    // END SOLUTION
  }

  /** Client `client` of the worker in `slot` sent LIST. */
  list(slot: WorkerSlot, client: number): void {
    // BEGIN SOLUTION "Task 1: names, claimed from the primary"
    // From this table, not the worker's copy: that may not have the name another worker's
    // client has just been told is its own.
    if (this.clients.get(client) !== slot) return;
    post(slot.child, { type: 'answer', client, lines: namesLines(this.table.list()) });
    // END SOLUTION
  }

  /** Client `client` of the worker in `slot` is gone: its name is free. */
  gone(slot: WorkerSlot, client: number): void {
    // BEGIN SOLUTION "Task 1: names, claimed from the primary"
    if (this.clients.get(client) !== slot) return;
    this.clients.delete(client);
    if (this.table.release(client) !== undefined) this.publish({ type: 'released', version: ++this.version, client });
    // END SOLUTION
  }

  /**
   * Runs `then` once every ready worker has applied version `version` of the names: at once if
   * they all have, else when the last of them says so (`applied`) or dies.
   */
  whenEveryWorkerHas(version: number, then: () => void): void {
    // BEGIN SOLUTION "Task 1: names, claimed from the primary"
    this.waiting.push({ version, then });
    this.settle();
    // END SOLUTION
  }

  /** The worker in `slot` has applied every change up to `version`. */
  applied(slot: WorkerSlot, version: number): void {
    // BEGIN SOLUTION "Task 1: names, claimed from the primary"
    slot.applied = version;
    this.settle();
    // END SOLUTION
  }

  /** Runs what waited for versions every ready worker has now applied (also after a death). */
  settle(): void {
    // BEGIN SOLUTION "Task 1: names, claimed from the primary"
    // Versions only grow, so the waiting list is in order: the oldest decides.
    const behind = (version: number) => this.slots.some((slot) => slot?.ready && slot.applied < version);
    while (this.waiting.length > 0 && !behind(this.waiting[0].version)) this.waiting.shift()!.then();
    // END SOLUTION
  }

  /** Every client of a worker that died: they are gone, and so are their names. */
  forgetWorker(slot: WorkerSlot): void {
    // BEGIN SOLUTION "Task 4: the pool of workers"
    for (const [client, owner] of this.clients) {
      if (owner === slot) this.gone(slot, client);
    }
    // END SOLUTION
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
  // BEGIN SOLUTION "Task 4: the pool of workers"
  const slots: WorkerSlot[] = [];
  const registry = new Registry(slots);
  let closing = false;
  let nextClient = 0;
  let turn = 0;
  const waiting: net.Socket[] = []; // connections that came while no worker was ready
  // Connections handed to a worker that has not said it took them: ours to serve elsewhere
  // (or close) if that worker dies first, never left hanging.
  const onTheirWay = new Map<number, { socket: net.Socket; slot: WorkerSlot; deadline: NodeJS.Timeout }>();
  // Workers that have lost a connection on the way and not taken one since: logged once a spell.
  const notTaking = new Set<WorkerSlot>();

  /** The worker never took it: close our copy, the only one left (lab 05's refusal, late). */
  const lost = (client: number) => {
    const { socket, slot } = onTheirWay.get(client)!;
    onTheirWay.delete(client);
    registry.gone(slot, client);
    socket.destroy();
    if (!notTaking.has(slot)) log(`worker ${slot.index} did not take a connection within ${handOverTimeoutMs} ms (out of file descriptors?); closing the connections it does not take`);
    notTaking.add(slot);
  };

  const handOut = (socket: net.Socket) => {
    // A worker whose channel has closed is dying: its 'exit' has not come yet, but it
    // could not receive the socket.
    const ready = slots.filter((slot) => slot?.ready && slot.child.connected);
    if (ready.length === 0) {
      waiting.push(socket);
      return;
    }
    const slot = ready[turn++ % ready.length];
    const client = nextClient++;
    registry.clients.set(client, slot);
    onTheirWay.set(client, { socket, slot, deadline: setTimeout(() => lost(client), handOverTimeoutMs) });
    handOver(slot.child, { type: 'connection', client }, socket);
  };

  const handle = (slot: WorkerSlot, message: ToPrimary) => {
    switch (message.type) {
      case 'ready': {
        slot.mesh = { worker: slot.index, ...message.mesh };
        const peers = slots.filter((other) => other?.ready && other.mesh).map((other) => other.mesh!);
        // At once, so that it is the first thing the worker reads, before any connection.
        postNow(slot.child, { type: 'welcome', worker: slot.index, version: registry.version, names: registry.snapshot(), peers, limits: { maxQueuedBytes, idleTimeoutMs } });
        slot.applied = registry.version; // it reads the welcome before any change
        for (const other of slots) if (other?.ready) post(other.child, { type: 'peer', peer: slot.mesh });
        slot.ready = true;
        for (const socket of waiting.splice(0)) handOut(socket);
        return;
      }
      case 'took': {
        const taken = onTheirWay.get(message.client);
        if (notTaking.delete(slot)) log(`worker ${slot.index} takes connections again`);
        if (!taken) {
          // Later than handOverTimeoutMs: we had given it up, but it did reach this worker.
          if (slot.ready) registry.clients.set(message.client, slot);
          return;
        }
        clearTimeout(taken.deadline);
        onTheirWay.delete(message.client);
        taken.socket.destroy(); // our copy only: the worker's keeps the connection open
        return;
      }
      case 'claim':
        return registry.claim(slot, message.client, message.name);
      case 'list':
        return registry.list(slot, message.client);
      case 'gone':
        registry.gone(slot, message.client);
        // Only once every worker has freed the name may this one write BYE: a client that
        // read it may claim the name at once, and no worker may still accept a SEND to it.
        return registry.whenEveryWorkerHas(registry.version, () => post(slot.child, { type: 'left', client: message.client }));
      case 'applied':
        return registry.applied(slot, message.version);
      case 'log':
        return log(`worker ${slot.index}: ${message.line}`);
    }
  };

  const start = (index: number): Promise<void> => {
    const slot: WorkerSlot = { index, child: launch(index), ready: false, applied: 0 };
    slots[index] = slot;
    let becameReady = () => {};
    const whenReady = new Promise<void>((resolve, reject) => {
      becameReady = resolve;
      slot.child.once('exit', () => reject(new Error(`worker ${index} exited before it was ready`)));
    });
    receive<ToPrimary>(slot.child, (message) => {
      handle(slot, message);
      if (message.type === 'ready') becameReady();
    });
    slot.child.on('error', (error) => log(`worker ${index}: ${error.message}`));
    slot.child.on('exit', (code, signal) => {
      const wasReady = slot.ready;
      slot.ready = false;
      registry.forgetWorker(slot);
      registry.settle(); // what waited for it waits no more
      // The connections it never took: serve them on another worker, or close them.
      for (const [client, { socket, slot: owner, deadline }] of onTheirWay) {
        if (owner !== slot) continue;
        clearTimeout(deadline);
        onTheirWay.delete(client);
        if (closing) socket.destroy();
        else handOut(socket);
      }
      if (closing) return;
      // One that died before it was ready would only die again: replacing it would spin.
      if (!wasReady) return log(`worker ${index} exited before it was ready (${signal ?? `exit code ${code}`})`);
      log(`worker ${index} died (${signal ?? `exit code ${code}`}); its clients are gone; starting a new one`);
      start(index).catch(() => {}); // its failure is logged by its own exit handler
    });
    return whenReady;
  };

  // pauseOnConnect: not one byte is read here; the worker that gets the socket reads them all.
  const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
    socket.on('error', () => {}); // a reset before a worker took it: the worker's copy sees it too
    handOut(socket);
  });
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
        // Lab 05's: a failed accept (out of descriptors) is logged once, not a crash.
        logRefusals(server, log);
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
