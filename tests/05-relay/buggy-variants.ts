// Classic mistakes of lab 05, each caught by the tests named in caughtBy (npm test checks).
// Instructors only: the student copy leaves this file out.
import { defineVariants } from '../../tools/checks/variants.ts';
import lab from './lab.ts';

const CUT_OFF = 'this.cutOff();\n      return;';

export default defineVariants(lab, [
  {
    name: 'accept loop serves one client at a time',
    mistake:
      "Awaits each client's whole session inside the accept loop: the second client waits until the first leaves.",
    file: 'relay.ts',
    find: 'void serve(socket as net.Socket); // not awaited: that would serve one client at a time',
    replace: 'await serve(socket as net.Socket);',
    caughtBy: ['acceptsWhileServing', 'silentClients'],
  },
  {
    name: 'no limit on what is queued for a client',
    mistake:
      "Writes to a client that never reads without any limit: the relay's memory grows with every message for it.",
    file: 'relay.ts',
    find: CUT_OFF,
    replace: '',
    caughtBy: ['slowReaderCutOff'],
  },
  {
    name: 'one slow reader stalls everyone',
    mistake:
      'Waits, as a C send() loop would, until the slow client has room: in Node that busy wait freezes the whole relay.',
    file: 'relay.ts',
    find: CUT_OFF,
    replace:
      'while (this.socket.writableLength + bytes > this.maxQueuedBytes) {\n        // wait for room, as a C send loop would\n      }',
    caughtBy: ['slowReaderCutOff'],
  },
  {
    name: 'name not released when the receive loop ends',
    mistake: 'Releases names only on QUIT: a client that resets keeps its name, and messages to it vanish.',
    file: 'relay.ts',
    find: 'table.release(client);\n    if (!socket.writableEnded) socket.end();',
    replace: 'if (!socket.writableEnded) socket.end();',
    caughtBy: ['survivesResets'],
  },
  {
    name: 'an unhandled socket error kills the relay',
    mistake: 'Lets the error from a reset escape the receive loop: an unhandled rejection brings the whole relay down.',
    file: 'relay.ts',
    find: '  } catch (error) {\n    // Socket errors were logged by the listener; what is left is a bug worth a line.\n    if (!socket.destroyed) log(`connection ended: ${(error as Error).message}`);\n  } finally {',
    replace: '  } finally {',
    caughtBy: ['survivesResets'],
  },
  {
    name: 'no error listener on the socket',
    mistake:
      "Relies on the receive loop to catch a socket's errors: once the loop has ended (after QUIT) with lines still queued, a reset is an 'error' event nobody listens to, and it brings the whole relay down.",
    file: 'relay.ts',
    find: "  socket.on('error', (error) => log(`connection from ${peer} failed: ${error.message}`));\n",
    replace: '',
    caughtBy: ['conformQuitQueued'],
  },
  {
    name: 'the receive loop destroys the socket when it ends',
    mistake:
      'Iterates over the socket with its defaults (destroyOnReturn: true): leaving the loop after QUIT destroys the socket, and the lines still queued for the client, BYE last, never leave.',
    file: 'relay.ts',
    find: 'for await (const chunk of socket.iterator({ destroyOnReturn: false })) {',
    replace: 'for await (const chunk of socket.iterator()) {',
    caughtBy: ['conformQuitQueued'],
  },
  {
    name: 'message to an unknown name silently dropped',
    mistake: 'Answers OK although nobody has the name: the sender believes the message was delivered.',
    file: 'relay.ts',
    find: 'client.send(`ERR unknown-name ${command.to} nobody has that name`);',
    replace: 'client.send(`OK SEND ${command.to}`);',
    caughtBy: ['unknownRecipient'],
  },
  {
    name: 'broadcast echoes to the sender',
    mistake: "Sends ALL to every name, the sender's own included.",
    file: 'relay.ts',
    find: 'const others = table.list().filter((name) => name !== sender)',
    replace: 'const others = table.list()',
    caughtBy: ['allBroadcasts'],
  },
  {
    name: "sender name taken from the client's text",
    mistake:
      'Forwards the client\'s own line with SEND turned into MSG: the "sender" field is whatever the client wrote.',
    file: 'relay.ts',
    find: 'target.send(`MSG ${sender} ${command.text}`);',
    replace: "target.send(line.replace(/^SEND /, 'MSG '));",
    caughtBy: ['senderFromTable', 'sendDelivers'],
  },
  {
    name: 'chat client sends @name messages to everyone',
    mistake: 'Treats every typed line as ALL.',
    file: 'chat.ts',
    find: 'command = `SEND ${direct[1]} ${direct[2]}`;',
    replace: '',
    caughtBy: ['chatCommands'],
  },
  {
    name: 'chat client sends "@bob" alone to everyone',
    mistake:
      'Only recognises "@name text" and lets every other line through as ALL: "@bob" alone and "@ bob hi" go to everyone instead of getting an error.',
    file: 'chat.ts',
    find: 'if (!direct) throw new TypedLineError(\'not sent: write @name, a space, then your message, as in "@bob hi"\');',
    replace: 'if (!direct) return `ALL ${text}`;',
    caughtBy: ['chatRefusesLines'],
  },
  {
    name: 'chat client measures lines in characters',
    mistake:
      'Compares command.length with the limit: .length counts UTF-16 code units, so a line of accented letters twice the limit in bytes is sent, and the relay closes the connection.',
    file: 'chat.ts',
    find: 'const bytes = Buffer.byteLength(command);',
    replace: 'const bytes = command.length;',
    caughtBy: ['chatRefusesLines'],
  },
  {
    name: 'chat client measures the typed text, not the line',
    mistake:
      'Checks the typed text against 1024 bytes and forgets the "ALL " or "SEND name " in front of it: a message just under the limit makes a line over it.',
    file: 'chat.ts',
    find: 'const bytes = Buffer.byteLength(command);',
    replace: 'const bytes = Buffer.byteLength(text);',
    caughtBy: ['chatRefusesLines'],
  },
  {
    name: 'chat client counts the newline in the limit',
    mistake:
      'Refuses a line of exactly 1024 bytes, as if the "\\n" counted: the protocol\'s limit is for the line without its terminator.',
    file: 'chat.ts',
    find: 'if (bytes > MAX_LINE_BYTES) {',
    replace: 'if (bytes >= MAX_LINE_BYTES) {',
    caughtBy: ['chatRefusesLines'],
  },
  {
    name: 'chat client prints control characters raw',
    mistake:
      'Shows what the relay sends as it is: a "\\r" in a message starts a fake line from another user, and ANSI escapes recolour or clear the terminal.',
    file: 'chat.ts',
    find: "  return text.replace(/[\\u0000-\\u001f\\u007f-\\u009f]/g, (c) => `\\\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);",
    replace: '  return text;',
    caughtBy: ['chatNoSpoofing', 'chatSession'],
  },
  {
    name: 'chat client escapes C0 control characters only',
    mistake:
      'Escapes U+0000 to U+001F but lets DEL and the C1 controls (U+0080 to U+009F) through: U+009B starts an escape sequence on some terminals just as ESC [ does.',
    file: 'chat.ts',
    find: '/[\\u0000-\\u001f\\u007f-\\u009f]/g',
    replace: '/[\\u0000-\\u001f]/g',
    caughtBy: ['chatNoSpoofing'],
  },
  {
    name: 'chat client escapes everything outside ASCII',
    mistake: 'Keeps only printable ASCII: safe, but "zoé" and every emoji arrive as \\xHH codes that nobody can read.',
    file: 'chat.ts',
    find: '/[\\u0000-\\u001f\\u007f-\\u009f]/g',
    replace: '/[^\\u0020-\\u007e]/g',
    caughtBy: ['chatNoSpoofing'],
  },
  {
    name: 'chat client escapes messages but not lines it does not know',
    mistake:
      'Escapes MSG and BROADCAST texts but shows unknown lines as they are: a relay, or anyone who can make it echo text, still reaches the terminal.',
    file: 'chat.ts',
    find: '    default:\n      return printable(line);',
    replace: '    default:\n      return line;',
    caughtBy: ['chatNoSpoofing'],
  },
  {
    name: 'Nagle left on: lines wait ~40 ms',
    mistake:
      "Removed { noDelay: true } from createServer to try the handout's experiment and never put it back: a line written while the previous one is unacknowledged waits for the client's delayed ACK, about 40 ms.",
    file: 'relay.ts',
    find: 'net.createServer({ noDelay: true })',
    replace: 'net.createServer()',
    caughtBy: ['deliversAtOnce'],
  },
  {
    name: 'sending to yourself refused',
    mistake:
      'Treats SEND to your own name as a mistake and answers ERR unknown-name, although the protocol allows it: the note to self is lost.',
    file: 'relay.ts',
    find: 'if (target === undefined) {',
    replace: 'if (target === undefined || target === client) {',
    caughtBy: ['sendDelivers'],
  },
  {
    name: 'line limit counts the newline',
    mistake:
      'Gives the decoder MAX_LINE_BYTES + 1 "to leave room for the \\n": a line of 1025 bytes is answered instead of getting ERR bad-line.',
    file: 'relay.ts',
    find: 'new MessageDecoder(MAX_LINE_BYTES)',
    replace: 'new MessageDecoder(MAX_LINE_BYTES + 1)',
    caughtBy: ['survivesGarbage'],
  },
  {
    name: 'cut-off leaves the name to the finally',
    mistake:
      'The cut-off callback only logs, counting on the finally to release the name: until the connection is gone, messages for the cut-off client are still answered OK SEND and dropped.',
    file: 'relay.ts',
    find: "log(`cutting off ${table.nameOf(slow) ?? 'a client'}: it does not read`);\n    table.release(slow);",
    replace: "log(`cutting off ${table.nameOf(slow) ?? 'a client'}: it does not read`);",
    caughtBy: ['slowReaderCutOff'],
  },
  {
    name: "no backpressure on a client's own commands",
    mistake:
      'Answers every line of a read, however many, without waiting for the replies to leave: a client that sends thousands of commands and reads nothing makes the relay queue megabytes of answers for it (its own replies never cut it off, so nothing else bounds them).',
    file: 'relay.ts',
    find: '        if (socket.writableLength > maxQueuedBytes / 4) await flushed(socket);\n',
    replace: '',
    caughtBy: ['ownRepliesBounded'],
  },
  {
    name: 'a cut-off client never learns why',
    mistake:
      "Destroys a slow client's socket at once when cutting it off: the ERR too-slow line never leaves, and a client that reads again finds the stream stopped, maybe in the middle of a line.",
    file: 'relay.ts',
    find: '    this.socket.end(`ERR too-slow more than ${this.maxQueuedBytes} bytes waiting for you\\n`);\n    setTimeout(() => this.socket.destroy(), CUT_OFF_GRACE_MS).unref();',
    replace: '    this.socket.destroy();',
    caughtBy: ['slowReaderCutOff'],
  },
  {
    name: 'a cut-off client still gets its PING',
    mistake:
      'Checks only for a destroyed socket before queuing a line, not for one already ended: the idle PING of a client cut off for not reading is written after end(), which destroys the socket, and the lines still queued for it, ERR too-slow among them, are lost.',
    file: 'relay.ts',
    find: '    if (this.socket.destroyed || this.socket.writableEnded) return; // cut off, or closing: nothing more',
    replace: '    if (this.socket.destroyed) return; // cut off: nothing more',
    caughtBy: ['conformSlowReaders'],
  },
  {
    name: 'a cut-off client is cut off again when idle',
    mistake:
      'Cuts a silent client off without checking whether it is closing already: a client cut off for not reading gets a second end() at its idle timeout, which destroys the socket, and the lines still queued for it are lost.',
    file: 'relay.ts',
    find: '    if (socket.writableEnded) return; // closing already (QUIT, a cut-off): a second end would fail\n',
    replace: '',
    caughtBy: ['conformSlowReaders'],
  },
  {
    name: 'the idle cut-off leaves the name to the finally',
    mistake:
      'Releases the name only when the receive loop ends: after an idle cut-off the loop ends once the connection closes, and the connection of a client that vanished with lines still waiting for it closes only after the grace period, 30 seconds later. Meanwhile nobody can take the name, not even its owner, back on a new connection.',
    file: 'relay.ts',
    find: '    table.release(client);\n    client.close(`ERR idle-timeout',
    replace: '    client.close(`ERR idle-timeout',
    caughtBy: ['conformSlowReaders'],
  },
  {
    name: 'a long LIST in one line',
    mistake:
      "Answers LIST with lab 04's single NAMES line however many names there are: past about 120 names the line breaks the 2048-byte limit of server lines, and a client built to the document rejects it.",
    file: 'relay.ts',
    find: 'for (const names of namesLines(table.list())) client.send(names);',
    replace: 'client.send(answerTableCommand(table, client, command));',
    caughtBy: ['conformList'],
  },
  {
    name: 'own replies count against the cut-off',
    mistake:
      "Never marks the replies to a client's own lines: a LIST of 4,000 names (68 KB) passes the 64 KiB meant for clients that do not read, and the asker is cut off.",
    file: 'relay.ts',
    find: '    client.answering = true;\n',
    replace: '',
    caughtBy: ['conformList'],
  },
  {
    name: 'OK SEND for a message that cut its recipient off',
    mistake:
      "Answers OK SEND after every delivery attempt: the message that overflowed the recipient's queue was never queued, yet the sender is told it was.",
    file: 'relay.ts',
    find: 'if (table.nameOf(target) === undefined) client.send(`ERR unknown-name ${command.to} was cut off: it does not read`);\n    else client.send(`OK SEND ${command.to}`);',
    replace: 'client.send(`OK SEND ${command.to}`);',
    caughtBy: ['conformSlowReaders'],
  },
  {
    name: 'OK ALL counts a recipient the broadcast cut off',
    mistake:
      'Answers ALL with the number of other named clients it tried: the one that this very broadcast cut off is counted, although it was never queued for it.',
    file: 'relay.ts',
    find: '`OK ALL ${others.filter((other) => table.nameOf(other) !== undefined).length}`',
    replace: '`OK ALL ${others.length}`',
    caughtBy: ['conformSlowReaders'],
  },
  {
    name: 'PONG answered as an unknown command',
    mistake:
      'Handles PING but lets PONG fall through to parseCommand: every answer to the relay\'s PING earns an "ERR unknown-command PONG" the client never asked for.',
    file: 'relay.ts',
    find: "  if (word === 'PING' || word === 'PONG') {",
    replace: "  if (word === 'PING') {",
    caughtBy: ['conformCommands', 'conformLiveness'],
  },
  {
    name: 'idle timer never restarted by a line',
    mistake:
      'Starts the idle timer once per connection and never restarts it: a client that answers every PING is still cut off 2T after it connected.',
    file: 'relay.ts',
    find: '  const answer = (line: string) => {\n    idle.heard();\n',
    replace: '  const answer = (line: string) => {\n',
    caughtBy: ['conformLiveness'],
  },
  {
    name: 'PING sent but no cut-off',
    mistake:
      'Sends PING after T of silence but never acts on the missing answer: a client whose network vanished keeps its name forever.',
    file: 'relay.ts',
    find: '    if (this.pinged) {\n      this.gone();\n      return;\n    }\n',
    replace: '',
    caughtBy: ['conformLiveness'],
  },
  {
    name: 'accept loop gives up after a failed accept',
    mistake:
      "Returns from the accept loop on any error, not only on the AbortError of the server's close: the first EMFILE (no file descriptor left) stops it accepting for good, while the server still listens and new clients hang.",
    file: 'relay.ts',
    find: "      if ((error as Error).name === 'AbortError') return;",
    replace: '      return;',
    caughtBy: ['acceptsAfterFailure'],
  },
  {
    name: 'a failed accept crashes the relay',
    mistake:
      "Ends the accept loop on the server's close but lets every other error of on() escape: the first EMFILE rejects the accept loop's promise, nobody catches it, and the relay dies with all its clients.",
    file: 'relay.ts',
    find: "      if ((error as Error).name === 'AbortError') return;",
    replace: "      if ((error as Error).name === 'AbortError') return;\n      throw error;",
    caughtBy: ['acceptsAfterFailure'],
  },
  {
    name: 'idle timer restarted only by its own expiry',
    mistake:
      'heard() clears the PING flag but does not restart the timer: a client that talks all along still gets PING every T, as if it had been silent.',
    file: 'relay.ts',
    find: '    this.pinged = false;\n    this.timer.refresh();',
    replace: '    this.pinged = false;',
    caughtBy: ['conformLiveness'],
  },
  {
    name: 'chat client gives the length, not how much too long',
    mistake:
      'Refuses a line over the limit with its length ("1025 bytes, the limit is 1024") instead of how much too long it is, which the handout asks for so that the user knows how much to cut.',
    file: 'chat.ts',
    find: 'throw new TypedLineError(`not sent: ${bytes - MAX_LINE_BYTES} bytes too long',
    replace: 'throw new TypedLineError(`not sent: ${bytes} bytes, too long',
    caughtBy: ['chatRefusesLines'],
  },
  {
    name: 'the turn is given up without await',
    mistake:
      'Calls nextTurn() past the budget but forgets the await: the promise is dropped, the loop goes straight on, and a client that pipelines ALL to hundreds of clients keeps everyone else waiting until all of its lines are done.',
    file: 'relay.ts',
    find: '          await nextTurn();',
    replace: '          void nextTurn();',
    caughtBy: ['conformFairness'],
  },
]);
