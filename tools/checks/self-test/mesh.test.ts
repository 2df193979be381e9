// Lab 06's mesh (provided code): a worker that does not read its frames makes the sender
// congested past MAX_QUEUED_FOR_PEER, and uncongested() resolves once it reads again or its
// channel closes. A fake peer stands for the slow worker: it accepts and does not read.
import { describe, test } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import { Mesh, MAX_QUEUED_FOR_PEER } from '../../../labs/06-cluster/mesh.ts';

const FRAME = 'x'.repeat(1000);
/** Far more than a loopback connection's kernel buffers hold: congestion must come before. */
const MAX_FILL_BYTES = 256 * 1024 * 1024;

/** A peer worker that accepts the mesh channel and reads nothing until told to. */
async function slowPeer() {
  const accepted: net.Socket[] = [];
  const server = net.createServer((socket) => {
    socket.pause();
    accepted.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, accepted, port: (server.address() as net.AddressInfo).port };
}

/** Sends frames to worker 1, a tick's worth at a time, until the mesh says it is congested. */
async function fillUntilCongested(mesh: Mesh): Promise<number> {
  let sent = 0;
  while (!mesh.congested() && sent < MAX_FILL_BYTES) {
    for (let i = 0; i < 100; i++) mesh.send(1, 0, 0, FRAME);
    sent += 100 * FRAME.length;
    await new Promise((resolve) => setImmediate(resolve)); // the frames leave at the end of the tick
  }
  return sent;
}

describe('lab 06 mesh', () => {
  test('a peer that does not read makes the mesh congested; it is uncongested once the peer reads again, or its channel closes', async ({
    expect,
  }) => {
    const peer = await slowPeer();
    const mesh = new Mesh(
      () => {},
      () => {},
    );
    try {
      mesh.connect({ worker: 1, port: peer.port, token: 'token' });
      expect(mesh.congested()).toBe(false);
      const sent = await fillUntilCongested(mesh);
      expect(mesh.congested(), `still not congested after ${sent} bytes for a peer that reads nothing`).toBe(true);
      expect(sent).toBeGreaterThan(MAX_QUEUED_FOR_PEER);
      let caughtUp = false;
      const waiting = mesh.uncongested().then(() => {
        caughtUp = true;
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(caughtUp, 'uncongested() resolved while the peer still read nothing').toBe(false);
      peer.accepted[0].resume(); // the peer reads again
      await waiting;
      expect(mesh.congested()).toBe(false);

      // Congested again; this time the peer's channel closes (its worker died).
      peer.accepted[0].pause();
      await fillUntilCongested(mesh);
      expect(mesh.congested()).toBe(true);
      const closing = mesh.uncongested();
      peer.accepted[0].destroy();
      await closing;
      expect(mesh.congested()).toBe(false);
    } finally {
      mesh.close();
      for (const socket of peer.accepted) socket.destroy();
      peer.server.close();
    }
  }, 30_000);
});
