// The lab 05 protocol across worker processes: one table of names in the primary, messages
// that cross from one worker to another. Connections go to the workers in turn, so with 2
// workers the 1st, 3rd, 5th... client a test connects sits on worker 0 and the 2nd, 4th... on
// worker 1; every test below connects its clients one by one for that reason.
import { describe } from 'vitest';
import { graded } from '../support/graded.ts';
import { Peer } from '../support/net.ts';
import { registerAs } from '../support/relay-protocol.ts';
import { startStudentCluster } from './start.ts';
import lab from './lab.ts';

// Every wait is for a reply over loopback and one or two IPC hops: milliseconds when it
// comes. Shorter than lab 05's, so that the mistakes (which make it never come) fail fast.
const WAIT_MS = 3000;
// A line crosses loopback and the mesh in a millisecond or two; Nagle's algorithm holds it ~40 ms.
const AT_ONCE_MS = 25;
const LATENCY_ROUNDS = 8;

describe(lab.title, () => {
  graded(lab.tests.basicsAcrossWorkers, async (t) => {
    const { port } = await startStudentCluster(t);
    const alice = await registerAs(t, port, 'alice', WAIT_MS); // worker 0
    const bob = await registerAs(t, port, 'bob', WAIT_MS); // worker 1
    await alice.ask('LIST', 'NAMES alice bob');
    await bob.ask('LIST', 'NAMES alice bob');
    await alice.ask('SEND bob hello from worker 0', 'OK SEND bob');
    const got = await bob.readLine(WAIT_MS, 'bob (worker 1) to receive "MSG alice hello from worker 0"');
    t.check(got === 'MSG alice hello from worker 0', '"MSG alice hello from worker 0"', () => JSON.stringify(got));
    await bob.ask('SEND alice and back from worker 1', 'OK SEND alice');
    const back = await alice.readLine(WAIT_MS, 'alice (worker 0) to receive "MSG bob and back from worker 1"');
    t.check(back === 'MSG bob and back from worker 1', '"MSG bob and back from worker 1"', () => JSON.stringify(back));
    await alice.ask('SEND nobody hi', /^ERR unknown-name nobody( |$)/);
  });

  graded(lab.tests.namesUniqueAcrossWorkers, async (t) => {
    const { port } = await startStudentCluster(t);
    const first = await registerAs(t, port, 'first'); // worker 0
    const other = await Peer.connect(t, port, 'a client on worker 1');
    await other.ask('NAME first', /^ERR name-taken first( |$)/);
    t.step('six more clients (three on each worker) all send "NAME popular" at once');
    const claimants: Peer[] = [];
    for (let i = 0; i < 6; i++) claimants.push(await Peer.connect(t, port, `claimant ${i} (worker ${i % 2})`));
    for (const peer of claimants) peer.sendLine('NAME popular');
    const replies = await Promise.all(claimants.map((peer) => peer.readLine(WAIT_MS, 'a reply to NAME popular')));
    const winners = replies.filter((reply) => reply === 'OK NAME popular').length;
    t.check(
      winners === 1,
      'exactly one "OK NAME popular", and "ERR name-taken popular ..." for the other five',
      () => `${winners} clients got "OK NAME popular": ${JSON.stringify(replies)}`,
    );
    await first.ask('LIST', 'NAMES first popular');
  });

  graded(lab.tests.orderAcrossWorkers, async (t) => {
    const { port } = await startStudentCluster(t);
    const names = ['w0a', 'w1a', 'w0b', 'w1b'];
    const peers: Peer[] = [];
    for (const name of names) peers.push(await registerAs(t, port, name));
    // Each sends to a client on the other worker: w0a→w1a, w1a→w0b, w0b→w1b, w1b→w0a.
    const COUNT = 150;
    t.step(`each client sent ${COUNT} numbered SENDs at once, pipelined, to a client on the other worker`);
    peers.forEach((peer, i) => {
      const to = names[(i + 1) % names.length];
      peer.socket.write(Array.from({ length: COUNT }, (_, n) => `SEND ${to} number ${n}\n`).join(''));
    });
    for (const [i, peer] of peers.entries()) {
      const from = names[(i + names.length - 1) % names.length];
      let next = 0;
      let oks = 0;
      while (next < COUNT || oks < COUNT) {
        const line = await peer.readLine(
          WAIT_MS,
          `${peer.label} to receive message ${next} from ${from} and its ${COUNT} OK SENDs`,
          { quiet: true },
        );
        if (line.startsWith('OK SEND')) {
          oks++;
          continue;
        }
        t.check(
          line === `MSG ${from} number ${next}`,
          `"MSG ${from} number ${next}" (messages in the order sent, from ${from} only)`,
          () => `${peer.label} received ${JSON.stringify(line)}`,
        );
        next++;
      }
    }
    t.step(`every client received its ${COUNT} messages in order and its ${COUNT} OK SENDs`);
    // Two clients of the same worker, each with half a line waiting there: each half must be
    // completed by its own client's bytes, never by the other's.
    const [w0a, w1a, w0b, w1b] = peers;
    for (const [peer, half] of [
      [w0a, 'SEND w1a first ha'],
      [w0b, 'SEND w1b second ha'],
    ] as const) {
      peer.send(`LIST\n${half}`);
      // Once LIST is answered, the worker has read the half line that came with it.
      const listed = await peer.readLine(WAIT_MS, `${peer.label} to receive "NAMES w0a w0b w1a w1b"`);
      t.check(
        listed === 'NAMES w0a w0b w1a w1b',
        `"NAMES w0a w0b w1a w1b": ${peer.label}'s LIST answered as a line of its own`,
        () => JSON.stringify(listed),
      );
    }
    w0a.send('lf\n');
    w0b.send('lf\n');
    for (const [peer, from, text] of [
      [w1a, 'w0a', 'first half'],
      [w1b, 'w0b', 'second half'],
    ] as const) {
      const got = await peer.readLine(WAIT_MS, `${peer.label} to receive "MSG ${from} ${text}"`);
      t.check(got === `MSG ${from} ${text}`, `"MSG ${from} ${text}": each line made of its own client's bytes`, () =>
        JSON.stringify(got),
      );
    }
  });

  graded(lab.tests.deliversAtOnce, async (t) => {
    const { port } = await startStudentCluster(t);
    const alice = await registerAs(t, port, 'alice'); // worker 0
    const bob = await registerAs(t, port, 'bob'); // worker 1
    // Nagle's algorithm holds a small write back while the one before it waits for its ACK, and
    // the client's kernel delays that ACK by up to 40 ms: of two lines written to alice a moment
    // apart (the answer to her LIST and bob's MSG), the second waits.
    t.step(
      `in the same instant, alice sends LIST and bob sends alice a message; the test times how long until alice has both lines, for up to ${LATENCY_ROUNDS} rounds, until one round takes less than ${AT_ONCE_MS} ms`,
    );
    const times: number[] = [];
    for (let round = 0; round < LATENCY_ROUNDS && !(times.length > 0 && Math.min(...times) < AT_ONCE_MS); round++) {
      const start = performance.now();
      alice.socket.write('LIST\n');
      bob.socket.write(`SEND alice quick ${round}\n`);
      const got = [await alice.readLine(WAIT_MS, 'alice to receive "NAMES alice bob" and the MSG', { quiet: true })];
      got.push(await alice.readLine(WAIT_MS, 'alice to receive "NAMES alice bob" and the MSG', { quiet: true }));
      times.push(performance.now() - start);
      const expected = ['MSG bob quick ' + round, 'NAMES alice bob'];
      t.check(
        got.slice().sort().join('|') === expected.join('|'),
        `"NAMES alice bob" and "MSG bob quick ${round}", in either order`,
        () => JSON.stringify(got),
      );
      const ok = await bob.readLine(WAIT_MS, 'bob to receive "OK SEND alice"', { quiet: true });
      t.check(ok === 'OK SEND alice', '"OK SEND alice"', () => JSON.stringify(ok));
    }
    const shown = times.map((ms) => `${ms.toFixed(1)} ms`).join(', ');
    t.step(`the rounds took ${shown}`);
    t.check(
      Math.min(...times) < AT_ONCE_MS,
      `alice to have both lines within ${AT_ONCE_MS} ms in at least one round (over loopback and the mesh it takes a millisecond or two)`,
      () =>
        `${times.length} rounds took ${shown}: the second line waited ~40 ms each time. That is Nagle's algorithm: did the server lose its { noDelay: true }?`,
    );
  });

  graded(lab.tests.broadcastEveryWorker, async (t) => {
    const { port } = await startStudentCluster(t);
    const alice = await registerAs(t, port, 'alice'); // worker 0
    const bob = await registerAs(t, port, 'bob'); // worker 1
    const carol = await registerAs(t, port, 'carol'); // worker 0
    const dave = await registerAs(t, port, 'dave'); // worker 1
    await Peer.connect(t, port, 'a client without a name');
    await bob.ask('ALL hello, everyone', 'OK ALL 3');
    for (const peer of [alice, carol, dave]) {
      const got = await peer.readLine(WAIT_MS, `${peer.label} to receive "BROADCAST bob hello, everyone"`);
      t.check(got === 'BROADCAST bob hello, everyone', '"BROADCAST bob hello, everyone"', () => JSON.stringify(got));
    }
    await bob.ask('LIST', 'NAMES alice bob carol dave'); // and no BROADCAST came back to bob
  });
});
