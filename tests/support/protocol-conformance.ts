// The protocol as a contract: graded tests written from docs/protocol.md alone, one group of
// rules each (see conformance-specs.ts), against any relay that `start` returns the port of.
// Every rule and table row of the document, the exact reply text where the document fixes
// it, whether the connection stays open, and each limit at N and N + 1. Lab 05 grades it;
// lab 06 can register it against its own relay.
import net from 'node:net';
import { once } from 'node:events';
import { graded as gradedTest, type GradedOptions, type Trace } from './graded.ts';
import { LOOPBACK, pause, Peer } from './net.ts';
import { floodUntilCutOff, listUntil, registerAs } from './relay-protocol.ts';
import type { ConformanceTests } from './conformance-specs.ts';

const WAIT_MS = 5000;
const CLIENT_LINE = 1024;
const SERVER_LINE = 2048;
/** Short enough for a test, long enough that a loaded machine answers a PING well within it. */
const IDLE_MS = 600;
/** The idle timeout and the cut-off of the relay on which a cut-off client stays silent past the timeout. */
const LATE_IDLE_MS = 1500;
const LATE_CUT_OFF = 1024 * 1024;
/** The conformList test's cut-off, and a list well past it. */
const LIST_CUT_OFF = 8 * 1024;
const LIST_NAMES = 600;

export interface RelayStartOptions {
  /** T of "Liveness"; the relay's default (30 s) when left out. */
  idleTimeoutMs?: number;
  /** The cut-off of "Limits that protect everyone"; the relay's default (64 KiB) when left out. */
  maxQueuedBytes?: number;
}

/**
 * The options a test set (undefined ones left out, so the relay's defaults hold), and how they
 * read in a step: ", idleTimeoutMs: 600".
 */
export function givenLimits<Options extends object>(options: Options): { limits: Partial<Options>; shown: string } {
  const limits = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<Options>;
  return {
    limits,
    shown: Object.entries(limits)
      .map(([key, value]) => `, ${key}: ${value}`)
      .join(''),
  };
}

/** How far ahead floodAhead's marker is, in messages of 1 KB. */
const HEAD_START = 512;

/**
 * "flood" sends `marker` HEAD_START messages of 1 KB, then `marker` and each of `others` (clients
 * that do not read) the same messages, 20 at a time, until the relay cuts `marker` off. The
 * others then have about HEAD_START KB less waiting for them: with a cut-off of LATE_CUT_OFF,
 * lines wait in the relay itself, past loopback's buffers. Gives how many messages each of the
 * others was acknowledged (OK SEND).
 */
async function floodAhead(t: Trace, flood: Peer, marker: string, others: string[]): Promise<Map<string, number>> {
  const message = 'x'.repeat(1000);
  t.step(
    `"${flood.label}" sends ${marker} ${HEAD_START} messages of 1 KB, then ${[marker, ...others].join(', ')} each the same 1 KB messages, 20 at a time, until the relay cuts ${marker} off: ${others.join(' and ')} then have about ${HEAD_START} KB less waiting for them, in the relay itself`,
  );
  flood.socket.write(`SEND ${marker} ${message}\n`.repeat(HEAD_START));
  const acknowledged = new Map(others.map((name) => [name, 0]));
  let sent = HEAD_START;
  let read = 0;
  let cutOff = false;
  while (!cutOff && sent < 60_000) {
    flood.socket.write(
      [marker, ...others]
        .map((to) => `SEND ${to} ${message}\n`)
        .join('')
        .repeat(20),
    );
    sent += 20 * (1 + others.length);
    for (; read < sent; read++) {
      const answer = await flood.readLine(WAIT_MS, 'an answer to each SEND', { quiet: true });
      const to = answer.split(' ')[2];
      if (answer.startsWith(`ERR unknown-name ${marker}`)) cutOff = true;
      else if (answer.startsWith('OK SEND ') && acknowledged.has(to)) acknowledged.set(to, acknowledged.get(to)! + 1);
      else
        t.check(
          answer === `OK SEND ${marker}`,
          `"OK SEND <name>", or "ERR unknown-name ${marker}" once ${marker} is cut off (it is ${HEAD_START} KB ahead of the others)`,
          () => JSON.stringify(answer),
        );
    }
  }
  t.check(
    cutOff,
    `${marker} to be cut off`,
    () => `after ${sent} messages of 1 KB, the relay still accepts messages for ${marker}`,
  );
  t.step(`${marker} was cut off after ${sent} messages`);
  return acknowledged;
}

/** Starts the relay under test for one test, on 127.0.0.1, and returns its port. */
export type StartRelay = (t: Trace, options: RelayStartOptions) => Promise<number>;

/** A line's fields, split on single spaces (docs/protocol.md, "Lines"). */
function fields(line: string): string[] {
  return line.split(' ');
}

/** Every line a peer received so far, complete lines only. */
function linesOf(peer: Peer): string[] {
  return peer.received.toString('utf8').split('\n').slice(0, -1);
}

function checkServerLines(t: Trace, peer: Peer): void {
  const long = linesOf(peer).find((line) => Buffer.byteLength(line) > SERVER_LINE);
  t.check(
    long === undefined,
    `every line from the server to be at most ${SERVER_LINE} bytes`,
    () =>
      `${peer.label} received a line of ${Buffer.byteLength(long!)} bytes: ${JSON.stringify(long!.slice(0, 60))}...`,
  );
}

/** Reads one line and checks its code word and, if given, its third field (the echoed word). */
async function expectError(t: Trace, peer: Peer, code: string, echoed?: string): Promise<string> {
  const line = await peer.readLine(WAIT_MS, `"ERR ${code}${echoed === undefined ? '' : ` ${echoed}`} ..."`);
  const [err, got, third] = fields(line);
  t.check(
    err === 'ERR' && got === code && (echoed === undefined || third === echoed),
    `"ERR ${code}${echoed === undefined ? '' : ` ${echoed}`} <explanation>"${echoed === undefined ? '' : ', the word repeated as a field of its own'}`,
    () => JSON.stringify(line.slice(0, 120)),
  );
  return line;
}

/** The connection must still be open and answering: PING gets PONG. */
async function expectOpen(t: Trace, peer: Peer, after: string): Promise<void> {
  t.step(`${peer.label}'s connection must still be open after ${after}`);
  await peer.ask('PING', 'PONG');
}

async function expectClosedAfter(t: Trace, peer: Peer, what: string): Promise<void> {
  await peer.readToEnd(WAIT_MS, `the server to close the connection after ${what}`);
  const rest = peer.received.subarray(peer.received.lastIndexOf('\n') + 1);
  t.check(rest.length === 0, `nothing after ${what} but the close`, () =>
    JSON.stringify(rest.toString('utf8').slice(0, 80)),
  );
}

/** Connects and registers `names`, `batch` at a time, without a step each; every socket keeps reading. */
async function crowd(t: Trace, port: number, names: string[]): Promise<net.Socket[]> {
  t.step(`connected ${names.length} clients and registered them as "${names[0]}" ... "${names.at(-1)}"`);
  const sockets: net.Socket[] = [];
  const join = async (name: string): Promise<void> => {
    const socket = net.connect({ host: LOOPBACK, port });
    sockets.push(socket);
    t.defer(() => socket.destroy());
    let text = '';
    const answered = new Promise<string>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        if (!text.includes('\n')) {
          text += chunk.toString('utf8');
          if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
        }
      });
      socket.once('error', reject);
      socket.once('end', () => reject(new Error('the connection was closed')));
    });
    answered.catch(() => {});
    socket.write(`NAME ${name}\n`);
    const reply = await t.within(answered, 20_000, `"OK NAME ${name}"`, () => JSON.stringify(text));
    t.check(reply === `OK NAME ${name}`, `"OK NAME ${name}"`, () => JSON.stringify(reply));
  };
  for (let i = 0; i < names.length; i += 500) await Promise.all(names.slice(i, i + 500).map(join));
  return sockets;
}

/** `count` names of exactly 16 characters, in code point order. */
function longNames(count: number, prefix = 'u'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(16 - prefix.length, '0')}`);
}

/** Sends LIST and reads NAMES lines until one does not end in the field "...". */
async function readList(t: Trace, peer: Peer): Promise<string[]> {
  peer.sendLine('LIST');
  const lines: string[] = [];
  for (;;) {
    const line = await peer.readLine(WAIT_MS, 'a NAMES line', { quiet: true });
    lines.push(line);
    t.check(fields(line)[0] === 'NAMES', 'only NAMES lines until one does not end in "..."', () =>
      JSON.stringify(line.slice(0, 80)),
    );
    if (fields(line).at(-1) !== '...') break;
  }
  t.step(
    `${peer.label} asked LIST and received ${lines.length} NAMES line${lines.length > 1 ? 's' : ''} (${lines.map((line) => Buffer.byteLength(line)).join(', ')} bytes)`,
  );
  return lines;
}

function checkList(t: Trace, lines: string[], want: string[]): void {
  for (const [i, line] of lines.entries()) {
    t.check(
      Buffer.byteLength(line) <= SERVER_LINE,
      `every NAMES line at most ${SERVER_LINE} bytes`,
      () => `line ${i + 1} has ${Buffer.byteLength(line)} bytes`,
    );
    const last = i === lines.length - 1;
    t.check(
      last === (fields(line).at(-1) !== '...'),
      'every NAMES line but the last to end with the field "..."',
      () => `line ${i + 1} of ${lines.length} ends ${JSON.stringify(line.slice(-20))}`,
    );
  }
  const names = lines.flatMap((line) =>
    fields(line)
      .slice(1)
      .filter((field) => field !== '...'),
  );
  t.check(
    JSON.stringify(names) === JSON.stringify(want),
    `the ${want.length} names, sorted by code point, each once`,
    () =>
      `${names.length} names${names.length === want.length ? `, first difference at #${names.findIndex((name, i) => name !== want[i])}` : ''}`,
  );
}

/**
 * "PING after T without a line": the count starts again with every line, not only after a
 * PING. A client that talks all along registers, then "clock", which stays silent; the
 * talker keeps asking PING until clock gets the relay's PING, T after its last line. The
 * talker's last line is always more recent, so no PING may ever reach it.
 */
async function checkTalkerNeverPinged(t: Trace, port: number): Promise<void> {
  const talker = await registerAs(t, port, 'talker');
  const clock = await registerAs(t, port, 'clock');
  t.step(
    "talker sends PING and reads the answer, again and again, until clock, silent since its NAME, gets the relay's PING",
  );
  const clockPinged = () => linesOf(clock).includes('PING');
  let rounds = 0;
  const roundTrip = async () => {
    talker.sendLine('PING');
    const line = await talker.readLine(WAIT_MS, '"PONG"', { quiet: true });
    rounds++;
    t.check(
      line === 'PONG',
      `"PONG" each time: talker sent a line every round trip, so the relay must never find it silent for ${IDLE_MS} ms`,
      () =>
        `${JSON.stringify(line)} after ${rounds} round trips: the idle timer was not started again by talker's lines`,
    );
  };
  const deadline = Date.now() + WAIT_MS;
  do await roundTrip();
  while (!clockPinged() && Date.now() < deadline);
  t.check(
    clockPinged(),
    `clock to get "PING" once silent for ${IDLE_MS} ms`,
    () => `nothing after ${rounds} round trips of talker's`,
  );
  // A PING the relay wrote to talker before clock's comes before this answer.
  await roundTrip();
  t.step(`clock got PING after talker's ${rounds} round trips, and talker none`);
  talker.socket.destroy();
  clock.socket.destroy();
}

/**
 * Registers the graded tests `only` names (all of them by default): a lab may spread them
 * over several test files, which the grader runs side by side. `crossProcess`: the relay spreads
 * its clients over processes (lab 06), where docs/protocol.md lets OK SEND mean "handed to the
 * recipient's process" for a recipient elsewhere.
 */
export function registerConformanceTests(
  tests: ConformanceTests,
  start: StartRelay,
  only: Array<keyof ConformanceTests> = Object.keys(tests) as Array<keyof ConformanceTests>,
  { crossProcess = false } = {},
): void {
  const graded = (
    spec: ConformanceTests[keyof ConformanceTests],
    body: (t: Trace) => Promise<void>,
    options?: GradedOptions,
  ) => {
    if (only.some((key) => tests[key] === spec)) gradedTest(spec, body, options);
  };
  graded(tests.conformLines, async (t) => {
    const port = await start(t, {});
    const peer = await registerAs(t, port, 'lines');
    await peer.ask('LIST\r', 'NAMES lines');
    t.step(`a line of exactly ${CLIENT_LINE} bytes, two-byte characters included, is a line like any other`);
    const prefix = 'SEND lines ';
    const text = 'é'.repeat(100) + 'x'.repeat(CLIENT_LINE - prefix.length - 200);
    t.check(Buffer.byteLength(prefix + text) === CLIENT_LINE, 'a test line of 1024 bytes', () => 'miscounted');
    peer.sendLine(prefix + text);
    const own = await peer.readLine(WAIT_MS, 'the message to yourself');
    t.check(
      own === `MSG lines ${text}`,
      'the whole 1024-byte line delivered: "MSG lines <text>"',
      () => `${Buffer.byteLength(own)} bytes: ${JSON.stringify(own.slice(0, 60))}...`,
    );
    await peer.readLine(WAIT_MS, '"OK SEND lines"');
    const longest = 'W'.repeat(CLIENT_LINE);
    t.step(
      `an unknown command word of ${CLIENT_LINE} bytes: the error repeats it whole and still fits in a server line`,
    );
    peer.sendLine(longest);
    await expectError(t, peer, 'unknown-command', longest);
    const sender = await registerAs(t, port, 'a234567890123456');
    sender.sendLine(`ALL ${'b'.repeat(CLIENT_LINE - 4)}`);
    const broadcast = await peer.readLine(WAIT_MS, 'the longest broadcast');
    t.check(
      broadcast === `BROADCAST a234567890123456 ${'b'.repeat(CLIENT_LINE - 4)}`,
      'the whole broadcast',
      () => `${Buffer.byteLength(broadcast)} bytes`,
    );
    checkServerLines(t, peer);
    await expectOpen(t, peer, 'the long lines');

    t.step(`a line of ${CLIENT_LINE + 1} bytes, behind a LIST in the same write`);
    const tooLong = await Peer.connect(t, port, 'too long');
    tooLong.send(`LIST\n${'x'.repeat(CLIENT_LINE + 1)}\n`);
    await tooLong.readLine(WAIT_MS, 'the answer to the LIST before the bad line');
    await expectError(t, tooLong, 'bad-line');
    await expectClosedAfter(t, tooLong, 'ERR bad-line');
    // 1025 bytes could still be a line of 1024 and the "\r" of its "\r\n": 1026 cannot.
    t.step(`${CLIENT_LINE + 2} bytes and no newline: the server must not wait for the end of the line`);
    const endless = await Peer.connect(t, port, 'endless');
    endless.send('y'.repeat(CLIENT_LINE + 2));
    await expectError(t, endless, 'bad-line');
    await expectClosedAfter(t, endless, 'ERR bad-line');
    const invalid = await Peer.connect(t, port, 'invalid UTF-8');
    invalid.send(Buffer.from([...Buffer.from('PING\n'), 0xff, 0xfe, 0x0a, ...Buffer.from('LIST\n')]));
    await invalid.readLine(WAIT_MS, '"PONG", the answer to the line before the bad one');
    await expectError(t, invalid, 'bad-line');
    await expectClosedAfter(t, invalid, 'ERR bad-line');
  });

  graded(tests.conformCommands, async (t) => {
    const port = await start(t, {});
    const anon = await Peer.connect(t, port, 'a client without a name');
    for (const word of ['list', 'HELLO', 'Name', 'NAMES', 'OK']) {
      anon.sendLine(word === 'HELLO' ? 'HELLO there' : word);
      await expectError(t, anon, 'unknown-command', word);
    }
    for (const line of ['NAME', 'NAME a b', 'LIST x', 'QUIT now', 'PING x', 'PONG x']) {
      anon.sendLine(line);
      await expectError(t, anon, 'malformed');
    }
    for (const line of ['SEND bob hi', 'ALL hi']) {
      anon.sendLine(line);
      await expectError(t, anon, 'not-registered');
    }
    await anon.ask('PING', 'PONG');
    t.step('PONG gets no reply: the next line is the answer to the LIST behind it');
    anon.send('PONG\nLIST\n');
    await anon
      .readLine(WAIT_MS, '"NAMES", and nothing for the PONG')
      .then((line) => t.check(line === 'NAMES', '"NAMES" (nobody has a name)', () => JSON.stringify(line)));

    const alice = await registerAs(t, port, 'alice');
    const bob = await registerAs(t, port, 'bob');
    const carol = await registerAs(t, port, 'carol');
    for (const line of ['SEND bob', 'SEND', 'ALL']) {
      alice.sendLine(line);
      await expectError(t, alice, 'malformed');
    }
    alice.sendLine('SEND nobody hi');
    await expectError(t, alice, 'unknown-name', 'nobody');
    await alice.ask('SEND bob hello  with  spaces ', 'OK SEND bob');
    await bob
      .readLine(WAIT_MS, 'the message')
      .then((line) =>
        t.check(
          line === 'MSG alice hello  with  spaces ',
          '"MSG alice hello  with  spaces " (the text is the rest of the line)',
          () => JSON.stringify(line),
        ),
      );
    await alice.ask('ALL to all', 'OK ALL 2');
    for (const peer of [bob, carol]) {
      const line = await peer.readLine(WAIT_MS, 'the broadcast');
      t.check(line === 'BROADCAST alice to all', '"BROADCAST alice to all"', () => JSON.stringify(line));
    }
    t.step('replies come in the order of the commands');
    alice.send('LIST\nPING\nSEND nobody x\nSEND alice self\n');
    const replies: string[] = [];
    for (let i = 0; i < 5; i++) replies.push(await alice.readLine(WAIT_MS, 'the next reply', { quiet: true }));
    const want = ['NAMES alice bob carol', 'PONG', 'ERR unknown-name', 'MSG alice self', 'OK SEND alice'];
    t.check(
      replies.every((line, i) => line === want[i] || (i === 2 && line.startsWith(`${want[i]} nobody `))),
      JSON.stringify(want),
      () => JSON.stringify(replies),
    );
    await expectOpen(t, alice, 'every error');
    await expectOpen(t, anon, 'every error');

    t.step('QUIT with more lines in the same write: BYE, the close, and the rest not run');
    const quitter = await Peer.connect(t, port, 'quitter');
    quitter.send('NAME quitter\nQUIT\nLIST\nNAME ghost\nSEND bob boo\n');
    await quitter.readLine(WAIT_MS, '"OK NAME quitter"');
    const bye = await quitter.readLine(WAIT_MS, '"BYE"');
    t.check(bye === 'BYE', '"BYE"', () => JSON.stringify(bye));
    await expectClosedAfter(t, quitter, 'BYE');
    await bob.ask('LIST', 'NAMES alice bob carol');

    t.step('a half-closed client gets every reply, then the close');
    const half = await Peer.connect(t, port, 'half');
    half.send('NAME half\nSEND bob hi\nLIST\n');
    half.end();
    const got = (await half.readToEnd(WAIT_MS, 'every reply, then the close')).toString('utf8');
    t.check(
      got === 'OK NAME half\nOK SEND bob\nNAMES alice bob carol half\n',
      'the three replies, then the close',
      () => JSON.stringify(got),
    );
    await bob
      .readLine(WAIT_MS, '"MSG half hi"')
      .then((line) => t.check(line === 'MSG half hi', '"MSG half hi"', () => JSON.stringify(line)));
    await listUntil(t, bob, (names) => !names.includes('half'), 'the name "half" free once its connection closed');
  });

  graded(tests.conformNames, async (t) => {
    const port = await start(t, {});
    const peer = await Peer.connect(t, port, 'a client');
    for (const name of ['a2345678901234567', 'dot.ted', 'é', 'a!', 'tab\tbed']) {
      peer.sendLine(`NAME ${name}`);
      await expectError(t, peer, 'bad-name');
    }
    await peer.ask('NAME Az09_-a789012345', 'OK NAME Az09_-a789012345');
    peer.sendLine('NAME other');
    await expectError(t, peer, 'already-named', 'Az09_-a789012345');
    const lower = await registerAs(t, port, 'az09_-a789012345');
    const taken = await Peer.connect(t, port, 'a second client');
    taken.sendLine('NAME Az09_-a789012345');
    await expectError(t, taken, 'name-taken', 'Az09_-a789012345');
    await taken.ask('LIST', 'NAMES Az09_-a789012345 az09_-a789012345');

    t.step('a name is free again after QUIT, a clean close and a reset');
    await lower.ask('QUIT', 'BYE');
    await taken.ask('NAME az09_-a789012345', 'OK NAME az09_-a789012345');
    const closer = await registerAs(t, port, 'closer');
    closer.end();
    await closer.readToEnd(WAIT_MS, 'the server to close the connection of a client that closed');
    await listUntil(
      t,
      taken,
      (names) => !names.includes('closer'),
      'the name "closer" free once its connection closed',
    );
    const resetter = await registerAs(t, port, 'resetter');
    await resetter.reset();
    await listUntil(
      t,
      taken,
      (names) => !names.includes('resetter'),
      'the name "resetter" free once its connection was reset',
    );
    const again = await registerAs(t, port, 'resetter');
    await registerAs(t, port, 'closer');
    await expectOpen(t, again, 'claiming a freed name');
  });

  graded(tests.conformList, async (t) => {
    // The cut-off lowered to 8 KiB (startRelay's maxQueuedBytes): a list longer than it takes
    // 600 clients, not the 4,000 that pass the default 64 KiB, and proves the same rule.
    const port = await start(t, { maxQueuedBytes: LIST_CUT_OFF });
    const asker = await Peer.connect(t, port, 'the asker');
    await asker.ask('LIST', 'NAMES');
    const odd = ['b', 'B', '_x', '-y', '0z', 'a'];
    await crowd(t, port, odd);
    await asker.ask('LIST', 'NAMES -y 0z B _x a b');
    // "NAMES -y 0z B _x a b" is 20 bytes; 119 names of 16 characters and one of 4 make 2048.
    const fill = longNames(119, 'p');
    await crowd(t, port, fill);
    const edge = await registerAs(t, port, 'qqqq');
    const all = [...odd, ...fill, 'qqqq'].sort();
    t.step('126 names whose NAMES line is exactly 2048 bytes: one line');
    const one = await readList(t, asker);
    t.check(
      one.length === 1 && Buffer.byteLength(one[0]) === SERVER_LINE,
      `one NAMES line of ${SERVER_LINE} bytes`,
      () => `${one.length} lines of ${one.map((line) => Buffer.byteLength(line)).join(', ')} bytes`,
    );
    checkList(t, one, all);
    await edge.ask('QUIT', 'BYE');
    await registerAs(t, port, 'qqqqq');
    all.splice(all.indexOf('qqqq'), 1, 'qqqqq');
    t.step('"qqqq" quit and "qqqqq" came: one byte more, two lines');
    const two = await readList(t, asker);
    t.check(two.length === 2, 'two NAMES lines', () => `${two.length}`);
    checkList(t, two, all);
    const many = longNames(LIST_NAMES - all.length);
    await crowd(t, port, many);
    all.push(...many);
    all.sort();
    t.step(
      `${LIST_NAMES} names: about ${LIST_NAMES * 17} bytes of NAMES, more than the ${LIST_CUT_OFF} bytes that cut off a client that does not read`,
    );
    asker.send('LIST\nLIST\n');
    for (let i = 0; i < 2; i++) {
      const lines: string[] = [];
      for (;;) {
        const line = await asker.readLine(WAIT_MS, `NAMES lines (list ${i + 1})`, { quiet: true });
        lines.push(line);
        if (fields(line).at(-1) !== '...') break;
      }
      t.step(`list ${i + 1}: ${lines.length} NAMES lines`);
      checkList(t, lines, all);
    }
    await expectOpen(t, asker, `two lists of ${LIST_NAMES} names`);
  });

  /**
   * `peer`, cut off while it did not read, reads at last: whole lines, then the reason (a line
   * starting with one of `reasons`) as the last line, then the close. Gives the lines.
   */
  const readCutOff = async (t: Trace, peer: Peer, ...reasons: string[]): Promise<string[]> => {
    peer.socket.resume();
    const what = reasons.map((reason) => `"${reason} ..."`).join(' or ');
    await peer.until(() => peer.ended || peer.closed, WAIT_MS, `${peer.label}'s connection to end: it was cut off`);
    const lines = peer.received.toString('utf8').split('\n');
    const reason = lines.findIndex((line) => reasons.some((start) => line.startsWith(start)));
    t.check(
      reason >= 0 && reason === lines.length - 2 && lines.at(-1) === '' && !peer.error,
      `whole lines, then ${what} as the last line, then the close`,
      () =>
        `${lines.length - 1} whole lines, ${reason < 0 ? `no ${what}` : `the reason as line ${reason + 1}`}${lines.at(-1) ? `, then half a line: ${JSON.stringify(lines.at(-1)!.slice(0, 40))}` : ''}${peer.error ? `, then the connection failed (${peer.error.message})` : ''}`,
    );
    return lines;
  };

  graded(tests.conformQuitQueued, async (t) => {
    // At 1 MiB, lines wait in the relay once loopback's buffers are full (see conformSlowReaders).
    const port = await start(t, { maxQueuedBytes: LATE_CUT_OFF });
    const quitter = await registerAs(t, port, 'quitter');
    const resetter = await registerAs(t, port, 'resetter');
    const marker = await registerAs(t, port, 'marker');
    const flood = await registerAs(t, port, 'flood');
    for (const peer of [quitter, resetter, marker]) peer.socket.pause();
    t.step('quitter, resetter and marker stopped reading');
    const acknowledged = await floodAhead(t, flood, 'marker', ['quitter', 'resetter']);
    const gone = (name: string) =>
      listUntil(
        t,
        flood,
        (names) => !names.includes(name),
        `LIST to stop showing "${name}" once it sent QUIT`,
        WAIT_MS,
      );
    quitter.send('QUIT\n');
    await gone('quitter');
    t.step('quitter reads again');
    quitter.socket.resume();
    const lines = (await quitter.readToEnd(WAIT_MS * 3, "quitter's connection to end after BYE"))
      .toString('utf8')
      .split('\n');
    const messages = lines.filter((line) => line.startsWith('MSG flood ')).length;
    // Across processes, OK SEND means handed to the recipient's process: a message still on
    // its way there when the recipient quit is not delivered.
    const acked = acknowledged.get('quitter')!;
    t.check(
      (crossProcess ? messages <= acked : messages === acked) &&
        lines.at(-2) === 'BYE' &&
        lines.at(-1) === '' &&
        !quitter.error,
      `${crossProcess ? `whole messages (at most the ${acked} "flood" got OK SEND quitter for)` : `the ${acked} messages "flood" got OK SEND quitter for`}, then "BYE", then the close`,
      () =>
        `${messages} messages, then ${JSON.stringify((lines.at(-2) ?? '').slice(0, 40))}${lines.at(-1) ? `, then half a line: ${JSON.stringify(lines.at(-1)!.slice(0, 40))}` : ''}${quitter.error ? `, then the connection failed (${quitter.error.message})` : ''}`,
    );
    resetter.send('QUIT\n');
    await gone('resetter');
    await resetter.reset();
    t.step('the relay carries on: a new client registers and flood reaches it');
    const after = await registerAs(t, port, 'after');
    await flood.ask('SEND after still there?', 'OK SEND after');
    const got = await after.readLine(WAIT_MS, 'after to receive "MSG flood still there?"');
    t.check(got === 'MSG flood still there?', '"MSG flood still there?"', () => JSON.stringify(got));
  });

  /**
   * A broadcast that cuts a recipient off does not count it: `OK ALL <count>` counts only the
   * clients it was queued for. `flood` broadcasts 1 KB lines until one of the named clients,
   * "paused", which does not read, is cut off; then "paused" reads what it got.
   */
  const broadcastUntilCutOff = async (t: Trace, port: number, flood: Peer) => {
    const paused = await registerAs(t, port, 'paused');
    paused.socket.pause();
    t.step(
      '"paused" stopped reading; "flood" broadcasts 1 KB lines ("ALL <n> x...") 100 at a time until its count drops',
    );
    let first: number | undefined;
    let sent = 0;
    const counts: number[] = [];
    while (sent < 16_000 && (first === undefined || counts.at(-1) === first)) {
      flood.socket.write(Array.from({ length: 100 }, (_, i) => `ALL ${sent + i} ${'x'.repeat(1000)}\n`).join(''));
      sent += 100;
      for (let i = 0; i < 100; i++) {
        const answer = await flood.readLine(WAIT_MS, 'an answer to each ALL', { quiet: true });
        t.check(/^OK ALL \d+$/.test(answer), '"OK ALL <count>"', () => JSON.stringify(answer));
        counts.push(Number(answer.split(' ')[2]));
        first ??= counts[0];
      }
    }
    const counted = counts.findIndex((count) => count !== first);
    t.check(
      counted > 0,
      `a count below ${first} once "paused" is cut off`,
      () => `${sent} broadcasts, every one counted ${first}`,
    );
    t.step(
      `broadcasts 0 to ${counted - 1} were answered "OK ALL ${first}", broadcast ${counted} "OK ALL ${counts[counted]}"`,
    );
    paused.socket.resume();
    await paused.until(() => paused.ended || paused.closed, WAIT_MS, '"paused"\'s connection to end: it was cut off');
    const got = paused.received
      .toString('utf8')
      .split('\n')
      .filter((line) => line.startsWith('BROADCAST flood '));
    const last = Number(got.at(-1)?.split(' ')[2] ?? -1);
    // Across processes, a count includes clients the broadcast was handed to another process for.
    t.check(
      crossProcess ? last < counted : last === counted - 1 && got.length === counted,
      crossProcess
        ? `"paused" to have received no broadcast after ${counted - 1}, the last one counted for everyone`
        : `"paused" to have received every broadcast counted for it (0 to ${counted - 1}), and no other`,
      () =>
        `${got.length} broadcasts, the last one number ${last}${last < counted - 1 ? `: broadcast ${last + 1} was counted for it, but it was the one that cut it off` : ''}`,
    );
  };

  graded(tests.conformSlowReaders, async (t) => {
    const port = await start(t, {});
    const slow = await registerAs(t, port, 'slow');
    // A reply of its own last: what others send it afterwards still counts against the cut-off.
    await slow.ask('PING', 'PONG');
    slow.socket.pause();
    t.step('"slow" stopped reading');
    const flood = await registerAs(t, port, 'flood');
    const alice = await registerAs(t, port, 'alice');
    const bob = await registerAs(t, port, 'bob');
    const { cutOff } = await floodUntilCutOff(t, flood, 'slow');
    t.check(
      cutOff,
      '"slow" to be cut off (its name free) once more than 64 KiB wait for it',
      () => 'after 16 MB, the relay still accepts messages for "slow"',
    );
    t.step('the name "slow" is free at once, before the connection is gone');
    const newSlow = await registerAs(t, port, 'slow');
    await alice.ask('SEND bob still quick?', 'OK SEND bob');
    await bob
      .readLine(WAIT_MS, "alice's message")
      .then((line) =>
        t.check(line === 'MSG alice still quick?', '"MSG alice still quick?"', () => JSON.stringify(line)),
      );
    const acknowledged = linesOf(flood).filter((line) => line === 'OK SEND slow').length;
    t.step('the old "slow" reads again');
    const lines = await readCutOff(t, slow, 'ERR too-slow');
    const queued = lines.slice(0, -2).filter((line) => line.startsWith('MSG flood ')).length;
    if (crossProcess) {
      t.check(
        acknowledged >= queued,
        `an "OK SEND slow" for every message "slow" got (across processes, OK SEND means handed to the recipient's process)`,
        () => `"flood" got ${acknowledged} "OK SEND slow", "slow" ${queued} messages`,
      );
    } else {
      t.check(
        acknowledged === queued,
        `one "OK SEND slow" for each message queued for "slow" (OK SEND means queued; the message that overflowed gets ERR unknown-name)`,
        () => `"flood" got ${acknowledged} "OK SEND slow", "slow" ${queued} messages`,
      );
    }
    await expectOpen(t, newSlow, 'the cut-off');
    await broadcastUntilCutOff(t, port, flood);
    t.step(
      `on a relay with an idle timeout of ${LATE_IDLE_MS} ms and a cut-off at ${LATE_CUT_OFF} bytes: a client cut off for not reading, still silent when its idle timer runs out`,
    );
    // At 1 MiB, the cut-off comes once the kernel's buffers are full and lines wait in the
    // relay, not at a moment's burst (loopback takes megabytes): then a write after the
    // cut-off's end() (its PING, a second end at its idle cut-off) would lose them.
    const idlePort = await start(t, { idleTimeoutMs: LATE_IDLE_MS, maxQueuedBytes: LATE_CUT_OFF });
    const late = await registerAs(t, idlePort, 'late');
    const silent = await registerAs(t, idlePort, 'silent');
    late.socket.pause();
    silent.socket.pause();
    await floodAhead(t, await registerAs(t, idlePort, 'flood'), 'late', ['silent']);
    // The scenario, not a wait for a result: late's PING and idle cut-off come while it is cut
    // off already; silent's idle cut-off comes while lines wait for it in the relay.
    t.step(
      `"late" and "silent" stay silent, and read nothing, for ${2 * LATE_IDLE_MS + 500} ms after the cut-off: silent is cut off as idle meanwhile`,
    );
    await pause(2 * LATE_IDLE_MS + 500);
    await registerAs(t, idlePort, 'silent');
    t.step('"silent" was free at once, although its connection cannot end before it reads what waits for it');
    // A busy machine may make the flood outlast 2T: then late's idle cut-off comes first, and its line is the last.
    await readCutOff(t, late, 'ERR too-slow', 'ERR idle-timeout');
    await readCutOff(t, silent, 'ERR idle-timeout');
    t.step('a client that reads is never cut off, however many commands it sends at once');
    const eager = await Peer.connect(t, port, 'eager');
    eager.send(`${'PING\n'.repeat(20_000)}QUIT\n`);
    const answers = (await eager.readToEnd(WAIT_MS * 2, 'every answer, then BYE')).toString('utf8').split('\n');
    const pongs = answers.filter((line) => line === 'PONG').length;
    t.check(
      pongs === 20_000 && answers.at(-2) === 'BYE',
      '20000 "PONG", then "BYE"',
      () => `${pongs} "PONG", then ${JSON.stringify(answers.at(-2))}`,
    );
  });

  graded(
    tests.conformLiveness,
    async (t) => {
      const port = await start(t, { idleTimeoutMs: IDLE_MS });
      t.step(`the relay runs with an idle timeout of ${IDLE_MS} ms`);
      const nameless = await Peer.connect(t, port, 'a silent client without a name');
      const quiet = await registerAs(t, port, 'quiet');
      const expectLine = async (want: string, why: string) => {
        const line = await quiet.readLine(WAIT_MS, `"${want}" (${why})`);
        t.check(line === want, `"${want}" (${why})`, () => JSON.stringify(line));
      };
      await expectLine('PING', 'quiet said nothing for the idle timeout');
      quiet.sendLine('LIST');
      await expectLine('NAMES quiet', 'any command answers a PING');
      await expectLine('PING', 'the LIST counted as a sign of life: no cut-off, a new PING after another silence');
      quiet.send('PONG\nPING\n');
      await expectLine('PONG', 'PONG gets no reply, and a client may PING the relay');
      await expectLine('PING', 'PONG and PING counted as signs of life');
      t.step('quiet now stays silent');
      const last = await quiet.readLine(WAIT_MS, '"ERR idle-timeout ..." once the PING went unanswered');
      t.check(fields(last)[0] === 'ERR' && fields(last)[1] === 'idle-timeout', '"ERR idle-timeout <explanation>"', () =>
        JSON.stringify(last),
      );
      await expectClosedAfter(t, quiet, 'ERR idle-timeout');
      const back = await registerAs(t, port, 'quiet');
      t.step('"quiet" was free again: a client that vanished loses its name');
      await back.ask('PING', 'PONG');
      t.step('the client without a name, silent all along, was treated the same');
      const lines = (await nameless.readToEnd(WAIT_MS, "the silent client's connection to be closed"))
        .toString('utf8')
        .split('\n');
      t.check(
        lines[0] === 'PING' && lines[1]?.startsWith('ERR idle-timeout ') && lines.length === 3 && lines[2] === '',
        '"PING", then "ERR idle-timeout ...", then the close',
        () => JSON.stringify(lines),
      );
      await checkTalkerNeverPinged(t, port);
    },
    { concurrent: true },
  );

  graded(tests.conformFairness, async (t) => {
    const port = await start(t, {});
    const LISTENERS = 150;
    const ROUNDS = 1000;
    await crowd(t, port, longNames(LISTENERS, 'l'));
    const alice = await registerAs(t, port, 'alice');
    const bob = await registerAs(t, port, 'bob');
    const flood = await registerAs(t, port, 'flood');
    t.step(`"flood" sends ${ROUNDS} lines "ALL x" in one write: ${ROUNDS * (LISTENERS + 2)} deliveries`);
    flood.socket.write('ALL x\n'.repeat(ROUNDS));
    const oks = () => linesOf(flood).filter((line) => line.startsWith('OK ALL ')).length;
    await flood.until(() => oks() > 0, 20_000, '"flood"\'s first "OK ALL"');
    t.step(`"flood" got its first "OK ALL"; alice and bob chat (flood has ${oks()} of ${ROUNDS} answers)`);
    alice.socket.write('SEND bob ping\n');
    await bob.until(() => linesOf(bob).includes('MSG alice ping'), 20_000, 'bob to receive "MSG alice ping"');
    bob.socket.write('SEND alice pong\n');
    await alice.until(() => linesOf(alice).includes('MSG bob pong'), 20_000, 'alice to receive "MSG bob pong"');
    const answered = oks();
    t.step(`alice and bob's round trip is done; "flood" has ${answered} of ${ROUNDS} answers`);
    t.check(
      answered < ROUNDS,
      `alice and bob's round trip to complete before "flood"'s last answer: one client's lines must not hold the relay`,
      () =>
        `"flood" had all ${ROUNDS} answers before the round trip ended: the relay answered every line of "flood" before reading anyone else`,
    );
    await flood.until(() => oks() === ROUNDS, 40_000, `all ${ROUNDS} answers for "flood"`);
  });
}
