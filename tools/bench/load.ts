// The load generator: N clients in this process, each sending M messages of S bytes to its
// partner through the server under test, and counting the messages it receives.
//
// Each payload starts with its send time and its sender's number ("1234.567 7 xxxx..."), so
// the receiver knows the latency and whose message arrived without keeping any table. Each
// client keeps at most `window` of its messages in flight (sent, not yet received by the
// partner): that measures throughput without unbounded queues anywhere, and keeps the
// relay's queue for each client far below the 64 KiB at which it cuts a client off. A window
// of 1 is the one-message-at-a-time mode: each message waits for the one before it to arrive,
// as in a chat, where messages come alone, and each costs the server a read and a write.
//
// Three protocols: the relay's (NAME, then SEND), the forwarder's (raw lines), and Redis
// pub/sub (RESP3: each client SUBSCRIBEs to its own channel and PUBLISHes to its partner's),
// a reference users know, run by the same clients with the same payloads.
import type net from 'node:net';
import { connectClients, destroyAll } from './connect.ts';

/** Room for the send time and sender number at the front of the payload. */
export const MIN_SIZE = 24;
/** "SEND c12345 " plus the payload must fit in a 1024-byte line. */
export const MAX_SIZE = 1000;
const MAX_WINDOW = 64;
/** Half the relay's 64 KiB per-client limit: each message in flight queues its line and an OK. */
const QUEUE_BUDGET_BYTES = 32 * 1024;
/** With no message delivered for this long, a run has failed (a relay that forwards nothing). */
const STALL_MS = 10_000;
const REPLY_TIMEOUT_MS = 10_000;
const PADDING = 'x'.repeat(MAX_SIZE);
const NEWLINE = 0x0a;
const SPACE = 0x20;
const DOT = 0x2e;
const CHAR_M = 0x4d;
const CHAR_S = 0x53;
const OK_SEND = Buffer.from('OK SEND ');
const CARRIAGE_RETURN = 0x0d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const COLON = 0x3a;

/** Messages in flight per client: 64, fewer for big payloads, so the budget above holds. */
export function windowFor(size: number): number {
  return Math.max(1, Math.min(MAX_WINDOW, Math.floor(QUEUE_BUDGET_BYTES / (size + 32))));
}

/** Whom client i sends to: itself when alone, its pair (0↔1, 2↔3) when N is even, else the next round a ring. */
export function partnerOf(index: number, clients: number): number {
  if (clients === 1) return 0;
  return clients % 2 === 0 ? index ^ 1 : (index + 1) % clients;
}

export interface LoadSpec {
  port: number;
  clients: number;
  messagesPerClient: number;
  size: number;
  /** relay: register with NAME c<i> first, QUIT at the end; forwarder: neither; redis: SUBSCRIBE, then PUBLISH. */
  protocol: Protocol;
  /** Messages in flight per client: windowFor(size) unless given; 1 is one message at a time. */
  window?: number;
  /** Messages per second over all clients; without it, as fast as the window allows. */
  rate?: number;
}

export type Protocol = 'relay' | 'forwarder' | 'redis';

export interface LoadOutcome {
  messages: number;
  /** Bytes of the delivered lines, "\n" included. */
  bytes: number;
  /** From the first send to the last delivery. */
  seconds: number;
  latenciesMs: Float32Array;
  okSends: number;
}

interface LoadClient {
  index: number;
  socket: net.Socket;
  /** "SEND c<partner> " */
  prefix: string;
  sent: number;
  /** How many of this client's messages its partner has received. */
  delivered: number;
  /** Bytes after the last "\n" received. */
  partial?: Buffer;
  /** Set while the client is in the list of senders to top up after a chunk. */
  credited: boolean;
}

type Phase = 'register' | 'exchange' | 'quit';

class LoadRun {
  readonly clients: LoadClient[];
  readonly window: number;
  readonly total: number;
  readonly latenciesMs: Float32Array;
  delivered = 0;
  bytes = 0;
  okSends = 0;
  startedAt = 0;
  lastDeliveryAt = 0;
  private phase: Phase = 'register';
  private named = 0;
  private settle?: { resolve: () => void; reject: (error: Error) => void };
  private failure?: Error;
  private readonly toTopUp: LoadClient[] = [];

  constructor(
    sockets: net.Socket[],
    readonly spec: LoadSpec,
  ) {
    this.window = spec.window ?? windowFor(spec.size);
    this.total = spec.clients * spec.messagesPerClient;
    this.latenciesMs = new Float32Array(this.total);
    this.clients = sockets.map((socket, index) => {
      const client: LoadClient = {
        index,
        socket,
        prefix: `SEND c${partnerOf(index, spec.clients)} `,
        sent: 0,
        delivered: 0,
        credited: false,
      };
      socket.on('data', (chunk: Buffer) => {
        try {
          this.onData(client, chunk);
        } catch (error) {
          this.fail(`reading what c${index} received failed: ${(error as Error).message}`); // a bench bug, not the server's
        }
      });
      socket.on('error', (error) => this.fail(`c${index}'s connection failed: ${error.message}`));
      socket.on('close', () => {
        if (this.phase !== 'quit')
          this.fail(`the server closed c${index}'s connection (${this.delivered} of ${this.total} messages delivered)`);
      });
      return client;
    });
  }

  /** Enters `phase`, runs `start`, and waits until the data handler calls done() or the phase fails. */
  private until(phase: Phase, start: () => void, timeout?: { ms: number; message: string }): Promise<void> {
    this.phase = phase;
    return new Promise<void>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const timer = timeout && setTimeout(() => this.fail(timeout.message), timeout.ms);
      this.settle = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      start();
    });
  }

  private done(): void {
    this.settle?.resolve();
    this.settle = undefined;
  }

  fail(reason: string): void {
    this.failure ??= new Error(reason);
    this.settle?.reject(this.failure);
    this.settle = undefined;
  }

  register(): Promise<void> {
    return this.until(
      'register',
      () => {
        for (const client of this.clients) {
          // RESP3 (HELLO 3) lets a subscribed connection PUBLISH too: one connection per client, as with the relay.
          client.socket.write(
            this.spec.protocol === 'redis' ? `HELLO 3\r\nSUBSCRIBE c${client.index}\r\n` : `NAME c${client.index}\n`,
          );
        }
      },
      { ms: REPLY_TIMEOUT_MS, message: `the server did not answer every NAME within ${REPLY_TIMEOUT_MS / 1000} s` },
    );
  }

  async exchange(): Promise<void> {
    const { rate } = this.spec;
    let lastSeen = -1;
    let lastProgressAt = 0;
    const watchdog = setInterval(() => {
      if (this.delivered !== lastSeen) {
        lastSeen = this.delivered;
        lastProgressAt = performance.now();
      } else if (performance.now() - lastProgressAt > STALL_MS) {
        this.fail(
          `no message was delivered for ${STALL_MS / 1000} s (${this.delivered} of ${this.total} delivered, ${this.okSends} OK SEND replies)`,
        );
      }
    }, 1000);
    // Paced: top every client up each millisecond (timers cannot do much finer).
    const pacer =
      rate === undefined
        ? undefined
        : setInterval(() => {
            const now = performance.now();
            for (const client of this.clients) this.topUp(client, now);
          }, 1);
    try {
      await this.until('exchange', () => {
        this.startedAt = performance.now();
        for (const client of this.clients) this.topUp(client, this.startedAt);
      });
    } finally {
      clearInterval(watchdog);
      clearInterval(pacer);
    }
  }

  async quit(): Promise<void> {
    const sockets = this.clients.map((client) => client.socket);
    this.phase = 'quit';
    if (this.spec.protocol !== 'relay' || this.failure) return destroyAll(sockets);
    // QUIT, and wait for the server to close: then it has released every name for the next run.
    const closed = Promise.all(
      sockets.map((socket) => (socket.closed ? undefined : new Promise((resolve) => socket.once('close', resolve)))),
    );
    for (const socket of sockets) socket.end('QUIT\n');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, REPLY_TIMEOUT_MS)));
    await Promise.race([closed, late]);
    clearTimeout(timer);
    await destroyAll(sockets);
  }

  /** How many messages client `index` should have sent by `now`: all of them unless paced. */
  private due(index: number, now: number): number {
    const { rate, clients, messagesPerClient } = this.spec;
    if (rate === undefined) return messagesPerClient;
    // Each client gets an equal share of the rate. Its k-th message is due at
    // (k + index/N) / rate-per-client: the clients take turns instead of all sending in the
    // same millisecond.
    const sendable = (now - this.startedAt) * (rate / clients / 1000) - index / clients;
    return sendable < 0 ? 0 : Math.min(messagesPerClient, Math.floor(sendable) + 1);
  }

  /** Sends as many messages as the window, the pace and the count allow, in one write. */
  private topUp(client: LoadClient, now: number): void {
    const count = Math.min(this.window - (client.sent - client.delivered), this.due(client.index, now) - client.sent);
    if (count <= 0 || client.socket.destroyed) return;
    const head = `${(performance.now() - this.startedAt).toFixed(3)} ${client.index} `;
    const payload = `${head}${PADDING.slice(0, this.spec.size - head.length)}`;
    const line =
      this.spec.protocol === 'redis'
        ? publish(partnerOf(client.index, this.spec.clients), payload)
        : `${client.prefix}${payload}\n`;
    client.socket.write(count === 1 ? line : line.repeat(count));
    client.sent += count;
  }

  /**
   * Reads the lines straight from the bytes, without making strings of them: at a million
   * messages a second the bench's own garbage collection would show up as latency.
   */
  private onData(client: LoadClient, chunk: Buffer): void {
    const now = performance.now();
    const data = client.partial === undefined ? chunk : Buffer.concat([client.partial, chunk]);
    let start = 0;
    for (let end = data.indexOf(NEWLINE); end >= 0; end = data.indexOf(NEWLINE, start)) {
      const first = data[start];
      if (this.spec.protocol === 'redis') {
        this.onRespLine(client, data, start, end, now);
        start = end + 1;
        continue;
      }
      if (first === CHAR_M || first === CHAR_S) {
        // "MSG c<i> PAYLOAD" from the relay, "SEND c<j> PAYLOAD" through the forwarder;
        // the payload starts "STAMP SENDER ".
        const stampAt = data.indexOf(SPACE, data.indexOf(SPACE, start) + 1) + 1;
        const senderAt = data.indexOf(SPACE, stampAt) + 1;
        const sentAt = decimal(data, stampAt, senderAt - 1);
        const sender = this.clients[decimal(data, senderAt, data.indexOf(SPACE, senderAt))];
        if (
          stampAt === 0 ||
          senderAt === 0 ||
          sender === undefined ||
          Number.isNaN(sentAt) ||
          this.phase !== 'exchange'
        ) {
          return this.fail(
            `c${client.index} received a line it cannot read: "${data.toString('latin1', start, Math.min(end, start + 80))}"`,
          );
        }
        this.delivered1(sender, now - this.startedAt - sentAt, end - start + 1);
      } else if (
        end - start > OK_SEND.length &&
        data.compare(OK_SEND, 0, OK_SEND.length, start, start + OK_SEND.length) === 0
      ) {
        this.okSends++;
      } else {
        this.otherLine(client, data.toString('latin1', start, end));
      }
      start = end + 1;
    }
    client.partial = start === data.length ? undefined : Buffer.from(data.subarray(start));
    for (const sender of this.toTopUp) {
      sender.credited = false;
      this.topUp(sender, now);
    }
    this.toTopUp.length = 0;
    if (this.phase === 'exchange' && this.delivered === this.total) {
      this.lastDeliveryAt = now;
      this.done();
    }
  }

  /** One delivery from `sender`, with its latency and the bytes of its line. */
  private delivered1(sender: LoadClient, latencyMs: number, bytes: number): void {
    this.latenciesMs[this.delivered++] = latencyMs;
    this.bytes += bytes;
    sender.delivered++;
    if (!sender.credited) {
      sender.credited = true;
      this.toTopUp.push(sender);
    }
  }

  /**
   * One line of Redis's RESP3 replies. A message arrives as the push ">3", "$7", "message",
   * "$2", "c1", "$64" and then the payload, which alone starts with a digit; a PUBLISH is
   * answered ":1" (the receivers it reached); a SUBSCRIBE is confirmed by a push whose
   * second line is "subscribe". Everything else (the HELLO map) is skipped.
   */
  private onRespLine(client: LoadClient, data: Buffer, start: number, end: number, now: number): void {
    const first = data[start];
    const stop = data[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
    if (first >= DIGIT_0 && first <= DIGIT_9 && this.phase === 'exchange') {
      const senderAt = data.indexOf(SPACE, start) + 1;
      const sentAt = decimal(data, start, senderAt - 1);
      const sender = this.clients[decimal(data, senderAt, data.indexOf(SPACE, senderAt))];
      if (senderAt === 0 || sender === undefined || Number.isNaN(sentAt)) {
        return this.fail(
          `c${client.index} received a message it cannot read: "${data.toString('latin1', start, Math.min(stop, start + 80))}"`,
        );
      }
      this.delivered1(sender, now - this.startedAt - sentAt, stop - start);
    } else if (first === COLON && this.phase === 'exchange') {
      this.okSends++;
    } else if (this.phase === 'register' && data.toString('latin1', start, stop) === 'subscribe') {
      if (++this.named === this.clients.length) this.done();
    } else if (first === 0x2d) {
      // "-ERR ..."
      this.fail(
        `c${client.index} received the Redis error "${data.toString('latin1', start, Math.min(stop, start + 120))}"`,
      );
    }
  }

  private otherLine(client: LoadClient, line: string): void {
    if (this.phase === 'register' && line === `OK NAME c${client.index}`) {
      if (++this.named === this.clients.length) this.done();
    } else if (!(this.phase === 'quit' && line === 'BYE')) {
      this.fail(
        `c${client.index} received "${line.slice(0, 120)}" during ${this.phase === 'register' ? 'registration' : 'the run'}`,
      );
    }
  }
}

/** PUBLISH c<to> <payload>, as a RESP array of bulk strings (the payload has spaces). */
function publish(to: number, payload: string): string {
  const channel = `c${to}`;
  return `*3\r\n$7\r\nPUBLISH\r\n$${channel.length}\r\n${channel}\r\n$${payload.length}\r\n${payload}\r\n`;
}

/** The number written in ASCII in data[from, to), like "1234.567" or "42"; NaN if it is not one. */
function decimal(data: Buffer, from: number, to: number): number {
  if (to <= from) return NaN;
  let whole = 0;
  let fraction = 0;
  let scale = 0; // digits after the point, as a power of ten; 0 before the point
  for (let at = from; at < to; at++) {
    const byte = data[at];
    if (byte === DOT && scale === 0) {
      scale = 1;
    } else if (byte >= 0x30 && byte <= 0x39) {
      if (scale === 0) whole = whole * 10 + byte - 0x30;
      else {
        fraction = fraction * 10 + byte - 0x30;
        scale *= 10;
      }
    } else {
      return NaN;
    }
  }
  return scale === 0 ? whole : whole + fraction / scale;
}

/** Connects, registers (relay), runs the exchange, and always disconnects everyone. */
export async function runLoad(spec: LoadSpec): Promise<LoadOutcome> {
  const run = new LoadRun(await connectClients(spec.port, spec.clients), spec);
  try {
    if (spec.protocol !== 'forwarder') await run.register();
    await run.exchange();
  } finally {
    await run.quit();
  }
  return {
    messages: run.delivered,
    bytes: run.bytes,
    seconds: (run.lastDeliveryAt - run.startedAt) / 1000,
    latenciesMs: run.latenciesMs,
    okSends: run.okSends,
  };
}
