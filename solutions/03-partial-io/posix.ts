// PROVIDED, complete: not part of your work.
//
// A POSIX-style socket, the way C sees one, made async instead of blocking:
// - send(data) hands bytes to the kernel and returns how many it took: at least 1, maybe
//   fewer than data.length (the kernel's send buffer was nearly full);
// - recv(maxBytes) returns between 1 and maxBytes bytes, whatever has arrived, or an EMPTY
//   buffer at end of stream (C's recv returning 0);
// - both throw a SocketError on failure (C's -1 with errno set).
import type net from 'node:net';

export interface PosixSocket {
  send(data: Uint8Array): Promise<number>;
  recv(maxBytes: number): Promise<Buffer>;
}

export class SocketError extends Error {
  override name = 'SocketError';
  constructor(readonly code: string, message = code) {
    super(message);
  }
}

/** The stream ended before the bytes a reader needed: "connection closed after 3 of 10 bytes". */
export class ShortReadError extends Error {
  override name = 'ShortReadError';
  constructor(readonly received: number, readonly expected: number) {
    super(`connection closed after ${received} of ${expected} bytes`);
  }
}

/** A length header announced more bytes than the reader accepts. */
export class MessageTooLongError extends Error {
  override name = 'MessageTooLongError';
  constructor(readonly length: number, readonly maxBytes: number) {
    super(`message of ${length} bytes announced; the limit is ${maxBytes} bytes`);
  }
}

/**
 * A real Node socket seen through the POSIX interface. Like C's send, this send takes at
 * most `sendLimit` bytes per call, so loops that ignore short counts lose data here too.
 */
export function posixSocketOver(socket: net.Socket, sendLimit = 1024): PosixSocket {
  let ended = false;
  let failure: Error | undefined;
  socket.on('end', () => (ended = true));
  socket.on('error', (error: NodeJS.ErrnoException) => (failure = new SocketError(error.code ?? 'EIO', error.message)));
  socket.pause();

  const readable = () => new Promise<void>((resolve) => {
    const done = () => {
      socket.off('readable', done).off('end', done).off('error', done).off('close', done);
      resolve();
    };
    socket.on('readable', done).on('end', done).on('error', done).on('close', done);
  });

  return {
    async send(data) {
      if (failure) throw failure;
      if (socket.destroyed || socket.writableEnded) throw new SocketError('EPIPE', 'send on a closed socket');
      const taken = Math.max(1, Math.min(data.length, sendLimit));
      if (!socket.write(data.subarray(0, taken))) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
      return taken;
    },
    async recv(maxBytes) {
      for (;;) {
        if (failure) throw failure;
        const chunk = socket.read() as Buffer | null;
        if (chunk) {
          if (chunk.length > maxBytes) socket.unshift(chunk.subarray(maxBytes));
          return chunk.subarray(0, maxBytes);
        }
        if (ended || socket.destroyed) return Buffer.alloc(0);
        await readable();
      }
    },
  };
}
