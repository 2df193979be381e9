// Lab 02: messages on a byte stream. Each message is UTF-8 text followed by "\n".
//
// TCP keeps your bytes in order but not the boundaries between your writes: the receiver
// must find the messages again. The encoder adds the terminator; the decoder takes chunks
// exactly as they arrive, cut anywhere, and hands back whole messages.

export const DEFAULT_MAX_MESSAGE_BYTES = 4096;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Anything that breaks the framing rules: the connection should be closed after it. So that
 * bad input loses nothing, `messagesBefore` holds the messages that the same push()
 * completed before the bad one: the caller still answers those.
 */
export class FramingError extends Error {
  override name = 'FramingError';
  constructor(message: string, readonly messagesBefore: string[] = []) {
    super(message);
  }
}

/**
 * The bytes to send for one message: its UTF-8 encoding followed by "\n". Throws
 * FramingError if the text contains "\n" (it cannot be framed with this terminator) or its
 * UTF-8 encoding is longer than maxBytes.
 */
export function encodeMessage(text: string, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Buffer {
  // TODO: write this part (see labs/02-framing/README.md, section "Task 1: the encoder").
  throw new Error("not implemented yet — see labs/02-framing/README.md, section \"Task 1: the encoder\"");
}

/**
 * A streaming decoder: push() the chunks as they arrive, get back every message they
 * complete. A "\r" just before the "\n" is dropped. A message may be at most maxBytes
 * bytes (not counting its "\r\n" or "\n"); push() throws FramingError as soon as that is
 * exceeded, even before the terminator arrives, so no more than maxBytes + 1 bytes are
 * ever pending. Messages that are not valid UTF-8 throw FramingError too.
 */
export class MessageDecoder {
  // TODO: add the fields and helper methods you need (see labs/02-framing/README.md, section "Task 2: the streaming decoder").

  constructor(readonly maxBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Bytes held that are not yet part of a complete message. */
  get pendingBytes(): number {
    // TODO: write this part (see labs/02-framing/README.md, section "Task 2: the streaming decoder").
    throw new Error("not implemented yet — see labs/02-framing/README.md, section \"Task 2: the streaming decoder\"");
  }

  push(chunk: Buffer): string[] {
    // TODO: write this part (see labs/02-framing/README.md, section "Task 2: the streaming decoder").
    throw new Error("not implemented yet — see labs/02-framing/README.md, section \"Task 2: the streaming decoder\"");
  }

  /** Call at end of stream: throws FramingError if an unfinished message is pending. */
  finish(): void {
    // TODO: write this part (see labs/02-framing/README.md, section "Task 2: the streaming decoder").
    throw new Error("not implemented yet — see labs/02-framing/README.md, section \"Task 2: the streaming decoder\"");
  }

  // TODO: add the fields and helper methods you need (see labs/02-framing/README.md, section "Task 2: the streaming decoder").
}
