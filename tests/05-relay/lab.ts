import { defineLab } from '../../tools/grader/lab.ts';

const DELIVERY = 'Task 1: delivering messages';
const SLOW = 'Task 2: slow readers';
const LOOPS = 'Task 3: one loop for everyone';
const CHAT = 'Task 4: the chat client';

export default defineLab({
  slug: '05-relay',
  title: 'The chat relay',
  summary: 'Forward messages between named clients behind NAT, serve everyone from one event loop, cut off clients that do not read, and the chat client.',
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
      hint: 'Send to every name in table.list() except the sender\'s own, and count them.',
      section: DELIVERY,
    },
    unknownRecipient: {
      name: 'SEND to a name nobody has answers ERR unknown-name, and nothing is delivered',
      points: 2,
      hint: 'When connectionOf(to) is undefined, answer the sender with "ERR unknown-name <name> ..." instead of dropping the message silently.',
      section: DELIVERY,
    },
    senderFromTable: {
      name: 'the sender shown to the recipient is always the sender\'s registered name, whatever the text says',
      points: 3,
      hint: 'Take the sender from table.nameOf(client), never from the line the client wrote.',
      section: DELIVERY,
    },
    silentClients: {
      name: 'a client that stays silent, or sends half a line and stops, never delays anyone else',
      points: 3,
      hint: 'Each connection needs its own receive loop; nothing may wait for one client\'s next line.',
      section: LOOPS,
    },
    acceptsWhileServing: {
      name: 'the relay accepts and serves new clients while earlier ones stay connected',
      points: 3,
      hint: 'In the accept loop, start serve(socket) but do not await it: awaiting serves one client at a time.',
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
      hint: 'Keep the { noDelay: true } that startRelay gives the server (Nagle\'s algorithm holds a small write back until the last one is acknowledged), and write each line when it is sent, never after a timer.',
      section: LOOPS,
    },
    answersBeforeClosing: {
      name: 'a client that sends many commands and then QUIT, or closes its sending side, gets every answer before the connection closes',
      points: 3,
      hint: 'Loop over socket.iterator({ destroyOnReturn: false }), not over the socket itself: leaving the plain loop destroys the socket and throws away the replies still queued, BYE included.',
      section: LOOPS,
    },
    chatCommands: {
      name: 'the chat client turns "@name text" into SEND, /list into LIST, /quit into QUIT and other lines into ALL',
      points: 3,
      hint: 'commandFor: trim, check the special forms first (/quit, /list, @name), then everything else is ALL.',
      section: CHAT,
    },
    chatDisplay: {
      name: 'the chat client shows MSG, BROADCAST, NAMES and ERR lines readably and hides OK lines',
      points: 1,
      hint: 'displayFor: switch on the first word of the line.',
      section: CHAT,
    },
    chatSession: {
      name: 'the chat client registers its --name, sends what is typed, and shows messages as they arrive',
      points: 3,
      hint: 'Send "NAME <name>" on connect, write each readline \'line\' at once, and print each decoded line from the relay when it arrives.',
      section: CHAT,
      timeoutMs: 20_000,
    },
    chatQuits: {
      name: 'the chat client sends QUIT and exits 0 on /quit and at end of input',
      points: 2,
      hint: 'On readline \'close\' (Ctrl-D) send QUIT; exit once the relay closes the connection.',
      section: CHAT,
      timeoutMs: 20_000,
    },
    chatRelayGone: {
      name: 'the chat client reports a refused name or a vanished relay in one line and exits non-zero',
      points: 2,
      hint: 'Print "error: ..." on stderr and set process.exitCode = 1 when the name is refused or the connection closes without QUIT.',
      section: CHAT,
      timeoutMs: 20_000,
    },
  },
});
