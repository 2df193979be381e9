// The failure modes a replicated directory brings: a worker whose copy of the names is
// behind, two workers' clients claiming at once, a worker that dies with messages and a
// connection on their way to it. The test holds what the primary sends a worker (see
// host-side.ts) so that the race happens every time. While it holds one, the primary can
// answer no claim and let no client QUIT (each waits until every worker has the change), so
// the tests send those lines without waiting for the reply, and wait instead until the change
// is held for the worker. Connections go to the workers in turn:
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
  t.step(
    `the test holds back everything the primary sends worker ${index} from now on: its copy of the names stops changing, its clients and the other workers go on`,
  );
}

/** Waits until `count` changes to the names are held for worker `index`: the primary has made them. */
async function changesHeld(
  t: Trace,
  { relay, launcher }: Cluster,
  index: number,
  count: number,
  what: string,
): Promise<void> {
  const held = await launcher.changesHeld(await relay.workers(), index, count, WAIT_MS);
  t.check(
    held >= count,
    `the primary to send worker ${index} ${what} (${count} change(s) to the names in all)`,
    () => `${held} change(s) held for worker ${index} after ${WAIT_MS} ms`,
  );
  t.step(`the primary sent worker ${index} ${what}: the test holds it`);
}

/** Asks "SEND name probe" until the reply matches `done`: the client's worker has applied a change. */
async function sendUntil(t: Trace, sender: Peer, name: string, done: RegExp, expected: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (let asked = 1; ; asked++) {
    sender.sendLine(`SEND ${name} probe`);
    const line = await sender.readLine(WAIT_MS, `a reply to "SEND ${name} probe"`, { quiet: true });
    if (done.test(line))
      return t.step(
        `${sender.label} sent "SEND ${name} probe" ${asked === 1 ? 'once' : `${asked} times`}; the last reply: ${JSON.stringify(line)}`,
      );
    if (Date.now() > deadline)
      t.fail(expected, `after ${asked} tries in ${WAIT_MS} ms, the reply is still ${JSON.stringify(line)}`);
  }
}

async function letGo(t: Trace, { relay, launcher }: Cluster, index: number): Promise<void> {
  const count = await launcher.letGo(await relay.workers(), index);
  t.step(`the test passed on what the primary had sent worker ${index} meanwhile (${count} IPC message(s)), in order`);
}

describe(lab.title, () => {
  graded(lab.tests.claimOfTheGone, async (t) => {
    const IDLE_MS = 1000;
    const cluster = await startStudentCluster(t, 2, { idleTimeoutMs: IDLE_MS });
    const { port } = cluster;
    const vanishing = await Peer.connect(t, port, 'a client that falls silent (worker 0)');
    await hold(t, cluster, 0);
    vanishing.sendLine('NAME ghost');
    await changesHeld(t, cluster, 0, 1, 'the claim of "ghost"');
    t.step(
      `the client says nothing more: worker 0 cuts it off as idle after ${(2 * IDLE_MS) / 1000} s, its claim unanswered`,
    );
    await changesHeld(t, cluster, 0, 2, 'the release of "ghost", once worker 0 told the primary the client is gone');
    await letGo(t, cluster, 0);
    const owner = await registerAs(t, port, 'ghost'); // worker 1
    const sender = await registerAs(t, port, 'sender'); // worker 0
    await sender.ask('SEND ghost hello', 'OK SEND ghost');
    const got = await owner.readLine(WAIT_MS, 'the new "ghost" to receive "MSG sender hello"');
    t.check(got === 'MSG sender hello', '"MSG sender hello"', () => JSON.stringify(got));
    const started = await cluster.launcher.launchedAtLeast(0, 0);
    t.check(
      started === 2,
      'both workers to have lived through it: the answer to a claim of a client gone already reaches nobody, and crashes nothing',
      () => `${started - 2} worker(s) died and were replaced meanwhile`,
    );
  });

  graded(lab.tests.staleDirectory, async (t) => {
    const cluster = await startStudentCluster(t);
    const { port } = cluster;
    const alice = await registerAs(t, port, 'alice'); // worker 0
    const bob = await registerAs(t, port, 'bob'); // worker 1
    const carol = await registerAs(t, port, 'carol'); // worker 0
    const dave = await registerAs(t, port, 'dave'); // worker 1
    await hold(t, cluster, 0);
    carol.end();
    await changesHeld(t, cluster, 0, 1, 'the release of "carol"');
    // Worker 1 applies it: from then on its frames carry a version worker 0 has not reached.
    await sendUntil(
      t,
      dave,
      'carol',
      /^ERR unknown-name carol( |$)/,
      'worker 1 to apply the release of "carol": "ERR unknown-name carol"',
    );
    await dave.ask('SEND alice hi from dave', 'OK SEND alice');
    await letGo(t, cluster, 0);
    const got = await alice.readLine(
      WAIT_MS,
      'alice to receive "MSG dave hi from dave", once her worker has caught up',
    );
    t.check(
      got === 'MSG dave hi from dave',
      '"MSG dave hi from dave": it came from a directory newer than alice\'s worker\'s, waited until that worker had caught up, and was delivered then',
      () => JSON.stringify(got),
    );
    await bob.ask('QUIT', 'BYE');
    await alice.ask('SEND bob are you still there?', /^ERR unknown-name bob( |$)/);
    const newBob = await Peer.connect(t, port, 'the new bob (worker 0)');
    await newBob.ask('NAME bob', 'OK NAME bob');
    await dave.ask('SEND bob welcome back', 'OK SEND bob');
    const toNew = await newBob.readLine(WAIT_MS, 'the new bob to receive "MSG dave welcome back"');
    t.check(toNew === 'MSG dave welcome back', '"MSG dave welcome back"', () => JSON.stringify(toNew));
    await alice.ask('SEND bob hello new bob', 'OK SEND bob');
    const fromAlice = await newBob.readLine(WAIT_MS, 'the new bob to receive "MSG alice hello new bob"');
    t.check(
      fromAlice === 'MSG alice hello new bob',
      '"MSG alice hello new bob": alice\'s worker maps "bob" to its new owner, never the old one',
      () => JSON.stringify(fromAlice),
    );
    await alice.ask('LIST', 'NAMES alice bob dave');
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
    leaving.sendLine('QUIT');
    await changesHeld(t, cluster, 0, 1, 'the release of "leaving"');
    quick.sendLine('NAME popular');
    await changesHeld(t, cluster, 0, 2, 'the claim of "popular"');
    // The primary has freed "leaving" and given "popular" away; worker 0 has heard of neither.
    t.step(
      'on worker 0, whose directory still has "leaving" and not "popular": one client sent "NAME popular", another "NAME leaving" and "SEND first hello" in one write',
    );
    late.sendLine('NAME popular');
    other.send('NAME leaving\nSEND first hello\n');
    await letGo(t, cluster, 0);
    const refused = await late.readLine(WAIT_MS, 'a reply to "NAME popular"');
    t.check(
      /^ERR name-taken popular( |$)/.test(refused),
      '"ERR name-taken popular ...": the primary gave it away a moment before, whatever worker 0 knew',
      () => JSON.stringify(refused),
    );
    const granted = await other.readLine(WAIT_MS, 'a reply to "NAME leaving"');
    t.check(
      granted === 'OK NAME leaving',
      '"OK NAME leaving": the primary freed it a moment before, whatever worker 0 knew',
      () => JSON.stringify(granted),
    );
    const sent = await other.readLine(WAIT_MS, 'a reply to "SEND first hello"');
    t.check(
      sent === 'OK SEND first',
      '"OK SEND first": the SEND behind the NAME was answered once the name was granted',
      () => JSON.stringify(sent),
    );
    const hello = await first.readLine(WAIT_MS, '"first" to receive "MSG leaving hello"');
    t.check(hello === 'MSG leaving hello', '"MSG leaving hello"', () => JSON.stringify(hello));
    const bye = await leaving.readLine(WAIT_MS, '"BYE" for the old "leaving"');
    t.check(bye === 'BYE', '"BYE"', () => JSON.stringify(bye));
    const won = await quick.readLine(WAIT_MS, 'a reply to "NAME popular" on worker 1');
    t.check(won === 'OK NAME popular', '"OK NAME popular"', () => JSON.stringify(won));
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
    goes.sendLine('QUIT');
    await changesHeld(t, cluster, 1, 1, 'the release of "goes"');
    comes.sendLine('NAME comes');
    await changesHeld(t, cluster, 1, 2, 'the claim of "comes"');
    t.step(
      'on worker 1, whose directory still has "goes" and not "comes": "watcher" sent "LIST" and "PING" in one write',
    );
    watcher.send('LIST\nPING\n');
    await letGo(t, cluster, 1);
    const names = await watcher.readLine(WAIT_MS, 'a reply to "LIST"');
    t.check(
      names === 'NAMES comes stays watcher',
      '"NAMES comes stays watcher": the primary had granted "comes" and freed "goes" before the LIST was sent, whatever worker 1 knew (the primary\'s table has every name as it is now)',
      () => JSON.stringify(names),
    );
    const pong = await watcher.readLine(WAIT_MS, 'a reply to "PING"');
    t.check(
      pong === 'PONG',
      '"PONG", after the answer to LIST: a client\'s replies come in the order of its lines',
      () => JSON.stringify(pong),
    );
    await goes.readLine(WAIT_MS, '"BYE" for "goes"');
    const ok = await comes.readLine(WAIT_MS, 'a reply to "NAME comes"');
    t.check(ok === 'OK NAME comes', '"OK NAME comes"', () => JSON.stringify(ok));
  });

  graded(lab.tests.answerOnceEveryWorkerKnows, async (t) => {
    const cluster = await startStudentCluster(t);
    const { port, relay, launcher } = cluster;
    const leaver = await registerAs(t, port, 'leaver'); // worker 0
    const sender = await registerAs(t, port, 'sender'); // worker 1
    const claimant = await Peer.connect(t, port, 'a client on worker 0, without a name'); // worker 0
    await Peer.connect(t, port, 'a client on worker 1, without a name'); // worker 1
    const lastOne = await Peer.connect(t, port, 'another client on worker 0, without a name'); // worker 0
    await hold(t, cluster, 1);
    claimant.sendLine('NAME fresh');
    await changesHeld(t, cluster, 1, 1, 'the claim of "fresh"');
    // What the primary posts in one turn goes out together: had it answered worker 0 along with
    // the news for worker 1, that answer has been sent by now.
    const answers = (await launcher.sentOfType(await relay.workers(), 0, 'answer')) as { lines?: string[] }[];
    if (answers.some((answer) => answer.lines?.includes('OK NAME fresh')))
      t.step('the primary sent "OK NAME fresh" to worker 0 while worker 1 had not heard of the claim');
    else await letGo(t, cluster, 1); // it waits for worker 1: let worker 1 hear of it
    const ok = await claimant.readLine(WAIT_MS, 'a reply to "NAME fresh"');
    t.check(ok === 'OK NAME fresh', '"OK NAME fresh"', () => JSON.stringify(ok));
    sender.sendLine('SEND fresh hi');
    const sent = await sender.readLine(WAIT_MS, 'a reply to "SEND fresh hi", sent right after that OK NAME');
    t.check(
      sent === 'OK SEND fresh',
      '"OK SEND fresh": "fresh" got OK NAME before this SEND, so it is its name on every worker; the primary answers a claim only once every worker has applied it',
      () => JSON.stringify(sent),
    );
    const got = await claimant.readLine(WAIT_MS, '"fresh" to receive "MSG sender hi"');
    t.check(got === 'MSG sender hi', '"MSG sender hi"', () => JSON.stringify(got));

    await hold(t, cluster, 1);
    leaver.sendLine('QUIT');
    await changesHeld(t, cluster, 1, 1, 'the release of "leaver"');
    if ((await launcher.sentOfType(await relay.workers(), 0, 'left')).length > 0)
      t.step('the primary let worker 0 answer BYE while worker 1 had not heard of the release');
    else await letGo(t, cluster, 1);
    const bye = await leaver.readLine(WAIT_MS, 'a reply to "QUIT"');
    t.check(bye === 'BYE', '"BYE"', () => JSON.stringify(bye));
    sender.sendLine('SEND leaver late');
    const late = await sender.readLine(WAIT_MS, 'a reply to "SEND leaver late", sent right after that BYE');
    t.check(
      /^ERR unknown-name leaver( |$)/.test(late),
      '"ERR unknown-name leaver ...": "leaver" read BYE before this SEND, so its name was free on every worker (an OK SEND would lose the message); the primary lets a client go only once every worker has applied the release',
      () => JSON.stringify(late),
    );

    // A claim waiting for a worker that dies waits no more (worker 1 has no named client left).
    await sender.ask('QUIT', 'BYE');
    await hold(t, cluster, 1);
    lastOne.sendLine('NAME last');
    await changesHeld(t, cluster, 1, 1, 'the claim of "last"');
    await killWorker(t, cluster, 1);
    const answered = await lastOne.readLine(
      WAIT_MS,
      'a reply to "NAME last": worker 1, which had not applied the claim, died',
    );
    t.check(answered === 'OK NAME last', '"OK NAME last": a dead worker is no longer waited for', () =>
      JSON.stringify(answered),
    );
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
    t.check(
      held === 1,
      'the primary to hand the connection to worker 1',
      () => `${held} connection(s) on their way to worker 1`,
    );
    const COUNT = 300;
    t.step(
      `"sender" sent ${COUNT} numbered SENDs to "doomed" (worker 1) and ${COUNT} to "near" (worker 0), alternately, in one write`,
    );
    sender.socket.write(
      Array.from({ length: COUNT }, (_, n) => `SEND doomed number ${n}\nSEND near number ${n}\n`).join(''),
    );
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
        t.check(
          toDoomed === 'OK SEND doomed' && !gone,
          '"OK SEND doomed" until the relay knows "doomed" is gone, then "ERR unknown-name doomed" every time',
          () => `reply ${n}: ${JSON.stringify(toDoomed)}${gone ? ' after an ERR unknown-name doomed' : ''}`,
        );
      }
      const toNear = await sender.readLine(WAIT_MS, `a reply to "SEND near number ${n}"`, { quiet: true });
      t.check(toNear === 'OK SEND near', '"OK SEND near"', () => `reply ${n}: ${JSON.stringify(toNear)}`);
    }
    t.step(`"sender" got an answer to each of its ${2 * COUNT} SENDs (${errors} ERR unknown-name doomed)`);
    for (let n = 0; n < COUNT; n++) {
      const line = await near.readLine(WAIT_MS, `"near" to receive "MSG sender number ${n}"`, { quiet: true });
      t.check(
        line === `MSG sender number ${n}`,
        `"MSG sender number ${n}": every message for the surviving worker's client, in order`,
        () => JSON.stringify(line),
      );
    }
    t.step(`"near" received all ${COUNT} messages, in order`);
    // Its names are released on every worker, a moment after its death.
    await listUntil(
      t,
      sender,
      (names) => !names.includes('doomed') && !names.includes('alsodoomed'),
      'LIST on worker 0 to stop showing "doomed" and "alsodoomed": worker 1 died',
      WAIT_MS,
    );
    await sender.ask('SEND doomed are you there?', /^ERR unknown-name doomed( |$)/);
    await sender.ask('SEND alsodoomed are you there?', /^ERR unknown-name alsodoomed( |$)/);
    // The connection handed to the dead worker, which never took it: the primary still has its
    // copy, and hands it to the surviving worker.
    t.step('the client whose connection was on its way to worker 1 sent "NAME onitsway"');
    onItsWay.sendLine('NAME onitsway');
    const answered = await onItsWay.readLine(
      WAIT_MS,
      '"OK NAME onitsway": the connection served by worker 0, not closed, not left hanging',
    );
    t.check(answered === 'OK NAME onitsway', '"OK NAME onitsway"', () => JSON.stringify(answered));
    await sender.ask('LIST', 'NAMES near onitsway sender');
  });
});
