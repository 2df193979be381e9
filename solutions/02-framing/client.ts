// Lab 02 client: one connection, many messages. The program sends each line you type as a
// message and prints each reply as it arrives; Ctrl-D (end of input) ends the session.
//
// Run it:  npx tsx labs/02-framing/client.ts [--host 127.0.0.1] [--port 5000]
import net from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { encodeMessage, MessageDecoder } from './framing.ts';
import { explainSocketError } from '../01-echo/errors.ts';

export interface ExchangeOptions {
  host: string;
  port: number;
  messages: string[];
}

/**
 * Opens one connection, sends every message (framed), half-closes, and resolves with every
 * reply once the server ends the connection. Rejects on a socket error.
 */
export function exchange({ host, port, messages }: ExchangeOptions): Promise<string[]> {
  // BEGIN SOLUTION "Task 4: the client"
  return new Promise((resolve, reject) => {
    const decoder = new MessageDecoder(Infinity);
    const replies: string[] = [];
    const socket = net.connect({ host, port });
    socket.on('connect', () => {
      for (const message of messages) socket.write(encodeMessage(message));
      socket.end();
    });
    socket.on('data', (chunk: Buffer) => replies.push(...decoder.push(chunk)));
    socket.on('end', () => resolve(replies));
    socket.on('error', reject);
  });
  // END SOLUTION
}

/** The program: lines from `input` go out as messages, replies are printed as they come. */
export function runClient({ host, port }: { host: string; port: number }): void {
  // BEGIN SOLUTION "Task 4: the client"
  const socket = net.connect({ host, port });
  const decoder = new MessageDecoder(Infinity);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => socket.write(encodeMessage(line)));
  lines.on('close', () => socket.end());
  socket.on('data', (chunk: Buffer) => {
    for (const reply of decoder.push(chunk)) console.log(reply);
  });
  socket.on('end', () => lines.close());
  socket.on('error', (error) => {
    console.error(`error: ${explainSocketError(error, { host, port })}`);
    process.exitCode = 1;
    lines.close();
  });
  // END SOLUTION
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '5000' } } });
  runClient({ host: values.host, port: Number(values.port) });
}
