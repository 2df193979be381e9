import { describe } from 'vitest';
import { graded, type Trace } from '../support/graded.ts';
import { expectAddressInUse, LOOPBACK, Peer, superviseServer, throughChaosProxy } from '../support/net.ts';
import { show } from '../../tools/shared/bytes.ts';
import lab from './lab.ts';

const WAIT_MS = 5000;
/** DEFAULT_MAX_MESSAGE_BYTES, as the handout gives it. */
const DEFAULT_MAX_MESSAGE_BYTES = 4096;
const MESSAGES = ['first', 'a second, longer message', 'ünïcödé ✓', '', 'last'];

type ServerModule = typeof import('../../labs/02-framing/server.ts');

async function startServer(t: Trace, maxBytes?: number, log: (line: string) => void = () => {}): Promise<number> {
  const { startFramedEchoServer } = await t.lab<ServerModule>('02-framing', 'server.ts');
  t.step(
    `started your server: startFramedEchoServer({ host: "${LOOPBACK}", port: 0${maxBytes ? `, maxBytes: ${maxBytes}` : ''}, log })`,
  );
  const server = await t.within(
    startFramedEchoServer({ host: LOOPBACK, port: 0, maxBytes, log }),
    WAIT_MS,
    'startFramedEchoServer to resolve once listening',
    () => 'its promise has not settled',
  );
  const { port } = await superviseServer(t, server);
  return port;
}

/** The reply lines received so far (complete lines only). */
function lines(peer: Peer): string[] {
  const text = peer.received.toString('utf8');
  return text.split('\n').slice(0, -1);
}

/** A list of lines as the failure text shows it: long lines shortened, with their size. */
function brief(list: string[]): string {
  return `[${list.map((line) => (line.length > 60 ? `${JSON.stringify(line.slice(0, 24))}…(${Buffer.byteLength(line)} bytes)` : JSON.stringify(line))).join(', ')}]`;
}

/** Sends `wire` in one write and waits for the reply lines `want` (after those received before). */
async function expectReplies(t: Trace, peer: Peer, wire: string, want: string[]): Promise<void> {
  const before = lines(peer).length;
  const fresh = () => lines(peer).slice(before);
  peer.send(wire);
  await peer.until(
    () => fresh().length >= want.length || peer.ended,
    WAIT_MS,
    `${want.length} reply line${want.length === 1 ? '' : 's'}: ${brief(want)}`,
  );
  t.check(
    JSON.stringify(fresh()) === JSON.stringify(want),
    `the replies ${brief(want)}`,
    () => `${brief(fresh())} (${peer.describe()})`,
  );
}

/** Sends every message, each with "\n", in one write and waits for their echoes. */
async function expectEchoes(t: Trace, peer: Peer, messages: string[]): Promise<void> {
  await expectReplies(
    t,
    peer,
    messages.map((message) => `${message}\n`).join(''),
    messages.map((message) => `echo: ${message}`),
  );
}

describe(lab.title, () => {
  graded(lab.tests.serverAnswersEach, async (t) => {
    const port = await startServer(t);
    const peer = await Peer.connect(t, port);
    await expectEchoes(t, peer, MESSAGES);
    t.check(!peer.ended, 'the connection to stay open for more messages', () => peer.describe());
    await expectEchoes(t, peer, ['one more']);
    const longest = 'x'.repeat(DEFAULT_MAX_MESSAGE_BYTES);
    t.step(
      `the next two messages are ${DEFAULT_MAX_MESSAGE_BYTES} bytes each, exactly the default maxBytes: the first ends in "\\n", the second in "\\r\\n"`,
    );
    await expectReplies(t, peer, `${longest}\n${longest}\r\n`, [`echo: ${longest}`, `echo: ${longest}`]);
    peer.end();
    await peer.readToEnd(WAIT_MS, 'the server to close the connection after the client half-closed');
  });

  graded(lab.tests.serverBehindProxy, async (t) => {
    const port = await startServer(t);
    const proxied = await throughChaosProxy(t, port, { piece: { min: 1, max: 1 }, delayMs: 1 });
    const peer = await Peer.connect(t, proxied, 'a test client (through the proxy)');
    await expectEchoes(t, peer, MESSAGES);
    t.step(
      'the next line ends in "\\r\\n", as telnet and nc -C send it: the proxy delivers the "\\r" and the "\\n" separately',
    );
    await expectReplies(t, peer, 'from telnet\r\n', ['echo: from telnet']);
    peer.end();
    await peer.readToEnd(WAIT_MS, 'the server to close the connection after the client half-closed');
  });

  graded(lab.tests.serverRefusesTooLong, async (t) => {
    const port = await startServer(t, 16);
    const peer = await Peer.connect(t, port);
    t.step('two messages of exactly 16 bytes, the limit: one ends in "\\n", the other in "\\r\\n"');
    await expectReplies(t, peer, `${'a'.repeat(16)}\n${'b'.repeat(16)}\r\n`, [
      `echo: ${'a'.repeat(16)}`,
      `echo: ${'b'.repeat(16)}`,
    ]);
    const before = peer.received.length;
    peer.send(`ok\n${'x'.repeat(17)}\n`);
    const reply = (
      await peer.readToEnd(
        WAIT_MS,
        'a reply "echo: ok", then a line "error: ..." for the message of 17 bytes, then the connection closed by the server',
      )
    ).subarray(before);
    const [first, second, ...rest] = reply.toString('utf8').split('\n');
    t.check(first === 'echo: ok', 'the first reply "echo: ok"', () => show(reply));
    t.check(
      second?.startsWith('error: ') === true && second.length > 'error: '.length,
      'a second line "error: <what went wrong>" for the message of 17 bytes',
      () => show(reply),
    );
    t.check(rest.join('') === '', 'nothing after the error line', () => show(reply));
  });

  graded(lab.tests.serverClientsApart, async (t) => {
    const port = await startServer(t, 16);
    const a = await Peer.connect(t, port, 'client A');
    const b = await Peer.connect(t, port, 'client B');
    a.send('hel');
    await a.delivered();
    b.send('wor');
    await b.delivered();
    await expectReplies(t, a, 'lo\n', ['echo: hello']);
    await expectReplies(t, b, 'ld\n', ['echo: world']);
    a.send(`${'x'.repeat(40)}\n`);
    const refusal = await a.readToEnd(
      WAIT_MS,
      'a line "error: ..." for client A\'s message of 40 bytes (limit 16), then client A\'s connection closed',
    );
    t.check(/\nerror: [^\n]+\n$/.test(refusal.toString('utf8')), 'client A to receive a line "error: ..."', () =>
      a.describe(),
    );
    t.check(!b.ended && !b.closed, "client B's connection to stay open", () => b.describe());
    await expectEchoes(t, b, ['still there?']);
    const c = await Peer.connect(t, port, 'client C (after A was refused)');
    await expectEchoes(t, c, ['hi']);
  });

  graded(lab.tests.serverSurvivesReset, async (t) => {
    const port = await startServer(t);
    const rude = await Peer.connect(t, port, 'a rude client');
    // The echo proves the server has read these bytes: an RST that reaches a server together
    // with bytes it has not read yet looks like a clean close there, and tests nothing.
    await expectReplies(t, rude, 'hello\nhalf a mess', ['echo: hello']);
    await rude.reset();
    await rude.until(() => rude.closed, WAIT_MS, 'the reset to complete');
    const polite = await Peer.connect(t, port, 'a polite client');
    await expectEchoes(t, polite, ['still there?']);
  });

  graded(lab.tests.serverRefusesBadUtf8, async (t) => {
    const port = await startServer(t);
    const peer = await Peer.connect(t, port);
    await expectEchoes(t, peer, ['fine']);
    const before = peer.received.length;
    t.step('next: the bytes 0xff 0xfe then "\\n", a message that is not UTF-8 (0xff never occurs in UTF-8)');
    peer.send(Buffer.from([0xff, 0xfe, 0x0a]));
    const reply = (
      await peer.readToEnd(
        WAIT_MS,
        'a line "error: ..." for the message that is not UTF-8, then the connection closed by the server',
      )
    )
      .subarray(before)
      .toString('utf8');
    t.check(/^error: [^\n]+\n$/.test(reply), 'one line "error: <what went wrong>", and nothing else', () =>
      JSON.stringify(reply),
    );
  });

  graded(lab.tests.serverLogs, async (t) => {
    const logged: string[] = [];
    const port = await startServer(t, 16, (line) => logged.push(String(line)));
    t.step('your server was given a log function that records each line');
    const refused = await Peer.connect(t, port, 'client A');
    refused.send(`${'x'.repeat(17)}\n`);
    await refused.readToEnd(WAIT_MS, "client A's message of 17 bytes (limit 16) refused, and the connection closed");
    await t.settleHost();
    t.check(logged.length > 0, "a log line about client A's refused message", () => 'nothing was logged');
    const count = logged.length;
    const leaving = await Peer.connect(t, port, 'client B');
    leaving.send('half a mess');
    await leaving.delivered();
    leaving.end();
    await leaving.readToEnd(WAIT_MS, "the server to close client B's connection after B half-closed");
    await t.settleHost();
    t.check(
      logged.length > count,
      'a log line about client B, which left in the middle of a message',
      () => `only the lines ${JSON.stringify(logged)}`,
    );
  });

  graded(lab.tests.serverListenError, async (t) => {
    const port = await startServer(t);
    const { startFramedEchoServer } = await t.lab<ServerModule>('02-framing', 'server.ts');
    await expectAddressInUse(
      t,
      port,
      'startFramedEchoServer',
      () => startFramedEchoServer({ host: LOOPBACK, port, log: () => {} }),
      WAIT_MS,
    );
    const peer = await Peer.connect(t, port, 'a client of the first server');
    await expectEchoes(t, peer, ['still the first server']);
  });
});
