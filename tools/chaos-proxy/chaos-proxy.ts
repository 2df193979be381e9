// The chaos proxy: a TCP proxy that re-cuts the byte stream in both directions, so you can
// watch what TCP is allowed to do to your messages — deliver one write as many reads, or
// many writes as one read — and check that your code copes.
//
//   npm run proxy -- --to 5000 --port 6000 --piece 1 --delay 1 --trace
//
// Every piece is forwarded after a real timer delay (≥ 1 ms: nothing shorter reliably makes
// another process see separate reads). Bytes that arrive during the delay are merged into
// the next piece, up to its size. Random piece sizes come from a seeded generator, so a run
// can be repeated exactly. Half-closes pass through; a reset on one side resets the other.
import net from 'node:net';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { show } from '../shared/bytes.ts';

export interface ChaosOptions {
  /** Where to forward connections. */
  target: { host?: string; port: number };
  /** Where to listen; default 127.0.0.1, port 0 (the OS picks). */
  listen?: { host?: string; port?: number };
  /** Piece sizes in bytes, each drawn from [min, max]; default 1-16. */
  piece?: { min: number; max: number };
  /** Milliseconds between pieces; default 1. 0 forwards as fast as possible (pieces may merge again). */
  delayMs?: number;
  /** Seed for the random piece sizes; default random. */
  seed?: number;
  /** Receives one line per forwarded piece, half-close and reset. */
  trace?: (line: string) => void;
}

export interface ChaosProxy {
  host: string;
  port: number;
  seed: number;
  /** "pieces of 1-16 bytes, 1 ms apart, seed 42" */
  describe(): string;
  close(): Promise<void>;
}

/** Pauses a direction's reader while this many bytes wait to be re-cut. */
const QUEUE_LIMIT = 256 * 1024;

/** mulberry32: small, fast, good enough to vary piece sizes, and repeatable. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Moves bytes from one socket to another, re-cut into pieces. */
function recut(
  from: net.Socket,
  to: net.Socket,
  options: { sizes: () => number; delayMs: number; trace: (text: string) => void },
): void {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let pumping = false;

  const take = (size: number): Buffer => {
    const parts: Buffer[] = [];
    let need = size;
    while (need > 0 && queue.length > 0) {
      const head = queue[0];
      if (head.length <= need) {
        parts.push(queue.shift()!);
        need -= head.length;
      } else {
        parts.push(head.subarray(0, need));
        queue[0] = head.subarray(need);
        need = 0;
      }
    }
    const piece = Buffer.concat(parts);
    queued -= piece.length;
    return piece;
  };

  const pump = async () => {
    if (pumping) return;
    pumping = true;
    while (queued > 0 && !to.destroyed) {
      if (options.delayMs > 0) await sleep(options.delayMs);
      const piece = take(options.sizes());
      if (piece.length === 0 || to.destroyed) break;
      options.trace(
        `${piece.length} byte${piece.length === 1 ? '' : 's'} ${show(piece).replace(/ \(\d+ bytes?\)$/, '')}`,
      );
      if (from.isPaused() && queued < QUEUE_LIMIT / 2) from.resume();
      if (!to.write(piece))
        await new Promise<void>((resolve) => {
          to.once('drain', resolve);
          to.once('close', resolve);
        });
    }
    pumping = false;
    if (ended && queued === 0 && !to.destroyed && !to.writableEnded) {
      options.trace('end (half-close)');
      to.end();
    }
  };

  from.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= QUEUE_LIMIT) from.pause();
    void pump();
  });
  from.on('end', () => {
    ended = true;
    void pump();
  });
}

export async function startChaosProxy(options: ChaosOptions): Promise<ChaosProxy> {
  const target = { host: options.target.host ?? '127.0.0.1', port: options.target.port };
  const { min, max } = options.piece ?? { min: 1, max: 16 };
  if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min))
    throw new Error(`piece sizes must be whole numbers with 1 <= min <= max (got ${min}-${max})`);
  const delayMs = options.delayMs ?? 1;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const trace = options.trace ?? (() => {});
  const sockets = new Set<net.Socket>();
  let connections = 0;

  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const id = ++connections;
    const opened = process.hrtime.bigint();
    const tracer = (direction: string) => (text: string) => {
      const seconds = Number(process.hrtime.bigint() - opened) / 1e9;
      trace(`[#${id} ${direction} +${seconds.toFixed(3)}s] ${text}`);
    };
    const toServer = tracer('client→server');
    const toClient = tracer('server→client');
    const upstream = net.connect({ ...target, allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    // A reset or error on one side resets the other: the proxy passes failures through
    // instead of hiding them, and never crashes on them.
    const failed = (side: string, other: net.Socket, say: (text: string) => void) => (error: NodeJS.ErrnoException) => {
      say(`${side} failed: ${error.code ?? error.message}; resetting the other side`);
      if (!other.destroyed) other.resetAndDestroy();
    };
    client.on('error', failed('client', upstream, toServer));
    upstream.on('error', failed('server', client, toClient));
    const rng = random(seed ^ Math.imul(id, 0x9e3779b9));
    const sizes = () => min + Math.floor(rng() * (max - min + 1));
    recut(client, upstream, { sizes, delayMs, trace: toServer });
    recut(upstream, client, { sizes, delayMs, trace: toClient });
  });
  server.on('error', () => {}); // a failed accept must not take the proxy down
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen?.port ?? 0, options.listen?.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  const pieces = min === max ? `${min} byte${min === 1 ? '' : 's'}` : `${min}-${max} bytes`;
  return {
    host: address.address,
    port: address.port,
    seed,
    describe: () => `pieces of ${pieces}, ${delayMs} ms apart, seed ${seed}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** "1" → {1, 1}; "1-16" → {1, 16}. */
export function parsePieces(text: string): { min: number; max: number } {
  const match = text.match(/^(\d+)(?:-(\d+))?$/);
  if (!match) throw new Error(`--piece takes N or MIN-MAX, e.g. 1 or 1-16 (got "${text}")`);
  return { min: Number(match[1]), max: Number(match[2] ?? match[1]) };
}

/** "5000" → 127.0.0.1:5000; "example.org:80" → that. */
export function parseTarget(text: string): { host: string; port: number } {
  const match = text.match(/^(?:(.+):)?(\d+)$/);
  if (!match) throw new Error(`--to takes PORT or HOST:PORT (got "${text}")`);
  return { host: match[1] ?? '127.0.0.1', port: Number(match[2]) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      to: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '6000' },
      piece: { type: 'string', default: '1-16' },
      delay: { type: 'string', default: '1' },
      seed: { type: 'string' },
      trace: { type: 'boolean', default: false },
    },
  });
  if (!values.to)
    throw new Error('say where to forward to: --to PORT or --to HOST:PORT (e.g. npm run proxy -- --to 5000)');
  const delayMs = Number(values.delay);
  if (!(delayMs >= 0)) throw new Error(`--delay takes milliseconds, 0 or more (got "${values.delay}")`);
  const target = parseTarget(values.to);
  const proxy = await startChaosProxy({
    target,
    listen: { host: values.host, port: Number(values.port) },
    piece: parsePieces(values.piece),
    delayMs,
    seed: values.seed === undefined ? undefined : Number(values.seed),
    trace: values.trace ? (line) => console.log(line) : undefined,
  });
  console.log(`chaos proxy on ${proxy.host}:${proxy.port} → ${target.host}:${target.port} (${proxy.describe()})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    console.error(
      `error: ${code === 'EADDRINUSE' ? 'that --port is already in use; pick another' : error instanceof Error ? error.message : String(error)}`,
    );
    process.exitCode = 2;
  });
}
