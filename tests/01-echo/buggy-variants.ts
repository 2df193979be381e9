// Classic mistakes of lab 01, each caught by the tests named in caughtBy (npm test checks).
// Instructors only: the student copy leaves this file out.
import { defineVariants } from '../../tools/grader/variants.ts';
import lab from './lab.ts';

export default defineVariants(lab, [
  {
    name: 'replies to the first chunk',
    mistake: 'Treats one \'data\' event as the whole message, so a message that arrives in pieces gets a reply to its first piece.',
    file: 'server.ts',
    find: "socket.on('data', (chunk: Buffer) => chunks.push(chunk));",
    replace: "socket.on('data', (chunk: Buffer) => { log(`received from ${peer}: ${chunk}`); socket.end(Buffer.concat([Buffer.from('echo: '), chunk])); });",
    caughtBy: ['reassembles'],
  },
  {
    name: 'no error listener on accepted sockets',
    mistake: 'A client that resets its connection emits \'error\' on a socket nobody listens to, which crashes the server.',
    file: 'server.ts',
    find: "socket.on('error', (error) => log(`connection from ${peer} failed: ${error.message}`));",
    replace: '',
    caughtBy: ['survivesReset'],
  },
  {
    name: 'stops listening after the first client',
    mistake: 'Closes the listening server along with the first connection, like a server that calls accept() only once.',
    file: 'server.ts',
    find: "socket.end(Buffer.concat([Buffer.from('echo: '), message]));",
    replace: "socket.end(Buffer.concat([Buffer.from('echo: '), message]));\n      server.close();",
    caughtBy: ['keepsListening'],
  },
  {
    name: 'prints to the console instead of the log it was given',
    mistake: 'Ignores the log option, so whoever runs the server cannot see or capture what it received.',
    file: 'server.ts',
    find: 'log(`received from ${peer}: ${message.toString(\'utf8\')}`);',
    replace: 'console.log(`received from ${peer}: ${message.toString(\'utf8\')}`);',
    caughtBy: ['logs'],
  },
  {
    name: 'client takes the first chunk as the whole reply',
    mistake: 'Resolves on the first \'data\' event: a reply that arrives in pieces is cut short.',
    file: 'client.ts',
    find: "socket.on('data', (chunk: Buffer) => chunks.push(chunk));",
    replace: "socket.on('data', (chunk: Buffer) => resolve(chunk));",
    caughtBy: ['clientReadsWholeReply'],
  },
  {
    name: 'client never half-closes',
    mistake: 'Writes the message but never ends its side, so the server waits for more forever, and so does the client.',
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
    name: 'the seed\'s port bound',
    mistake: 'Says ports below 1000 need root, as the original notes do; the privileged ports are 0 to 1023.',
    file: 'errors.ts',
    find: 'ports below 1024 need administrator rights (use a port from 1024 up)',
    replace: 'ports below 1000 need administrator rights',
    caughtBy: ['explainsErrors'],
  },
]);
