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
  // BEGIN SOLUTION "Task 1: the encoder"
  if (text.includes('\n')) throw new FramingError('a message cannot contain "\\n": it is the terminator');
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > maxBytes) throw new FramingError(`message of ${bytes.length} bytes is longer than the limit of ${maxBytes} bytes`);
  return Buffer.concat([bytes, Buffer.from([NEWLINE])]);
  // END SOLUTION
}

/**
 * A streaming decoder: push() the chunks as they arrive, get back every message they
 * complete. A "\r" just before the "\n" is dropped. A message may be at most maxBytes
 * bytes (not counting its "\r\n" or "\n"); push() throws FramingError as soon as that is
 * exceeded, even before the terminator arrives, so no more than maxBytes + 1 bytes are
 * ever pending. Messages that are not valid UTF-8 throw FramingError too.
 */
export class MessageDecoder {
  // BEGIN SOLUTION "Task 2: the streaming decoder" members
  private pending: Buffer = Buffer.alloc(0);
  // ignoreBOM: a byte-order mark at the start is part of the message, not dropped.
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  // END SOLUTION

  constructor(readonly maxBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Bytes held that are not yet part of a complete message. */
  get pendingBytes(): number {
    // BEGIN SOLUTION "Task 2: the streaming decoder"
    return this.pending.length;
    // END SOLUTION
  }

  push(chunk: Buffer): string[] {
    // BEGIN SOLUTION "Task 2: the streaming decoder"
    const messages: string[] = [];
    // Search only the new bytes: the pending ones are known to hold no "\n".
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let searchFrom = this.pending.length;
    for (let end = data.indexOf(NEWLINE, searchFrom); end >= 0; end = data.indexOf(NEWLINE, searchFrom)) {
      const body = end > 0 && data[end - 1] === CARRIAGE_RETURN ? data.subarray(0, end - 1) : data.subarray(0, end);
      messages.push(this.decode(body, messages));
      data = data.subarray(end + 1);
      searchFrom = 0;
    }
    if (data.length > this.maxBytes + 1) {
      this.pending = Buffer.alloc(0);
      throw new FramingError(`message longer than the limit of ${this.maxBytes} bytes (${data.length} bytes and no "\\n" yet)`, messages);
    }
    // Copy, so a small remainder does not keep the caller's whole chunk alive.
    this.pending = Buffer.from(data);
    return messages;
    // END SOLUTION
  }

  /** Call at end of stream: throws FramingError if an unfinished message is pending. */
  finish(): void {
    // BEGIN SOLUTION "Task 2: the streaming decoder"
    if (this.pending.length > 0) {
      const size = this.pending.length;
      this.pending = Buffer.alloc(0);
      throw new FramingError(`the stream ended in the middle of a message (${size} bytes with no "\\n")`);
    }
    // END SOLUTION
  }

  // BEGIN SOLUTION "Task 2: the streaming decoder" members
  private decode(body: Buffer, before: string[]): string {
    if (body.length > this.maxBytes) {
      this.pending = Buffer.alloc(0);
      throw new FramingError(`message of ${body.length} bytes is longer than the limit of ${this.maxBytes} bytes`, before);
    }
    try {
      return this.utf8.decode(body);
    } catch {
      this.pending = Buffer.alloc(0);
      throw new FramingError('message is not valid UTF-8', before);
    }
  }
  // END SOLUTION
}
