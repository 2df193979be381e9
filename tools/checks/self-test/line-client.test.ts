// npm run nc: the course's own line client, for machines without nc (Windows).
import { describe, test } from 'vitest';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import { REPO_ROOT } from '../../grader/lab.ts';

function runClient(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/line-client/line-client.ts', ...args], {
    cwd: REPO_ROOT,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run nc', () => {
  test('sends what it is given (with -C as "\\r\\n" lines), half-closes at the end of input, prints the reply and exits 0', async ({
    expect,
  }) => {
    let received = '';
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('end', () => socket.end(`got ${JSON.stringify(received)}\n`)); // answers only after the client's FIN
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as net.AddressInfo;
      const run = await runClient(['-C', '127.0.0.1', String(port)], 'NAME a\nLIST\n');
      expect(received).toBe('NAME a\r\nLIST\r\n');
      expect(run.stdout).toBe('got "NAME a\\r\\nLIST\\r\\n"\n');
      expect(run.code).toBe(0);
    } finally {
      server.close();
    }
  });

  test('reports a refused connection in one line and exits 1', async ({ expect }) => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const run = await runClient(['127.0.0.1', String(port)], '');
    expect(run.stderr.trim()).toMatch(/^error: connection to 127\.0\.0\.1:\d+ refused/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.code).toBe(1);
  });
});
