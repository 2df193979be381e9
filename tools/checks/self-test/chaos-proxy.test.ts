// The chaos proxy used by students and by the graded tests of labs 02-05.
import { describe, expect, test } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { startChaosProxy, type ChaosOptions } from '../../chaos-proxy/chaos-proxy.ts';
import { REPO_ROOT } from '../../grader/lab.ts';

interface Upstream {
  port: number;
  /** The server side of each accepted connection, in order. */
  accepted: net.Socket[];
  nextConnection(): Promise<net.Socket>;
  close(): Promise<void>;
}

/** A plain server behind the proxy; the test drives its sockets directly. */
async function upstream(): Promise<Upstream> {
  const accepted: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {});
    accepted.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted,
    nextConnection: async () => (await once(server, 'connection'))[0] as net.Socket,
    close: async () => {
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function withProxy(
  options: Omit<ChaosOptions, 'target' | 'trace'>,
  body: (ctx: { up: Upstream; proxyPort: number; trace: string[] }) => Promise<void>,
): Promise<void> {
  const up = await upstream();
  const trace: string[] = [];
  const proxy = await startChaosProxy({ ...options, target: { port: up.port }, trace: (line) => trace.push(line) });
  try {
    await body({ up, proxyPort: proxy.port, trace });
  } finally {
    await proxy.close();
    await up.close();
  }
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** Reads until `size` bytes have arrived. */
function readBytes(socket: net.Socket, size: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      parts.push(chunk);
      got += chunk.length;
      if (got >= size) {
        socket.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    socket.on('data', onData);
  });
}

const pieceSizes = (trace: string[], direction: string) =>
  trace
    .filter((line) => line.includes(direction) && / bytes? "/.test(line))
    .map((line) => Number(line.match(/\] (\d+) byte/)![1]));

describe('the chaos proxy', () => {
  test('forwards every byte unchanged, in both directions, however it cuts them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 120 }),
        fc.uint8Array({ minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 9 }),
        async (up, down, max) => {
          let ok = false;
          await withProxy({ piece: { min: 1, max }, delayMs: 0 }, async ({ up: server, proxyPort }) => {
            const client = await connect(proxyPort);
            const accepted = server.nextConnection();
            client.write(up);
            const side = await accepted;
            const atServer = await readBytes(side, up.length);
            side.write(down);
            const atClient = await readBytes(client, down.length);
            client.destroy();
            ok = atServer.equals(Buffer.from(up)) && atClient.equals(Buffer.from(down));
          });
          return ok;
        },
      ),
      { numRuns: 25 },
    );
  });

  test('cuts the stream into pieces of the requested sizes', async () => {
    await withProxy({ piece: { min: 2, max: 5 }, delayMs: 1 }, async ({ up, proxyPort, trace }) => {
      const client = await connect(proxyPort);
      const accepted = up.nextConnection();
      client.write(Buffer.alloc(200, 0x61));
      await readBytes(await accepted, 200);
      const sizes = pieceSizes(trace, 'client→server');
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(200);
      // Every piece within bounds; only the last may be shorter, when fewer bytes remain.
      expect(sizes.every((size) => size <= 5)).toBe(true);
      expect(sizes.slice(0, -1).every((size) => size >= 2)).toBe(true);
      client.destroy();
    });
  });

  test('merges writes that arrive during the delay into one piece', async () => {
    await withProxy({ piece: { min: 64, max: 64 }, delayMs: 20 }, async ({ up, proxyPort, trace }) => {
      const client = await connect(proxyPort);
      const accepted = up.nextConnection();
      for (let i = 0; i < 20; i++) client.write('x');
      await readBytes(await accepted, 20);
      expect(pieceSizes(trace, 'client→server').length).toBeLessThan(20);
      client.destroy();
    });
  });

  test('cuts the same way for the same seed', async () => {
    const run = async () => {
      let sizes: number[] = [];
      await withProxy({ piece: { min: 1, max: 16 }, delayMs: 0, seed: 1234 }, async ({ up, proxyPort, trace }) => {
        const client = await connect(proxyPort);
        const accepted = up.nextConnection();
        client.write(Buffer.alloc(300, 0x62));
        await readBytes(await accepted, 300);
        sizes = pieceSizes(trace, 'client→server');
        client.destroy();
      });
      return sizes;
    };
    const first = await run();
    expect(first.length).toBeGreaterThan(10);
    expect(await run()).toEqual(first);
  });

  test('passes a half-close through and still carries the reply', async () => {
    await withProxy({ piece: { min: 1, max: 4 }, delayMs: 1 }, async ({ up, proxyPort, trace }) => {
      const client = await connect(proxyPort);
      const accepted = up.nextConnection();
      client.end('question');
      const side = await accepted;
      const [asked] = await Promise.all([readBytes(side, 8), once(side, 'end')]);
      expect(asked.toString()).toBe('question');
      side.end('answer');
      const [answer] = await Promise.all([readBytes(client, 6), once(client, 'end')]);
      expect(answer.toString()).toBe('answer');
      expect(trace.some((line) => line.includes('client→server') && line.includes('end (half-close)'))).toBe(true);
    });
  });

  test('passes a reset through without crashing, and keeps serving new connections', async () => {
    await withProxy({ piece: { min: 1, max: 4 }, delayMs: 1 }, async ({ up, proxyPort, trace }) => {
      const rude = await connect(proxyPort);
      const accepted = up.nextConnection();
      rude.write('hi');
      const side = await accepted;
      await readBytes(side, 2);
      const closed = new Promise((resolve) => side.once('close', resolve)); // events.once would reject on 'error'
      rude.resetAndDestroy();
      await closed;
      expect(trace.some((line) => line.includes('client failed'))).toBe(true);
      const polite = await connect(proxyPort);
      const next = up.nextConnection();
      polite.write('again');
      expect((await readBytes(await next, 5)).toString()).toBe('again');
      polite.destroy();
    });
  });

  test('traces every piece with its bytes escaped: \\n, \\r, control and non-ASCII bytes visible', async () => {
    await withProxy({ piece: { min: 64, max: 64 }, delayMs: 5 }, async ({ up, proxyPort, trace }) => {
      const client = await connect(proxyPort);
      const accepted = up.nextConnection();
      client.write(Buffer.from('a\r\n\x01é'));
      await readBytes(await accepted, 6);
      expect(trace.join('\n')).toMatch(/\[#1 client→server \+\d+\.\d{3}s\] 6 bytes "a\\r\\n\\x01\\xc3\\xa9"/);
      client.destroy();
    });
  });

  test('the npm run proxy command explains a missing --to in one line', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/chaos-proxy/chaos-proxy.ts'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    // 'close', not 'exit': only then has everything it wrote to stderr been read.
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(/^error: say where to forward to: --to PORT/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
