import { describe } from 'vitest';
import { graded } from '../support/graded.ts';
import { LOOPBACK, piecesOf, startTestServer, writeSlowly } from '../support/net.ts';
import { show, firstDifference } from '../../tools/shared/bytes.ts';
import lab from './lab.ts';

describe(lab.title, () => {
  graded(lab.tests.clientReadsWholeReply, async (t) => {
    const { sendOnce } = await t.lab<typeof import('../../labs/01-echo/client.ts')>('01-echo', 'client.ts');
    const reply = Buffer.from('a reply long enough to arrive in several pieces: ' + 'ü'.repeat(40));
    let received = Buffer.alloc(0);
    let halfClosed = false;
    // A test server that waits for the client's half-close, then answers in pieces.
    const port = await startTestServer(t, (socket) => {
      socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
      socket.on('end', () => {
        halfClosed = true;
        void writeSlowly(socket, piecesOf(reply, 7), { end: true });
      });
    });
    t.step('the test server answers only after your client half-closes, in 7-byte pieces 1 ms apart');
    t.step(`called sendOnce({ host: "${LOOPBACK}", port: ${port}, message: "ping" })`);
    const got = await t.within(
      sendOnce({ host: LOOPBACK, port, message: 'ping' }),
      5000,
      'sendOnce to resolve with the whole reply',
      () =>
        halfClosed
          ? `sendOnce had not resolved; the test server had received ${show(received)} and your half-close, and sent the whole reply`
          : `the test server received ${show(received)} but your client never half-closed (socket.end()), so the server is still waiting for the rest of the message`,
    );
    t.step(`sendOnce resolved with ${show(got)}`);
    t.check(received.equals(Buffer.from('ping')), 'the test server to receive "ping"', () => show(received));
    t.check(
      Buffer.isBuffer(got) && got.equals(reply),
      `the whole reply ${show(reply)}`,
      () => `${show(got)}: ${firstDifference(Buffer.from(got), reply)}`,
    );
  });
});
