// Opening many client connections at once: within the system's limits, and without
// overrunning the server's accept queue.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Connections opened at once. The listen backlog (Node's default 511, capped by the kernel's
 * somaxconn) holds connections the server has not accepted yet; past it, SYNs are dropped
 * and retried a second later, which would be measured as a slow server.
 */
const CONNECT_BATCH = 500;

function connectOne(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    // noDelay: a client's small writes go out at once, as the relay's do (no Nagle wait).
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      // Until its owner listens: an error with no listener would crash the bench.
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

function explain(error: NodeJS.ErrnoException, opened: number, count: number): Error {
  const at = `after ${opened} of ${count} connections`;
  if (error.code === 'EMFILE' || error.code === 'ENFILE')
    return new Error(`out of file descriptors ${at}: raise the open-file limit (ulimit -n, see docs/benchmark.md)`);
  if (error.code === 'EADDRNOTAVAIL')
    return new Error(`out of local ports ${at} (see /proc/sys/net/ipv4/ip_local_port_range)`);
  if (error.code === 'ECONNREFUSED') return new Error(`the server refused a connection ${at}: is it still running?`);
  return new Error(`connecting failed ${at}: ${error.message}`);
}

/** Opens `count` connections, CONNECT_BATCH at a time; `each` runs on every batch before the next. */
export async function connectClients(
  port: number,
  count: number,
  each: (sockets: net.Socket[], first: number) => Promise<void> = async () => {},
): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  try {
    for (let first = 0; first < count; first += CONNECT_BATCH) {
      const batch = Math.min(CONNECT_BATCH, count - first);
      const settled = await Promise.allSettled(Array.from({ length: batch }, () => connectOne(port)));
      for (const outcome of settled) if (outcome.status === 'fulfilled') sockets.push(outcome.value);
      const failed = settled.find((outcome) => outcome.status === 'rejected');
      if (failed) throw explain(failed.reason as NodeJS.ErrnoException, sockets.length, count);
      await each(sockets.slice(first), first);
    }
    return sockets;
  } catch (error) {
    for (const socket of sockets) socket.destroy();
    throw error;
  }
}

/** Closes every socket at once and resolves when all have closed. */
export async function destroyAll(sockets: net.Socket[]): Promise<void> {
  await Promise.all(
    sockets.map((socket) => {
      if (socket.closed) return undefined;
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.destroy();
      return closed;
    }),
  );
}

/** Descriptors a Node process uses besides its sockets: stdio, the event loop, libuv's threads. */
const SPARE_FDS = 100;

/**
 * The soft "Max open files" limit of this process, which the servers it starts inherit: from
 * /proc on Linux, from the shell's ulimit elsewhere on Unix (macOS). Windows has no such limit
 * on sockets: undefined there.
 */
function openFileLimit(): { soft: number; hard: string } | undefined {
  const number = (text: string) => (text === 'unlimited' ? Infinity : Number(text));
  if (existsSync('/proc/self/limits')) {
    const match = readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+(\S+)\s+(\S+)/m);
    return match ? { soft: number(match[1]), hard: match[2] } : undefined;
  }
  if (process.platform === 'win32') return undefined;
  const shell = spawnSync('/bin/sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' });
  const [soft, hard] = typeof shell.stdout === 'string' ? shell.stdout.trim().split('\n') : [];
  return soft && hard && !Number.isNaN(number(soft)) ? { soft: number(soft), hard } : undefined;
}

/**
 * Why `clients` connections cannot be opened here, or undefined if they can. Both the bench
 * and the server hold one descriptor per client, and each process has its own limit.
 */
export function connectionLimitProblem(clients: number, option: string): string | undefined {
  const limit = openFileLimit();
  const needed = clients + SPARE_FDS;
  if (limit && limit.soft < needed) {
    return [
      `the open-file limit (ulimit -n) is ${limit.soft}: too low for ${option}. The bench and the relay each hold one`,
      `file descriptor per client, so each needs at least ${needed}. Raise it in this shell and run the bench again from it:`,
      '',
      '    ulimit -n 65536',
      '',
      `Without root, ulimit -n goes up to the hard limit (here ${limit.hard}); to raise that on Linux, set "nofile"`,
      'in /etc/security/limits.conf (e.g. "* soft nofile 65536" and "* hard nofile 65536") and log in again.',
    ].join('\n');
  }
  // Linux says how many local ports there are; elsewhere connecting tells, if it comes to that.
  if (!existsSync('/proc/sys/net/ipv4/ip_local_port_range')) return undefined;
  const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const ports = range[1] - range[0] + 1;
  if (ports < needed)
    return `${option} needs ${needed} local ports but /proc/sys/net/ipv4/ip_local_port_range allows ${ports}: use fewer clients`;
  return undefined;
}
