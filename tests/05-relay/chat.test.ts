import { describe } from 'vitest';
import type net from 'node:net';
import { graded, type Trace } from '../support/graded.ts';
import { hasStackTrace, runProgram, type Program } from '../support/programs.ts';
import { LOOPBACK, startTestServer, unusedPort } from '../support/net.ts';
import lab from './lab.ts';

// A program needs ~0.5 s of CPU to start; a loaded machine may start several at once.
const WAIT_MS = 10_000;

/** A scripted relay: answers NAME (or refuses it), records every line, and lets the test push lines. */
async function startScriptedRelay(t: Trace, { refuseName = false } = {}) {
  const lines: string[] = [];
  let client: net.Socket | undefined;
  let changed = () => {};
  const port = await startTestServer(t, (socket) => {
    client = socket;
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line.startsWith('NAME ')) socket.write(refuseName ? `ERR name-taken ${line.slice(5)} belongs to another client\n` : `OK NAME ${line.slice(5)}\n`);
        if (line === 'QUIT') socket.end('BYE\n');
      }
      changed();
    });
  });
  t.step(`started a scripted relay on ${LOOPBACK}:${port}${refuseName ? ' that refuses every name' : ''}`);
  return {
    port,
    lines,
    /** Waits until the relay has received `line`. */
    received: async (line: string, program: Program) => {
      if (lines.includes(line)) return;
      const expected = `the relay to receive the line ${JSON.stringify(line)}`;
      const seen = new Promise<void>((resolve) => (changed = () => lines.includes(line) && resolve()));
      // A program that exits cannot send it any more: say so at once instead of waiting.
      const gone = program.exited.then(() => (lines.includes(line) ? undefined : t.fail(expected, `it received ${JSON.stringify(lines)}; ${program.describe()}`)));
      await t.within(Promise.race([seen, gone]), WAIT_MS, expected, () => `it received ${JSON.stringify(lines)}; ${program.describe()}`);
      t.step(`the relay received ${JSON.stringify(line)}`);
    },
    push: (line: string) => {
      t.step(`the relay sent ${JSON.stringify(line)}`);
      client?.write(`${line}\n`);
    },
    hangUp: () => {
      t.step('the relay closed the connection');
      client?.end();
    },
  };
}

function loadChat(t: Trace) {
  return t.lab<typeof import('../../labs/05-relay/chat.ts')>('05-relay', 'chat.ts');
}

function startChat(t: Trace, port: number, name = 'alice'): Program {
  return runProgram(t, '05-relay', 'chat.ts', ['--host', LOOPBACK, '--port', String(port), '--name', name], 'your chat client');
}

describe(lab.title, () => {
  graded(lab.tests.chatCommands, async (t) => {
    const { commandFor } = await loadChat(t);
    const cases: Array<[string, string | undefined]> = [
      ['hello everyone', 'ALL hello everyone'],
      ['  padded  ', 'ALL padded'],
      ['@bob hi there', 'SEND bob hi there'],
      ['/list', 'LIST'],
      ['/quit', 'QUIT'],
      ['', undefined],
      ['   ', undefined],
    ];
    for (const [typed, want] of cases) {
      t.step(`called commandFor(${JSON.stringify(typed)})`);
      const got = await commandFor(typed);
      t.check(got === want, JSON.stringify(want), () => JSON.stringify(got));
    }
  });

  graded(lab.tests.chatDisplay, async (t) => {
    const { displayFor } = await loadChat(t);
    const cases: Array<[string, string | undefined]> = [
      ['MSG bob hi there', 'bob: hi there'],
      ['BROADCAST carol good morning', 'carol (to all): good morning'],
      ['NAMES alice bob', 'online: alice, bob'],
      ['NAMES', 'online: nobody'],
      ['ERR unknown-name zed nobody has that name', 'error: unknown-name zed nobody has that name'],
      ['OK SEND bob', undefined],
      ['BYE', undefined],
      ['NOTICE the relay restarts at noon', 'NOTICE the relay restarts at noon'],
    ];
    for (const [line, want] of cases) {
      t.step(`called displayFor(${JSON.stringify(line)})`);
      const got = await displayFor(line);
      t.check(got === want, JSON.stringify(want), () => JSON.stringify(got));
    }
  });

  graded(lab.tests.chatSession, async (t) => {
    const relay = await startScriptedRelay(t);
    const chat = startChat(t, relay.port);
    await relay.received('NAME alice', chat);
    await chat.waitForLine(/^connected as alice/, WAIT_MS, 'the client to print "connected as alice ..."');
    chat.writeStdin('hello everyone\n');
    await relay.received('ALL hello everyone', chat);
    relay.push('MSG bob hi alice');
    await chat.waitForLine(/^bob: hi alice$/, WAIT_MS, 'the client to print "bob: hi alice" while its input is still open');
    relay.push('NOTICE the relay restarts at noon');
    await chat.waitForLine(/^NOTICE the relay restarts at noon$/, WAIT_MS, 'the client to print a line it does not know as it is');
    chat.writeStdin('@bob hey bob\n');
    await relay.received('SEND bob hey bob', chat);
  }, { concurrent: true });

  graded(lab.tests.chatQuits, async (t) => {
    const relay = await startScriptedRelay(t);
    const typed = startChat(t, relay.port, 'typed');
    await typed.waitForLine(/^connected as typed/, WAIT_MS, 'the client to print "connected as typed ..."');
    typed.writeStdin('/quit\n');
    await relay.received('QUIT', typed);
    const exit = await typed.waitForExit(WAIT_MS, 'the client to exit after BYE');
    t.check(exit.code === 0, 'exit code 0 after /quit', () => typed.describe());
    const ended = startChat(t, relay.port, 'ended');
    await ended.waitForLine(/^connected as ended/, WAIT_MS, 'the client to print "connected as ended ..."');
    ended.endStdin();
    await relay.received('QUIT', ended);
    const exit2 = await ended.waitForExit(WAIT_MS, 'the client to exit after BYE');
    t.check(exit2.code === 0, 'exit code 0 at end of input', () => ended.describe());
  }, { concurrent: true });

  graded(lab.tests.chatRelayGone, async (t) => {
    const nobody = await unusedPort();
    t.step(`nothing listens on ${LOOPBACK}:${nobody}`);
    const unreachable = startChat(t, nobody);
    const refusing = await startScriptedRelay(t, { refuseName: true });
    const refused = startChat(t, refusing.port);
    const exit = await refused.waitForExit(WAIT_MS, 'the client to exit when its name is refused');
    t.check(exit.code !== 0 && /^error: /.test(refused.stderr.trim()) && !refused.stderr.trim().includes('\n') && !hasStackTrace(refused.stderr),
      'a non-zero exit and one line "error: ..." on stderr', () => refused.describe());
    const exit0 = await unreachable.waitForExit(WAIT_MS, 'the client to exit when its connection is refused');
    t.check(exit0.code !== 0 && /^error: /.test(unreachable.stderr.trim()) && !unreachable.stderr.trim().includes('\n') && !hasStackTrace(unreachable.stderr),
      'a non-zero exit and one line "error: ..." on stderr when the connection is refused (no relay runs there)', () => unreachable.describe());
    const relay = await startScriptedRelay(t);
    const chat = startChat(t, relay.port);
    await chat.waitForLine(/^connected as alice/, WAIT_MS, 'the client to print "connected as alice ..."');
    relay.hangUp();
    const exit2 = await chat.waitForExit(WAIT_MS, 'the client to exit when the relay goes away');
    t.check(exit2.code !== 0 && /^error: /.test(chat.stderr.trim()) && !hasStackTrace(chat.stderr), 'a non-zero exit and one line "error: ..." on stderr', () => chat.describe());
  }, { concurrent: true });
});
