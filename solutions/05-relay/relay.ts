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
    // BEGIN SOLUTION "Task 2: slow readers"
    if (this.socket.destroyed || this.socket.writableEnded) return; // cut off, or closing: nothing more
    const bytes = Buffer.byteLength(line) + 1;
    if (this.socket.writableLength + bytes > this.maxQueuedBytes) {
      this.cutOff();
      return;
    }
    // Lines queued in this tick leave in one system call, not one each (see the handout).
    if (!this.socket.writableCorked) {
      this.socket.cork();
      process.nextTick(() => this.socket.uncork());
    }
    this.socket.write(`${line}\n`);
    // END SOLUTION
  }

  /** Sends a last line, if any, then closes the connection once it is written. */
  close(lastLine?: string): void {
    if (lastLine === undefined) this.socket.end();
    else this.socket.end(`${lastLine}\n`);
    this.socket.destroySoon();
  }

  // BEGIN SOLUTION "Task 2: slow readers" members
  private cutOff(): void {
    this.onCutOff(this);
    // The reason goes out behind what is queued, if the client reads within the grace period;
    // the connection ends either way. Its memory stays bounded: nothing more is queued.
    this.socket.end(`ERR too-slow more than ${this.maxQueuedBytes} bytes waiting for you\n`);
    setTimeout(() => this.socket.destroy(), CUT_OFF_GRACE_MS).unref();
  }
  // END SOLUTION
}

/**
 * The accept loop. Hands every new connection to `serve` and goes straight back to
 * accepting: it must never wait for a client's session to end. Ends when the server closes.
 */
export async function acceptClients(server: net.Server, serve: (socket: net.Socket) => Promise<void>): Promise<void> {
  // BEGIN SOLUTION "Task 3: one loop for everyone"
  const closed = new AbortController();
  server.once('close', () => closed.abort());
  try {
    for await (const [socket] of on(server, 'connection', { signal: closed.signal })) {
      void serve(socket as net.Socket); // not awaited: that would serve one client at a time
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  }
  // END SOLUTION
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
  // BEGIN SOLUTION "Task 1: delivering messages"
  let command;
  try {
    command = parseCommand(line);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    client.send(error.line);
    return;
  }
  const sender = table.nameOf(client);
  switch (command.kind) {
    case 'NAME':
    case 'LIST':
      client.send(answerTableCommand(table, client, command));
      return;
    case 'QUIT':
      table.release(client);
      client.close('BYE');
      return;
  }
  if (sender === undefined) {
    client.send('ERR not-registered send NAME <name> first');
    return;
  }
  if (command.kind === 'SEND') {
    const target = table.connectionOf(command.to);
    if (target === undefined) {
      client.send(`ERR unknown-name ${command.to} nobody has that name`);
      return;
    }
    // The sender is the name the relay knows, never anything the client wrote.
    target.send(`MSG ${sender} ${command.text}`);
    client.send(`OK SEND ${command.to}`);
    return;
  }
  const others = table.list().filter((name) => name !== sender).map((name) => table.connectionOf(name)!);
  for (const other of others) other.send(`BROADCAST ${sender} ${command.text}`);
  client.send(`OK ALL ${others.length}`);
  // END SOLUTION
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
  // BEGIN SOLUTION "Task 3: one loop for everyone"
  const client = new Client(socket, maxQueuedBytes, (slow) => {
    log(`cutting off ${table.nameOf(slow) ?? 'a client'}: it does not read`);
    table.release(slow);
  });
  const decoder = new MessageDecoder(MAX_LINE_BYTES);
  const peer = `${socket.remoteAddress}:${socket.remotePort}`; // unknown once the socket is gone
  socket.on('error', (error) => log(`connection from ${peer} failed: ${error.message}`));
  try {
    // destroyOnReturn: false, so leaving the loop after QUIT does not cut off the BYE.
    for await (const chunk of socket.iterator({ destroyOnReturn: false })) {
      let lines: string[];
      try {
        lines = decoder.push(chunk as Buffer);
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        for (const line of error.messagesBefore) handleLine(table, client, line);
        if (!socket.writableEnded) client.close(`ERR bad-line ${error.message}`);
        break;
      }
      for (const line of lines) {
        if (socket.writableEnded) break; // QUIT, or cut off: the rest is not answered
        handleLine(table, client, line);
        // Backpressure: this client's own replies wait until it reads them. Past a quarter of
        // its limit, answer no more of its commands until they have gone out: a client that
        // sends many at once is slowed down, never cut off for it.
        if (socket.writableLength > maxQueuedBytes / 4) await flushed(socket);
      }
      if (socket.writableEnded) break;
    }
  } catch (error) {
    log(`connection ended: ${(error as Error).message}`); // a reset surfaces here
  } finally {
    table.release(client);
    if (!socket.writableEnded) socket.end();
  }
  // END SOLUTION
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runServerProgram(startRelay);
