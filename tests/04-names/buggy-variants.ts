// Classic mistakes of lab 04, each caught by the tests named in caughtBy (npm test checks).
// Instructors only: the student copy leaves this file out.
import { defineVariants } from '../../tools/checks/variants.ts';
import lab from './lab.ts';

export default defineVariants(lab, [
  {
    name: 'name not released on reset',
    mistake: 'Frees a name only on QUIT: a client that closes, resets or is cut off keeps its name forever.',
    file: 'server.ts',
    find: 'const name = table.release(socket);\n      if (name !== undefined) log(`${name} left`);',
    replace: '',
    caughtBy: ['disconnectReleases', 'randomSessions'],
  },
  {
    name: 'duplicate names accepted',
    mistake: 'Does not check whether the name is owned: a second client takes it over.',
    file: 'names.ts',
    find: "if (this.byName.has(name)) return 'taken';",
    replace: '',
    caughtBy: ['tableClaims', 'refusesTaken', 'randomSessions'],
  },
  {
    name: 'two names for one connection',
    mistake: 'Lets a connection claim a second name; its first name is never freed.',
    file: 'names.ts',
    find: "if (this.byConnection.has(connection)) return 'already-named';",
    replace: '',
    caughtBy: ['tableClaims', 'refusesTaken'],
  },
  {
    name: 'a taken name checked before the connection has one',
    mistake:
      'Checks whether the name is taken before whether the connection already has a name: a client that asks for its own name again, or for one another client owns, is told name-taken instead of already-named.',
    file: 'names.ts',
    find: "    if (this.byConnection.has(connection)) return 'already-named';\n    if (this.byName.has(name)) return 'taken';",
    replace:
      "    if (this.byName.has(name)) return 'taken';\n    if (this.byConnection.has(connection)) return 'already-named';",
    caughtBy: ['tableClaims'],
  },
  {
    name: 'release forgets the name side',
    mistake: 'Removes the connection but not its name: the name stays taken by a connection that is gone.',
    file: 'names.ts',
    find: 'this.byName.delete(name);',
    replace: '',
    caughtBy: ['tableReleases', 'quitReleases'],
  },
  {
    name: 'LIST in arrival order',
    mistake: 'Lists names in the order they were claimed; the protocol says sorted.',
    file: 'names.ts',
    find: 'return [...this.byName.keys()].sort();',
    replace: 'return [...this.byName.keys()];',
    caughtBy: ['tableReleases', 'registers'],
  },
  {
    name: 'accepts lower-case commands',
    mistake: 'Upper-cases the command word first, so "name bob" works although the protocol says commands are exact.',
    file: 'protocol.ts',
    find: 'switch (word) {',
    replace: 'switch (word.toUpperCase()) {',
    caughtBy: ['rejectsBadCommands', 'badInput'],
  },
  {
    name: 'no length limit on names',
    mistake: 'Checks the characters but not the length of a name.',
    file: 'protocol.ts',
    find: 'return /^[A-Za-z0-9_-]{1,16}$/.test(name);',
    replace: 'return /^[A-Za-z0-9_-]+$/.test(name);',
    caughtBy: ['validNames', 'rejectsBadCommands', 'badInput'],
  },
  {
    name: 'message text split on every space',
    mistake: 'Splits the whole line on spaces and joins the words again: runs of spaces in a message are lost.',
    file: 'protocol.ts',
    find: "return { kind: 'SEND', to: rest.slice(0, gap), text: rest.slice(gap + 1) };",
    replace:
      "return { kind: 'SEND', to: rest.slice(0, gap), text: rest.slice(gap + 1).split(' ').filter(Boolean).join(' ') };",
    caughtBy: ['parsesCommands'],
  },
  {
    name: 'SEND allowed before NAME',
    mistake: 'Does not check that the sender has a name.',
    file: 'server.ts',
    find: "reply(table.nameOf(socket) === undefined ? 'ERR not-registered send NAME <name> first' : 'ERR not-implemented SEND and ALL come in lab 05');",
    replace: "reply('ERR not-implemented SEND and ALL come in lab 05');",
    caughtBy: ['badInput'],
  },
  {
    name: 'lines before a bad line are lost',
    mistake: 'On a framing error, answers only with the error: commands that arrived with it are dropped.',
    file: 'server.ts',
    find: 'for (const line of error.messagesBefore) handle(line);',
    replace: '',
    caughtBy: ['badLine'],
  },
  {
    name: 'name characters as a range A-z',
    mistake:
      'Writes the letters as one range A-z, which also holds "[", "\\", "]", "^" and "`": a client can register "[bot]".',
    file: 'protocol.ts',
    find: 'return /^[A-Za-z0-9_-]{1,16}$/.test(name);',
    replace: 'return /^[A-z0-9_-]{1,16}$/.test(name);',
    caughtBy: ['validNames', 'rejectsBadCommands', 'badInput'],
  },
  {
    name: 'names compared without case',
    mistake:
      'Treats "Alice" and "alice" as one name: "Alice" is refused while "alice" is online, though names are case-sensitive.',
    file: 'names.ts',
    find: "if (this.byName.has(name)) return 'taken';",
    replace: "if ([...this.byName.keys()].some((owned) => owned.toLowerCase() === name.toLowerCase())) return 'taken';",
    caughtBy: ['tableClaims', 'refusesTaken'],
  },
  {
    name: 'QUIT leaves the name to the close',
    mistake:
      'Reads "one release in \'close\' covers them all" and drops the release on QUIT: a client that keeps its side open after BYE keeps its name.',
    file: 'server.ts',
    find: "table.release(socket);\n          socket.end('BYE\\n');",
    replace: "socket.end('BYE\\n');",
    caughtBy: ['quitReleases'],
  },
  {
    name: 'one decoder for the whole server',
    mistake:
      "Creates the MessageDecoder once, next to the table, instead of once per connection: two clients sending lines in pieces get each other's bytes.",
    file: 'server.ts',
    find: '  const table = new NameTable<net.Socket>();\n  const server = net.createServer((socket) => {\n    const peer = `${socket.remoteAddress}:${socket.remotePort}`; // unknown once the socket is gone\n    const decoder = new MessageDecoder(MAX_LINE_BYTES);\n',
    replace:
      '  const table = new NameTable<net.Socket>();\n  const decoder = new MessageDecoder(MAX_LINE_BYTES);\n  const server = net.createServer((socket) => {\n    const peer = `${socket.remoteAddress}:${socket.remotePort}`; // unknown once the socket is gone\n',
    caughtBy: ['registers'],
  },
  {
    name: 'the "\\n" counted in the line limit',
    mistake:
      'Reads "at most 1024 bytes each" as counting the "\\n": a line of exactly 1024 bytes is refused and its connection closed.',
    file: 'server.ts',
    find: 'const decoder = new MessageDecoder(MAX_LINE_BYTES);',
    replace: 'const decoder = new MessageDecoder(MAX_LINE_BYTES - 1);',
    caughtBy: ['badLine'],
  },
  {
    name: 'listen error not passed on',
    mistake:
      "Never listens for the server's 'error' event: a port in use throws an uncaught exception, and the program prints a stack trace instead of one line.",
    file: 'server.ts',
    find: "server.once('error', reject);",
    replace: '',
    caughtBy: ['listenError'],
  },
  {
    name: 'the unknown word glued to its explanation',
    mistake:
      'Writes "ERR unknown-command name: the commands are ...": the third field is then "name:", not the word the client sent, and a client that reads fields (docs/protocol.md) shows the wrong word.',
    file: 'protocol.ts',
    find: "`${word === '' ? '(empty)' : word} the commands are",
    replace: "`${word === '' ? '(empty)' : word}: the commands are",
    caughtBy: ['badInput'],
  },
  {
    name: 'SEND with an empty name accepted',
    mistake:
      'Cuts SEND at the first space of the rest without checking that the name before it is there: "SEND  bob hi", with two spaces, is taken as a message to the empty name instead of a malformed line.',
    file: 'protocol.ts',
    find: 'if (rest === undefined || gap <= 0) throw usage',
    replace: 'if (rest === undefined || gap < 0) throw usage',
    caughtBy: ['rejectsBadCommands'],
  },
]);
