// The failure modes a replicated directory brings: a worker whose copy of the names is
// behind, two workers' clients claiming at once, a worker that dies with messages and a
// connection on their way to it. The test holds what the primary sends a worker (see
// host-side.ts) so that the race happens every time. Connections go to the workers in turn:
// with 2 workers the 1st, 3rd, 5th... client a test connects sits on worker 0, the 2nd,
// 4th... on worker 1.
import { describe } from 'vitest';
import { graded, type Trace } from '../support/graded.ts';
import { Peer } from '../support/net.ts';
import { listUntil, registerAs } from '../support/relay-protocol.ts';
import { killWorker, startStudentCluster, type Cluster } from './start.ts';
import lab from './lab.ts';

const WAIT_MS = 3000;

/** From now on, what the primary sends worker `index` waits in the test's launcher: its directory stays as it is. */
async function hold(t: Trace, { relay, launcher }: Cluster, index: number): Promise<void> {
  const held = await launcher.hold(await relay.workers(), index);
  t.check(held, `relay.workers()[${index}] to be a worker process your relay started`, () => 'it is not');
  t.step(`the test holds back everything the primary sends worker ${index} from now on: its copy of the names stops changing, its clients and the other workers go on`);
}

async function letGo(t: Trace, { relay, launcher }: Cluster, index: number): Promise<void> {
  const count = await launcher.letGo(await relay.workers(), index);
  t.step(`the test passed on what the primary had sent worker ${index} meanwhile (${count} IPC message(s)), in order`);
}

describe(lab.title, () => {
  graded(lab.tests.staleDirectory, async (t) => {
    const cluster = await startStudentCluster(t);
    const alice = await registerAs(t, cluster.port, 'alice'); // worker 0
    const bob = await registerAs(t, cluster.port, 'bob'); // worker 1
    await registerAs(t, cluster.port, 'carol'); // worker 0: the next one goes to worker 1
    await hold(t, cluster, 0);
    await bob.ask('QUIT', 'BYE');
    const newBob = await Peer.connect(t, cluster.port, 'the new bob (worker 1)');
    // On worker 1's channel, its NAME comes after the old bob's end: the primary has freed the name.
    await newBob.ask('NAME bob', 'OK NAME bob');
    await newBob.ask('SEND alice hi from the new bob', 'OK SEND alice');
    t.step('alice (worker 0, whose directory still has the old bob) sent "SEND bob are you still there?"');
    alice.sendLine('SEND bob are you still there?');
    const first = await alice.readLine(WAIT_MS, 'alice to receive "OK SEND bob"');
    t.check(first === 'OK SEND bob',
      '"OK SEND bob" first, and no MSG from the new bob yet: it left a worker whose directory has the new bob, and must wait until alice\'s worker has caught up (else alice answers a bob her worker would send to the old one)',
      () => JSON.stringify(first));
    await letGo(t, cluster, 0);
    const got = await alice.readLine(WAIT_MS, 'alice to receive "MSG bob hi from the new bob", now that her worker has caught up');
    t.check(got === 'MSG bob hi from the new bob', '"MSG bob hi from the new bob"', () => JSON.stringify(got));
    await alice.ask('SEND bob welcome back', 'OK SEND bob');
    const toNew = await newBob.readLine(WAIT_MS, 'the new bob to receive "MSG alice welcome back"');
    t.check(toNew === 'MSG alice welcome back',
      '"MSG alice welcome back", never "MSG alice are you still there?": that one was for the old bob, sent before alice\'s worker knew he had gone',
      () => JSON.stringify(toNew));
    await alice.ask('LIST', 'NAMES alice bob carol');
  });

  graded(lab.tests.claimRace, async (t) => {
    const cluster = await startStudentCluster(t);
    const { port } = cluster;
    const first = await registerAs(t, port, 'first'); // worker 0
    const leaving = await registerAs(t, port, 'leaving'); // worker 1
    const late = await Peer.connect(t, port, 'a client on worker 0, without a name'); // worker 0
    const quick = await Peer.connect(t, port, 'a client on worker 1, without a name'); // worker 1
    const other = await Peer.connect(t, port, 'another client on worker 0, without a name'); // worker 0
    await hold(t, cluster, 0);
    await leaving.ask('QUIT', 'BYE');
    // Behind the end of "leaving" on worker 1's channel: once this is answered, the primary has
    // freed "leaving" and given "popular" away, and worker 0 has heard of neither.
    await quick.ask('NAME popular', 'OK NAME popular');
    t.step('on worker 0, whose directory still has "leaving" and not "popular": one client sent "NAME popular", another "NAME leaving" and "SEND first hello" in one write');
    late.sendLine('NAME popular');
    other.send('NAME leaving\nSEND first hello\n');
    await letGo(t, cluster, 0);
    const refused = await late.readLine(WAIT_MS, 'a reply to "NAME popular"');
    t.check(/^ERR name-taken popular( |$)/.test(refused), '"ERR name-taken popular ...": the primary gave it away a moment before, whatever worker 0 knew', () => JSON.stringify(refused));
    const granted = await other.readLine(WAIT_MS, 'a reply to "NAME leaving"');
    t.check(granted === 'OK NAME leaving', '"OK NAME leaving": the primary freed it a moment before, whatever worker 0 knew', () => JSON.stringify(granted));
    const sent = await other.readLine(WAIT_MS, 'a reply to "SEND first hello"');
    t.check(sent === 'OK SEND first', '"OK SEND first": the SEND behind the NAME was answered once the name was granted', () => JSON.stringify(sent));
    const hello = await first.readLine(WAIT_MS, '"first" to receive "MSG leaving hello"');
    t.check(hello === 'MSG leaving hello', '"MSG leaving hello"', () => JSON.stringify(hello));
    await first.ask('LIST', 'NAMES first leaving popular');
    await quick.ask('LIST', 'NAMES first leaving popular');
  });

  graded(lab.tests.listCurrent, async (t) => {
    const cluster = await startStudentCluster(t);
    const { port } = cluster;
    await registerAs(t, port, 'stays'); // worker 0
    const watcher = await registerAs(t, port, 'watcher'); // worker 1
    const goes = await registerAs(t, port, 'goes'); // worker 0
    await Peer.connect(t, port, 'a client on worker 1, without a name'); // worker 1: the next one goes to worker 0
    const comes = await Peer.connect(t, port, 'a client on worker 0, without a name'); // worker 0
    await hold(t, cluster, 1);
    // Worker 0's clients hear their answers at once; worker 1 hears of neither change.
    await goes.ask('QUIT', 'BYE');
    await comes.ask('NAME comes', 'OK NAME comes');
    t.step('on worker 1, whose directory still has "goes" and not "comes": "watcher" sent "LIST" and "PING" in one write');
    watcher.send('LIST\nPING\n');
    await letGo(t, cluster, 1);
    const names = await watcher.readLine(WAIT_MS, 'a reply to "LIST"');
    t.check(names === 'NAMES comes stays watcher',
      '"NAMES comes stays watcher": "comes" got OK NAME and "goes" got BYE before the LIST was sent, whatever worker 1 knew (the primary\'s table has every name as it is now)',
      () => JSON.stringify(names));
    const pong = await watcher.readLine(WAIT_MS, 'a reply to "PING"');
    t.check(pong === 'PONG', '"PONG", after the answer to LIST: a client\'s replies come in the order of its lines', () => JSON.stringify(pong));
  });

  graded(lab.tests.diesMidDelivery, async (t) => {
    const cluster = await startStudentCluster(t);
    const { port } = cluster;
    const sender = await registerAs(t, port, 'sender'); // worker 0
    const doomed = await registerAs(t, port, 'doomed'); // worker 1
    const near = await registerAs(t, port, 'near'); // worker 0
    await registerAs(t, port, 'alsodoomed'); // worker 1
    await Peer.connect(t, port, 'a client on worker 0'); // worker 0: the next one goes to worker 1
    await hold(t, cluster, 1);
    const onItsWay = await Peer.connect(t, port, 'a client whose connection the primary hands to worker 1');
    const held = await cluster.launcher.connectionsHeld(await cluster.relay.workers(), 1, 1, WAIT_MS);
    t.check(held === 1, 'the primary to hand the connection to worker 1', () => `${held} connection(s) on their way to worker 1`);
    const COUNT = 300;
    t.step(`"sender" sent ${COUNT} numbered SENDs to "doomed" (worker 1) and ${COUNT} to "near" (worker 0), alternately, in one write`);
    sender.socket.write(Array.from({ length: COUNT }, (_, n) => `SEND doomed number ${n}\nSEND near number ${n}\n`).join(''));
    // Worker 1 dies with messages streaming to it, and a connection on its way.
    await doomed.readLine(WAIT_MS, '"doomed" to receive a first message');
    await killWorker(t, cluster, 1);
    let gone = false;
    let errors = 0;
    for (let n = 0; n < COUNT; n++) {
      const toDoomed = await sender.readLine(WAIT_MS, `a reply to "SEND doomed number ${n}"`, { quiet: true });
      if (toDoomed.startsWith('ERR unknown-name doomed')) {
        gone = true;
        errors++;
      } else {
        t.check(toDoomed === 'OK SEND doomed' && !gone, '"OK SEND doomed" until the relay knows "doomed" is gone, then "ERR unknown-name doomed" every time',
          () => `reply ${n}: ${JSON.stringify(toDoomed)}${gone ? ' after an ERR unknown-name doomed' : ''}`);
      }
      const toNear = await sender.readLine(WAIT_MS, `a reply to "SEND near number ${n}"`, { quiet: true });
      t.check(toNear === 'OK SEND near', '"OK SEND near"', () => `reply ${n}: ${JSON.stringify(toNear)}`);
    }
    t.step(`"sender" got an answer to each of its ${2 * COUNT} SENDs (${errors} ERR unknown-name doomed)`);
    for (let n = 0; n < COUNT; n++) {
      const line = await near.readLine(WAIT_MS, `"near" to receive "MSG sender number ${n}"`, { quiet: true });
      t.check(line === `MSG sender number ${n}`, `"MSG sender number ${n}": every message for the surviving worker's client, in order`, () => JSON.stringify(line));
    }
    t.step(`"near" received all ${COUNT} messages, in order`);
    // Its names are released on every worker, a moment after its death.
    await listUntil(t, sender, (names) => !names.includes('doomed') && !names.includes('alsodoomed'), 'LIST on worker 0 to stop showing "doomed" and "alsodoomed": worker 1 died', WAIT_MS);
    await sender.ask('SEND doomed are you there?', /^ERR unknown-name doomed( |$)/);
    await sender.ask('SEND alsodoomed are you there?', /^ERR unknown-name alsodoomed( |$)/);
    // The connection handed to the dead worker: served elsewhere, or at least closed.
    t.step('the client whose connection was on its way to worker 1 sent "NAME onitsway"');
    onItsWay.sendLine('NAME onitsway');
    const expected = 'its connection to be served (an answer) or closed, not left hanging';
    await onItsWay.until(() => onItsWay.received.includes(0x0a) || onItsWay.ended || onItsWay.closed, WAIT_MS, expected);
    const answered = onItsWay.received.includes(0x0a) ? await onItsWay.readLine(WAIT_MS, expected) : undefined;
    if (answered === undefined) t.step('its connection was closed');
    t.check(answered === undefined || answered === 'OK NAME onitsway', '"OK NAME onitsway", or the connection closed', () => JSON.stringify(answered));
    await sender.ask('LIST', answered === undefined ? 'NAMES near sender' : 'NAMES near onitsway sender');
  });
});
