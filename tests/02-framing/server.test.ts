import { describe } from 'vitest';
import { graded, type Trace } from '../support/graded.ts';
import { LOOPBACK, Peer, superviseServer, throughChaosProxy } from '../support/net.ts';
import { show } from '../../tools/bytes.ts';
import lab from './lab.ts';

const WAIT_MS = 5000;
const MESSAGES = ['first', 'a second, longer message', 'ünïcödé ✓', '', 'last'];

async function startServer(t: Trace, maxBytes?: number): Promise<number> {
  const { startFramedEchoServer } = await t.lab<typeof import('../../labs/02-framing/server.ts')>('02-framing', 'server.ts');
  t.step(`started your server: startFramedEchoServer({ host: "${LOOPBACK}", port: 0${maxBytes ? `, maxBytes: ${maxBytes}` : ''}, log })`);
  const server = await t.within(startFramedEchoServer({ host: LOOPBACK, port: 0, maxBytes, log: () => {} }), WAIT_MS,
    'startFramedEchoServer to resolve once listening', () => 'its promise has not settled');
  const { port } = await superviseServer(t, server);
  return port;
}

/** The reply lines received so far (complete lines only). */
function lines(peer: Peer): string[] {
  const text = peer.received.toString('utf8');
  return text.split('\n').slice(0, -1);
}

/** Sends every message in one write and waits for as many new reply lines. */
async function expectEchoes(t: Trace, peer: Peer, messages: string[]): Promise<void> {
  const before = lines(peer).length;
  const fresh = () => lines(peer).slice(before);
  peer.send(messages.map((message) => `${message}\n`).join(''));
  const want = messages.map((message) => `echo: ${message}`);
  await peer.until(() => fresh().length >= want.length || peer.ended, WAIT_MS, `${want.length} reply lines: ${JSON.stringify(want)}`);
  t.check(JSON.stringify(fresh()) === JSON.stringify(want), `the replies ${JSON.stringify(want)}`, () => `${JSON.stringify(fresh())} (${peer.describe()})`);
}

describe(lab.title, () => {
  graded(lab.tests.serverAnswersEach, async (t) => {
    const port = await startServer(t);
    const peer = await Peer.connect(t, port);
    await expectEchoes(t, peer, MESSAGES);
    t.check(!peer.ended, 'the connection to stay open for more messages', () => peer.describe());
    await expectEchoes(t, peer, ['one more']);
    peer.end();
    await peer.readToEnd(WAIT_MS, 'the server to close the connection after the client half-closed');
  });

  graded(lab.tests.serverBehindProxy, async (t) => {
    const port = await startServer(t);
    const proxied = await throughChaosProxy(t, port, { piece: { min: 1, max: 1 }, delayMs: 1 });
    const peer = await Peer.connect(t, proxied, 'a test client (through the proxy)');
    await expectEchoes(t, peer, MESSAGES);
    peer.end();
    await peer.readToEnd(WAIT_MS, 'the server to close the connection after the client half-closed');
  });

  graded(lab.tests.serverRefusesTooLong, async (t) => {
    const port = await startServer(t, 16);
    const peer = await Peer.connect(t, port);
    peer.send(`ok\n${'x'.repeat(40)}\n`);
    const reply = await peer.readToEnd(WAIT_MS, 'a reply "echo: ok", then a line "error: ...", then the connection closed by the server');
    const [first, second, ...rest] = reply.toString('utf8').split('\n');
    t.check(first === 'echo: ok', 'the first reply "echo: ok"', () => show(reply));
    t.check(second?.startsWith('error: ') === true && second.length > 'error: '.length, 'a second line "error: <what went wrong>"', () => show(reply));
    t.check(rest.join('') === '', 'nothing after the error line', () => show(reply));
  });

  graded(lab.tests.serverSurvivesReset, async (t) => {
    const port = await startServer(t);
    const rude = await Peer.connect(t, port, 'a rude client');
    rude.send('half a mess');
    await rude.reset();
    await rude.until(() => rude.closed, WAIT_MS, 'the reset to complete');
    const polite = await Peer.connect(t, port, 'a polite client');
    await expectEchoes(t, polite, ['still there?']);
  });
});
