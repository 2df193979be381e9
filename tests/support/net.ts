// Test-side TCP helpers. Everything here binds or connects to 127.0.0.1 only, records its
// steps in the test's Trace, waits for events with a time limit, and registers its own
// teardown, so a failing or hanging student program never leaves a socket behind.
import net from 'node:net';
import { once } from 'node:events';
import { Mismatch, type Trace } from './graded.ts';
import type { RemoteInstance } from './host.ts';
import type { Supervisor } from '../../tools/grader/sandbox/harness.ts';
import { show } from '../../tools/shared/bytes.ts';
import { startChaosProxy, type ChaosOptions } from '../../tools/chaos-proxy/chaos-proxy.ts';
import { ONE_AT_A_TIME } from '../../tools/grader/causes.ts';

export const LOOPBACK = '127.0.0.1';

/** Resolves after `ms` of a real timer: used to make the peer see separate reads, never to wait for a result. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Writes `pieces` to a test server's `socket` one at a time, 1 ms apart, so that the client
 * under test receives them in separate reads; then ends the socket if `end`. Stops early if
 * the client goes away. Never rejects: start it from an event listener with `void`.
 */
export async function writeSlowly(
  socket: net.Socket,
  pieces: Array<string | Buffer>,
  { end }: { end: boolean },
): Promise<void> {
  for (const piece of pieces) {
    if (socket.destroyed) return;
    socket.write(piece);
    await pause(1);
  }
  if (end && !socket.destroyed) socket.end();
}

/** `data` in pieces of `size` bytes. */
export function piecesOf(data: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) pieces.push(data.subarray(i, i + size));
  return pieces;
}

/** The peers of each test, in the order they connected. */
const peersOf = new WeakMap<Trace, Peer[]>();

/** A client socket driven by the test, remembering everything it received. */
export class Peer {
  private chunks: Buffer[] = [];
  private size = 0;
  ended = false;
  closed = false;
  error: Error | undefined;
  /** Bytes of `received` already returned by readLine(). */
  private consumed = 0;
  private readonly changed = new EventTarget();

  private constructor(
    private readonly t: Trace,
    readonly socket: net.Socket,
    readonly label: string,
    readonly port: number,
  ) {
    peersOf.set(t, [...(peersOf.get(t) ?? []), this]);
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', (error) => {
      this.error = error;
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    t.defer(() => socket.destroy());
  }

  static async connect(t: Trace, port: number, label = 'a test client', ms = 2000): Promise<Peer> {
    t.step(`connected ${label} to ${LOOPBACK}:${port}`);
    const socket = net.connect({ host: LOOPBACK, port });
    const peer = new Peer(t, socket, label, port);
    try {
      await t.within(once(socket, 'connect'), ms, `to connect to ${LOOPBACK}:${port}`, () => 'no answer yet');
    } catch (error) {
      if (error instanceof Mismatch) throw error;
      t.fail(`to connect to ${LOOPBACK}:${port}`, `the connection failed: ${(error as Error).message}`);
    }
    return peer;
  }

  private notify(): void {
    this.changed.dispatchEvent(new Event('change'));
  }

  get received(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** What this peer has seen so far, for "Got:" lines. */
  describe(): string {
    const state = this.error
      ? `then the connection failed (${this.error.message})`
      : this.ended
        ? 'then the connection was closed by the other side'
        : 'and the connection is still open';
    if (this.size > 0) return `received ${show(this.received)}, ${state}`;
    return `nothing received, ${state}${this.error || this.ended ? '' : this.waitingBehind()}`;
  }

  /** Nothing came back to what it sent while a client that connected before is still connected: is the server busy with it? */
  private waitingBehind(): string {
    if (this.socket.bytesWritten === 0) return ''; // it waits for no answer
    const peers = peersOf.get(this.t) ?? [];
    const earlier = peers
      .slice(0, peers.indexOf(this))
      .find((peer) => peer.port === this.port && !peer.ended && !peer.closed && !peer.error);
    return earlier ? `; ${earlier.label}, which connected before, is still connected: ${ONE_AT_A_TIME}` : '';
  }

  send(data: string | Buffer): void {
    this.t.step(`${this.label} sent ${show(data)}`);
    this.socket.write(data);
  }

  /** Sends `data` in pieces of `size` bytes with a real timer delay between them, so the receiver sees many reads. */
  async sendInPieces(data: string | Buffer, size = 1, delayMs = 1): Promise<void> {
    const bytes = Buffer.from(data);
    this.t.step(
      `${this.label} sent ${show(bytes)} in ${Math.ceil(bytes.length / size)} pieces of ${size} byte${size > 1 ? 's' : ''}, ${delayMs} ms apart`,
    );
    for (let i = 0; i < bytes.length && !this.socket.destroyed; i += size) {
      this.socket.write(bytes.subarray(i, i + size));
      if (i + size < bytes.length) await pause(delayMs);
    }
  }

  /** Half-close: no more data from this side (C: shutdown(fd, SHUT_WR)). */
  end(): void {
    this.t.step(`${this.label} closed its sending side (half-close, FIN)`);
    this.socket.end();
  }

  /**
   * Resolves once what this peer sent has been written and, for a server in the test's host,
   * read: a round trip to that process, whose event loop handles the data that arrived before
   * the round trip's message. Orders what two clients send, without a sleep.
   */
  async delivered(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.write(Buffer.alloc(0), () => resolve()));
    await this.t.settleHost();
  }

  /**
   * Abortive close: the other side sees ECONNRESET. An RST that arrives together with data
   * the other side has not read yet reaches it as a clean end (libuv reads the data, then
   * finds the connection closed), so the RST goes only once what this peer wrote has been
   * written and, for a server in the test's host, read: a round trip to that process, whose
   * event loop handles the data that arrived before the round trip's message.
   */
  async reset(): Promise<void> {
    this.t.step(`${this.label} reset the connection (RST)`);
    await this.delivered();
    await pause(2); // a server in another process (a program, a worker) reads in its own time
    // After a timer, the loop's next poll phase (where a server in this process reads) comes
    // before its check phase: without this, a process descheduled past the timer would reset
    // first and read after.
    await new Promise((resolve) => setImmediate(resolve));
    this.socket.resetAndDestroy();
  }

  /** Waits until `done()` holds, at most `ms`. */
  async until(done: () => boolean, ms: number, expected: string): Promise<void> {
    await this.t.until(this.changed, done, ms, expected, () => this.describe());
  }

  /** Sends one protocol line (a "\n" is added). */
  sendLine(line: string): void {
    this.send(`${line}\n`);
  }

  private nextLineEnd(): number {
    return this.received.indexOf(0x0a, this.consumed);
  }

  /**
   * The next complete line received (without "\n"), waiting for it at most `ms`. `quiet`
   * leaves it out of the steps, for bulk reads that the test summarises itself.
   */
  async readLine(ms: number, expected: string, { quiet = false } = {}): Promise<string> {
    await this.until(() => this.nextLineEnd() >= 0 || this.ended || this.closed, ms, expected);
    const end = this.nextLineEnd();
    if (end < 0) this.t.fail(expected, this.describe());
    const line = this.received.subarray(this.consumed, end).toString('utf8');
    this.consumed = end + 1;
    if (!quiet) this.t.step(`${this.label} received the line ${JSON.stringify(line)}`);
    return line;
  }

  /** Sends `line`, then reads the next line and checks it against `want` (a string, or a pattern). */
  async ask(line: string, want: string | RegExp, ms = 5000): Promise<string> {
    this.sendLine(line);
    const shown = typeof want === 'string' ? JSON.stringify(want) : `a line matching ${want}`;
    const got = await this.readLine(ms, `the reply ${shown}`);
    const ok = typeof want === 'string' ? got === want : want.test(got);
    this.t.check(ok, `the reply ${shown}`, () => JSON.stringify(got));
    return got;
  }

  /** Waits for the other side to close, then returns everything received. */
  async readToEnd(ms: number, expected: string): Promise<Buffer> {
    await this.until(() => this.ended || this.closed, ms, expected);
    return this.received;
  }
}

/**
 * Makes the student's server emit the 'error' of a failed accept (EMFILE), as Node does when
 * the process has no file descriptor left; the server still listens. `whose`: for the step.
 */
export async function failAnAccept(t: Trace, server: RemoteInstance<net.Server>, whose: string): Promise<void> {
  t.step(
    `${whose} emits 'error' for a failed accept, EMFILE, as it does when the process has no file descriptor left; it still listens`,
  );
  const emit = server.emit as unknown as (event: 'error', error: Error) => Promise<boolean>; // the Remote type keeps only emit's last overload
  await emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' }));
}

/**
 * A second server started on `port`, which the test's first server holds, must fail as the
 * program needs it to: `start()` (a call of the student's `startName({ host, port, log })`)
 * rejects with listen's EADDRINUSE error, so that the program can explain it and exit 1.
 */
export async function expectAddressInUse(
  t: Trace,
  port: number,
  startName: string,
  start: () => Promise<RemoteInstance<net.Server>>,
  waitMs: number,
): Promise<void> {
  t.step(`started a second server on the same address: ${startName}({ host: "${LOOPBACK}", port: ${port}, log })`);
  const failure = await t.within(
    start().then(
      async (server) => {
        await superviseServer(t, server);
        return undefined;
      },
      (error: unknown) => error as { code?: unknown; message?: unknown },
    ),
    waitMs,
    `${startName} to reject with the listen error EADDRINUSE`,
    () => 'its promise has not settled',
  );
  t.check(
    failure !== undefined,
    `${startName} to reject with the listen error EADDRINUSE, so the program can explain it and exit 1`,
    () => 'it resolved with a server, although the port is taken',
  );
  t.check(
    failure?.code === 'EADDRINUSE',
    'an error with code "EADDRINUSE"',
    () => `an error with code ${JSON.stringify(failure?.code)}: ${String(failure?.message)}`,
  );
}

/**
 * Takes charge of a server the student's code started in the test's host: remembers every
 * connection it accepts and, in teardown, destroys them and closes the server, so nothing
 * the test caused stays open. `sampleQueues` also watches how much the server queues for
 * each connection (Supervisor.maxQueued). Returns the server's port.
 */
export async function superviseServer(
  t: Trace,
  server: RemoteInstance<net.Server>,
  { sampleQueues = false } = {},
): Promise<{ port: number; supervisor: RemoteInstance<Supervisor> }> {
  const host = await t.host();
  const supervisor = await host.harness.supervise(server, sampleQueues);
  t.defer(() => supervisor.close());
  const address = await server.address();
  if (address === null || typeof address === 'string')
    throw new Mismatch('a server listening on a TCP port', `server.address() is ${JSON.stringify(address)}`);
  return { port: address.port, supervisor };
}

/** The port a listening server is bound to. */
export function portOf(server: net.Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server is not listening on a TCP port');
  return address.port;
}

/**
 * A test-owned server on 127.0.0.1, port 0, closed in teardown. Half-open connections are
 * allowed: after the client's FIN the handler may still answer, as long as it likes.
 */
export async function startTestServer(t: Trace, onConnection: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  t.defer(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = portOf(server);
  t.step(`started a test server on ${LOOPBACK}:${port}`);
  return port;
}

/** A port on 127.0.0.1 that nothing listens on (taken from the OS, then released). */
export async function unusedPort(): Promise<number> {
  const server = net.createServer().listen(0, LOOPBACK);
  await once(server, 'listening');
  const port = portOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Puts the chaos proxy in front of `port` (see tools/chaos-proxy/chaos-proxy.ts) and returns the
 * proxy's port. The last lines of its trace go into the test's steps if the test fails.
 */
export async function throughChaosProxy(
  t: Trace,
  port: number,
  options: Omit<ChaosOptions, 'target' | 'trace'> = {},
): Promise<number> {
  const trace: string[] = [];
  const proxy = await startChaosProxy({ ...options, target: { port }, trace: (line) => trace.push(line) });
  t.step(`started the chaos proxy on ${LOOPBACK}:${proxy.port} in front of port ${port} (${proxy.describe()})`);
  t.onFailure(() => {
    if (trace.length === 0) return 'the chaos proxy forwarded nothing';
    const shown = trace.slice(-12);
    return `the chaos proxy's last ${shown.length} of ${trace.length} trace lines:\n${shown.map((line) => `      ${line}`).join('\n')}`;
  });
  t.defer(() => proxy.close());
  return proxy.port;
}
