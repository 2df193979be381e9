// What happens to the workers' clients: they leave, stop reading, send bad lines; a worker
// dies; the relay shuts down. Connections go to the workers in turn, so with 2 workers the
// 1st, 3rd, 5th... client a test connects sits on worker 0 and the 2nd, 4th... on worker 1;
// every test below connects its clients one by one for that reason.
import { describe } from 'vitest';
import { graded } from '../support/graded.ts';
import { failAnAccept, LOOPBACK, Peer, startTestServer } from '../support/net.ts';
import { floodUntilCutOff, listUntil, registerAs } from '../support/relay-protocol.ts';
import { isRunning } from '../../tools/shared/proc.ts';
import { killWorker, prepareCluster, startStudentCluster, type Cluster } from './start.ts';
import lab from './lab.ts';

// Every wait is for a reply over loopback and one or two IPC hops: milliseconds when it
// comes. Shorter than lab 05's, so that the mistakes (which make it never come) fail fast.
const WAIT_MS = 3000;
// Starting workers, as startStudentCluster allows.
const START_MS = 8000;

describe(lab.title, () => {
  graded(lab.tests.releaseAcrossWorkers, async (t) => {
    const cluster = await startStudentCluster(t);
    const { port, relay, launcher, logged } = cluster;
    const observer = await registerAs(t, port, 'observer'); // worker 0
    const resetter = await registerAs(t, port, 'resetter'); // worker 1
    const quitter = await registerAs(t, port, 'quitter'); // worker 0
    const bystander = await registerAs(t, port, 'bystander'); // worker 1, like the resetter
    const closer = await registerAs(t, port, 'closer'); // worker 0
    const hasty = await registerAs(t, port, 'hasty'); // worker 1, like the resetter and the bystander
    await quitter.ask('QUIT', 'BYE');
    closer.end();
    await resetter.reset();
    // Worker 1 tells the primary of the reset (its log line, then "gone") before it reads the
    // bystander's LIST, which the primary answers: once it lacks "resetter", every line worker 1
    // logged about it has reached the primary, and settleHost brings them here.
    await listUntil(
      t,
      bystander,
      (names) => !names.includes('resetter'),
      'LIST on the resetter\'s worker to stop showing "resetter" once it reset its connection',
      WAIT_MS,
    );
    await t.settleHost();
    const resets = logged.filter((line) => line.includes('ECONNRESET'));
    t.check(
      resets.length === 1,
      'the relay to log the reset of "resetter" once: one line with the socket\'s error (ECONNRESET)',
      () =>
        resets.length === 0
          ? `no log line has ECONNRESET${logged.length === 0 ? ' (nothing was logged at all)' : ''}`
          : `${resets.length} lines:\n${resets.join('\n')}`,
    );
    // Its reply comes down to its worker after the worker has seen it go: there is no one to
    // write it to, and that must cost nobody else anything.
    t.step('hasty sent "LIST" and reset its connection at once, its reply still on its way');
    await new Promise<void>((resolve) => hasty.socket.write('LIST\n', () => resolve()));
    hasty.socket.resetAndDestroy();
    const left = ['quitter', 'closer', 'resetter', 'hasty'];
    await listUntil(
      t,
      observer,
      (names) => !names.some((name) => left.includes(name)),
      'LIST to stop showing quitter, closer, resetter and hasty once they are gone',
      WAIT_MS,
    );
    await bystander.ask('LIST', 'NAMES bystander observer'); // on the worker of resetter and hasty: still served
    // Each name claimed again by a client on the other worker than the one that held it.
    for (const name of ['resetter', 'quitter', 'hasty', 'closer']) await registerAs(t, port, name);
    await observer.ask('LIST', 'NAMES bystander closer hasty observer quitter resetter');
    await observer.ask('SEND bystander still connected?', 'OK SEND bystander');
    const got = await bystander.readLine(
      WAIT_MS,
      'the bystander (on the resetter\'s worker) to receive "MSG observer still connected?"',
    );
    t.check(got === 'MSG observer still connected?', '"MSG observer still connected?"', () => JSON.stringify(got));

    // QUIT ends the session: the lines after it in the same write are not answered.
    const leaver = await registerAs(t, port, 'leaver');
    leaver.send('QUIT\nNAME ghost\nSEND observer boo\n');
    const afterQuit = (await leaver.readToEnd(WAIT_MS, '"BYE", then the connection closed')).toString('utf8');
    t.check(
      afterQuit === 'OK NAME leaver\nBYE\n',
      'exactly "BYE" after QUIT, then the close: nothing after QUIT runs',
      () => JSON.stringify(afterQuit),
    );
    // A client that half-closes (nc -N, a script whose input ended) gets every reply, then the close.
    const handed = await launcher.connectionsHandedTo(await relay.workers(), 1);
    const scripted = await Peer.connect(t, port, 'a scripted client (worker 1)');
    t.check(
      (await launcher.connectionsHandedAtLeast(await relay.workers(), 1, handed + 1, WAIT_MS)) > handed,
      'the primary to hand the scripted client to worker 1',
      () => 'it did not',
    );
    // Its NAME is answered by the primary: held back until worker 1 has seen the client's FIN.
    await launcher.hold(await relay.workers(), 1);
    t.step('the test holds back what the primary sends worker 1');
    scripted.send('NAME scripted\nSEND observer hi from a script\n');
    scripted.end();
    // After a round trip through worker 1 that started later, it has read the scripted client's
    // end (PING: worker 1 answers it itself, a LIST would wait for the primary, held here).
    await bystander.ask('PING', 'PONG');
    const count = await launcher.letGo(await relay.workers(), 1);
    t.step(`the test passed on what the primary had sent worker 1 meanwhile (${count} IPC message(s))`);
    const replies = (await scripted.readToEnd(WAIT_MS, 'both replies, then the connection closed')).toString('utf8');
    t.check(
      replies === 'OK NAME scripted\nOK SEND observer\n',
      'both replies after its half-close: "OK NAME scripted", "OK SEND observer"',
      () => JSON.stringify(replies),
    );
    const fromScript = await observer.readLine(WAIT_MS, 'observer to receive "MSG scripted hi from a script"');
    t.check(
      fromScript === 'MSG scripted hi from a script',
      '"MSG scripted hi from a script" (and nothing from "ghost")',
      () => JSON.stringify(fromScript),
    );
    // The scripted client's release reaches observer's worker a moment after its close.
    const final = 'bystander closer hasty observer quitter resetter';
    await listUntil(
      t,
      observer,
      (names) => names.join(' ') === final,
      `LIST to answer "NAMES ${final}": no "ghost", and "scripted" released`,
      WAIT_MS,
    );
  });

  graded(lab.tests.slowReader, async (t) => {
    const { port, logged } = await startStudentCluster(t);
    const flood = await registerAs(t, port, 'flood'); // worker 0
    const slow = await registerAs(t, port, 'slow'); // worker 1
    const witness = await registerAs(t, port, 'witness'); // worker 0
    const piper = await registerAs(t, port, 'piper'); // worker 1
    // A client that reads, and pipelines: its own replies (3000 x 34 bytes, past 64 KiB) come
    // out as fast as it reads them; they never count as a reason to cut it off.
    const PIPELINED = 3000;
    t.step(`"piper" sent ${PIPELINED} LIST lines in one write, and reads the answers as they come`);
    piper.send('LIST\n'.repeat(PIPELINED));
    for (let i = 0; i < PIPELINED; i++) {
      const line = await piper.readLine(WAIT_MS, `the answer to LIST number ${i + 1} of ${PIPELINED}`, { quiet: true });
      t.check(
        line === 'NAMES flood piper slow witness',
        '"NAMES flood piper slow witness" for every LIST: a client that reads is never cut off for sending many commands at once',
        () => `answer ${i + 1}: ${JSON.stringify(line)}`,
      );
    }
    t.step(`"piper" received all ${PIPELINED} answers`);
    slow.socket.pause();
    t.step('"slow" (on worker 1) stopped reading');
    const { cutOff, batches } = await floodUntilCutOff(t, flood, 'slow');
    t.step(
      `${batches} batches of 200 sent; ${cutOff ? 'the last ones were refused: "slow" was cut off' : 'every one answered OK SEND slow'}`,
    );
    t.check(
      cutOff,
      '"slow" to be cut off (its name released) once 64 KiB wait for it in its worker',
      () => 'after 16 MB, the relay still accepts messages for "slow"',
    );
    slow.socket.resume();
    t.step('"slow" reads again');
    const text = (await slow.readToEnd(WAIT_MS, 'the connection of "slow" to be closed')).toString('utf8');
    const last = text.slice(text.lastIndexOf('\n', text.length - 2) + 1);
    t.check(
      text.endsWith('\n') && last.startsWith('ERR too-slow'),
      'what was queued for "slow", in whole lines, then the reason "ERR too-slow ...", then the close',
      () =>
        text.endsWith('\n')
          ? `its last line was ${JSON.stringify(last.slice(0, 60))}`
          : `the stream stopped mid-line, after ${text.length} bytes`,
    );
    await flood.ask('SEND witness still quick?', 'OK SEND witness');
    const got = await witness.readLine(WAIT_MS, 'witness to receive "MSG flood still quick?"');
    t.check(got === 'MSG flood still quick?', '"MSG flood still quick?"', () => JSON.stringify(got));
    await flood.ask('LIST', 'NAMES flood piper witness');
    const about = logged.filter((line) => /\bslow\b/.test(line));
    t.check(about.length === 1, 'the relay to log the cut-off of "slow" once, naming it', () =>
      about.length === 0 ? 'no log line names "slow"' : `${about.length} lines:\n${about.join('\n')}`,
    );
  });

  graded(lab.tests.badInput, async (t) => {
    const { port } = await startStudentCluster(t);
    const alice = await registerAs(t, port, 'alice'); // worker 0
    const bob = await registerAs(t, port, 'bob'); // worker 1
    // The limit is 1024 bytes, not counting the "\n": a line of exactly 1024 is answered, one of 1025 is not.
    const atLimit = `SEND alice ${'y'.repeat(1024 - 'SEND alice '.length)}`;
    t.step(
      'bob sent, in one write: "HELLO", "SEND alice before the long line", a SEND of exactly 1024 bytes, and a line of 1025 bytes',
    );
    bob.socket.write(`HELLO\nSEND alice before the long line\n${atLimit}\n${'x'.repeat(1025)}\n`);
    const replies: string[] = [];
    const to = ['HELLO', 'the first SEND', 'the 1024-byte SEND', 'the 1025-byte line'];
    for (const line of to)
      replies.push(await bob.readLine(WAIT_MS, `bob to receive a reply to ${line}`, { quiet: true }));
    const short = (line: string) => JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
    t.check(
      /^ERR unknown-command HELLO/.test(replies[0]) &&
        replies[1] === 'OK SEND alice' &&
        replies[2] === 'OK SEND alice' &&
        /^ERR bad-line/.test(replies[3]),
      'ERR unknown-command HELLO, OK SEND alice, OK SEND alice (the 1024-byte line), then ERR bad-line (the 1025-byte one), in that order',
      () => replies.map(short).join(', '),
    );
    await bob.readToEnd(WAIT_MS, "the relay to close bob's connection after ERR bad-line");
    const got = await alice.readLine(WAIT_MS, 'alice to receive the message sent before the long line');
    t.check(got === 'MSG bob before the long line', '"MSG bob before the long line"', () => JSON.stringify(got));
    const long = await alice.readLine(WAIT_MS, 'alice to receive the message of the 1024-byte line', { quiet: true });
    t.check(
      long === `MSG bob ${atLimit.slice('SEND alice '.length)}`,
      'alice to receive "MSG bob yyy…" (1013 y), from the 1024-byte line',
      () => short(long),
    );
    await listUntil(
      t,
      alice,
      (names) => names.join(' ') === 'alice',
      "bob's name released after its connection was closed",
      WAIT_MS,
    );
  });

  graded(lab.tests.workerDies, async (t) => {
    const cluster = await startStudentCluster(t);
    const { relay, port, launched, launcher } = cluster;
    const peers: Peer[] = [];
    for (const name of ['a0', 'b1', 'c0', 'd1']) peers.push(await registerAs(t, port, name));
    const [a0, b1, c0, d1] = peers;
    const victim = await killWorker(t, cluster, 1);
    await b1.readToEnd(WAIT_MS, 'b1, the 2nd client (on worker 1), to be disconnected');
    await d1.readToEnd(WAIT_MS, 'd1, the 4th client (on worker 1), to be disconnected');
    await listUntil(
      t,
      a0,
      (names) => names.join(' ') === 'a0 c0',
      'LIST to answer "NAMES a0 c0": the dead worker\'s names released',
      WAIT_MS,
    );
    // A worker's last messages can still be in its channel when its 'exit' comes: the primary
    // reads them after it has forgotten the worker's clients.
    const [b1Client] = await launcher.clientsHandedToPid(victim);
    t.step(
      `the primary read, after worker 1's exit, a claim worker 1 sent just before it died: "NAME ghost" from b1 (client ${b1Client})`,
    );
    await launcher.readFromPid(victim, { type: 'claim', client: b1Client, name: 'ghost' });
    a0.sendLine('LIST');
    const names = await a0.readLine(WAIT_MS, 'the reply to LIST');
    t.check(
      names === 'NAMES a0 c0',
      '"NAMES a0 c0": the claim ignored, since b1 is gone (step 1 of Registry.claim, Task 1)',
      () =>
        `${JSON.stringify(names)}${names.includes('ghost') ? ': the name went to a client that is gone, for good' : ''}`,
    );
    await a0.ask('SEND c0 still here?', 'OK SEND c0');
    const got = await c0.readLine(WAIT_MS, 'c0 to receive "MSG a0 still here?"');
    t.check(got === 'MSG a0 still here?', '"MSG a0 still here?"', () => JSON.stringify(got));
    t.step('connected four new clients, one by one');
    const fresh: Peer[] = [];
    for (const name of ['b1', 'd1', 'e', 'f']) fresh.push(await registerAs(t, port, name));
    await fresh[0].ask('SEND f through the new worker', 'OK SEND f');
    const arrived = await fresh[3].readLine(WAIT_MS, 'f to receive "MSG b1 through the new worker"');
    t.check(arrived === 'MSG b1 through the new worker', '"MSG b1 through the new worker"', () =>
      JSON.stringify(arrived),
    );
    // The new worker must start with the names as they are: a client of it reaches a0.
    const welcomed = await launcher.welcomed(await relay.workers(), 1, START_MS);
    t.check(
      welcomed > 0,
      'the new worker 1 to become ready (the primary sends it a first message)',
      () => `no message reached it within ${START_MS / 1000} s`,
    );
    t.step('connected more clients, one by one, until the primary handed one to the new worker 1');
    let onNew: Peer | undefined;
    for (let i = 0; i < 20 && !onNew; i++) {
      const before = await launcher.connectionsHandedTo(await relay.workers(), 1);
      const peer = await registerAs(t, port, `late${i}`);
      if ((await launcher.connectionsHandedTo(await relay.workers(), 1)) > before) onNew = peer;
    }
    if (!onNew)
      return t.fail(
        'a new client to be handed to the new worker 1 within 20 connections',
        'every one went to worker 0',
      );
    await onNew.ask('SEND a0 from the new worker', 'OK SEND a0');
    const fromNew = await a0.readLine(WAIT_MS, 'a0 to receive the message from the client of the new worker');
    t.check(
      fromNew.startsWith('MSG late') && fromNew.endsWith(' from the new worker'),
      '"MSG lateN from the new worker": the new worker knew a0, who registered before it started',
      () => JSON.stringify(fromNew),
    );
    const live = (await launcher.describe(await relay.workers()))
      .filter((worker) => worker.alive)
      .map((worker) => worker.pid);
    t.check(
      live.length === 2 && launched.length === 3 && !live.includes(victim),
      "two live workers: the survivor and one new worker in the dead one's place",
      () => `${live.length} live of ${launched.length} started`,
    );
  });

  graded(lab.tests.waitsForAWorker, async (t) => {
    const cluster = await startStudentCluster(t, 1);
    const { port, launcher, relay } = cluster;
    const alice = await registerAs(t, port, 'alice');
    /** Kills the only worker; resolves once the relay has started its replacement, which the test keeps from being ready. */
    const replace = async (started: number) => {
      await launcher.holdNextReady();
      await killWorker(t, cluster, 0);
      const count = await launcher.launchedAtLeast(started, START_MS);
      t.check(count >= started, 'the relay to start a new worker in place of the dead one', () =>
        count < started ? `none started within ${START_MS / 1000} s` : `${count} started`,
      );
      t.step('the new worker started; the test holds its "ready" back from the primary');
    };
    await replace(2);
    await alice.readToEnd(WAIT_MS, 'alice, on the only worker, to be disconnected');
    const bob = await Peer.connect(t, port, 'bob');
    bob.sendLine('NAME bob');
    t.step('bob connected and sent NAME while no worker is ready; then the primary got the new worker\'s "ready"');
    await launcher.hearHeld();
    const reply = await bob.readLine(START_MS, 'bob to be served by the new worker: "OK NAME bob"');
    t.check(reply === 'OK NAME bob', '"OK NAME bob"', () => JSON.stringify(reply));
    await bob.ask('LIST', 'NAMES bob');
    await replace(3);
    await launcher.countAccepts(relay.server);
    const carol = await Peer.connect(t, port, 'carol');
    // Not before the primary has accepted her: close() would find her in the listen queue still.
    const accepted = await launcher.acceptedAtLeast(1, WAIT_MS);
    t.check(accepted >= 1, "the primary's server to accept carol's connection", () => 'it has not');
    t.step(
      "carol connected while no worker is ready, the primary accepted her, and the test called the relay's close()",
    );
    await relay.close();
    await carol.readToEnd(WAIT_MS, "carol's connection, still waiting for a worker, to be closed by close()");
  });

  graded(lab.tests.lostOnTheWay, async (t) => {
    const handOverTimeoutMs = 500;
    const cluster = await startStudentCluster(t, 2, { handOverTimeoutMs });
    const { relay, port, launcher, logged, loggedMoreThan } = cluster;
    const a0 = await registerAs(t, port, 'a0');
    const b1 = await registerAs(t, port, 'b1');
    t.step(
      'from now on, every connection the primary hands worker 1 is lost on the way, as when worker 1 has no file descriptor left: its Node drops a socket it cannot receive, and nobody is told',
    );
    await launcher.loseConnections(await relay.workers(), 1, true);
    await t.settleHost();
    const loggedBefore = logged.length;
    const c0 = await registerAs(t, port, 'c0');
    const lost = await Peer.connect(t, port, 'lost'); // worker 1
    await registerAs(t, port, 'd0');
    const alsoLost = await Peer.connect(t, port, 'also-lost'); // worker 1
    for (const peer of [lost, alsoLost]) {
      await peer.readToEnd(
        handOverTimeoutMs + WAIT_MS,
        `the relay to close ${peer.label}'s connection within handOverTimeoutMs (${handOverTimeoutMs} ms): worker 1 never took it, so it would hang`,
      );
      await t.settleHost();
      const about = logged.slice(loggedBefore);
      t.check(
        about.length === 1,
        `the relay to log it once, when it closes the first such connection: one line${peer === alsoLost ? ' for the two connections worker 1 did not take, not one per connection' : ''}`,
        () => (about.length === 0 ? 'nothing was logged' : `${about.length} lines:\n${about.join('\n')}`),
      );
    }
    await a0.ask('SEND b1 still here?', 'OK SEND b1');
    const got = await b1.readLine(WAIT_MS, 'b1, on worker 1, to receive "MSG a0 still here?"');
    t.check(got === 'MSG a0 still here?', '"MSG a0 still here?"', () => JSON.stringify(got));
    t.step('worker 1 receives the connections it is handed again, as once descriptors are free');
    await launcher.loseConnections(await relay.workers(), 1, false);
    await registerAs(t, port, 'e0');
    const f1 = await registerAs(t, port, 'f1'); // worker 1
    await f1.ask('SEND c0 served again', 'OK SEND c0');
    const fromF1 = await c0.readLine(WAIT_MS, 'c0 to receive "MSG f1 served again"');
    t.check(fromF1 === 'MSG f1 served again', '"MSG f1 served again"', () => JSON.stringify(fromF1));
    t.step(
      `worker 1 is slow: what it says to the primary, "took" first, reaches the primary only after handOverTimeoutMs`,
    );
    await registerAs(t, port, 'g0'); // worker 0: the next client goes to worker 1
    await launcher.holdWhatWorkerSays(await relay.workers(), 1);
    const loggedBefore2 = logged.length;
    const slow = await Peer.connect(t, port, 'slow'); // worker 1
    slow.sendLine('NAME slow');
    await t.within(
      loggedMoreThan(loggedBefore2),
      handOverTimeoutMs + WAIT_MS,
      'the relay to log that worker 1 did not take a connection within handOverTimeoutMs',
      () => 'nothing was logged',
    );
    t.step('the primary gave the connection up; then it heard worker 1: "took", and NAME slow');
    await launcher.hearHeld();
    const late = await slow.readLine(WAIT_MS, '"OK NAME slow": worker 1 has the connection after all, and serves it');
    t.check(late === 'OK NAME slow', '"OK NAME slow"', () => JSON.stringify(late));
    await failAnAccept(t, relay.server, "the primary's server");
    const h0 = await registerAs(t, port, 'h0');
    await h0.ask('SEND f1 after the failed accept', 'OK SEND f1');
    const fromH0 = await f1.readLine(WAIT_MS, 'f1 to receive "MSG h0 after the failed accept"');
    t.check(fromH0 === 'MSG h0 after the failed accept', '"MSG h0 after the failed accept"', () =>
      JSON.stringify(fromH0),
    );
  });

  graded(lab.tests.failedStart, async (t) => {
    const { startClusterRelay, launched, launcher, log } = await prepareCluster(t);
    // Its outcome as data: a relay that started anyway is closed in teardown.
    const settle = (starting: ReturnType<typeof startClusterRelay>) =>
      t.within(
        starting.then(
          (relay) => {
            t.defer(() => relay.close());
            return { error: undefined };
          },
          (error: unknown) => ({ error: error as NodeJS.ErrnoException }),
        ),
        START_MS,
        'startClusterRelay to reject',
        () => `its promise has not settled (${launched.length} worker processes started in this test so far)`,
      );
    const noneLeft = async (why: string) => {
      const running = await launcher.runningAfterWaiting(1000);
      t.check(
        running.length === 0,
        `every worker process started in this test (${launched.length}) to have exited: ${why}`,
        () => `${running.length} still running a second later (pids ${running.join(', ')})`,
      );
    };

    const busy = await startTestServer(t, (socket) => socket.destroy());
    t.step(
      `called startClusterRelay({ host: "${LOOPBACK}", port: ${busy}, workers: 1, log }): the port the test server holds`,
    );
    const taken = (
      await settle(startClusterRelay({ host: LOOPBACK, port: busy, workers: 1, log, launch: launcher.launch }))
    ).error;
    if (taken === undefined)
      return t.fail(`its promise to reject with listen's EADDRINUSE error: port ${busy} is taken`, 'it resolved');
    if (/not implemented yet/.test(taken.message)) throw taken;
    t.check(
      taken.code === 'EADDRINUSE',
      "its promise to reject with listen's own error (code EADDRINUSE), which the relay program explains in one line",
      () => `it rejected with ${taken.name}: ${taken.message} (code ${taken.code ?? 'none'})`,
    );
    t.step(`it rejected: ${taken.message}`);
    await noneLeft('else the relay program prints its error, then never exits');

    t.step(
      `called startClusterRelay({ host: "${LOOPBACK}", port: 0, workers: 2, log }) with a launch whose worker 1 exits at once (code 3), as a worker.ts that throws as it loads would`,
    );
    const broken = (
      await settle(
        startClusterRelay({ host: LOOPBACK, port: 0, workers: 2, log, launch: launcher.launchWithBrokenWorker1 }),
      )
    ).error;
    if (broken === undefined)
      return t.fail('its promise to reject: worker 1 exited before it was ready', 'it resolved');
    t.step(`it rejected: ${broken.message}`);
    await noneLeft('worker 0 too, once the start has failed');

    t.step(`called startClusterRelay({ host: "${LOOPBACK}", port: 0, workers: 2, log })`);
    const relay = await t.within(
      startClusterRelay({ host: LOOPBACK, port: 0, workers: 2, log, launch: launcher.launch }),
      START_MS,
      'startClusterRelay to resolve',
      () => 'its promise has not settled',
    );
    t.defer(() => relay.close());
    t.step('from now on, every worker launched exits at once (code 3), as a worker.ts that throws as it loads');
    await launcher.breakLaunches(true);
    const before = await launcher.launchedAtLeast(0, 0); // how many so far, in this test
    await killWorker(t, { relay, launcher } as Cluster, 1);
    const replaced = await launcher.launchedAtLeast(before + 1, START_MS);
    t.check(replaced > before, 'the relay to start a new worker in place of the dead one', () => 'it started none');
    const after = await launcher.launchedOnceTheLastExits(START_MS);
    t.check(
      after === replaced,
      'the replacement, which exited before it was ready, not to be replaced again: it would only die again, and again',
      () => `${after - replaced} more worker(s) launched the moment it exited`,
    );
  });

  graded(lab.tests.cleanShutdown, async (t) => {
    const { relay, port, launched, launcher } = await startStudentCluster(t);
    await registerAs(t, port, 'alice');
    const bob = await registerAs(t, port, 'bob');
    await registerAs(t, port, 'carol'); // worker 0: the next client goes to worker 1
    await launcher.hold(await relay.workers(), 1);
    const onItsWay = await Peer.connect(t, port, 'a client whose connection is on its way to worker 1');
    const held = await launcher.connectionsHeld(await relay.workers(), 1, 1, WAIT_MS);
    t.check(held === 1, 'the primary to hand the connection to worker 1', () => `${held} connection(s) on their way`);
    t.step('called relay.close()');
    const running = await t.within(
      launcher.runningAfter(relay.close),
      WAIT_MS,
      'close() to resolve',
      () => `it has not; ${launched.filter(isRunning).length} worker(s) still running`,
    );
    t.check(
      running.length === 0,
      'every worker process to have exited when close() resolves',
      () => `${running.length} still running (pids ${running.join(', ')})`,
    );
    t.check(!(await relay.server.listening), 'the server to stop listening', () => 'it still listens');
    await bob.readToEnd(WAIT_MS, "bob's connection to be closed, its worker gone");
    await onItsWay.readToEnd(WAIT_MS, 'the connection still on its way to worker 1 to be closed, not handed out again');
    t.step(`connected a new client to ${LOOPBACK}:${port}`);
    const refused = await new Promise<boolean>((resolve) => {
      const probe = Peer.connect(t, port, 'a late client', 1000);
      probe.then(
        (peer) => {
          peer.socket.destroy();
          resolve(false);
        },
        () => resolve(true),
      );
    });
    t.check(refused, 'the connection to be refused', () => 'it was accepted');
  });
});
