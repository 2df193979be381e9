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
  // TODO: write this part (see labs/05-relay/README.md, section "Task 4: the chat client").
  throw new Error("not implemented yet — see labs/05-relay/README.md, section \"Task 4: the chat client\"");
}

/** A line from the relay → what to show the user, or undefined to show nothing. */
export function displayFor(line: string): string | undefined {
  // TODO: write this part (see labs/05-relay/README.md, section "Task 4: the chat client").
  throw new Error("not implemented yet — see labs/05-relay/README.md, section \"Task 4: the chat client\"");
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
  // TODO: write this part (see labs/05-relay/README.md, section "Task 4: the chat client").
  throw new Error("not implemented yet — see labs/05-relay/README.md, section \"Task 4: the chat client\"");
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
