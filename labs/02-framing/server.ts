// Lab 02 server: many messages per connection. Answers each message "echo: <message>",
// in order, until the client ends its side; closes a connection that breaks the framing.
//
// Run it:  npx tsx labs/02-framing/server.ts [--host 0.0.0.0] [--port 5000] [--max-bytes 4096]
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_MESSAGE_BYTES, encodeMessage, FramingError, MessageDecoder } from './framing.ts';
import { runServerProgram } from './program.ts';

export interface FramedEchoServerOptions {
  host?: string;
  port?: number;
  maxBytes?: number;
  log?: (line: string) => void;
}

/**
 * Resolves with the server once it listens (rejects with the listen error). Per
 * connection: one MessageDecoder; reply `echo: <message>\n` to every message; on a
 * FramingError write `error: <its message>\n` and end the connection; at the client's end
 * of stream, finish() the decoder and end the connection. Never crash on a socket error.
 */
export function startFramedEchoServer({ host = '0.0.0.0', port = 5000, maxBytes = DEFAULT_MAX_MESSAGE_BYTES, log = console.log }: FramedEchoServerOptions = {}): Promise<net.Server> {
  // TODO: write this part (see labs/02-framing/README.md, section "Task 3: the server").
  throw new Error("not implemented yet — see labs/02-framing/README.md, section \"Task 3: the server\"");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runServerProgram(({ host, port, extra }) => startFramedEchoServer({ host, port, maxBytes: Number(extra['max-bytes']) }),
    { 'max-bytes': String(DEFAULT_MAX_MESSAGE_BYTES) });
}
