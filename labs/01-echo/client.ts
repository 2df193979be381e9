// Lab 01 client: connects, sends one message, prints the server's reply, exits.
//
// Run it:  npx tsx labs/01-echo/client.ts [--host 127.0.0.1] [--port 5000] your message
import net from 'node:net';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { explainSocketError } from './errors.ts';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 5000;

export interface SendOnceOptions {
  host: string;
  port: number;
  message: string | Buffer;
}

/**
 * Connects, writes the message, half-closes (so the server knows the message is
 * complete), and resolves with every byte of the reply once the server ends the
 * connection. Rejects on a socket error.
 */
export function sendOnce({ host, port, message }: SendOnceOptions): Promise<Buffer> {
  // TODO: write this part (see labs/01-echo/README.md, section "Task 3: the client").
  throw new Error("not implemented yet — see labs/01-echo/README.md, section \"Task 3: the client\"");
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { host: { type: 'string', default: DEFAULT_HOST }, port: { type: 'string', default: String(DEFAULT_PORT) } },
  });
  const host = values.host;
  const port = Number(values.port);
  const message = positionals.join(' ');
  try {
    const reply = await sendOnce({ host, port, message });
    console.log(reply.toString('utf8'));
  } catch (error) {
    // TODO: write this part (see labs/01-echo/README.md, section "Task 1: when things go wrong").
    throw new Error("not implemented yet — see labs/01-echo/README.md, section \"Task 1: when things go wrong\"");
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
