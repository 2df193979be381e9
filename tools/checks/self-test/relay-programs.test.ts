// The relay programs of labs 05 and 06 as a person runs them (provided code around the
// students' relays): --idle-timeout sets T of the protocol's liveness (PING after T of
// silence, ERR idle-timeout after 2T), and a bad value is one line and exit code 1.
import { describe, test } from 'vitest';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { REPO_ROOT } from '../../grader/lab.ts';
import { killGroup, killTree } from '../../shared/proc.ts';

const LIMIT_MS = 15_000;

/** Runs solutions/LAB/relay.ts with `args`; `lines` holds what it printed so far. */
function runRelay(lab: string, args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', `solutions/${lab}/relay.ts`, '--host', '127.0.0.1', '--port', '0', ...args],
    {
      cwd: REPO_ROOT,
      // A group of its own (Unix), so that one kill also ends lab 06's workers.
      detached: process.platform !== 'win32',
      windowsHide: true,
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    exited,
    output: () => ({ stdout, stderr }),
    port: () =>
      until(
        () => Number(/listening on 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]) || undefined,
        () => `no "listening on" line; output:\n${stdout}${stderr}`,
      ),
    stop: () => (process.platform === 'win32' ? killTree(child.pid!) : killGroup(child.pid!)),
  };
}

/** Resolves with the first truthy value of `probe`, re-tried on every turn of the event loop, or rejects after LIMIT_MS. */
function until<T>(probe: () => T | undefined, explain: () => string): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = probe();
      if (value) resolve(value);
      else if (Date.now() - started > LIMIT_MS) reject(new Error(explain()));
      else setImmediate(tick);
    };
    tick();
  });
}

/** Connects, registers, stays silent, and returns every line the relay sends until it closes. */
async function silentClient(port: number): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write('NAME sleepy\n');
  let text = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const timer = setTimeout(() => socket.destroy(), LIMIT_MS);
  await new Promise((resolve) => socket.on('close', resolve));
  clearTimeout(timer);
  return text.split('\n').filter(Boolean);
}

describe.each(['05-relay', '06-cluster'])('the relay program of lab %s', (lab) => {
  test('--idle-timeout 1: a silent client gets PING after a second, then ERR idle-timeout and the close', async ({
    expect,
  }) => {
    const relay = runRelay(lab, ['--idle-timeout', '1']);
    try {
      const lines = await silentClient(await relay.port());
      expect(lines[0]).toBe('OK NAME sleepy');
      expect(lines[1]).toBe('PING');
      expect(lines[2]).toMatch(/^ERR idle-timeout /);
      expect(lines).toHaveLength(3);
    } finally {
      relay.stop();
    }
  });

  test('--idle-timeout 0 is refused in one line, exit code 1', async ({ expect }) => {
    const relay = runRelay(lab, ['--idle-timeout', '0']);
    try {
      expect(await relay.exited).toBe(1);
      expect(relay.output().stderr.trim()).toMatch(
        /^error: --idle-timeout takes a positive number of seconds, not "0"$/,
      );
    } finally {
      relay.stop();
    }
  });
});
