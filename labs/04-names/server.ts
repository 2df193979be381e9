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
  // TODO: write this part (see labs/04-names/README.md, section "Task 3: the server").
  throw new Error("not implemented yet — see labs/04-names/README.md, section \"Task 3: the server\"");
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
  // TODO: write this part (see labs/04-names/README.md, section "Task 3: the server").
  throw new Error("not implemented yet — see labs/04-names/README.md, section \"Task 3: the server\"");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runServerProgram(startNameServer);
