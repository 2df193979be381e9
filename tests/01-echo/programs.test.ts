// End-to-end: the lab's two programs run as separate processes, as a student runs them.
import { describe } from 'vitest';
import { graded, type Trace } from '../support/graded.ts';
import { hasStackTrace, runProgram, type Program } from '../support/programs.ts';
import { LOOPBACK, Peer, startTestServer, unusedPort } from '../support/net.ts';
import { show } from '../../tools/shared/bytes.ts';
import lab from './lab.ts';

const SLUG = '01-echo';
// Generous: a program needs ~0.5 s of CPU to start, and a loaded 2-core machine may
// start several at once. The limit only costs time when a program is broken.
const START_MS = 10_000;

/** The program must exit non-zero with exactly one line on stderr that mentions every word. */
async function expectOneLineError(t: Trace, program: Program, words: string[]): Promise<void> {
  const exit = await program.waitForExit(START_MS, `${program.label} to exit with an error`);
  const message = program.stderr.trim();
  t.check(exit.code !== null && exit.code !== 0, `${program.label} to exit with a non-zero code`, () =>
    program.describe(),
  );
  t.check(!hasStackTrace(program.stderr), 'a one-line error message, not a stack trace', () => program.describe());
  t.check(message.length > 0 && !message.includes('\n'), 'exactly one line on stderr', () => program.describe());
  for (const word of words) {
    t.check(message.toLowerCase().includes(word.toLowerCase()), `the message to mention ${JSON.stringify(word)}`, () =>
      program.describe(),
    );
  }
}

describe(lab.title, () => {
  graded(
    lab.tests.serverProgram,
    async (t) => {
      const server = runProgram(t, SLUG, 'server.ts', ['--host', LOOPBACK, '--port', '0']);
      const [, port] = await server.waitForLine(
        /^listening on 127\.0\.0\.1:(\d+)$/,
        START_MS,
        'a line "listening on 127.0.0.1:PORT"',
      );
      const peer = await Peer.connect(t, Number(port));
      peer.send('hello from the test');
      peer.end();
      const reply = await peer.readToEnd(START_MS, 'the reply "echo: hello from the test" and the connection closed');
      t.check(reply.toString() === 'echo: hello from the test', 'the reply "echo: hello from the test"', () =>
        show(reply),
      );
      await server.waitForLine(/hello from the test/, START_MS, 'the server to print the message it received');
    },
    { concurrent: true },
  );

  graded(
    lab.tests.clientProgram,
    async (t) => {
      let received = Buffer.alloc(0);
      const port = await startTestServer(t, (socket) => {
        socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
        socket.on('end', () => socket.end(Buffer.concat([Buffer.from('echo: '), received])));
      });
      const client = runProgram(t, SLUG, 'client.ts', [
        '--host',
        LOOPBACK,
        '--port',
        String(port),
        'hello',
        'from',
        'the',
        'client',
      ]);
      const exit = await client.waitForExit(START_MS);
      t.step(`the test server received ${show(received)}`);
      t.check(
        received.toString() === 'hello from the client',
        'the test server to receive "hello from the client"',
        () => `${show(received)}; ${client.describe()}`,
      );
      t.check(
        client.stdout.trim() === 'echo: hello from the client',
        'the client to print "echo: hello from the client"',
        () => client.describe(),
      );
      t.check(exit.code === 0, 'exit code 0', () => client.describe());
    },
    { concurrent: true },
  );

  graded(
    lab.tests.refused,
    async (t) => {
      const port = await unusedPort();
      t.step(`found port ${port} with nothing listening on it`);
      const client = runProgram(t, SLUG, 'client.ts', ['--host', LOOPBACK, '--port', String(port), 'anyone there?']);
      await expectOneLineError(t, client, ['refused']);
    },
    { concurrent: true },
  );

  graded(
    lab.tests.clientReset,
    async (t) => {
      let received = Buffer.alloc(0);
      const port = await startTestServer(t, (socket) => {
        socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
        // Read the whole message and the half-close, then crash instead of replying: RST, no reply.
        socket.on('end', () => socket.resetAndDestroy());
      });
      t.step(
        'the test server reads the message and the half-close, then resets the connection (RST) without replying, as a server that crashes would',
      );
      t.onFailure(() => `the test server had received ${show(received)}`);
      const client = runProgram(t, SLUG, 'client.ts', [
        '--host',
        LOOPBACK,
        '--port',
        String(port),
        'are',
        'you',
        'still',
        'there?',
      ]);
      await expectOneLineError(t, client, ['reset']);
    },
    { concurrent: true },
  );

  graded(
    lab.tests.unresolvable,
    async (t) => {
      const client = runProgram(t, SLUG, 'client.ts', ['--host', 'no-such-host.invalid', '--port', '5000', 'hello?']);
      await expectOneLineError(t, client, ['no-such-host.invalid']);
    },
    { concurrent: true },
  );

  graded(
    lab.tests.portInUse,
    async (t) => {
      const port = await startTestServer(t, () => {});
      const server = runProgram(t, SLUG, 'server.ts', ['--host', LOOPBACK, '--port', String(port)]);
      await expectOneLineError(t, server, ['in use', String(port)]);
    },
    { concurrent: true },
  );
});
