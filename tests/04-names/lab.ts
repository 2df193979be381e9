import { defineLab } from '../../tools/grader/lab.ts';

const PARSE = 'Task 1: parsing commands';
const TABLE = 'Task 2: the name table';
const SERVER = 'Task 3: the server';
const ENDINGS = 'Every way a connection ends';

export default defineLab({
  slug: '04-names',
  title: 'A table of names',
  summary:
    'Clients claim names on a server that maps names to connections and frees a name however its connection ends.',
  requires: ['02-framing'],
  tests: {
    validNames: {
      name: 'isValidName accepts 1 to 16 letters, digits, "_" and "-", and nothing else',
      points: 2,
      hint: 'Check the length (1 to 16) and every character; a regular expression with ^ and $ does both.',
      section: PARSE,
    },
    parsesCommands: {
      name: 'parseCommand understands NAME, LIST, SEND, ALL and QUIT, keeping the spaces in a message',
      points: 2,
      hint: 'Split at the first space only: the command word, then the rest; for SEND split the rest once more.',
      section: PARSE,
    },
    rejectsBadCommands: {
      name: 'parseCommand rejects unknown, lower-case and malformed commands and bad names with the right error code',
      points: 2,
      hint: 'Throw ProtocolError("unknown-command" | "malformed" | "bad-name", explanation); see the error table in docs/protocol.md.',
      section: PARSE,
    },
    tableClaims: {
      name: 'the name table gives a name to one connection only, and one name to a connection',
      points: 2,
      hint: 'Check both directions before claiming: is the name owned? does this connection have a name already?',
      section: TABLE,
    },
    tableReleases: {
      name: 'release frees a name at once, twice is harmless, and list() is sorted',
      points: 2,
      hint: 'Delete from both maps; return undefined when the connection had no name.',
      section: TABLE,
    },
    registers: {
      name: 'the server answers NAME with OK and LIST with the sorted names online',
      points: 4,
      hint: 'Reply "OK NAME <name>" after a claim and "NAMES" followed by table.list() joined with spaces.',
      section: SERVER,
    },
    refusesTaken: {
      name: 'the server refuses a name another client owns, and a second name for the same client',
      points: 3,
      hint: 'Turn table.claim()\'s answer into "ERR name-taken ..." or "ERR already-named ...".',
      section: SERVER,
    },
    badInput: {
      name: 'the server answers each bad line with the right ERR and keeps the connection open',
      points: 2,
      hint: 'Catch the ProtocolError from parseCommand and write its .line; SEND and ALL before NAME get "ERR not-registered".',
      section: SERVER,
    },
    quitReleases: {
      name: 'QUIT answers BYE, closes the connection, and frees the name at once',
      points: 3,
      hint: 'Release the name before answering BYE, then end the socket.',
      section: SERVER,
    },
    disconnectReleases: {
      name: 'a name is freed when its client closes, resets, or sends a line the server cannot frame',
      points: 3,
      hint: "Release in the socket's 'close' event: it fires however the connection ends.",
      section: ENDINGS,
    },
    badLine: {
      name: 'an over-long line gets "ERR bad-line", the lines before it are answered, and the connection is closed',
      points: 3,
      hint: 'On a FramingError, handle error.messagesBefore first, then write "ERR bad-line ..." and end the socket.',
      section: SERVER,
    },
    randomSessions: {
      name: 'after hundreds of random joins, quits and abrupt disconnects, LIST is exactly the live names',
      points: 4,
      hint: "Every way out of a connection must release its name; run this test's seed again to replay the same sequence.",
      section: ENDINGS,
      timeoutMs: 20_000,
    },
    serverProgram: {
      name: 'the server program listens on --host and --port and accepts "\\r\\n" lines as nc -C and telnet send them',
      points: 2,
      hint: 'The program part is provided: it needs your startNameServer and your lab 02 decoder (which drops the "\\r").',
      section: SERVER,
      timeoutMs: 15_000,
    },
    listenError: {
      name: 'startNameServer rejects with the listen error when its port is taken, so the program can explain it and exit 1',
      points: 2,
      hint: "A listen error (EADDRINUSE, EACCES) comes as an 'error' event on the server: call server.once('error', reject) before listen(), as in lab 01.",
      section: SERVER,
    },
  },
});
