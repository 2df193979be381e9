// A client whose network vanishes without a FIN or RST loses its name within 2T
// (docs/protocol.md, "Liveness"). The client runs in a network namespace of its own, joined to
// the relay by a veth pair (10.77.0.1 for the relay, 10.77.0.2 for the client); it answers
// every PING until its link goes down. Then no packet of its ever reaches the relay again,
// just as when a laptop's lid closes. Linux, as root (it needs `ip netns`); not part of npm test.
//
//   node --import tsx tools/checks/relay-checks/vanish.ts [--idle-timeout 2] [--target solutions] [--lab 05|06]
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../grader/lab.ts';
import { connectClient, startRelayProgram, waitFor } from './relay-process.ts';

const { values } = parseArgs({
  options: {
    'idle-timeout': { type: 'string', default: '2' },
    target: { type: 'string', default: 'solutions' },
    lab: { type: 'string', default: '05' },
  },
});
const idleSeconds = Number(values['idle-timeout']);
const RELAY_ADDRESS = '10.77.0.1';
const CLIENT_ADDRESS = '10.77.0.2';
const namespace = `relay-vanish-${process.pid}`;
const relayEnd = `vr${process.pid}`.slice(0, 15);
const clientEnd = `vc${process.pid}`.slice(0, 15);

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const inNamespace = (...args: string[]) => ip('netns', 'exec', namespace, ...args);

/** The client: registers as "laptop", answers every PING, and prints what it receives. */
const CLIENT = `
const socket = require('node:net').connect({ host: '${RELAY_ADDRESS}', port: Number(process.argv[1]) });
let partial = '';
socket.on('data', (chunk) => {
  const lines = (partial + chunk).split('\\n');
  partial = lines.pop();
  for (const line of lines) {
    console.log(line);
    if (line === 'PING') socket.write('PONG\\n');
  }
});
socket.on('error', (error) => console.log('error ' + error.message));
socket.write('NAME laptop\\n');
`;

function setUp(): void {
  ip('netns', 'add', namespace);
  ip('link', 'add', relayEnd, 'type', 'veth', 'peer', 'name', clientEnd);
  ip('link', 'set', clientEnd, 'netns', namespace);
  ip('addr', 'add', `${RELAY_ADDRESS}/24`, 'dev', relayEnd);
  ip('link', 'set', relayEnd, 'up');
  inNamespace('ip', 'addr', 'add', `${CLIENT_ADDRESS}/24`, 'dev', clientEnd);
  inNamespace('ip', 'link', 'set', clientEnd, 'up');
}

function tearDown(): void {
  try {
    ip('netns', 'del', namespace);
  } catch {
    /* not made */
  }
  try {
    ip('link', 'del', relayEnd);
  } catch {
    /* gone with the namespace */
  }
}

setUp();
const relay = await startRelayProgram(
  join(REPO_ROOT, values.target!, values.lab === '06' ? '06-cluster' : '05-relay', 'relay.ts'),
  ['--host', RELAY_ADDRESS, '--idle-timeout', String(idleSeconds)],
);
const laptop = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', CLIENT, String(relay.port)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const laptopLines: string[] = [];
const laptopEvents = new EventTarget();
laptop.stdout.on('data', (chunk: Buffer) => {
  laptopLines.push(
    ...chunk
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== ''),
  );
  laptopEvents.dispatchEvent(new Event('change'));
});
let failed = false;
try {
  await waitFor(laptopEvents, () => laptopLines.includes('OK NAME laptop'), 10_000, '"laptop" to register');
  await waitFor(laptopEvents, () => laptopLines.includes('PING'), 3 * idleSeconds * 1000, 'the first PING');
  console.log(`"laptop" registered from ${CLIENT_ADDRESS} and answered a PING (T = ${idleSeconds} s)`);

  const observer = await connectClient(relay.port, 'observer', RELAY_ADDRESS);
  observer.socket.on('data', () => {
    if (observer.lines.at(-1) === 'PING') observer.socket.write('PONG\n');
  });
  inNamespace('ip', 'link', 'set', clientEnd, 'down');
  const down = performance.now();
  console.log('the link of "laptop" is down: no FIN, no RST, nothing more from it');
  // Polling LIST is fine here: this measures how long the relay takes, it is not a test.
  let seconds = 0;
  for (;;) {
    const before = observer.lines.length;
    observer.socket.write('LIST\n');
    await waitFor(
      observer.events,
      () => observer.lines.slice(before).some((line) => line.startsWith('NAMES')),
      5000,
      'an answer to LIST',
    );
    const names = observer.lines.slice(before).find((line) => line.startsWith('NAMES'))!;
    seconds = (performance.now() - down) / 1000;
    if (!names.split(' ').includes('laptop')) break;
    if (seconds > 4 * idleSeconds) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const freed = seconds <= 2 * idleSeconds + 0.5;
  console.log(
    `${freed ? 'ok  ' : 'FAIL'} the name "laptop" was freed ${seconds.toFixed(2)} s after the link went down (bound: 2T = ${2 * idleSeconds} s)`,
  );
  const back = await connectClient(relay.port, 'laptop', RELAY_ADDRESS);
  console.log(
    `${back.registered ? 'ok  ' : 'FAIL'} a new connection claims "laptop": ${JSON.stringify(back.lines[0] ?? 'no answer')}`,
  );
  console.log(`the relay logged: ${JSON.stringify(relay.output().filter((line) => line.includes('cutting off')))}`);
  failed = !freed || !back.registered;
  observer.socket.destroy();
  back.socket.destroy();
} finally {
  laptop.kill();
  relay.stop();
  tearDown();
}
if (failed) process.exitCode = 1;
