// Lab 03, part 2: the same lesson in Node. socket.write() never sends partially: it queues
// what the kernel cannot take yet, in your process's memory, and returns false once that
// queue passes the high-water mark. Wait for 'drain' before writing more.
import type net from 'node:net';
import { MessageTooLongError, ShortReadError } from './posix.ts';
import { HEADER_BYTES } from './partial.ts';

/**
 * Writes `data` in chunks of at most `chunkBytes`, waiting for 'drain' whenever write()
 * returns false, so memory stays bounded whatever the size of `data`. Resolves once the
 * last chunk is handed to the kernel; rejects if the socket errors or closes first.
 */
export function writeAll(socket: net.Socket, data: Uint8Array, chunkBytes = 64 * 1024): Promise<void> {
  // BEGIN SOLUTION "Task 3: writeAll with backpressure"
  return new Promise((resolve, reject) => {
    let offset = 0;
    const fail = (error?: Error) => {
      cleanup();
      reject(error ?? new Error(`the connection closed after ${offset} of ${data.length} bytes were queued`));
    };
    const onClose = () => fail();
    const cleanup = () => {
      socket.off('error', fail).off('close', onClose).off('drain', writeMore);
    };
    const lastWritten = (error?: Error | null) => {
      // Destroyed before these bytes left, the socket calls back without an error: lost all the same.
      if (error || socket.destroyed) {
        fail(error ?? undefined);
        return;
      }
      cleanup();
      resolve();
    };
    const writeMore = () => {
      while (offset < data.length) {
        const chunk = data.subarray(offset, offset + chunkBytes);
        offset += chunk.length;
        const last = offset >= data.length;
        const flushed = socket.write(chunk, last ? lastWritten : undefined);
        if (!flushed && !last) return; // 'drain' calls us again
      }
    };
    if (data.length === 0) {
      resolve();
      return;
    }
    // Already closed: it will emit neither 'close' nor 'drain' again.
    if (socket.destroyed) {
      reject(new Error('the connection is already closed'));
      return;
    }
    socket.on('error', fail).on('close', onClose).on('drain', writeMore);
    writeMore();
  });
  // END SOLUTION
}

/**
 * Resolves with exactly the next `n` bytes of the socket. Bytes beyond `n` stay in the
 * socket for the next read. Rejects with ShortReadError if the socket ends first, with the
 * socket's error if it fails first.
 */
export function readExactly(socket: net.Socket, n: number): Promise<Buffer> {
  // BEGIN SOLUTION "Task 4: reading exactly from a Node socket"
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      const need = n - received;
      parts.push(chunk.subarray(0, need));
      received += Math.min(chunk.length, need);
      if (received < n) return;
      // Stop the flow before handing back the surplus: unshift() on a flowing socket
      // would emit it again at once, to this very listener.
      cleanup();
      socket.pause();
      if (chunk.length > need) socket.unshift(chunk.subarray(need)); // not ours: left for the next reader
      resolve(Buffer.concat(parts, n));
    };
    const onEnd = () => {
      cleanup();
      reject(new ShortReadError(received, n));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    if (n === 0) {
      resolve(Buffer.alloc(0));
      return;
    }
    // Ended or destroyed already: 'end' and 'close' will not fire again.
    if (socket.readableEnded || socket.destroyed) {
      reject(new ShortReadError(0, n));
      return;
    }
    socket.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError);
    socket.resume();
  });
  // END SOLUTION
}

/** One length-prefixed message (4-byte big-endian length, then the payload). */
export async function readMessage(socket: net.Socket, maxBytes = 1 << 20): Promise<Buffer> {
  // BEGIN SOLUTION "Task 4: reading exactly from a Node socket"
  const length = (await readExactly(socket, HEADER_BYTES)).readUInt32BE(0);
  if (length > maxBytes) throw new MessageTooLongError(length, maxBytes);
  return readExactly(socket, length);
  // END SOLUTION
}
