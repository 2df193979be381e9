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
  // TODO: write this part (see labs/02-framing/README.md, section "Task 4: the client").
  throw new Error("not implemented yet — see labs/02-framing/README.md, section \"Task 4: the client\"");
}

/** The program: lines from `input` go out as messages, replies are printed as they come. */
export function runClient({ host, port }: { host: string; port: number }): void {
  // TODO: write this part (see labs/02-framing/README.md, section "Task 4: the client").
  throw new Error("not implemented yet — see labs/02-framing/README.md, section \"Task 4: the client\"");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '5000' } } });
  runClient({ host: values.host, port: Number(values.port) });
}
