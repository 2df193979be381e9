// Lab 01 server: receives one message per connection, prints it, replies "echo: " followed
// by the message, closes that connection and goes on listening for the next client.
//
// Run it:  npx tsx labs/01-echo/server.ts [--host 0.0.0.0] [--port 5000]
import net from 'node:net';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { explainSocketError } from './errors.ts';

export const DEFAULT_PORT = 5000;

export interface EchoServerOptions {
  /** Address to listen on; 0.0.0.0 means every interface of this machine. */
  host?: string;
  /** 0 lets the operating system choose a free port. */
  port?: number;
  /** Where to print each received message (the tests pass their own). */
  log?: (line: string) => void;
}

/**
 * Starts listening and resolves with the server once it is listening; rejects with the
 * listen error (EADDRINUSE, EACCES, ...). For every client: collect the whole message
 * (until the client half-closes), log `received from ADDRESS:PORT: MESSAGE`, reply
 * `echo: ` + the message bytes, and end the connection. A client that resets must never
 * crash the server.
 */
export function startEchoServer({ host = '0.0.0.0', port = DEFAULT_PORT, log = console.log }: EchoServerOptions = {}): Promise<net.Server> {
  // BEGIN SOLUTION "Task 2: the server"
  const server = net.createServer((socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const chunks: Buffer[] = [];
    // One 'data' event may hold any part of the message: keep everything until 'end'.
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      const message = Buffer.concat(chunks);
      log(`received from ${peer}: ${message.toString('utf8')}`);
      socket.end(Buffer.concat([Buffer.from('echo: '), message]));
    });
    // Without a listener, a client's reset (ECONNRESET) would crash the whole server.
    socket.on('error', (error) => log(`connection from ${peer} failed: ${error.message}`));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
  // END SOLUTION
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { host: { type: 'string', default: '0.0.0.0' }, port: { type: 'string', default: String(DEFAULT_PORT) } },
  });
  const host = values.host;
  const port = Number(values.port);
  try {
    const server = await startEchoServer({ host, port });
    const address = server.address() as net.AddressInfo;
    console.log(`listening on ${host}:${address.port}`);
  } catch (error) {
    // BEGIN SOLUTION "Task 1: when things go wrong"
    console.error(`error: ${explainSocketError(error, { host, port })}`);
    process.exitCode = 1;
    // END SOLUTION
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
