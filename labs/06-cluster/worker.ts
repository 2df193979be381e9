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
  // TODO: write this part (see labs/06-cluster/README.md, section "Task 2: the worker").
  throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 2: the worker\"");
}

/** Carries out one message from the primary. */
export function obey(message: ToWorker, handle: unknown, clients: Map<number, Client>): void {
  // TODO: write this part (see labs/06-cluster/README.md, section "Task 2: the worker").
  throw new Error("not implemented yet — see labs/06-cluster/README.md, section \"Task 2: the worker\"");
}

export function runWorker(): void {
  const clients = new Map<number, Client>();
  receive<ToWorker>(process, (message, handle) => obey(message, handle, clients));
  // Without its primary a worker is useless: exit rather than hold sockets nobody routes.
  process.on('disconnect', () => process.exit(0));
  tell({ type: 'ready' });
}

if (process.send) runWorker();
