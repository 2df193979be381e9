// PROVIDED, complete: not part of your work. The messages the primary and its workers send
// each other over the IPC channel that child_process.fork() opens, and the functions both
// sides send and receive them with. Both sides import these types, so a typo in a message's
// shape is a compile error, not a silent bug.

/** Primary → worker. */
export type ToWorker =
  /** Sent with the client's socket as the handle: serve it. */
  | { type: 'connection'; client: number }
  /** Queue this line for the client (a reply, a MSG or a BROADCAST). */
  | { type: 'deliver'; client: number; line: string }
  /** Send this last line (BYE, ERR bad-line), if any, then close the client's connection. */
  | { type: 'close'; client: number; line?: string };

/** Worker → primary. */
export type ToPrimary =
  /** The worker listens for messages: the primary may hand it connections now. */
  | { type: 'ready' }
  /** A whole line the client sent, for the primary to answer. */
  | { type: 'line'; client: number; line: string }
  /** The client broke the framing (an over-long or invalid line): answer ERR bad-line and close. */
  | { type: 'bad-line'; client: number; reason: string }
  /** The client half-closed (it will send nothing more): once its lines are answered, close. */
  | { type: 'end'; client: number }
  /** The client's connection has ended, however: release its name. */
  | { type: 'gone'; client: number };

/** Either end of an IPC channel: a ChildProcess in the primary, `process` in a worker. */
export interface Port {
  connected?: boolean;
  send?(message: unknown, handle?: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown, handle: unknown) => void): unknown;
}

const batches = new Map<Port, unknown[]>();

/**
 * Sends `message` over the port's channel. Messages posted in the same tick travel together
 * as one array: one write to the channel for many messages, not one each. A busy relay sends
 * a message per line, and the channel's per-message cost would otherwise dominate. Once the
 * other process is gone, nothing is sent.
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
      if (port.connected) port.send!(batch, undefined, () => {});
    });
  }
  batch.push(message);
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
 * (a handle cannot ride in a batch). If the worker cannot take it, the connection is closed:
 * nobody else holds it any more.
 */
export function handOver(port: Port, message: ToWorker, socket: { destroy(): void }): void {
  if (!port.connected) {
    socket.destroy();
    return;
  }
  port.send!(message, socket, (error) => { if (error) socket.destroy(); });
}
