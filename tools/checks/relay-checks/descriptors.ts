// Out of file descriptors, the relay (lab 05, or lab 06 with --lab 06) logs it once, keeps serving the clients it has,
// and accepts again once some leave (docs/protocol.md, "Running out of connections").
// Linux only (it needs prlimit); not part of npm test.
//
//   node --import tsx tools/checks/relay-checks/descriptors.ts [--nofile 100] [--target solutions] [--lab 05|06] [--one-at-a-time]
//
// By default the clients connect all at once: in lab 06 the primary then runs out first (it
// holds each connection until a worker takes it). --one-at-a-time connects them one after
// the other, so that the workers, which hold the clients, run out instead.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { REPO_ROOT } from '../../grader/lab.ts';
import { connectClient, startRelayProgram, waitFor, type LineClient } from './relay-process.ts';
import { HAND_OVER_TIMEOUT_MS } from '../../../solutions/06-cluster/primary.ts';

const { values } = parseArgs({
  options: {
    nofile: { type: 'string', default: '100' },
    target: { type: 'string', default: 'solutions' },
    lab: { type: 'string', default: '05' },
    'one-at-a-time': { type: 'boolean', default: false },
  },
});
const nofile = Number(values.nofile);
// Well past the limit, whatever the runtime itself holds open (lab 06: in every worker).
const clients = values.lab === '06' ? 2 * nofile : nofile;
/**
 * A client with neither a line nor the end of its connection after this long is hanging. Lab
 * 06's primary closes a connection a worker did not take after HAND_OVER_TIMEOUT_MS.
 */
const HANG_MS = 3000 + (values.lab === '06' ? HAND_OVER_TIMEOUT_MS : 0);
/** What the relay logs when it stops taking connections, and when it takes them again (lab 06: a worker, once each). */
const REFUSING = /^not accepting new connections|did not take a connection/;
const ACCEPTING = /accepting new connections again|takes connections again/;

const relay = await startRelayProgram(
  join(REPO_ROOT, values.target!, values.lab === '06' ? '06-cluster' : '05-relay', 'relay.ts'),
  ['--host', '127.0.0.1'],
  ['prlimit', `--nofile=${nofile}`],
);
let failed = false;
const verdict = (ok: boolean, text: string) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${text}`);
  failed ||= !ok;
};
/** Connects client `name`: its outcome, or undefined if it hangs (neither answered nor closed). */
async function attempt(name: string): Promise<LineClient | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const hanging = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), HANG_MS);
  });
  const outcome = await Promise.race([connectClient(relay.port, name), hanging]);
  clearTimeout(timer);
  return outcome;
}

try {
  console.log(
    `relay on port ${relay.port}, its descriptors limited to ${nofile}; ${clients} clients connect ${values['one-at-a-time'] ? 'one at a time' : 'at once'}`,
  );
  const attempts: (LineClient | undefined)[] = [];
  // One at a time, stop after a few clients not served: the rest would not be either, and the
  // first ones would be cut off as idle (no PING answered) before the checks below.
  if (values['one-at-a-time'])
    for (let i = 0; i < clients && attempts.filter((client) => !client?.registered).length < 3; i++)
      attempts.push(await attempt(`c${i}`));
  else attempts.push(...(await Promise.all(Array.from({ length: clients }, (_, i) => attempt(`c${i}`)))));
  const outcomes = attempts.filter((client) => client !== undefined);
  const served = outcomes.filter((client) => client.registered);
  const refused = outcomes.filter((client) => !client.registered);
  const hung = attempts.length - outcomes.length;
  verdict(
    served.length > 0 && refused.length > 0 && hung === 0,
    `${served.length} registered, ${refused.length} refused (closed or reset), ${hung} left hanging (no answer, no close within ${HANG_MS} ms)`,
  );
  // Once per spell: a spell ends when the relay accepts again (lab 06's primary holds each
  // connection only until a worker takes it, so it can have several in one flood). One at a
  // time in lab 06, each of its 2 workers may run out: a spell each.
  const refusalLines = relay.output().filter((line) => REFUSING.test(line));
  const spells = 1 + relay.output().filter((line) => ACCEPTING.test(line)).length;
  const most = values.lab === '06' && values['one-at-a-time'] ? 2 : spells;
  verdict(
    refusalLines.length >= 1 && refusalLines.length <= most,
    `the relay logged the refusals ${refusalLines.length} time(s), at most ${most} (once a spell): ${JSON.stringify(refusalLines[0])}`,
  );

  if (served.length < 2) throw new Error(`only ${served.length} client(s) registered: nothing more to check`);
  const [first, second] = served;
  first.socket.write(`SEND ${second.name} still here\n`);
  await waitFor(
    second.events,
    () => second.lines.includes(`MSG ${first.name} still here`),
    5000,
    'a message between two clients',
  );
  verdict(true, `while refusing, ${first.name} and ${second.name} still chat`);

  const leaving = served.slice(2, Math.max(3, served.length / 2));
  for (const client of leaving) client.socket.destroy();
  console.log(`${leaving.length} clients leave`);
  // The relay notices the closes in its own time: a refused newcomer tries again, at most 50 times.
  let late;
  for (let tries = 1; tries <= 50 && !late?.registered; tries++) late = await attempt('late');
  verdict(
    late?.registered === true,
    `a client that comes later is accepted again: ${late ? JSON.stringify(late.lines[0] ?? 'refused') : 'it hangs'}`,
  );
  const acceptsAgain = await waitFor(
    relay.events,
    () => relay.output().some((line) => ACCEPTING.test(line)),
    5000,
    'the relay to log that it accepts again',
  ).then(
    () => true,
    () => false,
  );
  verdict(
    acceptsAgain,
    `the relay logged that it accepts again (${ACCEPTING.source})${acceptsAgain ? '' : ' (not within 5 s)'}`,
  );
  for (const client of [...outcomes, ...(late ? [late] : [])]) client.socket.destroy();
} finally {
  relay.stop();
}
if (failed) process.exitCode = 1;
