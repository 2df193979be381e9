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
  // TODO: write this part (see labs/03-partial-io/README.md, section "Task 3: writeAll with backpressure").
  throw new Error("not implemented yet — see labs/03-partial-io/README.md, section \"Task 3: writeAll with backpressure\"");
}

/**
 * Resolves with exactly the next `n` bytes of the socket. Bytes beyond `n` stay in the
 * socket for the next read. Rejects with ShortReadError if the socket ends first, with the
 * socket's error if it fails first.
 */
export function readExactly(socket: net.Socket, n: number): Promise<Buffer> {
  // TODO: write this part (see labs/03-partial-io/README.md, section "Task 4: reading exactly from a Node socket").
  throw new Error("not implemented yet — see labs/03-partial-io/README.md, section \"Task 4: reading exactly from a Node socket\"");
}

/** One length-prefixed message (4-byte big-endian length, then the payload). */
export async function readMessage(socket: net.Socket, maxBytes = 1 << 20): Promise<Buffer> {
  // TODO: write this part (see labs/03-partial-io/README.md, section "Task 4: reading exactly from a Node socket").
  throw new Error("not implemented yet — see labs/03-partial-io/README.md, section \"Task 4: reading exactly from a Node socket\"");
}
