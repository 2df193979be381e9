// The graded tests' own helpers do what their names say (tests/support): a client that
// resets its connection reaches the server as a reset, not as a clean close.
import { describe, test } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import { Trace } from '../../../tests/support/graded.ts';
import { LOOPBACK, Peer, portOf } from '../../../tests/support/net.ts';

describe('the test helpers', () => {
  test('Peer.reset() after a write reaches the server as ECONNRESET, after the data it sent (20 times in a row)', async ({
    expect,
  }) => {
    const seen: string[] = [];
    const server = net.createServer((socket) => {
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('error', (error: NodeJS.ErrnoException) => seen.push(`${error.code} after "${data}"`));
      socket.on('end', () => seen.push(`clean end after "${data}"`));
    });
    server.listen(0, LOOPBACK);
    await once(server, 'listening');
    const t = new Trace();
    try {
      for (let i = 0; i < 20; i++) {
        const peer = await Peer.connect(t, portOf(server), `client ${i}`);
        peer.send('half a mess');
        const before = seen.length;
        await peer.reset();
        await peer.until(() => peer.closed, 2000, 'the reset to complete');
        while (seen.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(seen).toEqual(Array.from({ length: 20 }, () => 'ECONNRESET after "half a mess"'));
    } finally {
      await t.runCleanups();
      server.close();
    }
  });
});
