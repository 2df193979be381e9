// Everyone at once: silent clients, new clients, slow readers, resets, garbage, the proxy.
import { describe } from 'vitest';
import { graded, Mismatch, type Trace } from '../support/graded.ts';
import { failAnAccept, Peer, throughChaosProxy } from '../support/net.ts';
import { floodUntilCutOff, listUntil, registerAs, seededRandom } from '../support/relay-protocol.ts';
import { startStudentRelay } from './start.ts';
import lab from './lab.ts';

const WAIT_MS = 5000;
const MAX_QUEUED = 64 * 1024;
const MAX_LINE = 1024;
// A line reaches the other side of loopback in about a millisecond; Nagle's algorithm holds it ~40 ms.
const AT_ONCE_MS = 25;
const LATENCY_ROUNDS = 8;
// Enough replies that some are still queued in the relay when it reaches QUIT: on Linux a
// socket hands the kernel a couple of thousand queued writes at a time, not all 5000.
const BATCH = 5000;
// Empty lines whose answers (about 75 bytes each) come to 375 KB, over five times the 64 KiB
// a relay may queue for a client that does not read.
const EAGER = 5_000;
// Unknown 1000-byte words, each answered by an error that repeats it (about 1,070 bytes): 21 MB,
// far more than loopback's kernel buffers hold.
const HOG_WORD = 'W'.repeat(1000);
const HOG_LINES = 20_000;
const HOG_ROUNDS_AFTER = 20;
const HOG_MAX_ROUNDS = 50_000;
const REPLY = /^(OK|ERR|NAMES|MSG|BROADCAST|BYE)( |$)/;

describe(lab.title, () => {
  graded(lab.tests.silentClients, async (t) => {
    const { port } = await startStudentRelay(t);
    await Peer.connect(t, port, 'a silent client');
    const halfLine = await registerAs(t, port, 'stuck');
    halfLine.send('SEND alice this line never ends');
    const alice = await registerAs(t, port, 'alice');
    const bob = await registerAs(t, port, 'bob');
    await alice.ask('SEND bob are you there?', 'OK SEND bob');
    const got = await bob.readLine(WAIT_MS, 'bob to receive "MSG alice are you there?"');
    t.check(got === 'MSG alice are you there?', '"MSG alice are you there?"', () => JSON.stringify(got));
  });

  graded(lab.tests.acceptsWhileServing, async (t) => {
    const { port } = await startStudentRelay(t);
    const first = await registerAs(t, port, 'first');
    const second = await registerAs(t, port, 'second');
    const third = await registerAs(t, port, 'third');
    await third.ask('ALL all three of us connected at once', 'OK ALL 2');
    for (const peer of [first, second]) await peer.readLine(WAIT_MS, `${peer.label} to receive the broadcast`);
  });

  graded(lab.tests.acceptsAfterFailure, async (t) => {
    const { port, server, supervisor } = await startStudentRelay(t);
    const alice = await registerAs(t, port, 'alice');
    const bob = await registerAs(t, port, 'bob');
    await failAnAccept(t, server, 'the server');
    await alice.ask('SEND bob still there?', 'OK SEND bob');
    const got = await bob.readLine(WAIT_MS, 'bob to receive "MSG alice still there?"');
    t.check(got === 'MSG alice still there?', '"MSG alice still there?"', () => JSON.stringify(got));
    t.step('a new client connects once descriptors are free again');
    const carol = await Peer.connect(t, port, 'carol');
    carol.sendLine('NAME carol');
    try {
      const reply = await carol.readLine(WAIT_MS, '"OK NAME carol"');
      t.check(reply === 'OK NAME carol', '"OK NAME carol"', () => JSON.stringify(reply));
    } catch (error) {
      if (!(error instanceof Mismatch)) throw error;
      // Not net.ts's "serving one client at a time?": alice and bob were served all along.
      t.fail(
        '"OK NAME carol": a client that connects after the failed accept is served',
        `${carol.received.length > 0 ? `received ${JSON.stringify(carol.received.toString('utf8'))}` : 'nothing received'}, and its connection is ${carol.ended ? 'closed' : 'still open'}: did the accept loop stop at the error instead of going back to accepting?`,
      );
    }
    await carol.ask('ALL hello after the failed accept', 'OK ALL 2');
    for (const peer of [alice, bob]) {
      const line = await peer.readLine(WAIT_MS, `${peer.label} to receive carol's broadcast`);
      t.check(
        line === 'BROADCAST carol hello after the failed accept',
        '"BROADCAST carol hello after the failed accept"',
        () => JSON.stringify(line),
      );
    }
    const { acceptClients } = await t.lab<typeof import('../../labs/05-relay/relay.ts')>('05-relay', 'relay.ts');
    t.step(
      "called acceptClients(server, serve) on the relay's server too, then closed the server and every connection",
    );
    const ended = acceptClients(server, async () => {});
    void supervisor.close(); // 'close' comes once the connections are gone
    await t.within(
      ended,
      WAIT_MS,
      'acceptClients to resolve once the server has closed',
      () =>
        "it has not: end the loop on the server's 'close' (abort the signal given to on(), and return on its AbortError, without starting another loop)",
    );
  });

  graded(lab.tests.slowReaderCutOff, async (t) => {
    const { port, supervisor } = await startStudentRelay(t, { sampleQueues: true });
    const slow = await registerAs(t, port, 'slow');
    slow.socket.pause();
    t.step('"slow" stopped reading');
    const flood = await registerAs(t, port, 'flood');
    const alice = await registerAs(t, port, 'alice');
    const bob = await registerAs(t, port, 'bob');
    // Sampled in your relay's process every millisecond while the flood goes on.
    const { cutOff } = await floodUntilCutOff(t, flood, 'slow', async (batch, cutOff) => {
      const maxQueued = await supervisor.maxQueued();
      t.step(
        `batch ${batch + 1}: 200 messages of 1 KB sent to "slow", ${cutOff ? 'the last ones refused: "slow" was cut off' : 'all answered OK SEND slow'}; the relay queued at most ${maxQueued} bytes for one client so far`,
      );
      t.check(
        maxQueued <= MAX_QUEUED + 1100,
        `the relay to queue at most 64 KiB (${MAX_QUEUED} bytes) for a client`,
        () => `it queued ${maxQueued} bytes for one client`,
      );
    });
    t.check(
      cutOff,
      '"slow" to be cut off (its name released) once 64 KiB wait for it',
      () => 'after 16 MB, the relay still accepts messages for "slow"',
    );
    await checkNothingAcknowledgedAfterCutOff(t, slow, flood);
    await alice.ask('SEND bob still quick?', 'OK SEND bob');
    const got = await bob.readLine(WAIT_MS, "bob to receive alice's message");
    t.check(got === 'MSG alice still quick?', '"MSG alice still quick?"', () => JSON.stringify(got));
    await alice.ask('LIST', 'NAMES alice bob flood');
  });

  graded(lab.tests.survivesResets, async (t) => {
    const { port } = await startStudentRelay(t);
    const observer = await Peer.connect(t, port, 'an observer');
    const alice = await registerAs(t, port, 'alice');
    const bob = await registerAs(t, port, 'bob');
    bob.send('SEND alice half a li');
    await bob.reset();
    await listUntil(t, observer, (names) => !names.includes('bob'), 'LIST without "bob" once it reset its connection');
    const carol = await registerAs(t, port, 'carol');
    t.step('alice sends carol 300 messages while carol resets (the relay writes into a broken pipe)');
    alice.socket.write(`SEND carol ${'y'.repeat(500)}\n`.repeat(300));
    await carol.reset();
    await listUntil(
      t,
      observer,
      (names) => !names.includes('carol'),
      'LIST without "carol" once it reset its connection',
    );
    const newBob = await registerAs(t, port, 'bob');
    const dave = await registerAs(t, port, 'dave');
    await dave.ask('SEND bob welcome back', 'OK SEND bob');
    const got = await newBob.readLine(WAIT_MS, 'the new bob to receive "MSG dave welcome back"');
    t.check(got === 'MSG dave welcome back', '"MSG dave welcome back"', () => JSON.stringify(got));
  });

  graded(lab.tests.survivesGarbage, async (t) => {
    const { port } = await startStudentRelay(t);
    const seed = Math.floor(Math.random() * 2 ** 31);
    const next = seededRandom(seed);
    const words = [
      'NAME',
      'LIST',
      'SEND',
      'ALL',
      'QUIT',
      'name',
      'send',
      'bob',
      'x',
      '',
      '  ',
      'é',
      '\t',
      'NAMES',
      'OK',
    ];
    const randomLine = (): Buffer => {
      if (next() < 0.15)
        return Buffer.from(
          Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 255)).map((b) =>
            b === 10 ? 11 : b,
          ),
        );
      return Buffer.from(
        Array.from({ length: Math.floor(next() * 5) }, () => words[Math.floor(next() * words.length)]).join(
          next() < 0.8 ? ' ' : '',
        ),
      );
    };
    const atLimit = await registerAs(t, port, 'longest');
    const longest = `SEND nobody ${'x'.repeat(MAX_LINE - 'SEND nobody '.length)}`;
    t.step(`a line of exactly ${MAX_LINE} bytes, the most the protocol allows, is a line like any other`);
    await atLimit.ask(longest, /^ERR unknown-name nobody( |$)/);
    t.step(`a line of ${MAX_LINE + 1} bytes is one byte too long`);
    await atLimit.ask(`${longest}x`, /^ERR bad-line( |$)/);
    await atLimit.readToEnd(WAIT_MS, 'the relay to close the connection after ERR bad-line');
    t.step(`150 random lines (random words and random bytes, seed ${seed}), each followed by LIST`);
    let peer = await Peer.connect(t, port, 'a fuzzing client');
    for (let i = 0; i < 150; i++) {
      const line = randomLine();
      peer.send(Buffer.concat([line, Buffer.from('\nLIST\n')]));
      // The random line may itself be "LIST": then two NAMES answer this round, not one.
      let namesDue = line.toString('latin1') === 'LIST' ? 2 : 1;
      let closing = false;
      for (;;) {
        const reply = await peer.readLine(WAIT_MS, 'a reply line');
        t.check(REPLY.test(reply), 'every reply to be a protocol line (OK, ERR, NAMES, MSG, BROADCAST or BYE)', () =>
          JSON.stringify(reply),
        );
        // After BYE or a framing error the relay closes the connection: start a new one.
        closing = reply === 'BYE' || reply.startsWith('ERR bad-line');
        if (reply.startsWith('NAMES')) namesDue--;
        if (closing || namesDue === 0) break;
      }
      if (closing) {
        peer.socket.destroy();
        peer = await Peer.connect(t, port, `fuzzing client ${i}`);
      }
    }
    const survivor = await registerAs(t, port, 'survivor');
    const witness = await registerAs(t, port, 'witness');
    await survivor.ask('SEND witness still alive', 'OK SEND witness');
    const got = await witness.readLine(WAIT_MS, 'witness to receive "MSG survivor still alive"');
    t.check(got === 'MSG survivor still alive', '"MSG survivor still alive"', () => JSON.stringify(got));
  });

  graded(lab.tests.deliversAtOnce, async (t) => {
    const { port } = await startStudentRelay(t);
    const alice = await registerAs(t, port, 'alice');
    const bob = await registerAs(t, port, 'bob');
    t.step(
      `alice and bob write to each other at the same moment ("SEND bob ping", "SEND alice pong"): each gets an OK SEND and the other's message, two lines the relay writes one right after the other; the test times how long both take to arrive, for up to ${LATENCY_ROUNDS} rounds, until one round takes less than ${AT_ONCE_MS} ms`,
    );
    const times: number[] = [];
    const twoLines = async (peer: Peer, want: string[]) => {
      const got = [
        await peer.readLine(
          WAIT_MS,
          `${peer.label} to receive ${want.map((line) => JSON.stringify(line)).join(' and ')}`,
          { quiet: true },
        ),
      ];
      got.push(
        await peer.readLine(
          WAIT_MS,
          `${peer.label} to receive ${want.map((line) => JSON.stringify(line)).join(' and ')}`,
          { quiet: true },
        ),
      );
      // The relay may handle either line first: only the set of lines matters here.
      t.check(
        JSON.stringify([...got].sort()) === JSON.stringify([...want].sort()),
        `${peer.label} to receive ${want.map((line) => JSON.stringify(line)).join(' and ')}`,
        () => got.map((line) => JSON.stringify(line)).join(', '),
      );
    };
    for (let round = 0; round < LATENCY_ROUNDS && !(times.length > 0 && Math.min(...times) < AT_ONCE_MS); round++) {
      const start = performance.now();
      alice.socket.write(`SEND bob ping ${round}\n`);
      bob.socket.write(`SEND alice pong ${round}\n`);
      await Promise.all([
        twoLines(alice, ['OK SEND bob', `MSG bob pong ${round}`]),
        twoLines(bob, ['OK SEND alice', `MSG alice ping ${round}`]),
      ]);
      times.push(performance.now() - start);
    }
    const shown = times.map((ms) => `${ms.toFixed(1)} ms`).join(', ');
    t.step(`the rounds took ${shown}`);
    t.check(
      Math.min(...times) < AT_ONCE_MS,
      `both lines to reach alice and bob within ${AT_ONCE_MS} ms in at least one round (on loopback it takes about a millisecond)`,
      () =>
        `${times.length} rounds took ${shown}: the second line waited ~40 ms each time. That is Nagle's algorithm (did the server lose its { noDelay: true }?) or a timer before the write`,
    );
  });

  graded(lab.tests.answersBeforeClosing, async (t) => {
    const { port } = await startStudentRelay(t);
    const batch = await Peer.connect(t, port, 'a batch client');
    t.step(`the batch client sends ${BATCH} LIST commands and QUIT in one write, as a script piped into nc would`);
    batch.socket.write(`${'LIST\n'.repeat(BATCH)}QUIT\n`);
    const all = (await batch.readToEnd(WAIT_MS, 'the relay to answer everything, then close the connection')).toString(
      'utf8',
    );
    const lines = all.split('\n');
    const names = lines.filter((line) => line === 'NAMES').length;
    t.check(
      names === BATCH && lines.at(-2) === 'BYE' && lines.at(-1) === '',
      `${BATCH} lines "NAMES", then "BYE", then the connection closes`,
      () =>
        `${names} lines "NAMES"; the last line received: ${JSON.stringify(lines.at(-1) === '' ? lines.at(-2) : lines.at(-1))}; then the connection closed. The replies still queued when the loop ended were thrown away`,
    );
    const eager = await Peer.connect(t, port, 'an eager client');
    t.step(
      `the eager client sends ${EAGER} empty lines in one write and reads as fast as it can: their answers are ${EAGER} ERR lines, hundreds of kilobytes, far more than the 64 KiB a client that does not read may have waiting`,
    );
    eager.socket.write('\n'.repeat(EAGER) + 'QUIT\n');
    const answers = (await eager.readToEnd(WAIT_MS, 'every answer, then BYE and the close'))
      .toString('utf8')
      .split('\n');
    const errors = answers.filter((line) => line.startsWith('ERR unknown-command')).length;
    t.check(
      errors === EAGER && answers.at(-2) === 'BYE',
      `${EAGER} answers "ERR unknown-command ...", then "BYE": a client that reads is slowed down, never cut off`,
      () =>
        `${errors} such answers, then ${JSON.stringify(answers.at(-2))}: your relay queued its own replies faster than they could leave and cut the client off (read no more of a client's commands while many of its replies wait)`,
    );
    const halfway = await Peer.connect(t, port, 'halfway');
    halfway.send('NAME halfway\nLIST\nSEND halfway note to self\n');
    halfway.end();
    const got = (
      await halfway.readToEnd(WAIT_MS, 'the relay to answer every line, then close the connection')
    ).toString('utf8');
    const want = 'OK NAME halfway\nNAMES halfway\nMSG halfway note to self\nOK SEND halfway\n';
    t.check(
      got === want,
      `every answer, then the end of the connection: ${JSON.stringify(want)}`,
      () => `${JSON.stringify(got)}, then the connection ended`,
    );
  });

  graded(lab.tests.ownRepliesBounded, async (t) => {
    const { port, supervisor } = await startStudentRelay(t, { sampleQueues: true });
    const hog = await Peer.connect(t, port, 'hog');
    hog.socket.pause();
    const alice = await Peer.connect(t, port, 'alice');
    t.step(
      `hog stops reading and sends ${HOG_LINES} lines of an unknown 1000-byte word in one write: their answers come to ${Math.round((HOG_LINES * 1070) / 1e6)} MB, more than the kernel's buffers hold`,
    );
    hog.socket.write(`${HOG_WORD}\n`.repeat(HOG_LINES));
    // Each PING round trip of alice's is at least one turn of the relay's event loop, and so a
    // turn for hog: a clock made of events, not of time.
    let rounds = 0;
    let roundsPastQuarter = 0;
    let maxQueued = 0;
    while (roundsPastQuarter < HOG_ROUNDS_AFTER) {
      alice.socket.write('PING\n');
      const pong = await alice.readLine(WAIT_MS, '"PONG"', { quiet: true });
      t.check(pong === 'PONG', 'alice\'s PINGs answered "PONG" all along', () => JSON.stringify(pong));
      rounds++;
      maxQueued = await supervisor.maxQueued();
      if (maxQueued > MAX_QUEUED / 4) roundsPastQuarter++;
      t.check(
        rounds < HOG_MAX_ROUNDS,
        `hog's answers to fill the kernel's buffers, and then more than ${MAX_QUEUED / 4} bytes to wait in the relay`,
        () => `after ${rounds} round trips of alice's, the relay had queued at most ${maxQueued} bytes for one client`,
      );
    }
    t.step(
      `alice made ${rounds} PING round trips, the last ${HOG_ROUNDS_AFTER} of them after hog's queue passed a quarter of 64 KiB; the relay queued at most ${maxQueued} bytes for one client`,
    );
    t.check(
      maxQueued <= MAX_QUEUED + 1100,
      `the relay to queue at most 64 KiB (${MAX_QUEUED} bytes) for hog: past a quarter of it, it reads no more of hog's commands (backpressure)`,
      () => `it queued ${maxQueued} bytes for hog, answering commands whose answers nobody reads`,
    );
  });

  graded(lab.tests.throughProxy, async (t) => {
    const { port } = await startStudentRelay(t);
    const proxied = await throughChaosProxy(t, port, { piece: { min: 1, max: 8 }, delayMs: 1 });
    const alice = await registerAs(t, proxied, 'alice');
    const bob = await registerAs(t, proxied, 'bob');
    await alice.ask('SEND bob hello through the proxy ✓', 'OK SEND bob');
    const got = await bob.readLine(WAIT_MS, 'bob to receive "MSG alice hello through the proxy ✓"');
    t.check(got === 'MSG alice hello through the proxy ✓', '"MSG alice hello through the proxy ✓"', () =>
      JSON.stringify(got),
    );
    bob.send(Array.from({ length: 20 }, (_, i) => `SEND alice number ${i}\n`).join(''));
    for (let i = 0; i < 20; i++) {
      const line = await alice.readLine(WAIT_MS, `alice to receive "MSG bob number ${i}"`);
      t.check(line === `MSG bob number ${i}`, `"MSG bob number ${i}"`, () => JSON.stringify(line));
    }
    await alice.ask('ALL bye', 'OK ALL 1');
    await alice.ask('LIST', 'NAMES alice bob');
  });
});

/**
 * Once "slow" is cut off and reads again, it gets what was queued for it, whole lines, then the
 * reason. And every "OK SEND slow" that "flood" got must stand for a message queued for "slow"
 * before its "ERR too-slow" (the one that overflowed the queue may be missing): a relay that
 * keeps the name after the cut-off answers OK for messages it then drops.
 */
async function checkNothingAcknowledgedAfterCutOff(t: Trace, slow: Peer, flood: Peer): Promise<void> {
  const acknowledged = flood.received
    .toString('utf8')
    .split('\n')
    .filter((line) => line === 'OK SEND slow').length;
  t.step('"slow" reads again');
  slow.socket.resume();
  await slow.until(() => slow.ended || slow.closed, WAIT_MS, '"slow"\'s connection to end: it was cut off');
  const lines = slow.received.toString('utf8').split('\n');
  const tooSlow = lines.findIndex((line) => line.startsWith('ERR too-slow'));
  t.check(
    tooSlow >= 0 && lines.slice(tooSlow + 1).join('') === '',
    'what was queued for "slow", then "ERR too-slow ..." as its last line: a cut-off client that reads again learns why (docs/protocol.md)',
    () =>
      `the connection ended after ${lines.length - 1} whole lines, ${tooSlow < 0 ? 'with no "ERR too-slow"' : 'with more after "ERR too-slow"'}${lines.at(-1) ? `, in the middle of a line: ${JSON.stringify(lines.at(-1)!.slice(0, 40))}` : ''}`,
  );
  const queued = lines.slice(0, tooSlow).filter((line) => line.startsWith('MSG flood ')).length;
  t.step(`"slow" received ${queued} messages, then "ERR too-slow"; "flood" got "OK SEND slow" ${acknowledged} times`);
  t.check(
    acknowledged <= queued + 1,
    'no "OK SEND slow" for a message that was not queued for "slow": from the cut-off on, its name is free and messages for it get "ERR unknown-name slow"',
    () =>
      `"flood" got "OK SEND slow" ${acknowledged} times, but only ${queued} messages were queued for "slow" before "ERR too-slow": ${acknowledged - queued} were acknowledged and dropped (was the name released only later, when the connection closed?)`,
  );
}
