import { describe } from 'vitest';
import { graded, type Trace } from '../support/graded.ts';
import { LOOPBACK, Peer, superviseServer } from '../support/net.ts';
import { listUntil, registerAs, seededRandom } from '../support/relay-protocol.ts';
import lab from './lab.ts';

const WAIT_MS = 5000;

async function startServer(t: Trace): Promise<number> {
  const { startNameServer } = await t.lab<typeof import('../../labs/04-names/server.ts')>('04-names', 'server.ts');
  t.step(`started your server: startNameServer({ host: "${LOOPBACK}", port: 0, log })`);
  const server = await t.within(startNameServer({ host: LOOPBACK, port: 0, log: () => {} }), WAIT_MS,
    'startNameServer to resolve once listening', () => 'its promise has not settled');
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
  });

  graded(lab.tests.refusesTaken, async (t) => {
    const port = await startServer(t);
    const alice = await registerAs(t, port, 'alice');
    const other = await Peer.connect(t, port, 'another client');
    await other.ask('NAME alice', /^ERR name-taken alice( |$)/);
    await alice.ask('NAME alicia', /^ERR already-named alice( |$)/);
    await other.ask('NAME alicia', 'OK NAME alicia');
    await other.ask('LIST', 'NAMES alice alicia');
  });

  graded(lab.tests.badInput, async (t) => {
    const port = await startServer(t);
    const peer = await Peer.connect(t, port, 'a client');
    await peer.ask('HELLO', /^ERR unknown-command /);
    await peer.ask('name bob', /^ERR unknown-command /);
    await peer.ask('NAME', /^ERR malformed /);
    await peer.ask('LIST please', /^ERR malformed /);
    await peer.ask('NAME no spaces allowed', /^ERR malformed /);
    await peer.ask('NAME this-name-is-far-too-long', /^ERR bad-name /);
    await peer.ask('SEND bob hi', /^ERR not-registered /);
    await peer.ask('ALL hi', /^ERR not-registered /);
    await peer.ask('NAME bob', 'OK NAME bob');
    t.check(!peer.ended, 'the connection still open after all those errors', () => peer.describe());
  });

  graded(lab.tests.quitReleases, async (t) => {
    const port = await startServer(t);
    const alice = await registerAs(t, port, 'alice');
    await alice.ask('QUIT', 'BYE');
    await alice.readToEnd(WAIT_MS, 'the server to close the connection after BYE');
    const again = await Peer.connect(t, port, 'a new client');
    await again.ask('NAME alice', 'OK NAME alice');
  });

  graded(lab.tests.disconnectReleases, async (t) => {
    const port = await startServer(t);
    const observer = await Peer.connect(t, port, 'an observer');
    const closer = await registerAs(t, port, 'closer');
    const resetter = await registerAs(t, port, 'resetter');
    const framer = await registerAs(t, port, 'framer');
    await observer.ask('LIST', 'NAMES closer framer resetter');
    closer.end();
    await listUntil(t, observer, (names) => !names.includes('closer'), 'LIST without "closer" once it closed its connection');
    await resetter.reset();
    await listUntil(t, observer, (names) => !names.includes('resetter'), 'LIST without "resetter" once it reset its connection');
    framer.send(Buffer.from([0xff, 0xfe, 0x0a]));
    await framer.readToEnd(WAIT_MS, 'the server to close a connection that sent invalid UTF-8');
    await listUntil(t, observer, (names) => !names.includes('framer'), 'LIST without "framer" once the server closed its connection');
    for (const name of ['closer', 'resetter', 'framer']) await registerAs(t, port, name);
  });

  graded(lab.tests.badLine, async (t) => {
    const port = await startServer(t);
    const peer = await Peer.connect(t, port, 'a client');
    peer.send(`NAME carol\nLIST\n${'x'.repeat(2000)}\nLIST\n`);
    const reply = (await peer.readToEnd(WAIT_MS, 'two answers, "ERR bad-line ...", then the connection closed')).toString('utf8').split('\n');
    t.check(reply[0] === 'OK NAME carol' && reply[1] === 'NAMES carol', 'the lines before the bad one answered: "OK NAME carol", "NAMES carol"', () => JSON.stringify(reply));
    t.check(reply[2]?.startsWith('ERR bad-line ') === true, 'then "ERR bad-line ..."', () => JSON.stringify(reply));
    t.check(reply.slice(3).join('') === '', 'nothing after it: the line after the bad one is not answered', () => JSON.stringify(reply));
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
