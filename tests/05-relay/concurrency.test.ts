// Everyone at once: silent clients, new clients, slow readers, resets, garbage, the proxy.
import { describe } from 'vitest';
import { graded } from '../support/graded.ts';
import { Peer, throughChaosProxy } from '../support/net.ts';
import { floodUntilCutOff, listUntil, registerAs, seededRandom } from '../support/relay-protocol.ts';
import { startStudentRelay } from './start.ts';
import lab from './lab.ts';

const WAIT_MS = 5000;
const MAX_QUEUED = 64 * 1024;
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
      t.step(`batch ${batch + 1}: 200 messages of 1 KB sent to "slow", ${cutOff ? 'the last ones refused: "slow" was cut off' : 'all answered OK SEND slow'}; the relay queued at most ${maxQueued} bytes for one client so far`);
      t.check(maxQueued <= MAX_QUEUED + 1100, `the relay to queue at most 64 KiB (${MAX_QUEUED} bytes) for a client`, () => `it queued ${maxQueued} bytes for one client`);
    });
    t.check(cutOff, '"slow" to be cut off (its name released) once 64 KiB wait for it', () => 'after 16 MB, the relay still accepts messages for "slow"');
    await alice.ask('SEND bob still quick?', 'OK SEND bob');
    const got = await bob.readLine(WAIT_MS, 'bob to receive alice\'s message');
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
    await listUntil(t, observer, (names) => !names.includes('carol'), 'LIST without "carol" once it reset its connection');
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
    const words = ['NAME', 'LIST', 'SEND', 'ALL', 'QUIT', 'name', 'send', 'bob', 'x', '', '  ', 'é', '\t', 'NAMES', 'OK'];
    const randomLine = (): Buffer => {
      if (next() < 0.15) return Buffer.from(Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 255)).map((b) => (b === 10 ? 11 : b)));
      return Buffer.from(Array.from({ length: Math.floor(next() * 5) }, () => words[Math.floor(next() * words.length)]).join(next() < 0.8 ? ' ' : ''));
    };
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
        t.check(REPLY.test(reply), 'every reply to be a protocol line (OK, ERR, NAMES, MSG, BROADCAST or BYE)', () => JSON.stringify(reply));
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

  graded(lab.tests.throughProxy, async (t) => {
    const { port } = await startStudentRelay(t);
    const proxied = await throughChaosProxy(t, port, { piece: { min: 1, max: 8 }, delayMs: 1 });
    const alice = await registerAs(t, proxied, 'alice');
    const bob = await registerAs(t, proxied, 'bob');
    await alice.ask('SEND bob hello through the proxy ✓', 'OK SEND bob');
    const got = await bob.readLine(WAIT_MS, 'bob to receive "MSG alice hello through the proxy ✓"');
    t.check(got === 'MSG alice hello through the proxy ✓', '"MSG alice hello through the proxy ✓"', () => JSON.stringify(got));
    bob.send(Array.from({ length: 20 }, (_, i) => `SEND alice number ${i}\n`).join(''));
    for (let i = 0; i < 20; i++) {
      const line = await alice.readLine(WAIT_MS, `alice to receive "MSG bob number ${i}"`);
      t.check(line === `MSG bob number ${i}`, `"MSG bob number ${i}"`, () => JSON.stringify(line));
    }
    await alice.ask('ALL bye', 'OK ALL 1');
    await alice.ask('LIST', 'NAMES alice bob');
  });
});
