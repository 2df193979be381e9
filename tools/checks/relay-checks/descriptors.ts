// Out of file descriptors, the relay (lab 05, or lab 06 with --lab 06) logs it once, keeps serving the clients it has,
// and accepts again once some leave (docs/protocol.md, "Running out of connections").
// Linux only (it needs prlimit); not part of npm test.
//
//   node --import tsx tools/checks/relay-checks/descriptors.ts [--nofile 100] [--target solutions] [--lab 05|06]
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { REPO_ROOT } from '../../grader/lab.ts';
import { connectClient, startRelayProgram, waitFor } from './relay-process.ts';

const { values } = parseArgs({ options: { nofile: { type: 'string', default: '100' }, target: { type: 'string', default: 'solutions' }, lab: { type: 'string', default: '05' } } });
const nofile = Number(values.nofile);
const clients = nofile; // well past the limit, whatever the runtime itself holds open

const relay = await startRelayProgram(join(REPO_ROOT, values.target!, values.lab === '06' ? '06-cluster' : '05-relay', 'relay.ts'), ['--host', '127.0.0.1'], ['prlimit', `--nofile=${nofile}`]);
let failed = false;
const verdict = (ok: boolean, text: string) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${text}`);
  failed ||= !ok;
};
try {
  console.log(`relay on port ${relay.port}, its descriptors limited to ${nofile}; ${clients} clients connect at once`);
  const outcomes = await Promise.all(Array.from({ length: clients }, (_, i) => connectClient(relay.port, `c${i}`)));
  const served = outcomes.filter((client) => client.registered);
  const refused = outcomes.filter((client) => !client.registered);
  verdict(served.length > 0 && refused.length > 0, `${served.length} registered, ${refused.length} refused (closed or reset, none left hanging)`);
  const refusalLines = relay.output().filter((line) => line.startsWith('not accepting new connections'));
  verdict(refusalLines.length === 1, `the relay logged the refusals ${refusalLines.length === 1 ? 'once' : `${refusalLines.length} times`}: ${JSON.stringify(refusalLines[0] ?? '')}`);

  const [first, second] = served;
  first.socket.write(`SEND ${second.name} still here\n`);
  await waitFor(second.events, () => second.lines.includes(`MSG ${first.name} still here`), 5000, 'a message between two clients');
  verdict(true, `while refusing, ${first.name} and ${second.name} still chat`);

  const leaving = served.slice(2, Math.max(3, served.length / 2));
  for (const client of leaving) client.socket.destroy();
  console.log(`${leaving.length} clients leave`);
  // The relay notices the closes in its own time: a refused newcomer tries again, at most 50 times.
  let late;
  for (let attempt = 1; attempt <= 50; attempt++) {
    late = await connectClient(relay.port, 'late');
    if (late.registered) break;
  }
  verdict(late!.registered, `a client that comes later is accepted again: ${JSON.stringify(late!.lines[0] ?? 'refused')}`);
  await waitFor(relay.events, () => relay.output().includes('accepting new connections again'), 5000, 'the relay to log that it accepts again');
  verdict(true, 'the relay logged "accepting new connections again"');
  for (const client of [...outcomes, late!]) client.socket.destroy();
} finally {
  relay.stop();
}
if (failed) process.exitCode = 1;
