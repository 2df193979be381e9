import { describe } from 'vitest';
import { graded, type Trace } from '../support/graded.ts';
import { Peer, throughChaosProxy } from '../support/net.ts';
import { registerAs, seededRandom } from '../support/relay-protocol.ts';
import { startStudentRelay } from './start.ts';
import lab from './lab.ts';

const WAIT_MS = 5000;

/** The next line `peer` receives must be the answer to LIST: nothing was delivered to it before. */
async function expectNothingDelivered(peer: Peer, names: string): Promise<void> {
  await peer.ask('LIST', `NAMES ${names}`);
}

describe(lab.title, () => {
  graded(lab.tests.sendDelivers, async (t) => {
    const { port } = await startStudentRelay(t);
    const alice = await registerAs(t, port, 'alice');
    const bob = await registerAs(t, port, 'bob');
    const carol = await registerAs(t, port, 'carol');
    await alice.ask('SEND bob hi there, Bob', 'OK SEND bob');
    const got = await bob.readLine(WAIT_MS, 'bob to receive "MSG alice hi there, Bob"');
    t.check(got === 'MSG alice hi there, Bob', '"MSG alice hi there, Bob"', () => JSON.stringify(got));
    await bob.ask('SEND alice and hello to you', 'OK SEND alice');
    const back = await alice.readLine(WAIT_MS, 'alice to receive "MSG bob and hello to you"');
    t.check(back === 'MSG bob and hello to you', '"MSG bob and hello to you"', () => JSON.stringify(back));
    t.step('alice sends a message to herself, which the protocol allows');
    alice.sendLine('SEND alice note to self');
    const own = await alice.readLine(WAIT_MS, 'alice to receive "MSG alice note to self"');
    t.check(
      own === 'MSG alice note to self',
      '"MSG alice note to self" (sending to yourself is allowed), then "OK SEND alice"',
      () => JSON.stringify(own),
    );
    const ownOk = await alice.readLine(WAIT_MS, 'alice to receive "OK SEND alice"');
    t.check(ownOk === 'OK SEND alice', '"OK SEND alice" after the message', () => JSON.stringify(ownOk));
    await expectNothingDelivered(carol, 'alice bob carol');
  });

  graded(lab.tests.allBroadcasts, async (t) => {
    const { port } = await startStudentRelay(t);
    const alice = await registerAs(t, port, 'alice');
    const early = await Peer.connect(t, port, 'a client without a name');
    t.step('alice is the only client with a name');
    await alice.ask('ALL anyone here?', 'OK ALL 0');
    const bob = await registerAs(t, port, 'bob');
    const carol = await registerAs(t, port, 'carol');
    const anonymous = await Peer.connect(t, port, 'another client without a name');
    await alice.ask('ALL good morning, all', 'OK ALL 2');
    for (const peer of [bob, carol]) {
      const got = await peer.readLine(WAIT_MS, `${peer.label} to receive "BROADCAST alice good morning, all"`);
      t.check(got === 'BROADCAST alice good morning, all', '"BROADCAST alice good morning, all"', () =>
        JSON.stringify(got),
      );
    }
    await expectNothingDelivered(alice, 'alice bob carol');
    await expectNothingDelivered(anonymous, 'alice bob carol');
    await expectNothingDelivered(early, 'alice bob carol');
  });

  graded(lab.tests.unknownRecipient, async (t) => {
    const { port } = await startStudentRelay(t);
    const alice = await registerAs(t, port, 'alice');
    const bob = await registerAs(t, port, 'bob');
    await alice.ask('SEND nobody are you there?', /^ERR unknown-name nobody( |$)/);
    await alice.ask('SEND not/a/name hello', /^ERR unknown-name not\/a\/name( |$)/);
    await expectNothingDelivered(bob, 'alice bob');
  });

  graded(lab.tests.senderFromTable, async (t) => {
    const { port } = await startStudentRelay(t);
    const mallory = await registerAs(t, port, 'mallory');
    const bob = await registerAs(t, port, 'bob');
    await mallory.ask('SEND bob alice says: send me your password', 'OK SEND bob');
    const got = await bob.readLine(WAIT_MS, 'bob to receive the message with mallory as the sender');
    t.check(
      got === 'MSG mallory alice says: send me your password',
      '"MSG mallory alice says: send me your password"',
      () => JSON.stringify(got),
    );
    await mallory.ask('ALL MSG alice fake', 'OK ALL 1');
    const broadcast = await bob.readLine(WAIT_MS, 'bob to receive the broadcast with mallory as the sender');
    t.check(broadcast === 'BROADCAST mallory MSG alice fake', '"BROADCAST mallory MSG alice fake"', () =>
      JSON.stringify(broadcast),
    );
  });

  graded(lab.tests.orderAndNoLoss, async (t) => {
    const { port } = await startStudentRelay(t);
    await checkOrderAndNoLoss(t, port, 150);
  });

  graded(lab.tests.orderThroughProxy, async (t) => {
    const { port } = await startStudentRelay(t);
    const proxied = await throughChaosProxy(t, port, { piece: { min: 1, max: 64 }, delayMs: 1 });
    await checkOrderAndNoLoss(t, proxied, 40);
  });
});

/** Four clients send numbered messages to random others, pipelined; each checks what it got, per sender. */
async function checkOrderAndNoLoss(t: Trace, port: number, perSender: number): Promise<void> {
  const names = ['amy', 'ben', 'cat', 'dan'];
  const peers = await Promise.all(names.map((name) => registerAs(t, port, name)));
  const seed = Math.floor(Math.random() * 2 ** 31);
  const next = seededRandom(seed);
  t.step(
    `each of ${names.join(', ')} sends ${perSender} numbered messages to random others, without waiting for answers (seed ${seed})`,
  );
  const expected = new Map<string, string[]>(names.map((name) => [name, []]));
  for (let n = 0; n < perSender; n++) {
    for (const [i, peer] of peers.entries()) {
      const others = names.filter((name) => name !== names[i]);
      const to = others[Math.floor(next() * others.length)];
      const text = `from ${names[i]} number ${n}`;
      peer.socket.write(`SEND ${to} ${text}\n`);
      expected.get(to)!.push(`MSG ${names[i]} ${text}`);
    }
  }
  for (const [i, peer] of peers.entries()) {
    const name = names[i];
    const want = expected.get(name)!;
    // Its own perSender "OK SEND" answers plus every message addressed to it.
    const total = perSender + want.length;
    // Only the answers and messages of this exchange (not the earlier "OK NAME").
    const lines = () =>
      peer.received
        .toString('utf8')
        .split('\n')
        .slice(0, -1)
        .filter((line) => line.startsWith('OK SEND ') || line.startsWith('MSG '));
    await peer.until(
      () => lines().length >= total || peer.ended,
      10_000,
      `${name} to receive ${want.length} messages and ${perSender} answers`,
    );
    const messages = lines().filter((line) => line.startsWith('MSG '));
    const oks = lines().filter((line) => line.startsWith('OK SEND ')).length;
    t.check(oks === perSender, `${perSender} "OK SEND" answers for ${name}`, () => `${oks}`);
    for (const sender of names.filter((other) => other !== name)) {
      const sent = want.filter((line) => line.startsWith(`MSG ${sender} `));
      const got = messages.filter((line) => line.startsWith(`MSG ${sender} `));
      t.check(
        JSON.stringify(got) === JSON.stringify(sent),
        `${name} to receive ${sent.length} messages from ${sender}, in order`,
        () =>
          `${got.length} messages; first difference at #${got.findIndex((line, k) => line !== sent[k])}: ${JSON.stringify(got.find((line, k) => line !== sent[k]))}`,
      );
    }
  }
}
