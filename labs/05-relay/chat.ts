// Lab 05: the chat client, the program a person runs to chat through the relay.
//
// Run it:  npx tsx labs/05-relay/chat.ts --name alice [--host 127.0.0.1] [--port 5000]
//          [--idle-timeout 30] [--retry-delay 1] [--retry-max 30]   (seconds: see the handout)
//
// Type a line to send it to everyone, "@bob hi" to send "hi" to bob alone, /list to see
// who is online, /quit (or Ctrl-D) to leave. Messages appear as they arrive, even while
// you are typing. If the relay goes quiet or away, the client reconnects on its own.
import net from 'node:net';
import { createInterface, type Interface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { encodeMessage, FramingError, MessageDecoder } from '../02-framing/framing.ts';
import { explainSocketError } from '../01-echo/errors.ts';
import { isValidName, MAX_LINE_BYTES } from '../04-names/protocol.ts';

/** What the user typed cannot be sent; the message says why, for the user. */
export class TypedLineError extends Error {
  override name = 'TypedLineError';
}

/**
 * What the user typed → the protocol line to send, or undefined for nothing (an empty line).
 * Throws TypedLineError when the line cannot be sent as typed.
 */
export function commandFor(typed: string): string | undefined {
  // TODO: write this part (see labs/05-relay/README.md, section "Task 4: the chat client").
  throw new Error("not implemented yet — see labs/05-relay/README.md, section \"Task 4: the chat client\"");
}

/**
 * Text from the network → text safe to print: every control character (U+0000-U+001F,
 * U+007F-U+009F) becomes \xHH, so nobody can move the cursor, recolour or clear the
 * screen, ring the bell, or start a fake line at another user's terminal.
 */
export function printable(text: string): string {
  // TODO: write this part (see labs/05-relay/README.md, section "Task 4: the chat client").
  throw new Error("not implemented yet — see labs/05-relay/README.md, section \"Task 4: the chat client\"");
}

/** A line from the relay → what to show the user (made printable), or undefined to show nothing. */
export function displayFor(line: string): string | undefined {
  // TODO: write this part (see labs/05-relay/README.md, section "Task 4: the chat client").
  throw new Error("not implemented yet — see labs/05-relay/README.md, section \"Task 4: the chat client\"");
}

// Everything below is provided: the program around your three functions.

/** The relay's own lines may be longer than a client's (a MSG adds the sender's name); this bounds a broken relay. */
const MAX_RELAY_LINE_BYTES = 64 * 1024;

export interface ChatOptions {
  host: string;
  port: number;
  name: string;
  /** Seconds without a line from the relay before the client sends PING; as long again without an answer, and it gives up on the connection. */
  idleTimeoutS?: number;
  /** Seconds before the first reconnection attempt; each further attempt waits twice as long... */
  retryDelayS?: number;
  /** ...but never longer than this (and each wait loses a random part, up to half). */
  retryMaxS?: number;
}

const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;

/** `1.5` → "1.5 s", without float noise such as 0.30000000000000004. */
const seconds = (s: number) => `${Number(s.toPrecision(3))} s`;

/**
 * The chat client: registers, sends what is typed, shows what arrives, answers the relay's
 * PING, notices a relay that went silent, and reconnects (with backoff) and reclaims its name
 * when the connection is lost. It exits 1 if the first connection or registration fails.
 */
export function runChat({ host, port, name, idleTimeoutS = 30, retryDelayS = 1, retryMaxS = 30 }: ChatOptions): void {
  let lines: Interface | undefined; // created once registered: nothing typed goes out before NAME
  let socket: net.Socket | undefined;
  let registered = false;
  let everRegistered = false;
  let quitting = false; // QUIT sent, or given up: a close is then expected
  let inputEnded = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  /** Commands typed while not registered, sent once the relay has taken the name again. */
  const held: string[] = [];

  /** Prints a line on its own line: at a terminal, clear the prompt first, then redraw it. */
  const show = (text: string, stream: 'out' | 'err' = 'out') => {
    const redraw = interactive && lines !== undefined && !inputEnded;
    if (redraw) process.stdout.write('\r\x1b[K');
    (stream === 'out' ? console.log : console.error)(text);
    if (redraw) lines!.prompt(true); // the prompt and the half-typed line
  };
  const prompt = () => {
    if (interactive && !inputEnded) lines?.prompt();
  };
  const send = (command: string) => {
    socket!.write(encodeMessage(command));
    if (command === 'QUIT') quitting = true;
  };

  /** Gives up for good: one line on stderr, exit code 1. */
  const fail = (message: string) => {
    show(`error: ${message}`, 'err');
    process.exitCode = 1;
    quitting = true;
    clearTimeout(retryTimer);
    lines?.close();
    socket?.destroy();
  };

  const finishInput = () => {
    if (quitting) return;
    if (registered) send('QUIT');
    else if (held.length === 0) fail('left while not connected to the relay');
    else show(`input ended: leaving once the ${held.length} waiting line(s) are sent (Ctrl-C leaves now)`, 'err');
  };

  const typed = (text: string) => {
    let command: string | undefined;
    try {
      command = commandFor(text);
    } catch (error) {
      if (!(error instanceof TypedLineError)) throw error;
      show(`error: ${error.message}`, 'err');
    }
    if (command === 'QUIT' && !registered) {
      lines!.close(); // leaving: nothing to tell a relay we are not connected to
      return;
    }
    if (command !== undefined) {
      if (registered) send(command);
      else {
        held.push(command);
        show('(not connected: this goes out once the client has reconnected)', 'err');
      }
    }
    if (command !== 'QUIT') prompt();
  };

  const startInput = () => {
    lines = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
    lines.setPrompt('> ');
    lines.on('line', typed);
    lines.on('close', () => {
      inputEnded = true;
      finishInput();
    });
  };

  const registeredNow = () => {
    registered = true;
    attempt = 0;
    show(everRegistered ? `connected as ${name} again` : `connected as ${name}; type a message, @name message, /list or /quit`);
    if (!everRegistered) startInput();
    everRegistered = true;
    for (const command of held.splice(0)) send(command);
    if (inputEnded) finishInput();
    else {
      if (!interactive) lines!.resume();
      prompt();
    }
  };

  /** After a lost connection: wait, then try again, each wait up to twice the one before (capped). */
  const retry = (reason: string) => {
    attempt += 1;
    // Jitter: a random part, up to half, comes off, so that clients cut off together (a relay
    // restart) spread out instead of all coming back in the same millisecond.
    const delayS = Math.min(retryDelayS * 2 ** (attempt - 1), retryMaxS) * (1 - Math.random() / 2);
    show(`error: ${reason} (reconnecting in ${seconds(delayS)}, attempt ${attempt})`, 'err');
    // A file or pipe is not read on meanwhile; at a terminal, typing goes on (and Ctrl-C works).
    if (!interactive) lines?.pause();
    retryTimer = setTimeout(connect, delayS * 1000);
  };

  function connect(): void {
    const connection = net.connect({ host, port });
    socket = connection;
    const decoder = new MessageDecoder(MAX_RELAY_LINE_BYTES);
    let reason: string | undefined; // why this connection ended, if it failed
    let pinged = false;
    let nameTaken = false;

    // Liveness: TCP cannot tell a silent relay from a vanished one (no FIN comes from a
    // machine whose network is gone), so after idleTimeoutS of silence ask with PING, and give
    // up if nothing arrives within idleTimeoutS more. Any line counts as an answer.
    const watchdog = setTimeout(function check() {
      if (connection.connecting || pinged) {
        reason = connection.connecting
          ? `no answer from ${host}:${port} within ${seconds(idleTimeoutS)}`
          : `the relay has not answered for ${seconds(idleTimeoutS * 2)}`;
        connection.destroy();
        return;
      }
      pinged = true;
      connection.write(encodeMessage('PING'));
      watchdog.refresh();
    }, idleTimeoutS * 1000);

    connection.on('connect', () => {
      connection.write(encodeMessage(`NAME ${name}`));
      watchdog.refresh();
    });
    connection.on('data', (chunk: Buffer) => {
      pinged = false;
      watchdog.refresh();
      let received: string[];
      try {
        received = decoder.push(chunk);
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        received = error.messagesBefore;
        reason = `the relay sent a line the protocol does not allow (${error.message})`;
        connection.destroy();
      }
      for (const line of received) {
        if (line === 'PING') connection.write(encodeMessage('PONG')); // never shown
        else if (line === 'PONG') continue; // the answer to our PING: its arrival was the point
        else if (registered) {
          const text = displayFor(line);
          if (text !== undefined) show(text);
        } else if (line.startsWith('OK NAME')) registeredNow();
        else if (everRegistered && line.startsWith('ERR name-taken ')) {
          // Most likely our own old connection, which the relay has not yet found dead.
          nameTaken = true;
          connection.end();
          return;
        } else {
          const text = printable(line.replace(/^ERR \S+ /, ''));
          if (everRegistered) return fail(`the relay refused ${name} again: ${text}`);
          return fail(text);
        }
      }
    });
    connection.on('error', (error) => {
      reason ??= explainSocketError(error, { host, port });
    });
    connection.on('close', () => {
      clearTimeout(watchdog);
      const wasRegistered = registered;
      registered = false;
      if (quitting) {
        lines?.close();
        return;
      }
      if (!everRegistered) return fail(reason ?? 'the relay closed the connection before answering NAME');
      if (inputEnded && held.length === 0) return fail(`${reason ?? 'the relay closed the connection'}; leaving, as input has ended`);
      if (nameTaken) return retry(`${name} is still taken, probably by this client's old connection until the relay notices it is gone`);
      retry(reason ?? (wasRegistered ? 'the relay closed the connection' : 'the relay closed the connection before answering NAME'));
    });
  }

  connect();
}

/** The command line → ChatOptions, or a message saying what is wrong with it. */
export function chatOptionsFrom(args: string[]): ChatOptions | string {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '5000' },
      name: { type: 'string' },
      'idle-timeout': { type: 'string', default: '30' },
      'retry-delay': { type: 'string', default: '1' },
      'retry-max': { type: 'string', default: '30' },
    },
  });
  if (!values.name) return 'say who you are: --name <name>';
  if (!isValidName(values.name)) return `${JSON.stringify(values.name)} is not a valid name: names are 1 to 16 letters, digits, "_" or "-"`;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `--port needs a port number from 1 to 65535, not ${JSON.stringify(values.port)}`;
  const durations: Record<string, number> = {};
  for (const option of ['idle-timeout', 'retry-delay', 'retry-max'] as const) {
    const s = Number(values[option]);
    if (!Number.isFinite(s) || s <= 0) return `--${option} needs a number of seconds above 0, not ${JSON.stringify(values[option])}`;
    durations[option] = s;
  }
  return { host: values.host, port, name: values.name, idleTimeoutS: durations['idle-timeout'], retryDelayS: durations['retry-delay'], retryMaxS: durations['retry-max'] };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let options: ChatOptions | string;
  try {
    options = chatOptionsFrom(process.argv.slice(2));
  } catch (error) {
    options = (error as Error).message; // parseArgs: an unknown option, or one without its value
  }
  if (typeof options === 'string') {
    console.error(`error: ${options}`);
    process.exitCode = 2;
  } else {
    runChat(options);
  }
}
