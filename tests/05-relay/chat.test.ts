import { describe } from 'vitest';
import type net from 'node:net';
import { graded, Mismatch, type Trace } from '../support/graded.ts';
import { hasStackTrace, runProgram, type Program } from '../support/programs.ts';
import { LOOPBACK, startTestServer } from '../support/net.ts';
import lab from './lab.ts';

// A program needs ~0.5 s of CPU to start; a loaded machine may start several at once.
const WAIT_MS = 10_000;

/** A scripted relay: answers NAME (or refuses it), records every line, and lets the test push lines. */
async function startScriptedRelay(t: Trace) {
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
        if (line.startsWith('NAME ')) socket.write(`OK NAME ${line.slice(5)}\n`);
        if (line === 'QUIT') socket.end('BYE\n');
      }
      changed();
    });
  });
  t.step(`started a scripted relay on ${LOOPBACK}:${port}`);
  return {
    port,
    lines,
    /** Waits until the relay has received `line`. */
    received: async (line: string, program: Program) => {
      if (lines.includes(line)) return;
      const expected = `the relay to receive the line ${JSON.stringify(line)}`;
      const seen = new Promise<void>((resolve) => (changed = () => lines.includes(line) && resolve()));
      // A program that exits cannot send it any more: say so at once instead of waiting.
      const gone = program.exited.then(() =>
        lines.includes(line)
          ? undefined
          : t.fail(expected, `it received ${JSON.stringify(lines)}; ${program.describe()}`),
      );
      await t.within(
        Promise.race([seen, gone]),
        WAIT_MS,
        expected,
        () => `it received ${JSON.stringify(lines)}; ${program.describe()}`,
      );
      t.step(`the relay received ${JSON.stringify(line)}`);
    },
    push: (line: string) => {
      t.step(`the relay sent ${JSON.stringify(line)}`);
      client?.write(`${line}\n`);
    },
  };
}

function loadChat(t: Trace) {
  return t.lab<typeof import('../../labs/05-relay/chat.ts')>('05-relay', 'chat.ts');
}

function startChat(t: Trace, port: number, name = 'alice'): Program {
  return runProgram(
    t,
    '05-relay',
    'chat.ts',
    ['--host', LOOPBACK, '--port', String(port), '--name', name],
    'your chat client',
  );
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

  graded(lab.tests.chatRefusesLines, async (t) => {
    const { commandFor } = await loadChat(t);
    const show = (text: string) =>
      text.length > 40
        ? `${JSON.stringify(text.slice(0, 12))} + ... (${text.length} characters, ${Buffer.byteLength(text)} bytes)`
        : JSON.stringify(text);
    // Lines at the limit exactly: 1024 bytes, prefix included.
    const fits: Array<[string, string]> = [
      ['a'.repeat(1020), `ALL ${'a'.repeat(1020)}`],
      ['é'.repeat(510), `ALL ${'é'.repeat(510)}`], // 2 bytes each in UTF-8
      [`@bob ${'b'.repeat(1015)}`, `SEND bob ${'b'.repeat(1015)}`],
    ];
    for (const [typed, want] of fits) {
      t.step(`called commandFor(${show(typed)})`);
      const got = await commandFor(typed);
      t.check(got === want, `${show(want)}: a line of exactly 1024 bytes is allowed`, () =>
        got === undefined ? 'undefined' : show(got),
      );
    }
    // The handout: a line too long is refused with a message that says by how many bytes.
    const refused: Array<[string, string, number?]> = [
      ['@bob', '"@bob" has no message'],
      ['@bob   ', '"@bob" has no message (the spaces are trimmed)'],
      ['@ bob hi', 'there is no name right after "@"'],
      ['@', 'there is no name after "@"'],
      ['a'.repeat(1021), '"ALL " and 1021 bytes make 1025 bytes', 1],
      ['é'.repeat(511), '"ALL " and 511 "é" of 2 bytes each make 1026 bytes', 2],
      [`@bob ${'b'.repeat(1016)}`, '"SEND bob " and 1016 bytes make 1025 bytes', 1],
      ['x'.repeat(5000), 'the line "ALL " and 5000 bytes is 3980 bytes over 1024', 3980],
    ];
    for (const [typed, why, over] of refused) {
      t.step(`called commandFor(${show(typed)})`);
      const expected = `a TypedLineError with a message for the user (${why})`;
      try {
        const got = await commandFor(typed);
        t.fail(expected, `it returned ${got === undefined ? 'undefined' : show(got)}`);
      } catch (error) {
        if (error instanceof Mismatch) throw error;
        const got = error as { name?: string; message?: string };
        t.check(
          got.name === 'TypedLineError' && typeof got.message === 'string' && got.message.trim() !== '',
          expected,
          () => `${got.name}: ${got.message}`,
        );
        if (over !== undefined) {
          t.check(
            new RegExp(`(^|\\D)${over}(\\D|$)`).test(got.message!),
            `the message to say by how many bytes the line is too long (here ${over}), so the user knows how much to cut`,
            () => JSON.stringify(got.message),
          );
        }
      }
    }
  });

  graded(lab.tests.chatDisplay, async (t) => {
    const { displayFor } = await loadChat(t);
    const cases: Array<[string, string | undefined]> = [
      ['MSG bob hi there', 'bob: hi there'],
      ['BROADCAST carol good morning', 'carol (to all): good morning'],
      ['NAMES alice bob', 'online: alice, bob'],
      ['NAMES alice', 'online: alice'],
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

  graded(lab.tests.chatNoSpoofing, async (t) => {
    const { displayFor } = await loadChat(t);
    // JSON.stringify shows each control character as an escape, so the report can be read.
    const cases: Array<[string, string, string]> = [
      [
        'MSG mallory hi\rbob: send me your password',
        'mallory: hi\\x0dbob: send me your password',
        'a carriage return would start a fake line from bob',
      ],
      [
        'BROADCAST mallory \x1b[2J\x1b[31mred alert\x07',
        'mallory (to all): \\x1b[2J\\x1b[31mred alert\\x07',
        'ANSI escapes clear the screen and recolour it; \\x07 rings the bell',
      ],
      ['MSG mallory tab\there', 'mallory: tab\\x09here', 'every control character, tab included'],
      [
        'MSG mallory c1\u009b2J del\u007f',
        'mallory: c1\\x9b2J del\\x7f',
        'U+009B starts an escape on some terminals too; U+007F is a control character',
      ],
      ['ERR bad-line \u0000', 'error: bad-line \\x00', 'ERR lines come from the relay too'],
      [
        'NOTICE \x1b]0;pwned\x07',
        'NOTICE \\x1b]0;pwned\\x07',
        'a line the client does not know is shown escaped as well',
      ],
      [
        'MSG zoé ça va? 👋 «oui»',
        'zoé: ça va? 👋 «oui»',
        'letters, emoji and punctuation outside ASCII are not control characters: shown as they are',
      ],
    ];
    for (const [line, want, why] of cases) {
      t.step(`called displayFor(${JSON.stringify(line)})`);
      const got = await displayFor(line);
      t.check(got === want, `${JSON.stringify(want)} (${why})`, () => JSON.stringify(got));
    }
  });

  graded(
    lab.tests.chatSession,
    async (t) => {
      const relay = await startScriptedRelay(t);
      const chat = startChat(t, relay.port);
      await relay.received('NAME alice', chat);
      await chat.waitForLine(/^connected as alice/, WAIT_MS, 'the client to print "connected as alice ..."');
      chat.writeStdin('hello everyone\n');
      await relay.received('ALL hello everyone', chat);
      relay.push('MSG bob hi alice');
      await chat.waitForLine(
        /^bob: hi alice$/,
        WAIT_MS,
        'the client to print "bob: hi alice" while its input is still open',
      );
      relay.push('NOTICE the relay restarts at noon');
      await chat.waitForLine(
        /^NOTICE the relay restarts at noon$/,
        WAIT_MS,
        'the client to print a line it does not know as it is',
      );
      relay.push('MSG mallory hi\rbob: give me your password');
      await chat.waitForLine(
        /^mallory: hi\\x0dbob: give me your password$/,
        WAIT_MS,
        'the client to print the carriage return as \\x0d, not to start a fake line from bob',
      );
      chat.writeStdin(`${'x'.repeat(5000)}\n`);
      chat.writeStdin('@bob hey bob\n');
      await relay.received('SEND bob hey bob', chat);
      chat.writeStdin('/quit\n');
      await relay.received('QUIT', chat);
      const exit = await chat.waitForExit(WAIT_MS, 'the client to exit after /quit and BYE');
      const tooLong = relay.lines.filter((line) => line.startsWith('ALL xxx'));
      t.check(
        tooLong.length === 0,
        'the line of 5000 bytes not sent to the relay',
        () => `the relay received a line of ${tooLong[0]?.length} characters`,
      );
      t.check(
        exit.code === 0 && /^error: .+/m.test(chat.stderr) && !hasStackTrace(chat.stderr),
        'one "error: ..." line on stderr for the line of 5000 bytes, no stack trace, and exit code 0 after /quit',
        () => chat.describe(),
      );
    },
    { concurrent: true },
  );
});
