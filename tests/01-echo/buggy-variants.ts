// Classic mistakes of lab 01, each caught by the tests named in caughtBy (npm test checks).
// Instructors only: the student copy leaves this file out.
import { defineVariants } from '../../tools/checks/variants.ts';
import lab from './lab.ts';

export default defineVariants(lab, [
  {
    name: 'replies to the first chunk',
    mistake:
      "Treats one 'data' event as the whole message, so a message that arrives in pieces gets a reply to its first piece.",
    file: 'server.ts',
    find: "socket.on('data', (chunk: Buffer) => chunks.push(chunk));",
    replace:
      "socket.on('data', (chunk: Buffer) => { log(`received from ${peer}: ${chunk}`); socket.end(Buffer.concat([Buffer.from('echo: '), chunk])); });",
    caughtBy: ['reassembles'],
  },
  {
    name: 'no error listener on accepted sockets',
    mistake:
      "A client that resets its connection emits 'error' on a socket nobody listens to, which crashes the server.",
    file: 'server.ts',
    find: "socket.on('error', (error) => log(`connection from ${peer} failed: ${error.message}`));",
    replace: '',
    caughtBy: ['survivesReset'],
  },
  {
    name: 'stops listening after the first client',
    mistake:
      'Closes the listening server along with the first connection, like a server that calls accept() only once.',
    file: 'server.ts',
    find: "socket.end(Buffer.concat([Buffer.from('echo: '), message]));",
    replace: "socket.end(Buffer.concat([Buffer.from('echo: '), message]));\n      server.close();",
    caughtBy: ['keepsListening'],
  },
  {
    name: 'prints to the console instead of the log it was given',
    mistake: 'Ignores the log option, so whoever runs the server cannot see or capture what it received.',
    file: 'server.ts',
    find: "log(`received from ${peer}: ${message.toString('utf8')}`);",
    replace: "console.log(`received from ${peer}: ${message.toString('utf8')}`);",
    caughtBy: ['logs'],
  },
  {
    name: 'client takes the first chunk as the whole reply',
    mistake: "Resolves on the first 'data' event: a reply that arrives in pieces is cut short.",
    file: 'client.ts',
    find: "socket.on('data', (chunk: Buffer) => chunks.push(chunk));",
    replace: "socket.on('data', (chunk: Buffer) => resolve(chunk));",
    caughtBy: ['clientReadsWholeReply'],
  },
  {
    name: 'client never half-closes',
    mistake:
      'Writes the message but never ends its side, so the server waits for more forever, and so does the client.',
    file: 'client.ts',
    find: "socket.on('connect', () => socket.end(message));",
    replace: "socket.on('connect', () => socket.write(message));",
    caughtBy: ['clientReadsWholeReply'],
  },
  {
    name: 'server prints the stack trace',
    mistake: 'Logs the raw error object: a stack trace instead of one sentence the user can act on.',
    file: 'server.ts',
    find: 'console.error(`error: ${explainSocketError(error, { host, port })}`);',
    replace: 'console.error(error);',
    caughtBy: ['portInUse'],
  },
  {
    name: 'client exits 0 after an error',
    mistake: 'Prints the error but exits with code 0, so scripts that run it think it worked.',
    file: 'client.ts',
    find: 'process.exitCode = 1;',
    replace: '',
    caughtBy: ['refused', 'unresolvable'],
  },
  {
    name: "the ECE 373 notes' port bound",
    mistake: 'Says ports below 1000 need root, as the original notes do; the privileged ports are 0 to 1023.',
    file: 'errors.ts',
    find: 'ports below 1024 need administrator rights (use a port from 1024 up)',
    replace: 'ports below 1000 need administrator rights',
    caughtBy: ['explainsErrors'],
  },
  {
    name: 'forgets EAI_AGAIN',
    mistake:
      'Explains ENOTFOUND but lets EAI_AGAIN (the name service failed, as on a laptop that is offline) fall through to the raw "getaddrinfo EAI_AGAIN host" message, which never says the name could not be resolved.',
    file: 'errors.ts',
    find: "    case 'EAI_AGAIN':\n",
    replace: '',
    caughtBy: ['explainsErrors'],
  },
  {
    name: 'the anything-else case shows the stack',
    mistake:
      'Returns the error\'s stack for codes it does not know ("more detail"), so an unexpected error such as a reset reaches the user as a stack trace over many lines.',
    file: 'errors.ts',
    find: "      return String(error?.message ?? err).split('\\n')[0];",
    replace: '      return String(error?.stack ?? err);',
    caughtBy: ['explainsErrors', 'clientReset'],
  },
  {
    name: 'server decodes each piece on its own',
    mistake:
      "Appends every 'data' chunk to a string: a character whose bytes arrive in two pieces (é, ü, an emoji) is decoded half at a time and comes back as replacement characters.",
    file: 'server.ts',
    find: "    const chunks: Buffer[] = [];\n    // One 'data' event may hold any part of the message: keep everything until 'end'.\n    socket.on('data', (chunk: Buffer) => chunks.push(chunk));\n    socket.on('end', () => {\n      const message = Buffer.concat(chunks);",
    replace:
      "    let text = '';\n    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));\n    socket.on('end', () => {\n      const message = Buffer.from(text, 'utf8');",
    caughtBy: ['reassembles'],
  },
  {
    name: 'one message buffer for every client',
    mistake:
      'Keeps the message being collected in one variable outside the connection handler and empties it when a client connects: fine for one client at a time, but when two clients send at once their bytes are mixed into one message and both get the wrong reply.',
    file: 'server.ts',
    find: '  const server = net.createServer((socket) => {\n    const peer = `${socket.remoteAddress}:${socket.remotePort}`;\n    const chunks: Buffer[] = [];',
    replace:
      '  let chunks: Buffer[] = []; // the message received so far\n  const server = net.createServer((socket) => {\n    chunks = []; // a new client, a new message\n    const peer = `${socket.remoteAddress}:${socket.remotePort}`;',
    caughtBy: ['concurrentClients'],
  },
  {
    name: 'client drops its error listener once connected',
    mistake:
      "Copies the server's listen() pattern: rejects on an error before the connection opens, then removes the listener, so a server that resets mid-session crashes the client with a stack trace.",
    file: 'client.ts',
    find: "    socket.on('connect', () => socket.end(message));",
    replace:
      "    socket.on('connect', () => {\n      socket.off('error', reject);\n      socket.end(message);\n    });",
    caughtBy: ['clientReset'],
  },
  {
    name: 'client takes a reset for the end of the reply',
    mistake:
      'Treats ECONNRESET as "the server hung up, so the reply is complete": when the server crashes mid-session the client prints whatever it got (maybe nothing) and exits 0, so the user thinks it worked.',
    file: 'client.ts',
    find: "    socket.on('error', reject);",
    replace:
      "    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks)) : reject(error)));",
    caughtBy: ['clientReset'],
  },
]);
