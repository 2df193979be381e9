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
  // BEGIN SOLUTION "Task 3: the server"
  const server = net.createServer((socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const decoder = new MessageDecoder(maxBytes);
    // "echo: " adds 6 bytes, so a reply may exceed maxBytes: frame it without that limit.
    const answer = (messages: string[]) => {
      for (const message of messages) socket.write(encodeMessage(`echo: ${message}`, Infinity));
    };
    socket.on('data', (chunk: Buffer) => {
      if (socket.writableEnded) return; // already refused: ignore the rest
      try {
        answer(decoder.push(chunk));
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        answer(error.messagesBefore); // bad input loses nothing that came before it
        log(`closing ${peer}: ${error.message}`);
        socket.end(`error: ${error.message}\n`);
      }
    });
    socket.on('end', () => {
      try {
        decoder.finish();
      } catch (error) {
        log(`${peer}: ${(error as Error).message}`);
      }
      socket.end();
    });
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runServerProgram(({ host, port, extra }) => startFramedEchoServer({ host, port, maxBytes: Number(extra['max-bytes']) }),
    { 'max-bytes': String(DEFAULT_MAX_MESSAGE_BYTES) });
}
