import { defineLab } from '../../tools/grader/lab.ts';
import { conformanceTests } from '../support/conformance-specs.ts';

const DELIVERY = 'Task 1: delivering messages';
const SLOW = 'Task 2: slow readers';
const LOOPS = 'Task 3: one loop for everyone';
const CHAT = 'Task 4: the chat client';
const VANISH = 'Task 5: clients that vanish';

export default defineLab({
  slug: '05-relay',
  title: 'The chat relay',
  summary:
    'Forward messages between named clients behind NAT, serve everyone from one event loop, cut off clients that do not read or have vanished, and the chat client.',
  requires: ['01-echo', '02-framing', '04-names'],
  tests: {
    sendDelivers: {
      name: 'SEND delivers "MSG <sender> <text>" to the named client only, and answers OK SEND',
      points: 4,
      hint: 'Look the recipient up with table.connectionOf(to) and send it "MSG " + the sender\'s registered name + " " + the text.',
      section: DELIVERY,
    },
    allBroadcasts: {
      name: 'ALL delivers "BROADCAST <sender> <text>" to every other named client and answers OK ALL <count>',
      points: 3,
      hint: "Send to every name in table.list() except the sender's own, and count them.",
      section: DELIVERY,
    },
    unknownRecipient: {
      name: 'SEND to a name nobody has answers ERR unknown-name, and nothing is delivered',
      points: 2,
      hint: 'When connectionOf(to) is undefined, answer the sender with "ERR unknown-name <name> ..." instead of dropping the message silently.',
      section: DELIVERY,
    },
    senderFromTable: {
      name: "the sender shown to the recipient is always the sender's registered name, whatever the text says",
      points: 3,
      hint: 'Take the sender from table.nameOf(client), never from the line the client wrote.',
      section: DELIVERY,
    },
    silentClients: {
      name: 'a client that stays silent, or sends half a line and stops, never delays anyone else',
      points: 3,
      hint: "Each connection needs its own receive loop; nothing may wait for one client's next line.",
      section: LOOPS,
    },
    acceptsWhileServing: {
      name: 'the relay accepts and serves new clients while earlier ones stay connected',
      points: 3,
      hint: 'In the accept loop, start serve(socket) but do not await it: awaiting serves one client at a time.',
      section: LOOPS,
    },
    acceptsAfterFailure: {
      name: 'after an accept fails (out of file descriptors) the relay goes on accepting, its clients go on chatting, and the accept loop ends when the server closes',
      points: 3,
      hint: "on() throws the server's 'error' (EMFILE: a failed accept), and the server still listens: catch it around the for await and go back to accepting, in a loop. Return only on the AbortError that comes once the server's 'close' aborts the signal.",
      section: LOOPS,
    },
    orderAndNoLoss: {
      name: 'every message between connected clients arrives, in order per sender, at the right client only',
      points: 3,
      hint: 'Forward each line as it is decoded, in the order decoded, to the one connection the table names.',
      section: DELIVERY,
      timeoutMs: 20_000,
    },
    orderThroughProxy: {
      name: 'every message still arrives, in order, when the chaos proxy cuts and merges the streams',
      points: 3,
      hint: 'A line may arrive in pieces and several lines in one chunk: forward whole decoded lines only, in order.',
      section: LOOPS,
      timeoutMs: 20_000,
    },
    slowReaderCutOff: {
      name: 'a client that never reads is cut off before the relay queues more than 64 KiB for it, and the others carry on',
      points: 3,
      hint: 'Before writing, check socket.writableLength: past maxQueuedBytes, cut the client off (release its name, close it) instead.',
      section: SLOW,
      timeoutMs: 30_000,
    },
    survivesResets: {
      name: 'resets and broken pipes never crash the relay',
      points: 3,
      hint: 'A reset surfaces as an error thrown by the receive loop: catch it, and release the name in finally.',
      section: LOOPS,
    },
    survivesGarbage: {
      name: 'random bytes and random lines get clear errors, never a crash',
      points: 3,
      hint: 'Every ProtocolError is answered with its line; a FramingError closes that one connection; nothing else throws.',
      section: LOOPS,
      timeoutMs: 20_000,
    },
    throughProxy: {
      name: 'registration, SEND, ALL and LIST all work when the chaos proxy cuts every stream into pieces',
      points: 3,
      hint: 'Decode lines with your lab 02 decoder; never assume a chunk is a line.',
      section: LOOPS,
      timeoutMs: 20_000,
    },
    deliversAtOnce: {
      name: 'every line goes out at once: a message right behind a reply arrives within milliseconds, not 40 ms later',
      points: 2,
      hint: "Keep the { noDelay: true } that startRelay gives the server (Nagle's algorithm holds a small write back until the last one is acknowledged), and write each line when it is sent, never after a timer.",
      section: LOOPS,
    },
    answersBeforeClosing: {
      name: 'a client that sends many commands and then QUIT, or closes its sending side, gets every answer before the connection closes',
      points: 3,
      hint: 'Loop over socket.iterator({ destroyOnReturn: false }), not over the socket itself: leaving the plain loop destroys the socket and throws away the replies still queued, BYE included.',
      section: LOOPS,
    },
    ownRepliesBounded: {
      name: 'a client that sends thousands of commands and reads nothing never makes the relay queue more than 64 KiB for it',
      points: 3,
      hint: "Backpressure: after each line, if socket.writableLength is past a quarter of maxQueuedBytes, await flushed(socket) before the next line. The replies to a client's own lines are never a reason to cut it off, so nothing else bounds them.",
      section: LOOPS,
      timeoutMs: 30_000,
    },
    chatCommands: {
      name: 'the chat client turns "@name text" into SEND, /list into LIST, /quit into QUIT and other lines into ALL',
      points: 3,
      hint: 'commandFor: trim, check the special forms first (/quit, /list, @name), then everything else is ALL.',
      section: CHAT,
    },
    chatRefusesLines: {
      name: 'the chat client refuses, with a TypedLineError, "@name" without text, "@ name text", and lines the relay would not take (over 1024 bytes, "ALL " or "SEND name " included), saying by how many bytes',
      points: 2,
      hint: 'Build the whole protocol line first, then compare Buffer.byteLength of it (not .length, not the typed text alone) with MAX_LINE_BYTES, and say in the message how many bytes too many; a line starting with "@" that is not "@name text" is an error, never a broadcast.',
      section: CHAT,
    },
    chatDisplay: {
      name: 'the chat client shows MSG, BROADCAST, NAMES and ERR lines readably and hides OK lines',
      points: 1,
      hint: 'displayFor: switch on the first word of the line.',
      section: CHAT,
    },
    chatNoSpoofing: {
      name: 'the chat client shows every control character from the relay as \\xHH (nothing else), so nobody can fake a line from someone else or take over the terminal',
      points: 2,
      hint: 'printable: replace each character from U+0000 to U+001F and from U+007F to U+009F with "\\x" and its two hex digits; displayFor: pass everything it returns through printable, unknown lines too.',
      section: CHAT,
    },
    chatSession: {
      name: 'the chat client, run as a program, sends what is typed, shows what arrives (escaped) at once, and refuses a line too long without leaving',
      points: 3,
      hint: 'The provided program calls your commandFor for each typed line and your displayFor for each line from the relay: if this fails while the tests of those pass, read what the client printed.',
      section: CHAT,
      timeoutMs: 20_000,
    },
    ...conformanceTests({
      lines: LOOPS,
      commands: DELIVERY,
      names: DELIVERY,
      list: DELIVERY,
      slowReaders: SLOW,
      liveness: VANISH,
      fairness: LOOPS,
    }),
  },
});
