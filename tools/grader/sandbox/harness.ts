// What the tests need to see inside the student host, beyond calling the student's code:
// the sockets and servers open in it, and the connections of a server the test started
// (to close them at the end, and to sample how much the server queues for each). These
// figures come from the process that runs the student's code, so a test never relies on
// them alone: each such test also checks what arrives over TCP.
import type net from 'node:net';

const WATCHED = ['TCPServerWrap', 'TCPSocketWrap'] as const;

export interface OpenHandles {
  servers: number;
  sockets: number;
}

export interface Supervisor {
  /** The most bytes waiting in one connection's send queue (socket.writableLength) so far. */
  maxQueued(): number;
  /** Destroys every connection and closes the server. */
  close(): Promise<void>;
}

export const harness = {
  openHandles(): OpenHandles {
    const info = process.getActiveResourcesInfo();
    const count = (kind: (typeof WATCHED)[number]) => info.filter((name) => name === kind).length;
    return { servers: count('TCPServerWrap'), sockets: count('TCPSocketWrap') };
  },

  /** `sampleQueues`: watch every connection's send queue each millisecond (for maxQueued). */
  supervise(server: net.Server, sampleQueues = false): Supervisor {
    const connections = new Set<net.Socket>();
    let maxQueued = 0;
    server.on('connection', (socket) => {
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
    });
    const sampler = sampleQueues
      ? setInterval(() => {
          for (const socket of connections) maxQueued = Math.max(maxQueued, socket.writableLength);
        }, 1)
      : undefined;
    sampler?.unref();
    return {
      maxQueued: () => maxQueued,
      close: async () => {
        clearInterval(sampler);
        for (const socket of connections) socket.destroy();
        if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  },
};

export type Harness = typeof harness;
