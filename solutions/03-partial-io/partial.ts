// Lab 03, part 1: the ECE 373 notes' lesson as it is in C. send() and recv() may move fewer bytes
// than you asked for; check every return value and loop.
import { MessageTooLongError, ShortReadError, type PosixSocket } from './posix.ts';

/** Sends every byte of `data`, however few each send() takes. Errors propagate. */
export async function sendAll(sock: PosixSocket, data: Uint8Array): Promise<void> {
  // BEGIN SOLUTION "Task 1: sendAll and recvExact"
  let offset = 0;
  while (offset < data.length) {
    offset += await sock.send(data.subarray(offset));
  }
  // END SOLUTION
}

/**
 * Receives exactly `n` bytes. If the stream ends first, throws ShortReadError ("connection
 * closed after 3 of 10 bytes"). An empty recv() is end of stream, never "try again".
 */
export async function recvExact(sock: PosixSocket, n: number): Promise<Buffer> {
  // BEGIN SOLUTION "Task 1: sendAll and recvExact"
  const parts: Buffer[] = [];
  let received = 0;
  while (received < n) {
    const chunk = await sock.recv(n - received);
    if (chunk.length === 0) throw new ShortReadError(received, n);
    parts.push(chunk);
    received += chunk.length;
  }
  return Buffer.concat(parts, n);
  // END SOLUTION
}

/** 4-byte unsigned big-endian length, then the payload. */
export const HEADER_BYTES = 4;

/** Sends one length-prefixed message. */
export async function sendMessage(sock: PosixSocket, payload: Uint8Array): Promise<void> {
  // BEGIN SOLUTION "Task 2: length-prefixed messages"
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(payload.length);
  await sendAll(sock, Buffer.concat([header, payload]));
  // END SOLUTION
}

/**
 * Receives one length-prefixed message. Returns null if the stream ends cleanly before the
 * first header byte (no more messages); throws ShortReadError if it ends inside a message,
 * and MessageTooLongError if the header announces more than maxBytes — checked before
 * reading or allocating the payload.
 */
export async function recvMessage(sock: PosixSocket, maxBytes = 1 << 20): Promise<Buffer | null> {
  // BEGIN SOLUTION "Task 2: length-prefixed messages"
  const first = await sock.recv(HEADER_BYTES);
  if (first.length === 0) return null;
  const header = first.length === HEADER_BYTES ? first : Buffer.concat([first, await recvExactAfter(sock, HEADER_BYTES, first.length)]);
  const length = header.readUInt32BE(0);
  if (length > maxBytes) throw new MessageTooLongError(length, maxBytes);
  return recvExact(sock, length);
  // END SOLUTION
}

// BEGIN SOLUTION "Task 2: length-prefixed messages" members
/** The rest of a `total`-byte field of which `have` bytes already arrived. */
async function recvExactAfter(sock: PosixSocket, total: number, have: number): Promise<Buffer> {
  try {
    return await recvExact(sock, total - have);
  } catch (error) {
    if (error instanceof ShortReadError) throw new ShortReadError(have + error.received, total);
    throw error;
  }
}
// END SOLUTION
