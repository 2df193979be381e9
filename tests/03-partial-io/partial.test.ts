// Part 1: the C lesson, against a fault-injecting POSIX-style socket.
import { describe } from 'vitest';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { graded, type Trace } from '../support/graded.ts';
import { firstDifference, show } from '../../tools/shared/bytes.ts';
import { FaultySocket, oneByte, randomSizes } from './faulty-socket.ts';
import lab from './lab.ts';

const WAIT_MS = 5000;

/** The student's partial.ts, loaded into this test's host. */
const partial = (t: Trace) =>
  t.lab<typeof import('../../labs/03-partial-io/partial.ts')>('03-partial-io', 'partial.ts');

/** Awaits `promise`, which must reject with an error named `name`; returns the error. */
async function expectRejection(t: Trace, promise: Promise<unknown>, name: string, expectation: string): Promise<Error> {
  const outcome = await t.within(
    promise.then(
      (value) => ({ value }),
      (error: Error) => ({ error }),
    ),
    WAIT_MS,
    expectation,
    () => 'it had not settled',
  );
  if (!('error' in outcome))
    return t.fail(
      expectation,
      `it resolved with ${Buffer.isBuffer(outcome.value) ? show(outcome.value) : String(outcome.value)}`,
    );
  const error = outcome.error;
  t.check(error?.name === name, expectation, () => `${error?.name}: ${error?.message}`);
  t.step(`it rejected with ${error.name}: ${error.message}`);
  return error;
}

async function expectSentAll(t: Trace, sock: FaultySocket, data: Buffer, how: string): Promise<void> {
  const { sendAll } = await partial(t);
  t.step(`called sendAll(socket, ${data.length} random bytes) on a socket whose send() takes ${how}`);
  await t.within(
    sendAll(sock, data),
    WAIT_MS,
    'sendAll to resolve',
    () => `it had not resolved; ${sock.sentBytes} bytes had been sent in ${sock.sendCalls} calls`,
  );
  t.step(`send() was called ${sock.sendCalls} times`);
  t.check(sock.sentData.equals(data), `all ${data.length} bytes sent, in order`, () =>
    firstDifference(sock.sentData, data),
  );
}

describe(lab.title, () => {
  graded(lab.tests.sendAllShort, async (t) => {
    await expectSentAll(
      t,
      new FaultySocket({ sendSizes: randomSizes(1, 97) }),
      randomBytes(5000),
      '1 to 97 bytes per call',
    );
  });

  graded(lab.tests.sendAllOneByte, async (t) => {
    await expectSentAll(t, new FaultySocket({ sendSizes: oneByte }), randomBytes(300), 'one byte per call');
  });

  graded(lab.tests.sendAllError, async (t) => {
    const { sendAll } = await partial(t);
    const sock = new FaultySocket({ sendSizes: randomSizes(2, 10), sendFailsAfter: 25 });
    t.step('called sendAll(socket, 100 bytes) on a socket whose send() fails with EPIPE after 25 bytes');
    await expectRejection(
      t,
      sendAll(sock, randomBytes(100)),
      'SocketError',
      'sendAll to reject with the SocketError (EPIPE)',
    );
    t.check(
      sock.sendCallsAfterError === 0,
      'no send() after the one that failed',
      () => `send() was called ${sock.sendCallsAfterError} more times`,
    );
  });

  graded(lab.tests.recvExactShort, async (t) => {
    const { recvExact } = await partial(t);
    const incoming = randomBytes(4000);
    const sock = new FaultySocket({
      incoming: Buffer.concat([incoming, Buffer.from('the next message')]),
      recvSizes: randomSizes(3, 61),
    });
    t.step(
      'called recvExact(socket, 4000) on a socket whose recv() returns 1 to 61 bytes per call, with more data after the 4000',
    );
    const got = await t.within(
      recvExact(sock, 4000),
      WAIT_MS,
      'recvExact to resolve',
      () => `it had not resolved after ${sock.recvCalls} recv() calls`,
    );
    t.check(Buffer.isBuffer(got) && got.equals(incoming), 'exactly the first 4000 bytes', () =>
      firstDifference(Buffer.from(got), incoming),
    );
    t.check(
      sock.delivered === 4000,
      'no byte beyond the 4000 taken from the socket',
      () => `${sock.delivered} bytes were taken`,
    );
  });

  graded(lab.tests.recvExactEnd, async (t) => {
    const { recvExact } = await partial(t);
    const sock = new FaultySocket({ incoming: Buffer.from('abc'), recvSizes: oneByte });
    t.step('called recvExact(socket, 10) on a socket that delivers 3 bytes, then end of stream');
    const error = await expectRejection(t, recvExact(sock, 10), 'ShortReadError', 'a ShortReadError');
    t.check(error.message.includes('3 of 10'), 'the message to say "3 of 10" bytes arrived', () => error.message);
    t.check(
      sock.recvCallsAfterEnd === 1,
      'recv() not called again after it returned end of stream',
      () => `recv() was called ${sock.recvCallsAfterEnd} times after the end`,
    );
  });

  graded(lab.tests.recvExactError, async (t) => {
    const { recvExact } = await partial(t);
    const sock = new FaultySocket({ incoming: randomBytes(50), recvSizes: randomSizes(4, 5), recvFailsAfter: 20 });
    t.step('called recvExact(socket, 50) on a socket whose recv() fails with ECONNRESET after 20 bytes');
    await expectRejection(
      t,
      recvExact(sock, 50),
      'SocketError',
      'recvExact to reject with the SocketError (ECONNRESET)',
    );
  });

  graded(lab.tests.messageHeader, async (t) => {
    const { sendMessage } = await partial(t);
    const sock = new FaultySocket({ sendSizes: randomSizes(5, 3) });
    t.step('called sendMessage(socket, "hello") on a socket whose send() takes 1 to 3 bytes per call');
    await t.within(
      sendMessage(sock, Buffer.from('hello')),
      WAIT_MS,
      'sendMessage to resolve',
      () => `${sock.sentBytes} bytes sent so far`,
    );
    const want = Buffer.from([0, 0, 0, 5, ...Buffer.from('hello')]);
    t.check(sock.sentData.equals(want), `the bytes ${show(want)}`, () => show(sock.sentData));
  });

  graded(lab.tests.messageRoundTrip, async (t) => {
    const student = await partial(t);
    // Each run makes hundreds of send()/recv() calls: they run in the host, the check here.
    const { roundTrip } = await t.helper<typeof import('./host-side.ts')>(new URL('./host-side.ts', import.meta.url));
    t.step(
      'for 60 random lists of payloads (any bytes, empty ones too): sendMessage each into a socket with random short sends, then recvMessage them from a socket with random short recvs',
    );
    const payloads = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 });
    let failure: string | undefined;
    let thrown: unknown;
    const result = await fc.check(
      fc.asyncProperty(payloads, fc.nat(), async (list, seed) => {
        let got: Buffer[];
        try {
          got = await roundTrip(student, list, seed);
        } catch (error) {
          thrown = error;
          return false;
        }
        const same = got.length === list.length && got.every((message, i) => message.equals(Buffer.from(list[i])));
        if (!same)
          failure = `sent ${list.map((p) => show(p)).join(', ') || 'no messages'}; got back ${got.map((p) => show(p)).join(', ') || 'nothing'}`;
        return same;
      }),
      { numRuns: 60 },
    );
    if (!result.failed) return;
    if (thrown !== undefined) throw thrown; // reported as "Your code threw: ..."
    t.fail('every payload back, in order, then null at the end', failure ?? 'a different list');
  });

  graded(lab.tests.messageEnd, async (t) => {
    const { recvMessage } = await partial(t);
    t.step('recvMessage on a socket that ends before any byte');
    const clean = await t.within(recvMessage(new FaultySocket()), WAIT_MS, 'recvMessage to resolve', () => 'no answer');
    t.check(clean === null, 'null (no more messages)', () => String(clean));
    t.step('recvMessage on a socket that delivers 2 header bytes, then ends');
    const cutHeader = await expectRejection(
      t,
      recvMessage(new FaultySocket({ incoming: Buffer.from([0, 0]), recvSizes: oneByte })),
      'ShortReadError',
      'a ShortReadError for a cut header',
    );
    t.check(
      cutHeader.message.includes('2 of 4'),
      'the message to say "2 of 4" bytes of the header arrived',
      () => cutHeader.message,
    );
    t.step('recvMessage on a socket that delivers 3 header bytes in one recv(), then ends');
    const threeOfFour = await expectRejection(
      t,
      recvMessage(new FaultySocket({ incoming: Buffer.from([0, 0, 0]) })),
      'ShortReadError',
      'a ShortReadError for a cut header',
    );
    t.check(
      threeOfFour.message.includes('3 of 4'),
      'the message to say "3 of 4" bytes of the header arrived',
      () => threeOfFour.message,
    );
    t.step('recvMessage on a socket whose recv() fails with ECONNRESET after 2 header bytes');
    await expectRejection(
      t,
      recvMessage(
        new FaultySocket({ incoming: Buffer.from([0, 0, 0, 9, 1, 2]), recvSizes: oneByte, recvFailsAfter: 2 }),
      ),
      'SocketError',
      'the SocketError (ECONNRESET) passed up: a failed socket is not a short read',
    );
    t.step('recvMessage on a socket that delivers a header announcing 10 bytes, then 4 payload bytes, then ends');
    const error = await expectRejection(
      t,
      recvMessage(new FaultySocket({ incoming: Buffer.from([0, 0, 0, 10, 1, 2, 3, 4]) })),
      'ShortReadError',
      'a ShortReadError for a cut payload',
    );
    t.check(error.message.includes('4 of 10'), 'the message to say "4 of 10" bytes arrived', () => error.message);
  });

  graded(lab.tests.messageTooLong, async (t) => {
    const { recvMessage } = await partial(t);
    const header = (length: number) => {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(length);
      return bytes;
    };
    const atLimit = randomBytes(1024);
    const exact = new FaultySocket({ incoming: Buffer.concat([header(1024), atLimit, Buffer.from('next')]) });
    t.step(
      'recvMessage(socket, 1024) on a socket whose header announces exactly 1024 bytes, followed by those 1024 bytes',
    );
    const got = await t.within(
      recvMessage(exact, 1024).then(
        (value) => ({ value }),
        (error: Error) => ({ error }),
      ),
      WAIT_MS,
      'recvMessage to resolve',
      () => 'it had not settled',
    );
    if ('error' in got)
      return t.fail(
        'the 1024-byte payload: a length equal to maxBytes is allowed',
        `${got.error?.name}: ${got.error?.message}`,
      );
    t.check(Buffer.isBuffer(got.value) && got.value.equals(atLimit), 'the 1024-byte payload', () =>
      got.value ? firstDifference(Buffer.from(got.value), atLimit) : String(got.value),
    );
    for (const [length, limit] of [
      [1025, 1024],
      [0xffffffff, 1024],
      [(1 << 20) + 1, undefined],
    ] as const) {
      const sock = new FaultySocket({ incoming: Buffer.concat([header(length), randomBytes(100)]) });
      t.step(
        `recvMessage(socket${limit === undefined ? '' : `, ${limit}`}) on a socket whose header announces ${length} bytes${limit === undefined ? ' (the default limit is 1048576)' : ''}`,
      );
      await expectRejection(
        t,
        limit === undefined ? recvMessage(sock) : recvMessage(sock, limit),
        'MessageTooLongError',
        'a MessageTooLongError',
      );
      t.check(
        sock.delivered <= 4,
        'no payload byte read: the check comes right after the header',
        () => `${sock.delivered} bytes were read`,
      );
    }
  });
});
