// Lab 05: the chat client, the program a person runs to chat through the relay.
//
// Run it:  npx tsx labs/05-relay/chat.ts --name alice [--host 127.0.0.1] [--port 5000]
//
// Type a line to send it to everyone, "@bob hi" to send "hi" to bob alone, /list to see
// who is online, /quit (or Ctrl-D) to leave. Messages appear as they arrive, even while
// you are typing.
import net from 'node:net';
import { createInterface, type Interface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { encodeMessage, MessageDecoder } from '../02-framing/framing.ts';
import { explainSocketError } from '../01-echo/errors.ts';

/** What the user typed → the protocol line to send, or undefined for nothing (an empty line). */
export function commandFor(typed: string): string | undefined {
  // BEGIN SOLUTION "Task 4: the chat client"
  const text = typed.trim();
  if (text === '') return undefined;
  if (text === '/quit') return 'QUIT';
  if (text === '/list') return 'LIST';
  const direct = text.match(/^@(\S+)\s+(.*)$/);
  if (direct) return `SEND ${direct[1]} ${direct[2]}`;
  return `ALL ${text}`;
  // END SOLUTION
}

/** A line from the relay → what to show the user, or undefined to show nothing. */
export function displayFor(line: string): string | undefined {
  // BEGIN SOLUTION "Task 4: the chat client"
  const [word, ...rest] = line.split(' ');
  switch (word) {
    case 'MSG':
      return `${rest[0]}: ${rest.slice(1).join(' ')}`;
    case 'BROADCAST':
      return `${rest[0]} (to all): ${rest.slice(1).join(' ')}`;
    case 'NAMES':
      return `online: ${rest.length > 0 ? rest.join(', ') : 'nobody'}`;
    case 'ERR':
      return `error: ${rest.join(' ')}`;
    case 'OK':
    case 'BYE':
      return undefined;
    default:
      return line;
  }
  // END SOLUTION
}

const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;

/** Prints a line without mangling what the user is typing at a terminal. */
function show(lines: Interface, text: string): void {
  if (!interactive) {
    console.log(text);
    return;
  }
  process.stdout.write('\r\x1b[K'); // clear the prompt line
  console.log(text);
  lines.prompt(true); // redraw the prompt and the half-typed line
}

/** A prompt only where a person types. */
function prompt(lines: Interface): void {
  if (interactive) lines.prompt();
}

export function runChat({ host, port, name }: { host: string; port: number; name: string }): void {
  // BEGIN SOLUTION "Task 4: the chat client"
  const socket = net.connect({ host, port });
  const decoder = new MessageDecoder(Infinity);
  const lines = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  lines.setPrompt('> ');
  let registered = false;
  let quitting = false;
  const fail = (message: string) => {
    console.error(`error: ${message}`);
    process.exitCode = 1;
    quitting = true;
    lines.close();
    socket.destroy();
  };
  socket.on('connect', () => socket.write(encodeMessage(`NAME ${name}`)));
  socket.on('data', (chunk: Buffer) => {
    for (const line of decoder.push(chunk)) {
      if (!registered) {
        if (!line.startsWith('OK NAME')) return fail(line.replace(/^ERR \S+ /, ''));
        registered = true;
        show(lines, `connected as ${name}; type a message, @name message, /list or /quit`);
        prompt(lines);
        continue;
      }
      const text = displayFor(line);
      if (text !== undefined) show(lines, text);
    }
  });
  lines.on('line', (typed) => {
    const command = commandFor(typed);
    if (command !== undefined && !socket.destroyed) socket.write(encodeMessage(command));
    if (command === 'QUIT') quitting = true;
    else prompt(lines);
  });
  lines.on('close', () => {
    if (quitting || socket.destroyed) return;
    quitting = true;
    socket.write(encodeMessage('QUIT'));
  });
  socket.on('close', () => {
    if (!quitting) fail('the relay closed the connection');
    lines.close();
  });
  socket.on('error', (error) => {
    if (!quitting) fail(explainSocketError(error, { host, port }));
  });
  // END SOLUTION
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '5000' }, name: { type: 'string' } },
  });
  if (!values.name) {
    console.error('error: say who you are: --name <name>');
    process.exitCode = 2;
  } else {
    runChat({ host: values.host, port: Number(values.port), name: values.name });
  }
}
