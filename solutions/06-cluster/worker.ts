// Lab 06: a worker process. It holds connections and does all the work of a message: it
// reads the clients' lines (lab 02) and answers them with lab 05's handleLine, on its own copy
// of the names, the directory. A message for a client of this worker is written to that
// client at once; one for a client of another worker goes straight to that worker over the
// mesh (mesh.ts). The primary sees no message at all: only NAME and LIST ask it, since only it
// can say whether a name is free, and which names are taken right now; it tells every worker of
// every name claimed and released.
//
// The primary starts it with child_process.fork(); it is not run by hand.
import type net from 'node:net';
import { FramingError, MessageDecoder } from '../02-framing/framing.ts';
import { MAX_LINE_BYTES, parseCommand } from '../04-names/protocol.ts';
import { NameTable } from '../04-names/names.ts';
import { Client, CUT_OFF_GRACE_MS, flushed, handleLine, IDLE_TIMEOUT_MS, IdleWatch, linesQueuedSoFar, MAX_QUEUED_BYTES, nextTurn, TURN_BUDGET, type Recipient } from '../05-relay/relay.ts';
import { Mesh, type Frame } from './mesh.ts';
import { post, postNow, receive, type Limits, type NameUpdate, type ToPrimary, type ToWorker } from './messages.ts';

/** Sends a message to the primary (nothing, once the primary is gone). */
function tell(message: ToPrimary): void {
  post(process, message);
}

/** Sends the frame for `line` to client `client` of worker `worker`, over the mesh. */
export type Forward = (worker: number, client: number, line: string) => void;

/** A named client of another worker, as this worker's directory sees it: a number, on a worker. */
export class RemoteClient implements Recipient {
  constructor(readonly id: number, readonly worker: number, private readonly forward: Forward) {}

  send(line: string): void {
    // BEGIN SOLUTION "Task 2: the directory"
    this.forward(this.worker, this.id, line);
    // END SOLUTION
  }

  /** handleLine closes only the client whose line it answers, and that one is always ours. */
  close(): void {}
}

/**
 * This worker's copy of the names: lab 04's table, whose entries are this worker's own
 * clients (lab 05's Client) and stand-ins for the named clients of the others. It is always
 * some version of the primary's table: version N has the first N changes applied, in order.
 */
export class Directory {
  readonly table = new NameTable<Recipient>();
  /** How many of the primary's changes this copy has applied. */
  version = 0;
  /** This worker's number (from the primary's welcome). */
  worker = -1;
  /** This worker's clients, named or not, by number. */
  readonly local = new Map<number, Client>();
  /** The named clients of the other workers, by number. */
  readonly remote = new Map<number, RemoteClient>();
  /** Frames that came from a worker whose directory was newer than this one, in arrival order. */
  readonly held: Frame[] = [];
  /** Lab 05's limits, as the primary's welcome gives them (runWorker sets them). */
  limits: Limits = { maxQueuedBytes: MAX_QUEUED_BYTES, idleTimeoutMs: IDLE_TIMEOUT_MS };
  /** Clients closing after QUIT, waiting for the primary's `left`, by number. */
  readonly leaving = new Map<number, () => void>();
  /**
   * A promise while the mesh holds too much for a worker that reads slower than this one sends
   * (Mesh.congested), resolved once it has caught up; undefined otherwise (runWorker sets it).
   */
  meshBacklog: () => Promise<void> | undefined = () => undefined;

  constructor(readonly forward: Forward) {}

  /** The primary's welcome: this worker's number, and the names as of `version`. */
  load(worker: number, version: number, names: { name: string; client: number; worker: number }[]): void {
    this.worker = worker;
    for (const entry of names) this.apply({ type: 'claimed', version, ...entry });
    this.version = version;
    this.release();
  }

  /** One change from the primary, the next in order: apply it, then deliver what waited for it. */
  apply(update: NameUpdate): void {
    // BEGIN SOLUTION "Task 2: the directory"
    this.version = update.version;
    if (update.type === 'claimed') {
      const client = update.worker === this.worker
        ? this.local.get(update.client) // gone already: its release comes next
        : new RemoteClient(update.client, update.worker, this.forward);
      if (client instanceof RemoteClient) this.remote.set(update.client, client);
      if (client) this.table.claim(update.name, client);
    } else {
      const client = this.local.get(update.client) ?? this.remote.get(update.client);
      if (client) this.table.release(client);
      this.remote.delete(update.client);
    }
    this.release();
    // END SOLUTION
  }

  /**
   * A frame from another worker. It is for a client of this worker, by number: deliver it,
   * unless the sender's directory was newer than ours (or an earlier frame waits for that):
   * then hold it until our directory has caught up.
   */
  arrived(frame: Frame): void {
    // BEGIN SOLUTION "Task 3: when the directory is out of date"
    if (this.held.length > 0 || frame.version > this.version) {
      this.held.push(frame);
      return;
    }
    this.local.get(frame.client)?.send(frame.line); // gone already: so is the message
    // END SOLUTION
  }

  /** Delivers the held frames that this version of the directory may now deliver, in order. */
  private release(): void {
    // BEGIN SOLUTION "Task 3: when the directory is out of date"
    while (this.held.length > 0 && this.held[0].version <= this.version) {
      const frame = this.held.shift()!;
      this.local.get(frame.client)?.send(frame.line);
    }
    // END SOLUTION
  }
}

/**
 * Lab 05's Client, whose close (after QUIT, or a bad line) waits for `beforeClose`: until the
 * primary has freed the client's name. Meanwhile `closing` is true and nothing more is answered.
 */
export class LeavingClient extends Client {
  closing = false;

  constructor(socket: net.Socket, maxQueuedBytes: number, onCutOff: (client: Client) => void, private readonly beforeClose: () => Promise<void>) {
    super(socket, maxQueuedBytes, onCutOff);
  }

  override close(lastLine?: string): void {
    if (this.closing) return;
    this.closing = true;
    void this.beforeClose().then(() => super.close(lastLine));
  }
}

/** Clients whose line waits for the primary's answer (a claim, a LIST), by number: each resolves when it comes. */
export type Pending = Map<number, () => void>;

/**
 * Answers one line from client `id` of this worker. A NAME from a client without a name, and a
 * LIST, ask the primary, and resolve once its answer is sent; every other line is lab 05's
 * handleLine, on the directory, answered at once.
 */
export function answer(directory: Directory, pending: Pending, id: number, client: Client, line: string): Promise<void> | undefined {
  // BEGIN SOLUTION "Task 1: names, claimed from the primary"
  const ask = (question: ToPrimary) => {
    tell(question);
    return new Promise<void>((resolve) => pending.set(id, resolve));
  };
  if (line.startsWith('NAME ') || line.startsWith('LIST')) {
    let command;
    try {
      command = parseCommand(line);
    } catch {
      command = undefined; // handleLine answers the error
    }
    if (command?.kind === 'NAME' && directory.table.nameOf(client) === undefined) return ask({ type: 'claim', client: id, name: command.name });
    // The directory may not have a name another worker's client has just been granted.
    if (command?.kind === 'LIST') return ask({ type: 'list', client: id });
  }
  handleLine(directory.table, client, line);
  return undefined;
  // END SOLUTION
}

/**
 * Serves one connection, number `id`, that the primary has just handed over: lab 05's
 * receive loop, except that a NAME or a LIST waits for the primary's answer before the next line.
 */
export async function serveConnection(socket: net.Socket, id: number, directory: Directory, pending: Pending): Promise<void> {
  // BEGIN SOLUTION "Task 1: names, claimed from the primary"
  const peer = `${socket.remoteAddress}:${socket.remotePort}`; // unknown once the socket is gone
  const { maxQueuedBytes, idleTimeoutMs } = directory.limits;
  const client = new LeavingClient(socket, maxQueuedBytes, () => {
    tell({ type: 'log', line: `cutting off ${directory.table.nameOf(client) ?? 'a client'}: it does not read` });
    leave();
  }, () => {
    // QUIT or a bad line: BYE (or the error) waits until the primary has freed the name, so a
    // client that has read it can claim the name again at once, on any worker.
    if (!leave()) return Promise.resolve();
    return new Promise<void>((resolve) => directory.leaving.set(id, resolve));
  });
  const leave = () => {
    if (directory.local.get(id) !== client) return false; // once only
    directory.local.delete(id);
    directory.table.release(client);
    tell({ type: 'gone', client: id });
    return true;
  };
  directory.local.set(id, client);
  // Lab 05's liveness: PING after idleTimeoutMs of silence, cut off after as long again.
  const idle = new IdleWatch(idleTimeoutMs, () => client.send('PING'), () => {
    if (socket.writableEnded) return; // closing already (QUIT, a cut-off)
    tell({ type: 'log', line: `cutting off ${directory.table.nameOf(client) ?? 'a client'}: no line for ${(2 * idleTimeoutMs) / 1000} s, not even after PING` });
    leave();
    client.close(`ERR idle-timeout no line from you for ${(2 * idleTimeoutMs) / 1000} s, not even PONG after PING`);
    setTimeout(() => socket.destroy(), CUT_OFF_GRACE_MS).unref();
  });
  // Its own replies never cut a client off (lab 05's Client.answering): backpressure bounds them.
  const reply = (line: string) => {
    idle.heard();
    client.answering = true;
    try {
      return answer(directory, pending, id, client, line);
    } finally {
      client.answering = false;
    }
  };
  let work = 0; // this turn's, in lab 05's TURN_BUDGET units
  // Logged here once; the loop below ends on the same error without logging it again.
  socket.on('error', (error) => tell({ type: 'log', line: `connection from ${peer} failed: ${error.message}` }));
  // We close our side ourselves, after the replies: a half-closed client still gets them all.
  socket.allowHalfOpen = true;
  const decoder = new MessageDecoder(MAX_LINE_BYTES);
  try {
    // Tell the primary before reading a byte: until it knows, it keeps its own copy of the
    // socket, to serve elsewhere should this worker die.
    await new Promise<void>((resolve) => postNow(process, { type: 'took', client: id }, resolve));
    for await (const chunk of socket.iterator({ destroyOnReturn: false })) {
      let lines: string[];
      let bad: FramingError | undefined;
      try {
        lines = decoder.push(chunk as Buffer);
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        [lines, bad] = [error.messagesBefore, error];
      }
      for (const line of lines) {
        if (socket.writableEnded || client.closing) break; // QUIT, or cut off: the rest is not answered
        const queuedBefore = linesQueuedSoFar();
        const asked = reply(line);
        if (asked) await asked; // the next line waits for the primary's answer (no await otherwise: it costs a turn)
        // Lab 05's backpressure: a client that sends many commands at once is slowed down
        // until it reads its replies, never cut off for it.
        if (socket.writableLength > maxQueuedBytes / 4) await flushed(socket);
        // The same for the other workers: one that reads its frames slowly slows down the
        // senders here, rather than let this worker queue without end.
        const backlog = directory.meshBacklog();
        if (backlog) await backlog;
        // Lab 05's fairness: past the budget, every other client of this worker has a turn first.
        work += 1 + linesQueuedSoFar() - queuedBefore;
        if (work >= TURN_BUDGET) {
          await nextTurn();
          work = 0;
        }
      }
      if (bad && !socket.writableEnded && !client.closing) client.close(`ERR bad-line ${bad.message}`);
      if (socket.writableEnded || client.closing) break;
    }
  } catch {
    // A reset: logged by the 'error' listener above.
  } finally {
    idle.stop();
    leave();
    if (!socket.writableEnded && !client.closing) socket.end(); // closing: it ends once the primary has answered
  }
  // END SOLUTION
}

/** What a worker keeps: its directory, its mesh, and the clients waiting for the primary. */
export interface WorkerState {
  directory: Directory;
  mesh: Mesh;
  pending: Pending;
}

/** Carries out one message from the primary. */
export function obey(message: ToWorker, handle: unknown, { directory, mesh, pending }: WorkerState): void {
  // BEGIN SOLUTION "Task 2: the directory"
  switch (message.type) {
    case 'welcome':
      directory.load(message.worker, message.version, message.names);
      for (const peer of message.peers) mesh.connect(peer);
      return;
    case 'peer':
      mesh.connect(message.peer);
      return;
    case 'connection':
      void serveConnection(handle as net.Socket, message.client, directory, pending);
      return;
    case 'answer': {
      const client = directory.local.get(message.client); // gone already: so is the answer
      if (client) {
        // Its own replies never cut it off, however long a LIST (lab 05's Client.answering).
        client.answering = true;
        for (const line of message.lines) client.send(line);
        client.answering = false;
      }
      pending.get(message.client)?.();
      pending.delete(message.client);
      return;
    }
    case 'claimed':
    case 'released':
      directory.apply(message);
      // The primary answers the claim (OK NAME), or lets the client go (BYE), only once every
      // worker has said so.
      tell({ type: 'applied', version: message.version });
      return;
    case 'left':
      directory.leaving.get(message.client)?.();
      directory.leaving.delete(message.client);
      return;
  }
  // END SOLUTION
}

export async function runWorker(): Promise<void> {
  const log = (line: string) => tell({ type: 'log', line });
  // The mesh hands each frame to the directory, which it needs to exist first.
  let directory: Directory | undefined;
  const mesh = new Mesh((frame) => directory!.arrived(frame), log);
  directory = new Directory((worker, client, line) => mesh.send(worker, directory!.version, client, line));
  directory.meshBacklog = () => (mesh.congested() ? mesh.uncongested() : undefined);
  const state: WorkerState = { directory, mesh, pending: new Map() };
  receive<ToWorker>(process, (message, handle) => {
    if (message.type === 'welcome' && message.limits) directory.limits = message.limits;
    obey(message, handle, state);
  });
  // Without its primary a worker is useless: exit rather than hold sockets nobody routes.
  process.on('disconnect', () => process.exit(0));
  tell({ type: 'ready', mesh: await mesh.listen() });
}

if (process.send) await runWorker();
