// Lab 05: the chat relay. Clients behind home routers cannot reach each other, but they can
// all reach this server: it keeps the table of names (lab 04) and forwards each message to
// the client it is addressed to. One event loop serves everyone: an accept loop hands each
// connection to its own receive loop (the seed's "thread per client") and goes straight
// back to accepting.
//
// Run it:  npx tsx labs/05-relay/relay.ts [--host 0.0.0.0] [--port 5000]
import net from 'node:net';
import { on } from 'node:events';
import { fileURLToPath } from 'node:url';
import { FramingError, MessageDecoder } from '../02-framing/framing.ts';
import { runServerProgram } from '../02-framing/program.ts';
import { MAX_LINE_BYTES, parseCommand, ProtocolError } from '../04-names/protocol.ts';
import { NameTable } from '../04-names/names.ts';
import { answerTableCommand } from '../04-names/server.ts';

/** The most the relay queues in memory for one client that does not read. */
export const MAX_QUEUED_BYTES = 64 * 1024;
/**
 * How long a cut-off client has to read what was queued for it and the reason, ERR too-slow,
 * before its connection is destroyed: a client that resumes reading gets whole lines and the
 * reason, not a stream that stops mid-line.
 */
export const CUT_OFF_GRACE_MS = 30_000;

export interface RelayOptions {
  host?: string;
  port?: number;
  maxQueuedBytes?: number;
  log?: (line: string) => void;
}

/** What handleLine needs of a client: lab 06 passes it stand-ins for clients in other processes. */
export interface Recipient {
  send(line: string): void;
  /** Sends a last line, if any, then closes the connection. */
  close(lastLine?: string): void;
}

/** One connected client, as the relay sees it. */
export class Client implements Recipient {
  constructor(readonly socket: net.Socket, private readonly maxQueuedBytes: number, private readonly onCutOff: (client: Client) => void) {}

  /**
   * Queues one line for this client. If that would put more than maxQueuedBytes in
   * memory for it (it is not reading), cut it off instead: the relay's memory stays
   * bounded and nobody else waits for this client.
   */
  send(line: string): void {
    // TODO: write this part (see labs/05-relay/README.md, section "Task 2: slow readers").
    throw new Error("not implemented yet — see labs/05-relay/README.md, section \"Task 2: slow readers\"");
  }

  /** Sends a last line, if any, then closes the connection once it is written. */
  close(lastLine?: string): void {
    if (lastLine === undefined) this.socket.end();
    else this.socket.end(`${lastLine}\n`);
    this.socket.destroySoon();
  }

  // TODO: add the fields and helper methods you need (see labs/05-relay/README.md, section "Task 2: slow readers").
}

/**
 * The accept loop. Hands every new connection to `serve` and goes straight back to
 * accepting: it must never wait for a client's session to end. Ends when the server closes.
 */
export async function acceptClients(server: net.Server, serve: (socket: net.Socket) => Promise<void>): Promise<void> {
  // TODO: write this part (see labs/05-relay/README.md, section "Task 3: one loop for everyone").
  throw new Error("not implemented yet — see labs/05-relay/README.md, section \"Task 3: one loop for everyone\"");
}

export function startRelay({ host = '0.0.0.0', port = 5000, maxQueuedBytes = MAX_QUEUED_BYTES, log = console.log }: RelayOptions = {}): Promise<net.Server> {
  const table = new NameTable<Client>();
  // noDelay: send each reply at once. With Nagle's algorithm on, a second small write waits
  // for the ACK of the first, which the client's delayed ACK holds back for ~40 ms.
  const server = net.createServer({ noDelay: true });
  void acceptClients(server, (socket) => serveClient(socket, table, { maxQueuedBytes, log }));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Answers one line from `client`: the lab 04 commands, plus SEND and ALL delivered. */
export function handleLine<C extends Recipient>(table: NameTable<C>, client: C, line: string): void {
  // TODO: write this part (see labs/05-relay/README.md, section "Task 1: delivering messages").
  throw new Error("not implemented yet — see labs/05-relay/README.md, section \"Task 1: delivering messages\"");
}

/**
 * Resolves once everything queued on the socket so far has been handed to the kernel (the
 * callback of an empty write comes after those of the writes before it), or the socket has
 * failed. Not 'drain', which comes only past Node's high-water mark: 16 KiB up to Node 20,
 * 64 KiB from Node 22 on, as much as the whole limit.
 */
function flushed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.write(Buffer.alloc(0), () => resolve()));
}

/**
 * The receive loop of one client: decode its lines and answer each, until it quits, closes,
 * resets or breaks the framing. Its name is released however the loop ends.
 */
export async function serveClient(socket: net.Socket, table: NameTable<Client>, { maxQueuedBytes, log }: Required<Pick<RelayOptions, 'maxQueuedBytes' | 'log'>>): Promise<void> {
  // TODO: write this part (see labs/05-relay/README.md, section "Task 3: one loop for everyone").
  throw new Error("not implemented yet — see labs/05-relay/README.md, section \"Task 3: one loop for everyone\"");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runServerProgram(startRelay);
