// A fault-injecting PosixSocket for the tests: send() takes and recv() returns as few bytes
// as the test likes, end of stream and errors come where the test puts them. Every call
// yields to the event loop first, so even a loop that never stops cannot starve the test's
// timers, and calls after end of stream are counted and, past a limit, refused loudly.
// The tests hand it to the student's code (each call then comes back to the test process);
// messageRoundTrip's many calls use it inside the host instead (host-side.ts).
import type { PosixSocket } from '../../labs/03-partial-io/posix.ts';

export type Sizer = (asked: number) => number;

export const oneByte: Sizer = () => 1;

/** Random sizes between 1 and `max` from a seeded generator (repeatable). */
export function randomSizes(seed: number, max = 7): Sizer {
  let state = seed >>> 0;
  return (asked) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.max(1, Math.min(asked, 1 + (state % max)));
  };
}

export class SimulatedError extends Error {
  override name = 'SocketError';
  constructor(readonly code: string) {
    super(`simulated ${code}`);
  }
}

const CALLS_AFTER_END_LIMIT = 50;

export interface FaultyOptions {
  /** Bytes recv() will deliver, then end of stream. */
  incoming?: Buffer;
  sendSizes?: Sizer;
  recvSizes?: Sizer;
  /** send() throws EPIPE once this many bytes have been taken. */
  sendFailsAfter?: number;
  /** recv() throws ECONNRESET once this many bytes have been delivered. */
  recvFailsAfter?: number;
}

export class FaultySocket implements PosixSocket {
  readonly sent: Buffer[] = [];
  sentBytes = 0;
  sendCalls = 0;
  delivered = 0;
  recvCalls = 0;
  recvCallsAfterEnd = 0;
  sendCallsAfterError = 0;
  private sendFailed = false;
  private readonly incoming: Buffer;

  constructor(private readonly options: FaultyOptions = {}) {
    this.incoming = options.incoming ?? Buffer.alloc(0);
  }

  get sentData(): Buffer {
    return Buffer.concat(this.sent);
  }

  async send(data: Uint8Array): Promise<number> {
    await new Promise((resolve) => setImmediate(resolve));
    this.sendCalls++;
    if (this.sendFailed) {
      this.sendCallsAfterError++;
      if (this.sendCallsAfterError > CALLS_AFTER_END_LIMIT)
        throw new Error(`send() was called ${CALLS_AFTER_END_LIMIT} times after it failed: your loop retries forever`);
      throw new SimulatedError('EPIPE');
    }
    if (this.options.sendFailsAfter !== undefined && this.sentBytes >= this.options.sendFailsAfter) {
      this.sendFailed = true;
      throw new SimulatedError('EPIPE');
    }
    if (data.length === 0) return 0;
    const taken = Math.max(1, Math.min(data.length, (this.options.sendSizes ?? ((n) => n))(data.length)));
    this.sent.push(Buffer.from(data.subarray(0, taken)));
    this.sentBytes += taken;
    return taken;
  }

  async recv(maxBytes: number): Promise<Buffer> {
    await new Promise((resolve) => setImmediate(resolve));
    this.recvCalls++;
    if (this.options.recvFailsAfter !== undefined && this.delivered >= this.options.recvFailsAfter)
      throw new SimulatedError('ECONNRESET');
    if (this.delivered >= this.incoming.length) {
      this.recvCallsAfterEnd++;
      if (this.recvCallsAfterEnd > CALLS_AFTER_END_LIMIT) {
        throw new Error(
          `recv() was called ${CALLS_AFTER_END_LIMIT} more times after it returned end of stream (an empty buffer): your loop retries forever`,
        );
      }
      return Buffer.alloc(0);
    }
    let size = Math.max(1, Math.min(maxBytes, (this.options.recvSizes ?? ((n) => n))(maxBytes)));
    if (this.options.recvFailsAfter !== undefined) size = Math.min(size, this.options.recvFailsAfter - this.delivered);
    const chunk = this.incoming.subarray(this.delivered, this.delivered + size);
    this.delivered += chunk.length;
    return Buffer.from(chunk);
  }
}
