// Part 2: the same lesson in Node, on real loopback sockets.
import { describe } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { graded, Mismatch, type Trace } from '../support/graded.ts';
import type { Remote, RemoteInstance } from '../support/host.ts';
import { LOOPBACK, portOf, startTestServer, throughChaosProxy, writeSlowly } from '../support/net.ts';
import { firstDifference, show } from '../../tools/shared/bytes.ts';
import lab from './lab.ts';

type HostSide = typeof import('./host-side.ts');
type HostSocket = RemoteInstance<net.Socket>;
type QueueWatch = Remote<ReturnType<HostSide['watchQueue']>>;

/** The student's node-io.ts, loaded into this test's host. */
const nodeIo = (t: Trace) => t.lab<typeof import('../../labs/03-partial-io/node-io.ts')>('03-partial-io', 'node-io.ts');
/** Our plumbing in the same host: the sockets given to the student's code live there. */
const hostSide = (t: Trace) => t.helper<HostSide>(new URL('./host-side.ts', import.meta.url));

const WAIT_MS = 5000;
const MiB = 1 << 20;
/** Node's queue may hold the high-water mark (16 KiB) plus one chunk (64 KiB); allow double. */
const QUEUE_BOUND = 2 * (16 * 1024 + 64 * 1024);

/** A recognisable payload: byte i is i mod 251, so a lost or repeated byte shows. */
function pattern(size: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = i % 251;
  return data;
}

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * A connected pair: `client` (a socket in the host, given to the student's code) and `peer`
 * (the test's server side of the connection).
 */
async function connectedPair(
  t: Trace,
  { paused = false, allowHalfOpen = false } = {},
): Promise<{ client: HostSocket; peer: net.Socket }> {
  const server = net.createServer({ pauseOnConnect: paused });
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  t.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const client = await connect(t, portOf(server), allowHalfOpen);
  const peer = await t.within(accepted, WAIT_MS, 'the test server to accept the connection', () => 'no connection yet');
  peer.on('error', () => {});
  t.defer(() => peer.destroy());
  t.step(`connected a socket pair on ${LOOPBACK}:${portOf(server)}${paused ? '; the reading side does not read' : ''}`);
  return { client, peer };
}

/**
 * Samples client.writableLength every millisecond, in the host (a round trip per sample
 * would not keep up); `stalled` resolves once the sender has been stalled for 100 samples in a row.
 */
async function watchQueue(t: Trace, client: HostSocket): Promise<QueueWatch> {
  const queue = await (await hostSide(t)).watchQueue(client);
  t.defer(() => queue.stop());
  return queue;
}

/**
 * Waits until the queue has stalled, at most WAIT_MS; a failure tells how much was queued
 * then. If `writing` (writeAll's promise) rejects first, that error ends the wait.
 */
async function untilStalled(t: Trace, client: HostSocket, queue: QueueWatch, writing: Promise<unknown>): Promise<void> {
  const waiting = 'it had not stalled';
  const rejected = writing.then(() => new Promise<never>(() => {}));
  try {
    await t.within(
      Promise.race([queue.stalled(), rejected]),
      WAIT_MS,
      'the transfer to stall with data waiting',
      () => waiting,
    );
  } catch (error) {
    // Our time limit: say how much was queued then (read from the host, so not in gotSoFar).
    if (error instanceof Mismatch && error.got === waiting)
      t.fail(error.expected, `socket.writableLength is ${await client.writableLength}`);
    throw error;
  }
}

/** Collects everything `peer` receives; resolves when `size` bytes have come. */
function collect(peer: net.Socket, size: number): { done: Promise<Buffer>; received: () => number } {
  const parts: Buffer[] = [];
  let received = 0;
  const done = new Promise<Buffer>((resolve) => {
    peer.on('data', (chunk: Buffer) => {
      parts.push(chunk);
      received += chunk.length;
      if (received >= size) resolve(Buffer.concat(parts));
    });
  });
  return { done, received: () => received };
}

/** A test server that writes `pieces` with 1 ms between them, then ends if asked. */
async function serverSending(t: Trace, pieces: Array<string | Buffer>, end: boolean): Promise<number> {
  const port = await startTestServer(t, (socket) => void writeSlowly(socket, pieces, { end }));
  t.step(
    `the test server sends ${pieces.map((piece) => show(piece)).join(', ')} as separate writes, 1 ms apart${end ? ', then ends the connection' : ''}`,
  );
  return port;
}

/** A socket in the host, connected to the test's server on `port`, destroyed in teardown. */
async function connect(t: Trace, port: number, allowHalfOpen = false): Promise<HostSocket> {
  const socket = await t.within(
    (await hostSide(t)).connectTo(port, allowHalfOpen),
    WAIT_MS,
    `to connect to ${LOOPBACK}:${port}`,
    () => 'no answer yet',
  );
  t.defer(() => socket.destroy());
  return socket;
}

/** A 4-byte big-endian length header alone. */
function header(length: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(length);
  return bytes;
}

function frame(payload: Buffer): Buffer {
  return Buffer.concat([header(payload.length), payload]);
}

describe(lab.title, () => {
  graded(lab.tests.writeAllDelivers, async (t) => {
    const { writeAll } = await nodeIo(t);
    const { client, peer } = await connectedPair(t);
    const data = pattern(20 * MiB);
    const incoming = collect(peer, data.length);
    t.step('called writeAll(socket, 20 MiB)');
    await t.within(
      writeAll(client, data),
      WAIT_MS,
      'writeAll to resolve',
      () => `the reader had received ${incoming.received()} bytes`,
    );
    const got = await t.within(
      incoming.done,
      WAIT_MS,
      'the reader to receive all 20 MiB',
      () => `it received ${incoming.received()} bytes`,
    );
    t.check(
      got.length === data.length && sha(got) === sha(data),
      'exactly the 20 MiB written, in order',
      () => `${got.length} bytes, ${sha(got) === sha(data) ? 'same' : 'different'} content`,
    );
    t.step('the reader received all 20 MiB, in order');

    // Resolving is a promise that the bytes left Node's memory: a program may close the socket or exit then.
    const slow = await connectedPair(t, { paused: true });
    const whole = pattern(8 * MiB);
    const queue = await watchQueue(t, slow.client);
    t.step(
      'called writeAll(socket, 8 MiB, 8 MiB): one chunk, while the reader does not read yet (the kernel takes about 4 MB of it)',
    );
    let resolved = false;
    const writing = writeAll(slow.client, whole, whole.length).then(() => {
      resolved = true;
    });
    writing.catch(() => {});
    await t.within(
      Promise.race([writing, queue.stalled()]),
      WAIT_MS,
      'writeAll to wait while the kernel cannot take the rest',
      () => 'neither',
    );
    const queued = await slow.client.writableLength;
    t.check(
      !resolved || queued === 0,
      "writeAll not to resolve while bytes are still queued in Node's memory",
      () =>
        `it resolved while ${queued} bytes were still queued: a program that closes the socket or exits now loses them (resolve in the last write()'s callback)`,
    );
    if (resolved) return; // this kernel took all 8 MiB at once
    t.step(`${queued} bytes waited in Node's queue and writeAll had not resolved; the reader started reading`);
    const rest = collect(slow.peer, whole.length);
    slow.peer.resume();
    await t.within(
      writing,
      WAIT_MS,
      'writeAll to resolve once the reader reads',
      () => `the reader had received ${rest.received()} bytes`,
    );
    const all = await t.within(
      rest.done,
      WAIT_MS,
      'the reader to receive all 8 MiB',
      () => `it received ${rest.received()} bytes`,
    );
    t.check(sha(all) === sha(whole), 'exactly the 8 MiB written', () => `${all.length} bytes with different content`);
  });

  graded(lab.tests.writeAllBounded, async (t) => {
    const { writeAll } = await nodeIo(t);
    const { client, peer } = await connectedPair(t, { paused: true });
    const data = pattern(16 * MiB);
    const queue = await watchQueue(t, client);
    t.step('called writeAll(socket, 16 MiB) while the reader reads nothing (the kernel absorbs about 4 MB of it)');
    const done = writeAll(client, data);
    done.catch(() => {});
    await untilStalled(t, client, queue, done);
    const max = await queue.max();
    t.step(`the transfer stalled; the most Node queued in memory was ${max} bytes`);
    t.check(
      max <= QUEUE_BOUND,
      `at most ${QUEUE_BOUND} bytes queued in memory (about the high-water mark plus one chunk)`,
      () => `${max} bytes were queued in memory: write() returned false and more was written anyway`,
    );
    t.step('the reader started reading');
    const incoming = collect(peer, data.length);
    peer.resume();
    await t.within(
      done,
      WAIT_MS,
      'writeAll to resolve once the reader reads',
      () => `the reader had received ${incoming.received()} bytes`,
    );
    const got = await t.within(
      incoming.done,
      WAIT_MS,
      'the reader to receive all 16 MiB',
      () => `it received ${incoming.received()} bytes`,
    );
    t.check(
      sha(got) === sha(data),
      'exactly the 16 MiB written, in order',
      () => `${got.length} bytes with different content`,
    );
  });

  graded(lab.tests.writeAllRejectsOnClose, async (t) => {
    const { writeAll } = await nodeIo(t);
    const { client, peer } = await connectedPair(t, { paused: true });
    const queue = await watchQueue(t, client);
    t.step('called writeAll(socket, 16 MiB) while the reader reads nothing');
    const writing = writeAll(client, pattern(16 * MiB));
    await untilStalled(t, client, queue, writing);
    const done = writing.then(
      () => 'resolved',
      (error: NodeJS.ErrnoException) => `rejected: ${error?.message}${error?.code ? ` (code ${error.code})` : ''}`,
    );
    t.step('the reader reset the connection mid-transfer');
    peer.resetAndDestroy();
    const outcome = await t.within(
      done,
      WAIT_MS,
      'writeAll to reject once the connection is gone',
      () => "it is still waiting (for a 'drain' that will never come?)",
    );
    t.check(outcome.startsWith('rejected'), 'writeAll to reject', () => outcome);
    t.check(
      /\(code (ECONNRESET|EPIPE)\)$/.test(outcome),
      "writeAll to reject with the socket's own error (code ECONNRESET or EPIPE), which says what happened",
      () => outcome,
    );
    t.step(`writeAll ${outcome}`);

    // A socket destroyed by our own side emits 'close' and no 'error': 'drain' never comes either.
    const dropped = await connectedPair(t, { paused: true });
    const droppedQueue = await watchQueue(t, dropped.client);
    t.step('on a new connection whose reader does not read, called writeAll(socket, 16 MiB)');
    const writing2 = writeAll(dropped.client, pattern(16 * MiB));
    await untilStalled(t, dropped.client, droppedQueue, writing2);
    const done2 = writing2.then(
      () => 'resolved',
      (error: Error) => `rejected: ${error.message}`,
    );
    t.step(
      'our side destroyed the socket mid-transfer, without an error (socket.destroy(), as a server does to drop a slow client)',
    );
    await dropped.client.destroy();
    const outcome2 = await t.within(
      done2,
      WAIT_MS,
      'writeAll to reject once the socket is closed',
      () => "it is still waiting (a closed socket emits 'close', never 'drain')",
    );
    t.check(outcome2.startsWith('rejected'), 'writeAll to reject', () => outcome2);

    t.step('called writeAll(that destroyed socket, 200 KiB) again');
    const again = writeAll(dropped.client, pattern(200 * 1024)).then(
      () => 'resolved',
      (error: Error) => `rejected: ${error.message}`,
    );
    const outcome3 = await t.within(
      again,
      WAIT_MS,
      'writeAll to reject at once on a socket that is already closed',
      () =>
        "it is still waiting: a destroyed socket will emit neither 'close' nor 'drain' again (check socket.destroyed first)",
    );
    t.check(outcome3.startsWith('rejected'), 'writeAll to reject', () => outcome3);
    // One chunk for everything: the last write()'s callback is the one that learns of the loss.
    const whole = await connectedPair(t, { paused: true });
    const wholeQueue = await watchQueue(t, whole.client);
    t.step('on a new connection whose reader does not read, called writeAll(socket, 16 MiB, 16 MiB): one chunk');
    const writing4 = writeAll(whole.client, pattern(16 * MiB), 16 * MiB);
    await untilStalled(t, whole.client, wholeQueue, writing4);
    const done4 = writing4.then(
      () => 'resolved',
      (error: Error) => `rejected: ${error?.message}`,
    );
    t.step("our side destroyed the socket while most of that chunk still waited in Node's queue");
    await whole.client.destroy();
    const outcome4 = await t.within(
      done4,
      WAIT_MS,
      'writeAll to reject: the bytes never left',
      () => 'it is still waiting',
    );
    t.check(
      outcome4.startsWith('rejected'),
      'writeAll to reject: resolving would report bytes as sent that were thrown away',
      () => outcome4,
    );

    // The caller logs or shows this error: an empty message tells nobody what happened.
    for (const said of [outcome, outcome2, outcome3])
      t.check(
        /^rejected: \S/.test(said),
        'each rejection to carry an error whose message says what happened',
        () => said,
      );
  });

  graded(lab.tests.writeAllSmall, async (t) => {
    const { writeAll } = await nodeIo(t);
    const { listenerCounts } = await hostSide(t);
    const { client, peer } = await connectedPair(t);
    // [bytes, chunkBytes]: nothing, one byte, a partial last chunk, an exact multiple, one chunk.
    const calls: Array<[number, number | undefined]> = [
      [0, undefined],
      [1, undefined],
      [10, 4],
      [8, 4],
      [3, 3],
    ];
    const want = Buffer.concat(calls.map(([size], index) => Buffer.alloc(size, 0x61 + index)));
    const incoming = collect(peer, want.length);
    let afterFirst: Record<string, number> | undefined;
    for (const [[size, chunkBytes], index] of calls.map((call, i) => [call, i] as const)) {
      t.step(
        `called writeAll(socket, ${size} byte${size === 1 ? '' : 's'}${chunkBytes === undefined ? '' : `, ${chunkBytes}`})`,
      );
      const outcome = await t.within(
        writeAll(client, Buffer.alloc(size, 0x61 + index), chunkBytes).then(
          () => 'resolved',
          (error: Error) => `rejected: ${error?.message}`,
        ),
        WAIT_MS,
        'writeAll to resolve',
        () =>
          size === 0
            ? 'it had not resolved: with nothing to write, no write() callback will ever come'
            : `the reader had received ${incoming.received()} bytes`,
      );
      t.check(outcome === 'resolved', 'writeAll to resolve', () => outcome);
      afterFirst ??= await listenerCounts(client);
    }
    const got = await t.within(
      incoming.done,
      WAIT_MS,
      `the reader to receive ${show(want)}`,
      () => `it received ${incoming.received()} bytes`,
    );
    t.check(got.equals(want), show(want), () => show(got));
    // Counted from the first call on, so a listener added once per socket is no failure; one per call is.
    const after = await listenerCounts(client);
    const added = Object.keys(after)
      .filter((event) => after[event] > afterFirst![event])
      .map((event) => `${after[event] - afterFirst![event]} '${event}'`);
    t.check(
      added.length === 0,
      `no more listeners on the socket after the ${calls.length}th call than after the 1st (remove every listener you added)`,
      () => `${added.join(', ')} listener(s) more: they pile up with every call`,
    );
  });

  graded(lab.tests.readExactly, async (t) => {
    const { readExactly } = await nodeIo(t);
    const port = await serverSending(t, ['HEA', 'DERbo', 'dyREST', 'abcdef'], false);
    const socket = await connect(t, port);
    const { listenerCounts } = await hostSide(t);
    let afterFirst: Record<string, number> | undefined;
    for (const want of ['HEADER', 'body', 'REST', 'ab', 'cd', 'ef', '']) {
      t.step(`called readExactly(socket, ${want.length})${want ? '' : ', with nothing more to come'}`);
      const got = await t.within(
        readExactly(socket, want.length),
        WAIT_MS,
        `readExactly to resolve with "${want}"`,
        () => (want ? 'it had not resolved' : 'it had not resolved: is it waiting for a chunk it does not need?'),
      );
      t.check(Buffer.isBuffer(got) && got.toString() === want, `"${want}"`, () => show(Buffer.from(got)));
      afterFirst ??= await listenerCounts(socket);
    }
    // Counted from the first call on, so a listener added once per socket is no failure; one per call is.
    const before = afterFirst!;
    const after = await listenerCounts(socket);
    const added = Object.keys(after)
      .filter((event) => after[event] > before[event])
      .map((event) => `${after[event] - before[event]} '${event}'`);
    t.check(
      added.length === 0,
      'no more listeners on the socket after the 7th call than after the 1st (remove every listener you added)',
      () => `${added.join(', ')} listener(s) more: they pile up with every call, and the chunks they hold with them`,
    );
  });

  graded(lab.tests.readExactlyEnd, async (t) => {
    const { readExactly } = await nodeIo(t);
    const port = await serverSending(t, ['abc'], true);
    const socket = await connect(t, port);
    t.step('called readExactly(socket, 10)');
    const outcome = await t.within(
      readExactly(socket, 10).then(
        (got) => ({ got }),
        (error: Error) => ({ error }),
      ),
      WAIT_MS,
      'readExactly to reject when the connection ends',
      () => 'it had not settled',
    );
    if ('got' in outcome) return t.fail('a ShortReadError', `it resolved with ${show(outcome.got)}`);
    t.check(
      outcome.error?.name === 'ShortReadError' && outcome.error.message.includes('3 of 10'),
      'a ShortReadError saying "3 of 10" bytes arrived',
      () => `${outcome.error?.name}: ${outcome.error?.message}`,
    );

    const { client } = await connectedPair(t);
    t.step('on a new connection, our side destroyed the socket (no end, no error), then called readExactly(socket, 4)');
    await client.destroy();
    const late = await t.within(
      readExactly(client, 4).then(
        (got) => ({ got }),
        (error: Error) => ({ error }),
      ),
      WAIT_MS,
      'readExactly to reject at once on a socket that is already destroyed',
      () =>
        "it is still waiting: a destroyed socket will emit neither 'end' nor 'close' again (check socket.destroyed too)",
    );
    if ('got' in late) return t.fail('a ShortReadError', `it resolved with ${show(late.got)}`);
    t.check(
      late.error?.name === 'ShortReadError' && late.error.message.includes('0 of 4'),
      'a ShortReadError saying "0 of 4" bytes arrived',
      () => `${late.error?.name}: ${late.error?.message}`,
    );
  });

  graded(lab.tests.readExactlyFails, async (t) => {
    const { readExactly } = await nodeIo(t);
    const { listenerCounts } = await hostSide(t);
    /** Calls readExactly(socket, n), lets `event` happen once the call is under way, and returns how it settled. */
    const readThen = async (socket: HostSocket, n: number, event: () => unknown, expected: string) => {
      const reading = readExactly(socket, n).then(
        (got) => ({ got, error: undefined }),
        (error: NodeJS.ErrnoException) => ({ got: undefined, error }),
      );
      await t.settleHost(); // the call has started: the socket is being read
      await event();
      return t.within(reading, WAIT_MS, expected, () => 'it is still waiting');
    };
    /** No more listeners on the socket than before the call, whatever the outcome. */
    const expectNoListenersLeft = async (socket: HostSocket, before: Record<string, number>) => {
      const after = await listenerCounts(socket);
      const added = Object.keys(after)
        .filter((event) => after[event] > before[event])
        .map((event) => `${after[event] - before[event]} '${event}'`);
      t.check(
        added.length === 0,
        'no listener left on the socket by the failed call',
        () => `${added.join(', ')} listener(s) more than before the call`,
      );
    };

    const reset = await connectedPair(t);
    const beforeReset = await listenerCounts(reset.client);
    t.step('called readExactly(socket, 10); then the other side reset the connection (RST)');
    const onReset = await readThen(
      reset.client,
      10,
      () => reset.peer.resetAndDestroy(),
      'readExactly to reject once the connection is reset',
    );
    t.check(onReset.error?.code === 'ECONNRESET', "a rejection with the socket's own error, code ECONNRESET", () =>
      onReset.error
        ? `${onReset.error.name}: ${onReset.error.message} (code ${onReset.error.code})`
        : `it resolved with ${show(Buffer.from(onReset.got!))}`,
    );
    await expectNoListenersLeft(reset.client, beforeReset);

    const dropped = await connectedPair(t);
    const beforeDrop = await listenerCounts(dropped.client);
    t.step(
      "on a new connection, called readExactly(socket, 4); then our side destroyed the socket (no end, no error: only 'close')",
    );
    const onDrop = await readThen(
      dropped.client,
      4,
      () => dropped.client.destroy(),
      'readExactly to reject once the socket is destroyed',
    );
    t.check(onDrop.error?.name === 'ShortReadError', 'a ShortReadError', () =>
      onDrop.error
        ? `${onDrop.error.name}: ${onDrop.error.message}`
        : `it resolved with ${show(Buffer.from(onDrop.got!))}`,
    );
    await expectNoListenersLeft(dropped.client, beforeDrop);

    const halfOpen = await connectedPair(t, { allowHalfOpen: true });
    const beforeEnd = await listenerCounts(halfOpen.client);
    t.step(
      "on a half-open socket (allowHalfOpen: it stays open after the other side ends, so no 'close' comes), called readExactly(socket, 4); then the other side ended",
    );
    const onEnd = await readThen(
      halfOpen.client,
      4,
      () => halfOpen.peer.end(),
      "readExactly to reject at the end of stream ('end'), without waiting for a 'close' that a half-open socket does not emit",
    );
    t.check(onEnd.error?.name === 'ShortReadError', 'a ShortReadError', () =>
      onEnd.error ? `${onEnd.error.name}: ${onEnd.error.message}` : `it resolved with ${show(Buffer.from(onEnd.got!))}`,
    );
    await expectNoListenersLeft(halfOpen.client, beforeEnd);
  });

  graded(lab.tests.readMessage, async (t) => {
    const { readMessage } = await nodeIo(t);
    const payloads = [
      Buffer.from('hello'),
      Buffer.alloc(0),
      Buffer.from([0, 10, 13, 255, 10]),
      pattern(400),
      Buffer.alloc(0),
    ];
    const port = await serverSending(t, [Buffer.concat(payloads.map(frame))], false);
    const proxied = await throughChaosProxy(t, port, { piece: { min: 1, max: 7 }, delayMs: 1 });
    const socket = await connect(t, proxied);
    for (const want of payloads) {
      t.step('called readMessage(socket)');
      const got = await t.within(readMessage(socket), WAIT_MS, `readMessage to resolve with ${show(want)}`, () =>
        want.length === 0
          ? 'it had not resolved (an empty payload needs no byte: is readExactly(socket, 0) waiting for one?)'
          : 'it had not resolved',
      );
      t.check(Buffer.isBuffer(got) && got.equals(want), show(want), () => show(Buffer.from(got)));
    }
  });

  graded(lab.tests.readMessageTooLong, async (t) => {
    const { readMessage } = await nodeIo(t);
    for (const limit of [1024, undefined]) {
      const max = limit ?? MiB;
      const call = `readMessage(socket${limit === undefined ? '' : `, ${limit}`})`;
      const atLimit = pattern(max);
      const port = await serverSending(t, [frame(atLimit), Buffer.concat([header(max + 1), Buffer.alloc(100)])], false);
      const socket = await connect(t, port);
      t.step(
        `called ${call}: the first message is exactly ${max} bytes${limit === undefined ? ' (the default limit)' : ''}`,
      );
      const first = await t.within(
        readMessage(socket, ...(limit === undefined ? [] : [limit])).then(
          (got) => ({ got }),
          (error: Error) => ({ error }),
        ),
        WAIT_MS,
        'readMessage to resolve',
        () => 'it had not settled',
      );
      if ('error' in first)
        return t.fail(
          `the ${max}-byte payload: a length equal to the limit is allowed`,
          `${first.error?.name}: ${first.error?.message}`,
        );
      t.check(Buffer.isBuffer(first.got) && first.got.equals(atLimit), `the ${max}-byte payload`, () =>
        firstDifference(Buffer.from(first.got), atLimit),
      );
      t.step(`called ${call} again: its header announces ${max + 1} bytes`);
      const outcome = await t.within(
        readMessage(socket, ...(limit === undefined ? [] : [limit])).then(
          (got) => ({ got }),
          (error: Error) => ({ error }),
        ),
        WAIT_MS,
        'readMessage to reject',
        () => `it had not settled (is it waiting for ${max + 1} bytes that will never come?)`,
      );
      if ('got' in outcome) return t.fail('a MessageTooLongError', `it resolved with ${show(outcome.got)}`);
      t.check(
        outcome.error?.name === 'MessageTooLongError',
        'a MessageTooLongError',
        () => `${outcome.error?.name}: ${outcome.error?.message}`,
      );
    }
  });
});
