// PROVIDED, complete: not part of your work. The messages the primary and its workers send
// each other over the IPC channel that child_process.fork() opens, and the functions both
// sides send and receive them with. Both sides import these types, so a typo in a message's
// shape is a compile error, not a silent bug. Chat messages never travel here: they go from
// worker to worker over the mesh (mesh.ts). This channel carries the names and the sockets.

/** Where a worker listens for the mesh channels of the others, and the password they give. */
export interface MeshAddress {
  worker: number;
  port: number;
  token: string;
}

/** One entry of the directory: `name` belongs to client `client`, held by worker `worker`. */
/** Lab 05's limits, the same in every worker: set by startClusterRelay's options. */
export interface Limits {
  /** The most queued for a client that does not read (lab 05's MAX_QUEUED_BYTES by default). */
  maxQueuedBytes: number;
  /** T of docs/protocol.md's liveness rule (lab 05's IDLE_TIMEOUT_MS by default). */
  idleTimeoutMs: number;
}

export interface NameEntry {
  name: string;
  client: number;
  worker: number;
}

/** A change to the names, numbered: version N is the names after the N-th change. */
export type NameUpdate =
  | ({ type: 'claimed'; version: number } & NameEntry)
  | { type: 'released'; version: number; client: number };

/** Primary → worker. */
export type ToWorker =
  /** The first message a worker gets, once it is ready: its slot, the names as of `version`, the other workers. */
  | { type: 'welcome'; worker: number; version: number; names: NameEntry[]; peers: MeshAddress[]; limits: Limits }
  /** A worker (new, or a dead one's replacement) listens for mesh channels at this address. */
  | { type: 'peer'; peer: MeshAddress }
  /** Sent with the client's socket as the handle: serve it. */
  | { type: 'connection'; client: number }
  /** The answer to this worker's question for `client` (a claim, a LIST): the lines to send it (OK NAME, NAMES...). */
  | { type: 'answer'; client: number; lines: string[] }
  /** The answer to `gone`: the primary has freed the client's name (BYE may go out now). */
  | { type: 'left'; client: number }
  /** A change to the names: every worker gets every change, in the order the primary made them. */
  | NameUpdate;

/** Worker → primary. */
export type ToPrimary =
  /** The worker listens for messages and for mesh channels: the primary may hand it connections now. */
  | { type: 'ready'; mesh: Omit<MeshAddress, 'worker'> }
  /** The worker has the client's socket: the primary may close its own copy of it. */
  | { type: 'took'; client: number }
  /** The client sent NAME `name`: may it have it? */
  | { type: 'claim'; client: number; name: string }
  /** The client sent LIST: the names as the primary has them (this worker's copy may be behind). */
  | { type: 'list'; client: number }
  /** The worker has applied every change to the names up to `version`. */
  | { type: 'applied'; version: number }
  /** The client's connection has ended, however: release its name. */
  | { type: 'gone'; client: number }
  /** A line for the relay's log (a cut-off, a reset): the primary logs it. */
  | { type: 'log'; line: string };

/** Either end of an IPC channel: a ChildProcess in the primary, `process` in a worker. */
export interface Port {
  connected?: boolean;
  send?(message: unknown, handle?: unknown, options?: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown, handle: unknown) => void): unknown;
}

const batches = new Map<Port, unknown[]>();

/**
 * Sends `message` over the port's channel. Messages posted in the same tick travel together
 * as one array: one write to the channel for many messages, not one each. Once the other
 * process is gone, nothing is sent.
 */
export function post<T extends ToWorker | ToPrimary>(port: Port, message: T): void {
  if (!port.connected) return; // the other process is gone: nobody to tell
  let batch = batches.get(port);
  if (!batch) {
    batch = [];
    batches.set(port, batch);
    process.nextTick(() => {
      batches.delete(port);
      // It may have gone during this tick, or go while the batch is written: then the write
      // fails (EPIPE), and that is no error of ours. A callback keeps it from becoming an
      // 'error' event, which would also reject a close() waiting for the worker's 'exit'.
      if (port.connected) port.send!(batch, undefined, undefined, () => {});
    });
  }
  batch.push(message);
}

/**
 * Sends `message` at once, ahead of anything posted in this tick. For the few messages that
 * must not wait: a worker's `welcome` (before any connection reaches it), a `took`.
 * `sent` runs once it has been written to the channel, or could not be.
 */
export function postNow<T extends ToWorker | ToPrimary>(port: Port, message: T, sent: () => void = () => {}): void {
  if (!port.connected) return sent();
  port.send!(message, undefined, undefined, () => sent());
}

/** Calls `handler` for every message that arrives on the port, one at a time, in order. */
export function receive<T extends ToWorker | ToPrimary>(port: Port, handler: (message: T, handle: unknown) => void): void {
  port.on('message', (message, handle) => {
    if (Array.isArray(message)) for (const each of message) handler(each as T, undefined);
    else handler(message as T, handle);
  });
}

/**
 * Sends a connection to a worker: `message` with the socket as its handle, alone and at once
 * (a handle cannot ride in a batch). The primary keeps its own copy of the socket
 * (keepOpen) until the worker says it `took` it: a worker can die with the connection still
 * on its way, and then only the primary's copy is left to serve or close. A worker that can
 * no longer hear gets nothing (the callback keeps the failure from becoming an 'error').
 */
export function handOver(port: Port, message: ToWorker, socket: unknown): void {
  port.send!(message, socket, { keepOpen: true }, () => {});
}
