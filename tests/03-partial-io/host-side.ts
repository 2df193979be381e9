// Runs in the student host, next to the student's code (loaded with t.helper): the plumbing
// that must live there, or would cost a round trip per call from the test. It decides
// nothing: it returns data (messages, byte counts) that the test checks on its side.
import net from 'node:net';
import type * as Partial from '../../labs/03-partial-io/partial.ts';
import { FaultySocket, randomSizes } from './faulty-socket.ts';

/**
 * One run of messageRoundTrip (thousands of send()/recv() calls, each a round trip if the
 * socket lived in the test): sends `list` with the student's sendMessage into a socket with
 * random short sends, then reads those bytes back with recvMessage from a socket with random
 * short recvs until it returns null. Returns the messages it returned.
 */
export async function roundTrip(partial: typeof Partial, list: Uint8Array[], seed: number): Promise<Buffer[]> {
  const out = new FaultySocket({ sendSizes: randomSizes(seed, 13) });
  for (const payload of list) await partial.sendMessage(out, payload);
  const inn = new FaultySocket({ incoming: out.sentData, recvSizes: randomSizes(seed + 1, 13) });
  const got: Buffer[] = [];
  for (let message = await partial.recvMessage(inn); message !== null; message = await partial.recvMessage(inn))
    got.push(Buffer.from(message));
  return got;
}

/**
 * A socket connected to the test's server on 127.0.0.1:`port`, for the test to hand to the
 * student's code. A half-open one stays open after the server's end: no 'close' follows it.
 */
export function connectTo(port: number, allowHalfOpen = false): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen });
  socket.on('error', () => {}); // failures are checked through the student's promise
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Samples socket.writableLength every millisecond; stalled() resolves once data has waited for 100 samples in a row. */
export function watchQueue(socket: net.Socket) {
  let max = 0;
  let stalledFor = 0;
  let onStall = () => {};
  const stalled = new Promise<void>((resolve) => (onStall = resolve));
  const timer = setInterval(() => {
    max = Math.max(max, socket.writableLength);
    stalledFor = socket.writableLength > 0 ? stalledFor + 1 : 0;
    if (stalledFor >= 100) onStall();
  }, 1);
  return {
    /** The most bytes Node queued in memory so far. */
    max: () => max,
    stalled: () => stalled,
    stop: () => clearInterval(timer),
  };
}

/** How many listeners `socket` has for each event a reader or writer may add, to spot any left behind. */
export function listenerCounts(socket: net.Socket): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of ['data', 'readable', 'end', 'close', 'error', 'drain', 'finish'])
    counts[event] = socket.listenerCount(event);
  return counts;
}
