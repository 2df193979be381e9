// Lab 05: the chat relay. Clients behind home routers cannot reach each other, but they can
// all reach this server: it keeps the table of names (lab 04) and forwards each message to
// the client it is addressed to. One event loop serves everyone: an accept loop hands each
// connection to its own receive loop (the ECE 373 notes' "thread per client") and goes straight
// back to accepting.
//
// Run it:  npx tsx labs/05-relay/relay.ts [--host 0.0.0.0] [--port 5000] [--idle-timeout 30]
import net from 'node:net';
import { execFileSync } from 'node:child_process';
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
/** Every line the relay sends is at most this many bytes, not counting its "\n" (docs/protocol.md). */
export const MAX_SERVER_LINE_BYTES = 2048;
/** After this long without a line from a client the relay sends it PING; after as long again, it cuts it off. */
export const IDLE_TIMEOUT_MS = 30_000;
/**
 * Fairness: once the lines of one client have cost this much work (one unit per line
 * answered, one per line queued for anyone), the relay lets every other client have its turn
 * before it answers that client's next line.
 */
export const TURN_BUDGET = 256;

/** Lines queued for any client so far: serveClient measures the work of a turn with it. */
let linesQueued = 0;

/** How many lines this process has queued for clients so far (lab 06's workers count a turn's work with it). */
export function linesQueuedSoFar(): number {
  return linesQueued;
}

export interface RelayOptions {
  host?: string;
  port?: number;
  maxQueuedBytes?: number;
  /** T: PING after T without a line from a client, cut-off after T more. */
  idleTimeoutMs?: number;
  /** At most this many connections at once; more are closed at once (the program derives it from the descriptor limit). */
  maxClients?: number;
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
  /**
   * True while the relay answers this client's own line: its own replies never cut it off,
   * since serveClient reads no more of its lines while they wait (backpressure).
   */
  answering = false;

  constructor(readonly socket: net.Socket, private readonly maxQueuedBytes: number, private readonly onCutOff: (client: Client) => void) {}

  /**
   * Queues one line for this client. If that would put more than maxQueuedBytes in
   * memory for it (it is not reading), cut it off instead: the relay's memory stays
   * bounded and nobody else waits for this client. Replies to its own lines (while
   * `answering`) are always queued: backpressure bounds those.
   */
  send(line: string): void {
    linesQueued++;
    // BEGIN SOLUTION "Task 2: slow readers"
    if (this.socket.destroyed || this.socket.writableEnded) return; // cut off, or closing: nothing more
    const bytes = Buffer.byteLength(line) + 1;
    if (!this.answering && this.socket.writableLength + bytes > this.maxQueuedBytes) {
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
  for (;;) {
    try {
      for await (const [socket] of on(server, 'connection', { signal: closed.signal })) {
        void serve(socket as net.Socket); // not awaited: that would serve one client at a time
      }
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      // A failed accept (out of descriptors: EMFILE) ends the iteration; startRelay logs it.
      // The server still listens: go back to accepting.
    }
  }
  // END SOLUTION
}

export function startRelay({ host = '0.0.0.0', port = 5000, maxQueuedBytes = MAX_QUEUED_BYTES, idleTimeoutMs = IDLE_TIMEOUT_MS, maxClients, log = console.log }: RelayOptions = {}): Promise<net.Server> {
  if (!(Number.isFinite(idleTimeoutMs) && idleTimeoutMs > 0)) {
    return Promise.reject(new RangeError(`idleTimeoutMs must be a positive number of milliseconds, not ${idleTimeoutMs}`));
  }
  const table = new NameTable<Client>();
  // noDelay: send each reply at once. With Nagle's algorithm on, a second small write waits
  // for the ACK of the first, which the client's delayed ACK holds back for ~40 ms.
  const server = net.createServer({ noDelay: true });
  if (maxClients !== undefined) server.maxConnections = maxClients;
  void acceptClients(server, (socket) => serveClient(socket, table, { maxQueuedBytes, idleTimeoutMs, log }));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      logRefusals(server, log);
      resolve(server);
    });
  });
}

/**
 * Out of file descriptors, the relay cannot take new connections: an accept fails (EMFILE,
 * ENFILE), or, past maxConnections, Node closes the new connection at once. Either way the
 * clients it has go on undisturbed, and it accepts again once some have left. Logged once per
 * spell, not once per refused connection, which would flood the log when it matters most.
 */
export function logRefusals(server: net.Server, log: (line: string) => void): void {
  let refusing = false;
  const refuse = (why: string) => {
    if (!refusing) log(`not accepting new connections: ${why}; serving the clients already connected, accepting again once some leave`);
    refusing = true;
  };
  server.on('error', (error: NodeJS.ErrnoException) => refuse(`accept failed: ${error.code ?? error.message}`));
  server.on('drop', () => refuse(`at the limit of ${server.maxConnections} connections (file descriptors)`));
  server.on('connection', () => {
    if (refusing) log('accepting new connections again');
    refusing = false;
  });
}

/**
 * The answer to LIST: one line "NAMES <name> <name> ..." when it fits in maxBytes, else as
 * many lines as needed, each within maxBytes, every one but the last ending in the field
 * "..." (no name contains a dot). Names are ASCII, so characters are bytes.
 */
export function namesLines(names: readonly string[], maxBytes = MAX_SERVER_LINE_BYTES): string[] {
  const lines: string[] = [];
  let line = 'NAMES';
  let rest = names.reduce((bytes, name) => bytes + 1 + name.length, 0); // " name" for each name left
  for (const name of names) {
    // Unless every name left fits, a line ends while " ..." still fits after it.
    if (line.length + rest > maxBytes && line.length + 1 + name.length + ' ...'.length > maxBytes) {
      lines.push(`${line} ...`);
      line = 'NAMES';
    }
    line += ` ${name}`;
    rest -= 1 + name.length;
  }
  lines.push(line);
  return lines;
}

/** Answers one line from `client`: the lab 04 commands, SEND and ALL delivered, PING and PONG. */
export function handleLine<C extends Recipient>(table: NameTable<C>, client: C, line: string): void {
  // BEGIN SOLUTION "Task 1: delivering messages"
  // PING and PONG are lab 05's (see Task 5): lab 04's parseCommand does not know them.
  const word = line.split(' ', 1)[0];
  if (word === 'PING' || word === 'PONG') {
    if (line !== word) client.send(`ERR malformed usage: ${word}`);
    else if (word === 'PING') client.send('PONG');
    return; // a PONG needs no answer: that a line came is all it says
  }
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
      client.send(answerTableCommand(table, client, command));
      return;
    case 'LIST':
      for (const names of namesLines(table.list())) client.send(names);
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
    // A message that overflowed the recipient's queue cut it off (its name is free now) and
    // was not queued: OK SEND would claim a delivery that never comes.
    if (table.nameOf(target) === undefined) client.send(`ERR unknown-name ${command.to} was cut off: it does not read`);
    else client.send(`OK SEND ${command.to}`);
    return;
  }
  const others = table.list().filter((name) => name !== sender).map((name) => table.connectionOf(name)!);
  for (const other of others) other.send(`BROADCAST ${sender} ${command.text}`);
  // Only those still named got it: the others were cut off by this very broadcast.
  client.send(`OK ALL ${others.filter((other) => table.nameOf(other) !== undefined).length}`);
  // END SOLUTION
}

/**
 * Resolves once everything queued on the socket so far has been handed to the kernel (the
 * callback of an empty write comes after those of the writes before it), or the socket has
 * failed. Not 'drain', which comes only past Node's high-water mark: 16 KiB up to Node 20,
 * 64 KiB from Node 22 on, as much as the whole limit. At once for an ended socket (QUIT, a
 * cut-off): even an empty write after end() destroys it, and what is still queued, BYE or the
 * reason, would be lost.
 */
export function flushed(socket: net.Socket): Promise<void> {
  if (socket.writableEnded) return Promise.resolve();
  return new Promise((resolve) => socket.write(Buffer.alloc(0), () => resolve()));
}

/** Resolves in the next turn of the event loop, after it has read every socket with data. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Watches one client's silence. After `ms` with no heard(), calls `ping()`; if `ms` more pass
 * with no heard(), calls `gone()`, once. heard() starts the count again; stop() ends it.
 */
export class IdleWatch {
  // BEGIN SOLUTION "Task 5: clients that vanish" members
  private pinged = false;
  private readonly timer: NodeJS.Timeout;
  // END SOLUTION

  constructor(private readonly ms: number, private readonly ping: () => void, private readonly gone: () => void) {
    // BEGIN SOLUTION "Task 5: clients that vanish"
    // One timer, restarted on every line: a timer per line would pile up thousands.
    this.timer = setTimeout(() => this.expire(), this.ms);
    // END SOLUTION
  }

  /** A line came from the client: it is alive. */
  heard(): void {
    // BEGIN SOLUTION "Task 5: clients that vanish"
    this.pinged = false;
    this.timer.refresh();
    // END SOLUTION
  }

  stop(): void {
    // BEGIN SOLUTION "Task 5: clients that vanish"
    clearTimeout(this.timer);
    // END SOLUTION
  }

  // BEGIN SOLUTION "Task 5: clients that vanish" members
  private expire(): void {
    if (this.pinged) {
      this.gone();
      return;
    }
    this.pinged = true;
    this.ping();
    this.timer.refresh();
  }
  // END SOLUTION
}

/**
 * The receive loop of one client: decode its lines and answer each, until it quits, closes,
 * resets, breaks the framing or falls silent. Its name is released however the loop ends.
 */
export async function serveClient(socket: net.Socket, table: NameTable<Client>, { maxQueuedBytes, idleTimeoutMs, log }: Required<Pick<RelayOptions, 'maxQueuedBytes' | 'idleTimeoutMs' | 'log'>>): Promise<void> {
  // BEGIN SOLUTION "Task 3: one loop for everyone"
  const client = new Client(socket, maxQueuedBytes, (slow) => {
    log(`cutting off ${table.nameOf(slow) ?? 'a client'}: it does not read`);
    table.release(slow);
  });
  const idle = new IdleWatch(idleTimeoutMs, () => client.send('PING'), () => {
    if (socket.writableEnded) return; // closing already (QUIT, a cut-off): a second end would fail
    log(`cutting off ${table.nameOf(client) ?? 'a client'}: no line for ${(2 * idleTimeoutMs) / 1000} s, not even after PING`);
    table.release(client);
    client.close(`ERR idle-timeout no line from you for ${(2 * idleTimeoutMs) / 1000} s, not even PONG after PING`);
    // A vanished client never acknowledges: the connection ends even if the line cannot leave.
    setTimeout(() => socket.destroy(), CUT_OFF_GRACE_MS).unref();
  });
  const decoder = new MessageDecoder(MAX_LINE_BYTES);
  const peer = `${socket.remoteAddress}:${socket.remotePort}`; // unknown once the socket is gone
  // Every socket error is logged here, once; the loop below ends on it.
  socket.on('error', (error) => log(`connection from ${peer} failed: ${error.message}`));
  const answer = (line: string) => {
    idle.heard();
    client.answering = true;
    try {
      handleLine(table, client, line);
    } finally {
      client.answering = false;
    }
  };
  let work = 0; // this turn's, in TURN_BUDGET's units
  try {
    // destroyOnReturn: false, so leaving the loop after QUIT does not cut off the BYE.
    for await (const chunk of socket.iterator({ destroyOnReturn: false })) {
      let lines: string[];
      try {
        lines = decoder.push(chunk as Buffer);
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        for (const line of error.messagesBefore) answer(line);
        if (!socket.writableEnded) client.close(`ERR bad-line ${error.message}`);
        break;
      }
      for (const line of lines) {
        if (socket.writableEnded) break; // QUIT, or cut off: the rest is not answered
        const queuedBefore = linesQueued;
        answer(line);
        // Backpressure: this client's own replies wait until it reads them. Past a quarter of
        // its limit, answer no more of its commands until they have gone out: a client that
        // sends many at once is slowed down, never cut off for it.
        if (socket.writableLength > maxQueuedBytes / 4) await flushed(socket);
        // Fairness: a client that sends many lines at once, each ALL to thousands, must not
        // hold the event loop: past the budget, everyone else has a turn first.
        work += 1 + linesQueued - queuedBefore;
        if (work >= TURN_BUDGET) {
          await nextTurn();
          work = 0;
        }
      }
      if (socket.writableEnded) break;
    }
  } catch (error) {
    // Socket errors were logged by the listener; what is left is a bug worth a line.
    if (!socket.destroyed) log(`connection ended: ${(error as Error).message}`);
  } finally {
    idle.stop();
    table.release(client);
    if (!socket.writableEnded) socket.end();
  }
  // END SOLUTION
}

/**
 * How many clients fit in this process's file descriptor limit, keeping some descriptors for
 * Node itself. The limit as a shell reports it (Node raised its soft limit to the hard one at
 * start); undefined where there is none to ask (Windows), and the relay takes all comers.
 */
export function clientsWithinDescriptorLimit(): number | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(limit) && limit > 0 ? Math.max(1, limit - 64) : undefined; // "unlimited" is NaN
  } catch {
    return undefined;
  }
}

/** The relay programs' option --idle-timeout SECONDS (T: PING after T of silence, cut-off after 2T), with its default. */
export const IDLE_TIMEOUT_OPTION = { 'idle-timeout': String(IDLE_TIMEOUT_MS / 1000) };

/** The value of --idle-timeout in milliseconds; throws a one-line error for anything but a positive number. */
export function idleTimeoutMsOf(extra: Record<string, string>): number {
  const seconds = Number(extra['idle-timeout']);
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new Error(`--idle-timeout takes a positive number of seconds, not "${extra['idle-timeout']}"`);
  return seconds * 1000;
}

/** The program: --host, --port and --idle-timeout SECONDS. */
async function main(): Promise<void> {
  await runServerProgram(
    async ({ host, port, extra }) => startRelay({ host, port, idleTimeoutMs: idleTimeoutMsOf(extra), maxClients: clientsWithinDescriptorLimit() }),
    IDLE_TIMEOUT_OPTION,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
