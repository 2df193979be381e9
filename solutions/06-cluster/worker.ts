// Lab 06: a worker process. It owns sockets, not state: the primary hands it connections,
// it turns each connection's bytes into lines (lab 02) and passes them to the primary, and
// it writes to each client what the primary tells it to, with lab 05's protection against
// clients that do not read. It knows no names: those live in the primary.
//
// The primary starts it with child_process.fork(); it is not run by hand.
import type net from 'node:net';
import { FramingError, MessageDecoder } from '../02-framing/framing.ts';
import { MAX_LINE_BYTES } from '../04-names/protocol.ts';
import { Client, MAX_QUEUED_BYTES } from '../05-relay/relay.ts';
import { post, receive, type ToPrimary, type ToWorker } from './messages.ts';

/** Sends a message to the primary (nothing, once the primary is gone). */
function tell(message: ToPrimary): void {
  post(process, message);
}

/** Serves one connection: every line goes to the primary, tagged with the client's number. */
export function serveConnection(socket: net.Socket, id: number, clients: Map<number, Client>): void {
  // BEGIN SOLUTION "Task 2: the worker"
  const client = new Client(socket, MAX_QUEUED_BYTES, () => tell({ type: 'gone', client: id }));
  clients.set(id, client);
  const decoder = new MessageDecoder(MAX_LINE_BYTES);
  // A client that half-closes still gets its replies: they come back from the primary later,
  // so the socket must not close its own side when the client's FIN arrives.
  socket.allowHalfOpen = true;
  socket.on('end', () => tell({ type: 'end', client: id }));
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const line of decoder.push(chunk)) tell({ type: 'line', client: id, line });
    } catch (error) {
      if (!(error instanceof FramingError)) throw error;
      for (const line of error.messagesBefore) tell({ type: 'line', client: id, line });
      tell({ type: 'bad-line', client: id, reason: error.message });
      socket.pause(); // nothing more from this client counts
    }
  });
  socket.on('error', () => {}); // a reset: 'close' follows, and that is where we clean up
  socket.on('close', () => {
    clients.delete(id);
    tell({ type: 'gone', client: id });
  });
  socket.resume(); // the primary accepted it paused (pauseOnConnect): nothing was lost
  // END SOLUTION
}

/** Carries out one message from the primary. */
export function obey(message: ToWorker, handle: unknown, clients: Map<number, Client>): void {
  // BEGIN SOLUTION "Task 2: the worker"
  switch (message.type) {
    case 'connection':
      serveConnection(handle as net.Socket, message.client, clients);
      return;
    case 'deliver':
      clients.get(message.client)?.send(message.line); // gone already: nothing to do
      return;
    case 'close':
      clients.get(message.client)?.close(message.line);
      return;
  }
  // END SOLUTION
}

export function runWorker(): void {
  const clients = new Map<number, Client>();
  receive<ToWorker>(process, (message, handle) => obey(message, handle, clients));
  // Without its primary a worker is useless: exit rather than hold sockets nobody routes.
  process.on('disconnect', () => process.exit(0));
  tell({ type: 'ready' });
}

if (process.send) runWorker();
