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
    t.check(winners === 1, 'exactly one "OK NAME popular", and "ERR name-taken popular ..." for the other five', () => `${winners} clients got "OK NAME popular": ${JSON.stringify(replies)}`);
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
        const line = await peer.readLine(WAIT_MS, `${peer.label} to receive message ${next} from ${from} and its ${COUNT} OK SENDs`, { quiet: true });
        if (line.startsWith('OK SEND')) { oks++; continue; }
        t.check(line === `MSG ${from} number ${next}`, `"MSG ${from} number ${next}" (messages in the order sent, from ${from} only)`, () => `${peer.label} received ${JSON.stringify(line)}`);
        next++;
      }
    }
    t.step(`every client received its ${COUNT} messages in order and its ${COUNT} OK SENDs`);
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
