// Lab 03, part 1: the ECE 373 notes' lesson as it is in C. send() and recv() may move fewer bytes
// than you asked for; check every return value and loop.
import { MessageTooLongError, ShortReadError, type PosixSocket } from './posix.ts';

/** Sends every byte of `data`, however few each send() takes. Errors propagate. */
export async function sendAll(sock: PosixSocket, data: Uint8Array): Promise<void> {
  // TODO: write this part (see labs/03-partial-io/README.md, section "Task 1: sendAll and recvExact").
  throw new Error("not implemented yet — see labs/03-partial-io/README.md, section \"Task 1: sendAll and recvExact\"");
}

/**
 * Receives exactly `n` bytes. If the stream ends first, throws ShortReadError ("connection
 * closed after 3 of 10 bytes"). An empty recv() is end of stream, never "try again".
 */
export async function recvExact(sock: PosixSocket, n: number): Promise<Buffer> {
  // TODO: write this part (see labs/03-partial-io/README.md, section "Task 1: sendAll and recvExact").
  throw new Error("not implemented yet — see labs/03-partial-io/README.md, section \"Task 1: sendAll and recvExact\"");
}

/** 4-byte unsigned big-endian length, then the payload. */
export const HEADER_BYTES = 4;

/** Sends one length-prefixed message. */
export async function sendMessage(sock: PosixSocket, payload: Uint8Array): Promise<void> {
  // TODO: write this part (see labs/03-partial-io/README.md, section "Task 2: length-prefixed messages").
  throw new Error("not implemented yet — see labs/03-partial-io/README.md, section \"Task 2: length-prefixed messages\"");
}

/**
 * Receives one length-prefixed message. Returns null if the stream ends cleanly before the
 * first header byte (no more messages); throws ShortReadError if it ends inside a message,
 * and MessageTooLongError if the header announces more than maxBytes — checked before
 * reading or allocating the payload.
 */
export async function recvMessage(sock: PosixSocket, maxBytes = 1 << 20): Promise<Buffer | null> {
  // TODO: write this part (see labs/03-partial-io/README.md, section "Task 2: length-prefixed messages").
  throw new Error("not implemented yet — see labs/03-partial-io/README.md, section \"Task 2: length-prefixed messages\"");
}

// TODO: add the fields and helper methods you need (see labs/03-partial-io/README.md, section "Task 2: length-prefixed messages").
