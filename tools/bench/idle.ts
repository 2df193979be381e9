// Idle mode: COUNT clients connect, register and then stay silent, as most chat users do
// most of the time. The relay must hold them all, cheaply, and still answer a newcomer at
// once: one event loop serves everyone only if no one costs it anything while silent.
import type net from 'node:net';
import { connectClients, destroyAll } from './connect.ts';
import { sampleServer, treeRssBytes } from './process-memory.ts';
import type { IdleResult } from './results.ts';
import type { ServerProcess } from './server-process.ts';

const REPLY_TIMEOUT_MS = 10_000;

/** The whole lines the socket receives, once `complete` holds for them. */
function readLines(socket: net.Socket, what: string, complete: (lines: string[]) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (error: Error | undefined, lines: string[] = []) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve(lines);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const lines = text.split('\n').slice(0, -1);
      if (complete(lines)) finish(undefined, lines);
    };
    const onClose = () => finish(new Error(`the relay closed the connection instead of answering ${what}`));
    const timer = setTimeout(
      () => finish(new Error(`the relay did not answer ${what} within ${REPLY_TIMEOUT_MS / 1000} s`)),
      REPLY_TIMEOUT_MS,
    );
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/** The first line the relay sends on `socket`. */
async function nextLine(socket: net.Socket, what: string): Promise<string> {
  return (await readLines(socket, what, (lines) => lines.length > 0))[0];
}

async function register(socket: net.Socket, name: string): Promise<void> {
  socket.on('error', () => {}); // a reset shows as a dropped client at the end
  socket.write(`NAME ${name}\n`);
  const reply = await nextLine(socket, `NAME ${name}`);
  if (reply !== `OK NAME ${name}`) throw new Error(`NAME ${name} was answered "${reply.slice(0, 120)}"`);
}

export async function runIdle(server: ServerProcess, count: number): Promise<IdleResult> {
  const rssBefore = treeRssBytes(server.pid);
  const memory = sampleServer(server.pid, server.reportDir);
  const started = performance.now();
  let held: net.Socket[] = [];
  let newcomer: net.Socket[] = [];
  try {
    held = await connectClients(server.port, count, (batch, first) =>
      Promise.all(batch.map((socket, i) => register(socket, `i${first + i}`))).then(() => {}),
    );
    const connectSeconds = (performance.now() - started) / 1000;
    let dropped = 0;
    for (const socket of held) socket.once('close', () => dropped++);

    newcomer = await connectClients(server.port, 1);
    const asked = performance.now();
    newcomer[0].write('LIST\n');
    // docs/protocol.md: NAMES lines, each but the last ending in "...", or another reply.
    const isNames = (line: string) => line === 'NAMES' || line.startsWith('NAMES ');
    const lines = await readLines(newcomer[0], `LIST with ${count} clients held`, (got) =>
      got.some((line) => !isNames(line) || !line.endsWith(' ...')),
    );
    const listMs = performance.now() - asked;
    const reply = lines.join('\n');
    // The answer holds every name: summarize it, never print it.
    const answered = lines.every(isNames);
    const listedNames = answered
      ? lines.reduce((names, line) => names + line.split(' ').filter((field) => field !== '...').length - 1, 0)
      : 0;
    return {
      held: count,
      connectSeconds,
      listMs,
      listAnswered: answered,
      listReply: answered
        ? `${lines.length} NAMES line(s) with ${listedNames.toLocaleString('en-US')} names`
        : reply.slice(0, 200),
      listedNames,
      dropped,
      rssBeforeMb: rssBefore / 1e6,
      peakRssMb: (await memory.stop()).peakRssBytes / 1e6,
    };
  } finally {
    await memory.stop();
    await destroyAll([...held, ...newcomer]);
  }
}
