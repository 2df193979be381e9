// Classic mistakes of lab 02, each caught by the tests named in caughtBy (npm test checks).
// Instructors only: the student copy leaves this file out.
import { defineVariants } from '../../tools/checks/variants.ts';
import lab from './lab.ts';

// The start of the server's connection handler, up to the refusal of a bad message.
const SERVER_CONNECTION = `const server = net.createServer((socket) => {
    const peer = \`\${socket.remoteAddress}:\${socket.remotePort}\`;
    const decoder = new MessageDecoder(maxBytes);
    // "echo: " adds 6 bytes, so a reply may exceed maxBytes: frame it without that limit.
    const answer = (messages: string[]) => {
      for (const message of messages) socket.write(encodeMessage(\`echo: \${message}\`, Infinity));
    };
    socket.on('data', (chunk: Buffer) => {
      if (socket.writableEnded) return; // already refused: ignore the rest
      try {
        answer(decoder.push(chunk));
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        answer(error.messagesBefore); // bad input loses nothing that came before it
        log(\`closing \${peer}: \${error.message}\`);
        socket.end(\`error: \${error.message}\\n\`);`;
const JOIN_PENDING = 'let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);';

export default defineVariants(lab, [
  {
    name: 'decodes each chunk to a string on its own',
    mistake:
      'Turns every chunk into text as it arrives: a UTF-8 character cut by a chunk boundary becomes two replacement characters.',
    file: 'framing.ts',
    find: JOIN_PENDING,
    replace: "let data = Buffer.concat([this.pending, Buffer.from(chunk.toString('utf8'))]);",
    caughtBy: ['utf8Split', 'anyCut'],
  },
  {
    name: 'looks for the terminator only in the newest chunk',
    mistake: 'Searches the latest chunk for "\\n" and forgets the bytes that came before it.',
    file: 'framing.ts',
    find: JOIN_PENDING,
    replace: 'let data = chunk;',
    caughtBy: ['splitMessage', 'serverBehindProxy', 'anyCut'],
  },
  {
    name: 'drops the bytes after the last terminator',
    mistake: 'Keeps only complete messages: the start of the next message, already received, is thrown away.',
    file: 'framing.ts',
    find: 'this.pending = Buffer.from(data);',
    replace: 'this.pending = Buffer.alloc(0);',
    caughtBy: ['manyInOne', 'splitMessage', 'anyCut'],
  },
  {
    name: 'no length limit while waiting for the terminator',
    mistake:
      'Checks the length only of complete messages: a peer that never sends "\\n" makes the buffer grow without bound.',
    file: 'framing.ts',
    find: 'if (data.length > this.maxBytes + 1) {',
    replace: 'if (false) {',
    caughtBy: ['maxLength'],
  },
  {
    name: 'skips empty messages',
    mistake: 'Treats an empty line as nothing, so a protocol cannot carry an empty message.',
    file: 'framing.ts',
    find: 'messages.push(this.decode(body, messages));',
    replace: 'if (body.length > 0) messages.push(this.decode(body, messages));',
    caughtBy: ['emptyMessages'],
  },
  {
    name: 'keeps the "\\r" of "\\r\\n"',
    mistake: 'Line endings from telnet and nc -C end in "\\r\\n": the "\\r" stays in the message.',
    file: 'framing.ts',
    find: 'const body = end > 0 && data[end - 1] === CARRIAGE_RETURN ? data.subarray(0, end - 1) : data.subarray(0, end);',
    replace: 'const body = data.subarray(0, end);',
    caughtBy: ['carriageReturn', 'serverBehindProxy'],
  },
  {
    name: 'server answers each chunk',
    mistake: "The naive server: every 'data' event is treated as one message.",
    file: 'server.ts',
    find: 'answer(decoder.push(chunk));',
    replace: "socket.write(`echo: ${chunk.toString('utf8').replace(/\\n$/, '')}\\n`);",
    caughtBy: ['serverBehindProxy'],
  },
  {
    name: 'server forgets the messages before a bad one',
    mistake: 'On a framing error, answers only with the error: good messages that arrived in the same chunk are lost.',
    file: 'server.ts',
    find: 'answer(error.messagesBefore); // bad input loses nothing that came before it',
    replace: '',
    caughtBy: ['serverRefusesTooLong'],
  },
  {
    name: 'client resolves on the first reply chunk',
    mistake: "Treats the first 'data' event as all the replies.",
    file: 'client.ts',
    find: "socket.on('end', () => resolve(replies));",
    replace: "socket.on('data', () => resolve(replies));",
    caughtBy: ['exchangeBehindProxy'],
  },
  {
    name: 'client program sends only at the end of input',
    mistake: 'Collects every typed line and sends them when input ends, so nothing is answered while the user types.',
    file: 'client.ts',
    find: "lines.on('line', (line) => socket.write(encodeMessage(line)));\n  lines.on('close', () => socket.end());",
    replace:
      "const typed: string[] = [];\n  lines.on('line', (line) => typed.push(line));\n  lines.on('close', () => { for (const line of typed) socket.write(encodeMessage(line)); socket.end(); });",
    caughtBy: ['clientProgram'],
  },
  {
    name: 'server shares one decoder among all its connections',
    mistake:
      "Creates the MessageDecoder once, next to the server, instead of once per connection: one client's unfinished message is glued onto another client's next one.",
    file: 'server.ts',
    find: 'const server = net.createServer((socket) => {\n    const peer = `${socket.remoteAddress}:${socket.remotePort}`;\n    const decoder = new MessageDecoder(maxBytes);',
    replace:
      'const decoder = new MessageDecoder(maxBytes);\n  const server = net.createServer((socket) => {\n    const peer = `${socket.remoteAddress}:${socket.remotePort}`;',
    caughtBy: ['serverClientsApart'],
  },
  {
    name: 'server stops answering everyone after refusing one client',
    mistake:
      'Remembers "a message was refused, ignore the rest" in one flag for the whole server instead of per connection: after one client\'s over-long line, every other client is ignored too.',
    file: 'server.ts',
    find: SERVER_CONNECTION,
    replace: SERVER_CONNECTION.replace('const server =', 'let refused = false;\n  const server =')
      .replace('if (socket.writableEnded) return;', 'if (refused) return;')
      .replace('socket.end(`error: ', 'refused = true;\n        socket.end(`error: '),
    caughtBy: ['serverClientsApart'],
  },
  {
    name: 'server frames its replies with the default limit',
    mistake:
      'Builds each reply with encodeMessage(`echo: ${message}`), whose limit is 4096 bytes: the 6 bytes of "echo: " push the reply to a message of 4091 to 4096 bytes over it, so the longest messages the server accepts are answered with an error.',
    file: 'server.ts',
    find: 'socket.write(encodeMessage(`echo: ${message}`, Infinity));',
    replace: 'socket.write(encodeMessage(`echo: ${message}`));',
    caughtBy: ['serverAnswersEach'],
  },
  {
    name: 'client decodes replies with the message limit',
    mistake:
      "Gives exchange's decoder the default limit of 4096 bytes: the reply to a message of 4096 bytes is longer than that, so the client throws on the longest message it is allowed to send.",
    file: 'client.ts',
    find: 'const decoder = new MessageDecoder(Infinity);\n    const replies',
    replace: 'const decoder = new MessageDecoder();\n    const replies',
    caughtBy: ['exchange'],
  },
  {
    name: 'client program has no error listener',
    mistake:
      'Never listens for \'error\' on the socket: a refused or reset connection crashes the program with a stack trace instead of one line "error: ...".',
    file: 'client.ts',
    find: "  socket.on('error', (error) => {\n    console.error(`error: ${explainSocketError(error, { host, port })}`);\n    process.exitCode = 1;\n    lines.close();\n  });",
    replace: '',
    caughtBy: ['clientErrors'],
  },
  {
    name: 'client program keeps reading input after a socket error',
    mistake:
      'Prints the error and sets the exit code but leaves the readline interface open: the program hangs until the user presses Ctrl-D.',
    file: 'client.ts',
    find: 'process.exitCode = 1;\n    lines.close();',
    replace: 'process.exitCode = 1;',
    caughtBy: ['clientErrors'],
  },
  {
    name: 'drops a byte-order mark',
    mistake:
      'Decodes with a default TextDecoder, which silently removes a byte-order mark (EF BB BF) at the start of a message: "\\xEF\\xBB\\xBFLIST" reads as LIST, a command the sender never wrote.',
    file: 'framing.ts',
    find: "new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })",
    replace: "new TextDecoder('utf-8', { fatal: true })",
    caughtBy: ['utf8Split'],
  },
  {
    name: 'exchange without an error listener',
    mistake:
      "Resolves on 'end' and never listens for 'error': a refused connection crashes the caller's program with an uncaught exception instead of rejecting the promise.",
    file: 'client.ts',
    find: "    socket.on('end', () => resolve(replies));\n    socket.on('error', reject);",
    replace: "    socket.on('end', () => resolve(replies));",
    caughtBy: ['exchangeErrors'],
  },
  {
    name: 'server resolves without watching for a listen error',
    mistake:
      "Calls listen() and resolves in its callback, with no 'error' listener on the server: a port in use throws an uncaught exception instead of rejecting, so the program cannot explain it in one line.",
    file: 'server.ts',
    find: "    server.once('error', reject);\n",
    replace: '',
    caughtBy: ['serverListenError'],
  },
  {
    name: 'client program waits for Ctrl-D after the server left',
    mistake:
      'Closes the readline interface only when standard input ends: once the server has closed the connection, the program sits there until the user presses Ctrl-D, and what they type goes nowhere.',
    file: 'client.ts',
    find: "  socket.on('end', () => lines.close());\n",
    replace: '',
    caughtBy: ['clientProgram'],
  },
]);
