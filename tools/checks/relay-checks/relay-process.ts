// Shared by the relay checks of this folder: the relay program in a child process, and line
// clients that report what became of them. Every wait is on an event, with a time limit.
import net from 'node:net';
import { spawn } from 'node:child_process';

/** Resolves once `done()` holds, checking on every 'change' of `events`; rejects after `ms`. */
export function waitFor(events: EventTarget, done: () => boolean, ms: number, what: string): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      events.removeEventListener('change', check);
      reject(new Error(`gave up after ${ms} ms waiting for ${what}`));
    }, ms);
    function check(): void {
      if (!done()) return;
      clearTimeout(timer);
      events.removeEventListener('change', check);
      resolve();
    }
    events.addEventListener('change', check);
  });
}

export interface RelayProcess {
  port: number;
  /** Every line the relay printed so far. */
  output(): string[];
  /** Dispatches 'change' when the relay prints. */
  events: EventTarget;
  stop(): void;
}

/** Runs `node --import tsx script args`, behind `wrapper` (prlimit, ip netns exec) if given. */
export async function startRelayProgram(script: string, args: string[], wrapper: string[] = []): Promise<RelayProcess> {
  const command = [...wrapper, process.execPath, '--import', 'tsx', script, '--port', '0', ...args];
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const events = new EventTarget();
  let partial = '';
  const take = (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    events.dispatchEvent(new Event('change'));
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  child.on('exit', () => events.dispatchEvent(new Event('change')));
  const stop = () => {
    if (child.exitCode === null) child.kill();
  };
  try {
    await waitFor(
      events,
      () => lines.some((line) => line.startsWith('listening on')) || child.exitCode !== null,
      10_000,
      'the relay to listen',
    );
  } catch (error) {
    stop();
    throw error;
  }
  const listening = lines.find((line) => line.startsWith('listening on'));
  if (!listening) throw new Error(`the relay did not start: ${lines.join(' | ')}`);
  return { port: Number(listening.split(':').at(-1)), output: () => lines, events, stop };
}

export interface LineClient {
  name: string;
  socket: net.Socket;
  /** Complete lines received. */
  lines: string[];
  registered: boolean;
  events: EventTarget;
}

/** Connects, sends NAME, and resolves once the reply came or the connection ended. */
export function connectClient(port: number, name: string, host = '127.0.0.1'): Promise<LineClient> {
  const socket = net.connect({ host, port });
  const client: LineClient = { name, socket, lines: [], registered: false, events: new EventTarget() };
  let partial = '';
  return new Promise((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop()!;
      client.lines.push(...parts);
      if (client.lines[0] === `OK NAME ${name}`) client.registered = true;
      client.events.dispatchEvent(new Event('change'));
      if (client.lines.length > 0) resolve(client);
    });
    socket.on('error', () => resolve(client));
    socket.on('close', () => resolve(client));
    socket.write(`NAME ${name}\n`);
  });
}
