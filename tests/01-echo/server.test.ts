import { describe } from 'vitest';
import { graded, type Trace } from '../support/graded.ts';
import { LOOPBACK, Peer, superviseServer } from '../support/net.ts';
import { show, firstDifference } from '../../tools/shared/bytes.ts';
import lab from './lab.ts';

// Long enough for a loaded machine; it only costs time when the reply never comes.
const REPLY_MS = 5000;

/** Starts the student's server on 127.0.0.1, port 0; returns its port and what it logged. */
async function startServer(t: Trace): Promise<{ port: number; logged: string[] }> {
  const { startEchoServer } = await t.lab<typeof import('../../labs/01-echo/server.ts')>('01-echo', 'server.ts');
  const logged: string[] = [];
  t.step(`started your server: startEchoServer({ host: "${LOOPBACK}", port: 0, log })`);
  const server = await t.within(
    startEchoServer({ host: LOOPBACK, port: 0, log: (line: string) => logged.push(line) }),
    REPLY_MS,
    'startEchoServer to resolve once the server is listening',
    () => 'its promise has not settled',
  );
  const { port } = await superviseServer(t, server);
  return { port, logged };
}

/** One client: sends `message` (whole or in pieces), half-closes, and returns the reply. */
async function exchange(
  t: Trace,
  port: number,
  message: string,
  label = 'a test client',
  pieces = false,
): Promise<Buffer> {
  const peer = await Peer.connect(t, port, label);
  if (pieces) await peer.sendInPieces(message, 1, 1);
  else peer.send(message);
  peer.end();
  return peer.readToEnd(REPLY_MS, `the server to reply "echo: ${message}" and close the connection`);
}

function expectReply(t: Trace, reply: Buffer, message: string, to = ''): void {
  const want = Buffer.from(`echo: ${message}`);
  t.step(`${show(reply)} came back${to ? ` to ${to}` : ''}`);
  t.check(reply.equals(want), `the reply ${show(want)}`, () => `${show(reply)}: ${firstDifference(reply, want)}`);
}

describe(lab.title, () => {
  graded(lab.tests.replies, async (t) => {
    const { port } = await startServer(t);
    expectReply(t, await exchange(t, port, 'hello, server'), 'hello, server');
  });

  graded(lab.tests.logs, async (t) => {
    const { port, logged } = await startServer(t);
    await exchange(t, port, 'print me please');
    await (await t.host()).flush(); // the log lines your server sent before its reply
    t.check(
      logged.some((line) => line.includes('print me please')),
      'a log line containing "print me please"',
      () =>
        logged.length === 0
          ? 'your server logged nothing'
          : `your server logged:\n${logged.map((line) => `    ${JSON.stringify(line)}`).join('\n')}`,
    );
  });

  graded(lab.tests.reassembles, async (t) => {
    const { port } = await startServer(t);
    // é, ï and the emoji take 2 to 4 bytes each, so 1-byte pieces split them: decoding each
    // piece on its own garbles them, and only the joined bytes decode right.
    const message = 'this message travels one byte at a time: déjà vu, naïve, 🚀';
    expectReply(t, await exchange(t, port, message, 'a test client', true), message);
  });

  graded(lab.tests.keepsListening, async (t) => {
    const { port } = await startServer(t);
    for (const [i, message] of ['first', 'second', 'third'].entries()) {
      expectReply(t, await exchange(t, port, `${message} client`, `client ${i + 1}`), `${message} client`);
    }
  });

  graded(lab.tests.concurrentClients, async (t) => {
    const { port } = await startServer(t);
    const a = await Peer.connect(t, port, 'client A');
    const b = await Peer.connect(t, port, 'client B');
    a.send('A says: first half, ');
    b.send('B says: first half, ');
    // Both first halves reach your server before either client goes on.
    await Promise.all([a.delivered(), b.delivered()]);
    t.step('your server has read both first halves');
    a.send('second half from A');
    b.send('second half from B');
    a.end();
    b.end();
    const replies = await Promise.all(
      [a, b].map((peer) => peer.readToEnd(REPLY_MS, `${peer.label} to get its reply and the connection closed`)),
    );
    expectReply(t, replies[0], 'A says: first half, second half from A', 'client A');
    expectReply(t, replies[1], 'B says: first half, second half from B', 'client B');
  });

  graded(lab.tests.survivesReset, async (t) => {
    const { port } = await startServer(t);
    const rude = await Peer.connect(t, port, 'a rude client');
    rude.send('half a mess');
    await rude.reset();
    await rude.until(() => rude.closed, REPLY_MS, 'the reset to complete');
    expectReply(t, await exchange(t, port, 'still there?', 'a polite client'), 'still there?');
  });
});
