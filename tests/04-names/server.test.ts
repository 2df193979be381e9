import { describe } from 'vitest';
import { graded, type Trace } from '../support/graded.ts';
import { expectAddressInUse, LOOPBACK, Peer, superviseServer } from '../support/net.ts';
import { listUntil, registerAs, seededRandom } from '../support/relay-protocol.ts';
import lab from './lab.ts';

const WAIT_MS = 5000;

async function startServer(t: Trace): Promise<number> {
  const { startNameServer } = await t.lab<typeof import('../../labs/04-names/server.ts')>('04-names', 'server.ts');
  t.step(`started your server: startNameServer({ host: "${LOOPBACK}", port: 0, log })`);
  const server = await t.within(
    startNameServer({ host: LOOPBACK, port: 0, log: () => {} }),
    WAIT_MS,
    'startNameServer to resolve once listening',
    () => 'its promise has not settled',
  );
  return (await superviseServer(t, server)).port;
}

describe(lab.title, () => {
  graded(lab.tests.registers, async (t) => {
    const port = await startServer(t);
    const observer = await Peer.connect(t, port, 'an observer');
    await observer.ask('LIST', 'NAMES');
    await registerAs(t, port, 'zoe');
    await registerAs(t, port, 'alice');
    await registerAs(t, port, 'Mike');
    await observer.ask('LIST', 'NAMES Mike alice zoe');
    // Two clients at once, each line in pieces: each connection needs its own decoder.
    const ann = await Peer.connect(t, port, 'ann');
    const bob = await Peer.connect(t, port, 'bob');
    ann.send('NAME an');
    await ann.delivered();
    bob.send('NAME bo');
    await bob.delivered();
    t.step('both lines are now half-sent, each on its own connection');
    ann.send('n\n');
    const annReply = await ann.readLine(WAIT_MS, 'the reply "OK NAME ann"');
    t.check(
      annReply === 'OK NAME ann',
      'the reply "OK NAME ann": the bytes of one connection never mix with another\'s',
      () => JSON.stringify(annReply),
    );
    bob.send('b\n');
    const bobReply = await bob.readLine(WAIT_MS, 'the reply "OK NAME bob"');
    t.check(
      bobReply === 'OK NAME bob',
      'the reply "OK NAME bob": the bytes of one connection never mix with another\'s',
      () => JSON.stringify(bobReply),
    );
    await observer.ask('LIST', 'NAMES Mike alice ann bob zoe');
  });

  graded(lab.tests.refusesTaken, async (t) => {
    const port = await startServer(t);
    const alice = await registerAs(t, port, 'alice');
    const other = await Peer.connect(t, port, 'another client');
    await other.ask('NAME alice', /^ERR name-taken alice( |$)/);
    await alice.ask('NAME alicia', /^ERR already-named alice( |$)/);
    await alice.ask('NAME alice', /^ERR already-named alice( |$)/);
    await other.ask('NAME alicia', 'OK NAME alicia');
    await other.ask('LIST', 'NAMES alice alicia');
    const third = await Peer.connect(t, port, 'a third client');
    t.step('names are case-sensitive: "Alice" is not "alice", so it is free');
    await third.ask('NAME Alice', 'OK NAME Alice');
    await other.ask('LIST', 'NAMES Alice alice alicia');
  });

  graded(lab.tests.badInput, async (t) => {
    const port = await startServer(t);
    const peer = await Peer.connect(t, port, 'a client');
    // The word is the third field, exactly as sent (docs/protocol.md): nothing glued to it.
    await peer.ask('HELLO', /^ERR unknown-command HELLO( |$)/);
    await peer.ask('name bob', /^ERR unknown-command name( |$)/);
    await peer.ask('NAME', /^ERR malformed /);
    await peer.ask('LIST please', /^ERR malformed /);
    await peer.ask('NAME no spaces allowed', /^ERR malformed /);
    await peer.ask('NAME this-name-is-far-too-long', /^ERR bad-name /);
    await peer.ask('NAME seventeen-chars-x', /^ERR bad-name /);
    await peer.ask('NAME [bot]', /^ERR bad-name /);
    await peer.ask('SEND bob hi', /^ERR not-registered /);
    await peer.ask('ALL hi', /^ERR not-registered /);
    await peer.ask('NAME sixteen-chars-ok', 'OK NAME sixteen-chars-ok');
    // Registered now: SEND and ALL are known, just not delivered before lab 05.
    await peer.ask('SEND bob hi', /^ERR not-implemented \S/);
    await peer.ask('ALL hi', /^ERR not-implemented \S/);
    t.check(!peer.ended, 'the connection still open after all those errors', () => peer.describe());
  });

  graded(lab.tests.quitReleases, async (t) => {
    const port = await startServer(t);
    const alice = await Peer.connect(t, port, 'alice');
    alice.socket.allowHalfOpen = true;
    t.step('alice will keep its own side open after the server closes its side, as a client may after BYE');
    alice.send('NAME alice\nQUIT\nNAME carol\nLIST\n');
    const received = (
      await alice.readToEnd(WAIT_MS, '"OK NAME alice", "BYE", then the server closing the connection')
    ).toString('utf8');
    t.check(
      received === 'OK NAME alice\nBYE\n',
      '"OK NAME alice\\nBYE\\n" and nothing after BYE: the lines after QUIT are ignored, even in the same chunk',
      () => JSON.stringify(received),
    );
    const again = await Peer.connect(t, port, 'a new client');
    t.step("alice's side is still open: its name must be free all the same, from QUIT on");
    await again.ask('NAME alice', 'OK NAME alice');
    t.step('"NAME carol" came after QUIT: carol must never have been claimed');
    await again.ask('LIST', 'NAMES alice');
  });

  graded(lab.tests.disconnectReleases, async (t) => {
    const port = await startServer(t);
    const observer = await Peer.connect(t, port, 'an observer');
    const closer = await registerAs(t, port, 'closer');
    const resetter = await registerAs(t, port, 'resetter');
    const framer = await registerAs(t, port, 'framer');
    await observer.ask('LIST', 'NAMES closer framer resetter');
    closer.end();
    await listUntil(
      t,
      observer,
      (names) => !names.includes('closer'),
      'LIST without "closer" once it closed its connection',
    );
    await resetter.reset();
    await listUntil(
      t,
      observer,
      (names) => !names.includes('resetter'),
      'LIST without "resetter" once it reset its connection',
    );
    framer.send(Buffer.from([0xff, 0xfe, 0x0a]));
    await framer.readToEnd(WAIT_MS, 'the server to close a connection that sent invalid UTF-8');
    await listUntil(
      t,
      observer,
      (names) => !names.includes('framer'),
      'LIST without "framer" once the server closed its connection',
    );
    for (const name of ['closer', 'resetter', 'framer']) await registerAs(t, port, name);
  });

  graded(lab.tests.badLine, async (t) => {
    const port = await startServer(t);
    const peer = await Peer.connect(t, port, 'a client');
    t.step(
      'a line of exactly 1024 bytes before its "\\n", the longest the protocol allows, is answered like any other',
    );
    await peer.ask(`ALL ${'x'.repeat(1020)}`, /^ERR not-registered /);
    t.step('then two good lines and a line of 1025 bytes before its "\\n", one over the limit');
    const start = peer.received.length;
    peer.send(`NAME carol\nLIST\n${'x'.repeat(1025)}\nLIST\n`);
    const reply = (await peer.readToEnd(WAIT_MS, 'two answers, "ERR bad-line ...", then the connection closed'))
      .subarray(start)
      .toString('utf8')
      .split('\n');
    t.check(
      reply[0] === 'OK NAME carol' && reply[1] === 'NAMES carol',
      'the lines before the bad one answered: "OK NAME carol", "NAMES carol"',
      () => JSON.stringify(reply),
    );
    t.check(reply[2]?.startsWith('ERR bad-line ') === true, 'then "ERR bad-line ..."', () => JSON.stringify(reply));
    t.check(reply.slice(3).join('') === '', 'nothing after it: the line after the bad one is not answered', () =>
      JSON.stringify(reply),
    );
  });

  graded(lab.tests.listenError, async (t) => {
    const port = await startServer(t);
    const { startNameServer } = await t.lab<typeof import('../../labs/04-names/server.ts')>('04-names', 'server.ts');
    await expectAddressInUse(
      t,
      port,
      'startNameServer',
      () => startNameServer({ host: LOOPBACK, port, log: () => {} }),
      WAIT_MS,
    );
    const peer = await Peer.connect(t, port, 'a client of the first server');
    await peer.ask('LIST', 'NAMES');
  });

  graded(lab.tests.randomSessions, async (t) => {
    const port = await startServer(t);
    const seed = Math.floor(Math.random() * 2 ** 31);
    const next = seededRandom(seed);
    const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
    t.step(`a random sequence of 300 operations, seed ${seed}`);
    const pool = ['ann', 'bo', 'cy', 'dee', 'ed', 'flo', 'gus', 'hal', 'ivy', 'jo'];
    const live = new Map<string, Peer>();
    const observer = await Peer.connect(t, port, 'the observer');
    for (let i = 0; i < 300; i++) {
      const roll = next();
      if (roll < 0.4 || live.size === 0) {
        const name = pick(pool);
        const peer = await Peer.connect(t, port, `client ${i}`);
        if (live.has(name)) {
          await peer.ask(`NAME ${name}`, new RegExp(`^ERR name-taken ${name}( |$)`));
          peer.socket.destroy();
        } else {
          await peer.ask(`NAME ${name}`, `OK NAME ${name}`);
          live.set(name, peer);
        }
      } else if (roll < 0.8) {
        const name = pick([...live.keys()]);
        const peer = live.get(name)!;
        live.delete(name);
        const how = Math.floor(next() * 3);
        if (how === 0) {
          await peer.ask('QUIT', 'BYE');
          continue; // released before BYE: no need to wait
        }
        if (how === 1) peer.end();
        else await peer.reset();
        await listUntil(t, observer, (names) => !names.includes(name), `LIST without "${name}" once its client left`);
      } else {
        await observer.ask('LIST', ['NAMES', ...[...live.keys()].sort()].join(' '));
      }
    }
    await observer.ask('LIST', ['NAMES', ...[...live.keys()].sort()].join(' '));
  });
});
