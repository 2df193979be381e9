import { describe } from 'vitest';
import type net from 'node:net';
import { graded, type Trace } from '../support/graded.ts';
import { LOOPBACK, piecesOf, startTestServer, throughChaosProxy, unusedPort, writeSlowly } from '../support/net.ts';
import { show } from '../../tools/shared/bytes.ts';
import lab from './lab.ts';

const MESSAGES = ['hello', 'ünïcödé ✓', '', 'bye'];

/** A test server that reads every line until the client half-closes, then answers "got <line>" for each, in pieces of `piece` bytes. */
async function startLineServer(t: Trace, piece = 3): Promise<{ port: number; received: () => Buffer }> {
  let received = Buffer.alloc(0);
  const port = await startTestServer(t, (socket: net.Socket) => {
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    socket.on('end', () => {
      const reply = Buffer.from(
        received
          .toString('utf8')
          .split('\n')
          .slice(0, -1)
          .map((line) => `got ${line}\n`)
          .join(''),
      );
      void writeSlowly(socket, piecesOf(reply, piece), { end: true });
    });
  });
  t.step(`the test server answers "got <line>" for each line once the client half-closes, in ${piece}-byte pieces`);
  return { port, received: () => received };
}

/** A list of messages as the steps show it: long ones shortened, with their size. */
function brief(list: string[]): string {
  return `[${list.map((text) => (text.length > 60 ? `${JSON.stringify(text.slice(0, 24))}…(${Buffer.byteLength(text)} bytes)` : JSON.stringify(text))).join(', ')}]`;
}

async function expectExchange(t: Trace, port: number, received: () => Buffer, messages = MESSAGES): Promise<void> {
  const { exchange } = await t.lab<typeof import('../../labs/02-framing/client.ts')>('02-framing', 'client.ts');
  t.step(`called exchange({ host: "${LOOPBACK}", port: ${port}, messages: ${brief(messages)} })`);
  const replies = await t.within(
    exchange({ host: LOOPBACK, port, messages }),
    8000,
    'exchange to resolve with every reply',
    () => `it had not resolved; the test server had received ${show(received())}`,
  );
  const sent = messages.map((message) => `${message}\n`).join('');
  t.check(received().equals(Buffer.from(sent)), `the test server to receive ${show(sent)}`, () => show(received()));
  const want = messages.map((message) => `got ${message}`);
  t.check(JSON.stringify(replies) === JSON.stringify(want), `the replies ${brief(want)}`, () =>
    Array.isArray(replies) ? brief(replies) : String(replies),
  );
}

describe(lab.title, () => {
  graded(lab.tests.exchange, async (t) => {
    const { port, received } = await startLineServer(t);
    await expectExchange(t, port, received);
    // The longest message allowed: its reply, 4 bytes longer, must not trip the client's own decoder.
    const longest = await startLineServer(t, 1024);
    t.step(
      'next, a message of exactly 4096 bytes (DEFAULT_MAX_MESSAGE_BYTES), whose reply "got <message>" is 4100 bytes',
    );
    await expectExchange(t, longest.port, longest.received, ['x'.repeat(4096), 'after it']);
  });

  graded(lab.tests.exchangeBehindProxy, async (t) => {
    const { port, received } = await startLineServer(t);
    const proxied = await throughChaosProxy(t, port, { piece: { min: 1, max: 1 }, delayMs: 1 });
    await expectExchange(t, proxied, received);
  });

  graded(lab.tests.exchangeErrors, async (t) => {
    const { exchange } = await t.lab<typeof import('../../labs/02-framing/client.ts')>('02-framing', 'client.ts');
    // The socket's own error, with its code: a promise that rejects for any other reason proves nothing.
    const settled = (promise: Promise<string[]>) =>
      promise.then(
        (replies) => `resolved with ${brief(replies)}`,
        (error: NodeJS.ErrnoException) => `rejected: ${error?.code ?? 'no code'}: ${error?.message}`,
      );
    const refused = await unusedPort();
    t.step(
      `called exchange({ host: "${LOOPBACK}", port: ${refused}, messages: ["hello"] }): nothing listens on that port`,
    );
    const outcome = await t.within(
      settled(exchange({ host: LOOPBACK, port: refused, messages: ['hello'] })),
      8000,
      'exchange to reject (connection refused)',
      () => 'it had not settled',
    );
    t.check(
      outcome.startsWith('rejected: ECONNREFUSED'),
      "exchange to reject with the socket's error, code ECONNREFUSED",
      () => outcome,
    );
    // No reply comes, and no clean end either: no list of replies is the right answer.
    const port = await startTestServer(t, (socket: net.Socket) => {
      socket.once('data', () => socket.resetAndDestroy());
    });
    t.step('this test server resets the connection (RST) as soon as the messages arrive, without a reply');
    const reset = await t.within(
      settled(exchange({ host: LOOPBACK, port, messages: ['first', 'second'] })),
      8000,
      'exchange to reject (connection reset)',
      () => 'it had not settled',
    );
    t.check(
      /^rejected: (ECONNRESET|EPIPE)/.test(reset),
      "exchange to reject with the socket's error, code ECONNRESET (or EPIPE)",
      () => reset,
    );
  });
});
