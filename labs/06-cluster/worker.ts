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
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 2: the directory").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 2: the directory\"");
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
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 2: the directory").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 2: the directory\"");
  }

  /**
   * A frame from another worker. It is for a client of this worker, by number: deliver it,
   * unless the sender's directory was newer than ours (or an earlier frame waits for that):
   * then hold it until our directory has caught up.
   */
  arrived(frame: Frame): void {
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 3: when the directory is out of date").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 3: when the directory is out of date\"");
  }

  /** Delivers the held frames that this version of the directory may now deliver, in order. */
  private release(): void {
    // TODO: write this part (see labs/06-cluster/README.md, section "Task 3: when the directory is out of date").
    throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 3: when the directory is out of date\"");
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
  // TODO: write this part (see labs/06-cluster/README.md, section "Task 1: names, claimed from the primary").
  throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 1: names, claimed from the primary\"");
}

/**
 * Serves one connection, number `id`, that the primary has just handed over: lab 05's
 * receive loop, except that a NAME or a LIST waits for the primary's answer before the next line.
 */
export async function serveConnection(socket: net.Socket, id: number, directory: Directory, pending: Pending): Promise<void> {
  // TODO: write this part (see labs/06-cluster/README.md, section "Task 1: names, claimed from the primary").
  throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 1: names, claimed from the primary\"");
}

/** What a worker keeps: its directory, its mesh, and the clients waiting for the primary. */
export interface WorkerState {
  directory: Directory;
  mesh: Mesh;
  pending: Pending;
}

/** Carries out one message from the primary. */
export function obey(message: ToWorker, handle: unknown, { directory, mesh, pending }: WorkerState): void {
  // TODO: write this part (see labs/06-cluster/README.md, section "Task 2: the directory").
  throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 2: the directory\"");
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
