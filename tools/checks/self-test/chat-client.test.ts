// Lab 05's chat client, the provided part of it (runChat and the command line): it registers
// before reading input, answers PING, notices a silent relay, reconnects with capped backoff
// and reclaims its name, and says what went wrong in one line. The student's parts
// (commandFor, printable, displayFor) are graded in tests/05-relay/chat.test.ts.
import { afterEach, describe, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../grader/lab.ts';

const CHAT = join('solutions', '05-relay', 'chat.ts');
/** Starting a TypeScript program costs ~0.5 s of CPU: a loaded 2-core machine may need far longer. */
const WAIT_MS = 20_000;
const TEST_MS = 60_000;

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** Resolves once `done()` is true, checked on every `change` of `events`; rejects after WAIT_MS with `describe()`. */
function until(events: EventEmitter, done: () => boolean, expected: string, describe: () => string): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      events.off('change', check);
      reject(new Error(`timed out waiting for ${expected}; ${describe()}`));
    }, WAIT_MS);
    function check() {
      if (!done()) return;
      clearTimeout(timer);
      events.off('change', check);
      resolve();
    }
    events.on('change', check);
  });
}

class ChatProcess {
  stdout = '';
  stderr = '';
  code: number | null | undefined;
  readonly events = new EventEmitter();
  readonly child: ChildProcess;

  constructor(args: string[], stdin: 'pipe' | number) {
    this.child = spawn(process.execPath, ['--import', 'tsx', CHAT, ...args], {
      cwd: REPO_ROOT,
      stdio: [stdin, 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
      this.events.emit('change');
    });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
      this.events.emit('change');
    });
    this.child.on('close', (code) => {
      this.code = code;
      this.events.emit('change');
    });
    cleanups.push(() => this.child.kill('SIGKILL'));
  }

  describe = () =>
    `the client printed ${JSON.stringify(this.stdout)} on stdout and ${JSON.stringify(this.stderr)} on stderr, and ${this.code === undefined ? 'is still running' : `exited with code ${this.code}`}`;

  waitFor(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
    return until(this.events, () => pattern.test(this[stream]), `${pattern} on ${stream}`, this.describe);
  }

  async exit(): Promise<number | null> {
    await until(this.events, () => this.code !== undefined, 'the client to exit', this.describe);
    return this.code!;
  }

  type(text: string): void {
    this.child.stdin!.write(text);
  }
}

/** One connection to the fake relay, as the test sees it. */
class Connection {
  readonly lines: string[] = [];
  closed = false;
  /** What the relay does with each line the client sends: set by the test's script. */
  onLine: (line: string) => void = () => {};

  constructor(
    readonly socket: net.Socket,
    private readonly events: EventEmitter,
  ) {
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      pending += text;
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        this.onLine(line);
      }
      events.emit('change');
    });
    socket.on('error', () => {}); // the client may reset it: that is what some tests do to it
    socket.on('close', () => {
      this.closed = true;
      events.emit('change');
    });
  }

  received(line: string): Promise<void> {
    return until(
      this.events,
      () => this.lines.includes(line),
      `the relay to receive ${JSON.stringify(line)}`,
      () => `it received ${JSON.stringify(this.lines)}`,
    );
  }

  push(line: string): void {
    this.socket.write(`${line}\n`);
  }
}

/** A relay the test scripts: `script(connection, index)` runs for each new connection. */
async function startFakeRelay(script: (connection: Connection, index: number) => void) {
  const events = new EventEmitter();
  const connections: Connection[] = [];
  const server = net.createServer((socket) => {
    const connection = new Connection(socket, events);
    connections.push(connection);
    script(connection, connections.length - 1);
    events.emit('change');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.close();
    for (const connection of connections) connection.socket.destroy();
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    /** Waits for the n-th connection (0 is the first). */
    async connection(n: number): Promise<Connection> {
      await until(
        events,
        () => connections.length > n,
        `connection #${n + 1} to the relay`,
        () => `${connections.length} came`,
      );
      return connections[n];
    },
    closed: (connection: Connection) =>
      until(
        events,
        () => connection.closed,
        'the client to close its connection',
        () => 'it is still open',
      ),
  };
}

/** Answers as a relay with the name free does: OK NAME, PONG to PING, BYE to QUIT. */
function actLikeARelay(connection: Connection): void {
  connection.onLine = (line) => {
    if (line.startsWith('NAME ')) connection.push(`OK ${line}`);
    else if (line === 'PING') connection.push('PONG');
    else if (line === 'QUIT') connection.socket.end('BYE\n');
  };
}

/** Refuses the name as taken, as a relay does while the old connection still holds it. */
function refuseName(connection: Connection): void {
  connection.onLine = (line) => {
    if (line.startsWith('NAME ')) connection.push(`ERR name-taken ${line.slice(5)} belongs to another client`);
    else if (line === 'PING') connection.push('PONG');
  };
}

/** A port on which nothing listens (closed just before use; nobody else binds loopback ports here). */
async function unusedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A file to use as standard input, as in `chat.ts < file`. */
function stdinFile(text: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'chat-stdin-'));
  const file = join(dir, 'input.txt');
  writeFileSync(file, text);
  const fd = openSync(file, 'r');
  cleanups.push(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  return fd;
}

/** Reconnection attempts at most 0.05 s, 0.1 s, then 0.2 s apart: no test waits for the 1 s and 30 s of the defaults. */
const quickRetries = ['--retry-delay', '0.05', '--retry-max', '0.2'];

describe('lab 05 chat client (provided code)', () => {
  test(
    'with standard input from a file, NAME goes out first and typed lines only after OK NAME',
    async ({ expect }) => {
      const relay = await startFakeRelay(actLikeARelay);
      const chat = new ChatProcess(['--port', String(relay.port), '--name', 'alice'], stdinFile('hello\n@bob hi\n'));
      expect(await chat.exit(), chat.describe()).toBe(0);
      expect((await relay.connection(0)).lines).toEqual(['NAME alice', 'ALL hello', 'SEND bob hi', 'QUIT']);
    },
    TEST_MS,
  );

  test(
    'a refused connection with standard input at its end: one error line and exit code 1',
    async ({ expect }) => {
      const chat = new ChatProcess(['--port', String(await unusedPort()), '--name', 'alice'], stdinFile(''));
      expect(await chat.exit(), chat.describe()).toBe(1);
      expect(chat.stderr).toMatch(/^error: connection to 127\.0\.0\.1:\d+ refused[^\n]*\n$/);
    },
    TEST_MS,
  );

  test(
    'a bad --name is refused before connecting, with a message about the name',
    async ({ expect }) => {
      const chat = new ChatProcess(['--port', String(await unusedPort()), '--name', 'bad name!'], stdinFile(''));
      expect(await chat.exit(), chat.describe()).toBe(2);
      expect(chat.stderr).toBe(
        'error: "bad name!" is not a valid name: names are 1 to 16 letters, digits, "_" or "-"\n',
      );
    },
    TEST_MS,
  );

  test(
    'a refused name: one error line and exit code 1',
    async ({ expect }) => {
      const relay = await startFakeRelay(refuseName);
      const chat = new ChatProcess(['--port', String(relay.port), '--name', 'alice'], 'pipe');
      expect(await chat.exit(), chat.describe()).toBe(1);
      expect(chat.stderr).toBe('error: alice belongs to another client\n');
    },
    TEST_MS,
  );

  test(
    "answers the relay's PING with PONG and shows neither",
    async ({ expect }) => {
      const relay = await startFakeRelay(actLikeARelay);
      const chat = new ChatProcess(['--port', String(relay.port), '--name', 'alice'], 'pipe');
      await chat.waitFor(/^connected as alice/m);
      const connection = await relay.connection(0);
      connection.push('PING');
      await connection.received('PONG');
      connection.push('MSG bob after the ping');
      await chat.waitFor(/^bob: after the ping$/m);
      expect(chat.stdout).not.toMatch(/PING|PONG/);
      expect(chat.stderr).toBe('');
    },
    TEST_MS,
  );

  test(
    'a relay gone silent: PING, then a new connection, and the name reclaimed once the relay frees it',
    async ({ expect }) => {
      const relay = await startFakeRelay((connection, index) => {
        if (index === 0) {
          // Registers, then never answers again, as if its network were gone.
          connection.onLine = (line) => line.startsWith('NAME ') && connection.push(`OK ${line}`);
        } else if (index === 1)
          refuseName(connection); // the relay has not yet noticed the old connection is gone
        else actLikeARelay(connection);
      });
      const chat = new ChatProcess(
        ['--port', String(relay.port), '--name', 'alice', '--idle-timeout', '1', ...quickRetries],
        'pipe',
      );
      const first = await relay.connection(0);
      await chat.waitFor(/^connected as alice;/m);
      await first.received('PING');
      await relay.closed(first);
      await chat.waitFor(
        /^error: the relay has not answered for 2 s \(reconnecting in [\d.]+ s, attempt 1\)$/m,
        'stderr',
      );
      await chat.waitFor(/^error: alice is still taken, .* \(reconnecting in [\d.]+ s, attempt 2\)$/m, 'stderr');
      await chat.waitFor(/^connected as alice again$/m);
      const third = await relay.connection(2);
      chat.type('back again\n');
      await third.received('ALL back again');
      expect(third.lines.slice(0, 2)).toEqual(['NAME alice', 'ALL back again']);
    },
    TEST_MS,
  );

  test(
    'a relay that sends a line no relay may send: one error line, then a new connection',
    async ({ expect }) => {
      const relay = await startFakeRelay((connection, index) => {
        actLikeARelay(connection);
        if (index === 0) connection.onLine = (line) => connection.push(`OK ${line}\n${'x'.repeat(70_000)}`);
      });
      const chat = new ChatProcess(['--port', String(relay.port), '--name', 'alice', ...quickRetries], 'pipe');
      await chat.waitFor(/^connected as alice again$/m);
      expect(chat.stderr).toMatch(
        /^error: the relay sent a line the protocol does not allow \(.+\) \(reconnecting in [\d.]+ s, attempt 1\)$/m,
      );
      expect(chat.stdout).not.toMatch(/xxx/);
    },
    TEST_MS,
  );

  test(
    'a relay that closes: one line per attempt, waits doubling up to the cap less jitter, and what is typed meanwhile sent after',
    async ({ expect }) => {
      const relay = await startFakeRelay((connection, index) => {
        if (index === 0) {
          actLikeARelay(connection);
          connection.onLine = (line) => connection.socket.end(`OK ${line}\n`); // registers, then hangs up
        } else if (index <= 3) connection.socket.destroy(); // still down: the attempt fails
        // The fifth connection is answered by the test itself.
      });
      const chat = new ChatProcess(['--port', String(relay.port), '--name', 'alice', ...quickRetries], 'pipe');
      await chat.waitFor(/^connected as alice;/m);
      const back = await relay.connection(4);
      await back.received('NAME alice');
      chat.type('typed while away\n');
      actLikeARelay(back);
      back.push('OK NAME alice');
      await chat.waitFor(/^connected as alice again$/m);
      await back.received('ALL typed while away');
      expect(back.lines).toEqual(['NAME alice', 'ALL typed while away']);
      // Each wait is the doubled, capped one less a random part of up to half (jitter); printed to 3 digits.
      const waits = [...chat.stderr.matchAll(/reconnecting in ([\d.]+) s, attempt (\d+)\)$/gm)].map((m) => [
        Number(m[1]),
        Number(m[2]),
      ]);
      expect(waits.map(([, n]) => n)).toEqual([1, 2, 3, 4]);
      waits.forEach(([wait], i) => {
        const full = [0.05, 0.1, 0.2, 0.2][i];
        expect(wait, `wait before attempt ${i + 1}`).toBeGreaterThanOrEqual((full / 2) * 0.995);
        expect(wait, `wait before attempt ${i + 1}`).toBeLessThanOrEqual(full * 1.005);
      });
      expect(chat.stderr).toMatch(/^error: the relay closed the connection \(reconnecting in [\d.]+ s, attempt 1\)$/m);
      chat.child.stdin!.end();
      await back.received('QUIT');
      expect(await chat.exit(), chat.describe()).toBe(0);
    },
    TEST_MS,
  );
});
