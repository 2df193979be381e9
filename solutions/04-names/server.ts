// Lab 04 server: clients claim names, list who is online, and quit. The name table is the
// heart of the relay of lab 05, which adds SEND and ALL on top of it.
//
// Run it:  npx tsx labs/04-names/server.ts [--host 0.0.0.0] [--port 5000]
// Try it:  nc 127.0.0.1 5000, then type NAME alice, LIST, QUIT
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { FramingError, MessageDecoder } from '../02-framing/framing.ts';
import { runServerProgram } from '../02-framing/program.ts';
import { MAX_LINE_BYTES, parseCommand, ProtocolError, type Command } from './protocol.ts';
import { NameTable } from './names.ts';

/** The reply to NAME or LIST, the two commands that only read or change the table. */
export function answerTableCommand<Connection>(table: NameTable<Connection>, connection: Connection, command: Extract<Command, { kind: 'NAME' | 'LIST' }>): string {
  // BEGIN SOLUTION "Task 3: the server"
  if (command.kind === 'LIST') return ['NAMES', ...table.list()].join(' ');
  switch (table.claim(command.name, connection)) {
    case 'claimed':
      return `OK NAME ${command.name}`;
    case 'taken':
      return `ERR name-taken ${command.name} belongs to another client`;
    case 'already-named':
      return `ERR already-named ${table.nameOf(connection)} is your name already`;
  }
  // END SOLUTION
}

export interface NameServerOptions {
  host?: string;
  port?: number;
  log?: (line: string) => void;
}

/**
 * Resolves with the server once it listens. Per connection: decode lines (lab 02, at most
 * MAX_LINE_BYTES), parse each (parseCommand) and answer it; answer a ProtocolError with its
 * line and keep the connection; answer a FramingError with "ERR bad-line ..." and close.
 * QUIT answers BYE and closes. A connection's name is released however it ends.
 */
export function startNameServer({ host = '0.0.0.0', port = 5000, log = console.log }: NameServerOptions = {}): Promise<net.Server> {
  // BEGIN SOLUTION "Task 3: the server"
  const table = new NameTable<net.Socket>();
  const server = net.createServer((socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`; // unknown once the socket is gone
    const decoder = new MessageDecoder(MAX_LINE_BYTES);
    const reply = (line: string) => socket.write(`${line}\n`);
    const handle = (line: string) => {
      if (socket.writableEnded) return; // after QUIT or a framing error: nothing more
      let command: Command;
      try {
        command = parseCommand(line);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        reply(error.line);
        return;
      }
      switch (command.kind) {
        case 'NAME':
        case 'LIST':
          reply(answerTableCommand(table, socket, command));
          return;
        case 'QUIT':
          table.release(socket);
          socket.end('BYE\n');
          return;
        default:
          reply(table.nameOf(socket) === undefined ? 'ERR not-registered send NAME <name> first' : 'ERR not-implemented SEND and ALL come in lab 05');
      }
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const line of decoder.push(chunk)) handle(line);
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        for (const line of error.messagesBefore) handle(line);
        if (!socket.writableEnded) socket.end(`ERR bad-line ${error.message}\n`);
      }
    });
    // Every way a connection ends — QUIT, close, reset, error — ends here.
    socket.on('close', () => {
      const name = table.release(socket);
      if (name !== undefined) log(`${name} left`);
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

if (process.argv[1] === fileURLToPath(import.meta.url)) await runServerProgram(startNameServer);
