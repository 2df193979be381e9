// Classic mistakes of lab 04, each caught by the tests named in caughtBy (npm test checks).
// Instructors only: the student copy leaves this file out.
import { defineVariants } from '../../tools/grader/variants.ts';
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
    replace: "return { kind: 'SEND', to: rest.slice(0, gap), text: rest.slice(gap + 1).split(' ').filter(Boolean).join(' ') };",
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
]);
