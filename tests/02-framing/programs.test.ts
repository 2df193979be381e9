// End-to-end: the lab's programs run as separate processes, as a student runs them.
import { describe } from 'vitest';
import type net from 'node:net';
import { graded, type Trace } from '../support/graded.ts';
import { hasStackTrace, runProgram, type Program } from '../support/programs.ts';
import { LOOPBACK, Peer, startTestServer, unusedPort } from '../support/net.ts';
import { show } from '../../tools/shared/bytes.ts';
import lab from './lab.ts';

const SLUG = '02-framing';
// A program needs ~0.5 s of CPU to start; a loaded machine may start several at once.
const WAIT_MS = 10_000;

/** The program must exit with code 1 and exactly one line "error: ..." on stderr, mentioning every word. */
async function expectOneLineError(t: Trace, program: Program, words: string[] = []): Promise<void> {
  const exit = await program.waitForExit(
    WAIT_MS,
    `${program.label} to print "error: ..." and exit, although its input is still open`,
  );
  const message = program.stderr.trim();
  t.check(!hasStackTrace(program.stderr), 'a one-line error message, not a stack trace', () => program.describe());
  t.check(message.startsWith('error: ') && !message.includes('\n'), 'exactly one line "error: ..." on stderr', () =>
    program.describe(),
  );
  for (const word of words) {
    t.check(message.toLowerCase().includes(word), `the message to mention ${JSON.stringify(word)}`, () =>
      program.describe(),
    );
  }
  t.check(exit.code === 1, `${program.label} to exit with code 1`, () => program.describe());
}

describe(lab.title, () => {
  graded(
    lab.tests.clientProgram,
    async (t) => {
      // A test server that answers each complete line at once: "reply: <line>".
      const port = await startTestServer(t, (socket: net.Socket) => {
        let pending = '';
        socket.on('data', (chunk: Buffer) => {
          pending += chunk.toString('utf8');
          const parts = pending.split('\n');
          pending = parts.pop()!;
          for (const line of parts) socket.write(`reply: ${line}\n`);
        });
        socket.on('end', () => socket.end());
      });
      t.step('the test server answers every line at once with "reply: <line>"');
      // A second test server answers one line, then closes the connection itself: nobody is left to send to.
      const closing = await startTestServer(t, (socket: net.Socket) => {
        socket.once('data', () => socket.end('reply: bye\n'));
      });
      t.step('a second test server answers the first line with "reply: bye", then closes the connection');
      const left = runProgram(
        t,
        SLUG,
        'client.ts',
        ['--host', LOOPBACK, '--port', String(closing)],
        'your client program (server closes first)',
      );
      left.writeStdin('hello\n');
      const client = runProgram(t, SLUG, 'client.ts', ['--host', LOOPBACK, '--port', String(port)]);
      client.writeStdin('hello\n');
      await client.waitForLine(
        /^reply: hello$/,
        WAIT_MS,
        'the client to print "reply: hello" while its input is still open',
      );
      client.writeStdin('ünïcödé ✓\n');
      await client.waitForLine(/^reply: ünïcödé ✓$/, WAIT_MS, 'the client to print "reply: ünïcödé ✓"');
      client.endStdin();
      const exit = await client.waitForExit(WAIT_MS, 'the client to exit once its input ended and the server closed');
      t.check(exit.code === 0, 'exit code 0', () => client.describe());
      await left.waitForLine(/^reply: bye$/, WAIT_MS, 'the client (server closes first) to print "reply: bye"');
      await left.waitForExit(
        WAIT_MS,
        'the client to exit once the server closed the connection, although its input is still open',
      );
    },
    { concurrent: true },
  );

  graded(
    lab.tests.clientErrors,
    async (t) => {
      // Both programs run at once; their input stays open, as a terminal's does until Ctrl-D.
      const port = await unusedPort();
      t.step(`found port ${port} with nothing listening on it`);
      const refused = runProgram(
        t,
        SLUG,
        'client.ts',
        ['--host', LOOPBACK, '--port', String(port)],
        'your client program (nothing listening)',
      );
      // A test server that answers the first line, then resets the connection at the second.
      const resetting = await startTestServer(t, (socket: net.Socket) => {
        let lines = 0;
        socket.on('data', (chunk: Buffer) => {
          for (let i = chunk.indexOf(0x0a); i >= 0 && !socket.destroyed; i = chunk.indexOf(0x0a, i + 1)) {
            if (++lines === 1) socket.write('reply: hello\n');
            else socket.resetAndDestroy();
          }
        });
      });
      t.step(
        'this test server answers the first line with "reply: hello", then resets the connection (RST) at the second',
      );
      const reset = runProgram(
        t,
        SLUG,
        'client.ts',
        ['--host', LOOPBACK, '--port', String(resetting)],
        'your client program (reset mid-session)',
      );
      reset.writeStdin('hello\n');
      await reset.waitForLine(/^reply: hello$/, WAIT_MS, 'the client to print "reply: hello"');
      reset.writeStdin('are you there?\n');
      await expectOneLineError(t, refused, ['refused']);
      await expectOneLineError(t, reset);
    },
    { concurrent: true },
  );

  graded(
    lab.tests.serverProgram,
    async (t) => {
      const server = runProgram(t, SLUG, 'server.ts', ['--host', LOOPBACK, '--port', '0', '--max-bytes', '8']);
      const [, port] = await server.waitForLine(
        /^listening on 127\.0\.0\.1:(\d+)$/,
        WAIT_MS,
        'a line "listening on 127.0.0.1:PORT"',
      );
      const peer = await Peer.connect(t, Number(port));
      peer.send('short\nalso ok\nmuch too long\n');
      const reply = await peer.readToEnd(WAIT_MS, 'two echoes, then "error: ...", then the connection closed');
      const lines = reply.toString('utf8').split('\n');
      t.check(
        lines[0] === 'echo: short' && lines[1] === 'echo: also ok',
        'the replies "echo: short" and "echo: also ok"',
        () => show(reply),
      );
      t.check(
        lines[2]?.startsWith('error: ') === true,
        'then a line "error: ..." for the 13-byte message (limit 8)',
        () => show(reply),
      );
    },
    { concurrent: true },
  );
});
