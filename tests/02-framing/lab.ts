import { defineLab } from '../../tools/grader/lab.ts';

const ENCODER = 'Task 1: the encoder';
const DECODER = 'Task 2: the streaming decoder';
const SERVER = 'Task 3: the server';
const CLIENT = 'Task 4: the client';

export default defineLab({
  slug: '02-framing',
  title: 'Framing messages on a byte stream',
  summary:
    'Many messages over one connection: a line protocol, a streaming decoder that survives any cut of the byte stream, UTF-8, length limits.',
  requires: ['01-echo'],
  tests: {
    encodes: {
      name: 'encodeMessage appends "\\n" to the UTF-8 bytes of the text',
      points: 3,
      hint: 'Buffer.from(text, "utf8") gives the bytes; add one 0x0a byte after them.',
      section: ENCODER,
    },
    encoderRefuses: {
      name: 'encodeMessage refuses text that contains "\\n" or is longer than the limit',
      points: 2,
      hint: 'Check for "\\n" in the text and compare the UTF-8 byte length (not text.length) with maxBytes; throw a FramingError.',
      section: ENCODER,
    },
    splitMessage: {
      name: 'the decoder reassembles a message split across many chunks',
      points: 3,
      hint: 'Keep the bytes that have no "\\n" yet and put each new chunk after them.',
      section: DECODER,
    },
    manyInOne: {
      name: 'the decoder returns every message of a chunk that holds several, in order',
      points: 3,
      hint: 'Keep looking for "\\n" after the one you found, until there is none left in the buffer.',
      section: DECODER,
    },
    emptyMessages: {
      name: 'the decoder returns an empty message for each "\\n" with nothing before it',
      points: 2,
      hint: '"\\n\\n" is two messages of zero bytes: do not skip them.',
      section: DECODER,
    },
    carriageReturn: {
      name: 'the decoder drops a "\\r" just before "\\n", even when the two arrive in different chunks',
      points: 3,
      hint: 'Remove the "\\r" when you cut out a complete message, not when a chunk arrives.',
      section: DECODER,
    },
    utf8Split: {
      name: 'the decoder keeps a multi-byte UTF-8 character intact when a chunk boundary falls inside it',
      points: 3,
      hint: 'Never turn a chunk into a string: keep bytes, and decode only a complete message.',
      section: DECODER,
    },
    invalidUtf8: {
      name: 'the decoder rejects a message that is not valid UTF-8 with a FramingError',
      points: 2,
      hint: 'new TextDecoder("utf-8", { fatal: true }).decode(bytes) throws on invalid UTF-8; turn that into a FramingError.',
      section: DECODER,
    },
    maxLength: {
      name: 'the decoder rejects an over-long message as soon as it is too long, never holding more than maxBytes + 1 bytes',
      points: 3,
      hint: 'After taking out the complete messages, if more than maxBytes + 1 bytes remain, throw: do not wait for a "\\n".',
      section: DECODER,
    },
    finish: {
      name: 'finish() reports a stream that ends in the middle of a message',
      points: 1,
      hint: 'At end of stream, pending bytes are an unfinished message: throw a FramingError that says so.',
      section: DECODER,
    },
    anyCut: {
      name: 'any list of messages, cut into chunks anywhere, decodes to the same list',
      points: 3,
      hint: 'The property test found a list of messages and a way to cut their bytes that your decoder gets wrong; try its counterexample by hand.',
      section: DECODER,
    },
    serverAnswersEach: {
      name: 'the server answers every message on one connection, in order',
      points: 4,
      hint: 'Use one decoder per connection and write "echo: <message>\\n" for each message it returns; keep the connection open. A reply is 6 bytes longer than its message: frame it with a limit that allows that.',
      section: SERVER,
    },
    serverBehindProxy: {
      name: 'the server answers correctly when the chaos proxy cuts the stream into 1-byte pieces',
      points: 3,
      hint: "A 'data' event is not a message: feed every chunk to the decoder and answer only what it returns.",
      section: SERVER,
    },
    serverRefusesTooLong: {
      name: 'the server answers an over-long message with "error: ..." and closes the connection',
      points: 3,
      hint: 'Catch the FramingError from push(), write "error: " + its message + "\\n", and end the socket.',
      section: SERVER,
    },
    serverClientsApart: {
      name: "the server keeps each client's unfinished message, and its refusal, to that client",
      points: 3,
      hint: 'Create the MessageDecoder, and anything that remembers "this client was refused", inside the connection handler: one per socket, never one per server.',
      section: SERVER,
    },
    serverSurvivesReset: {
      name: 'the server survives a client that resets in the middle of a message',
      points: 3,
      hint: "Every accepted socket needs an 'error' listener.",
      section: SERVER,
    },
    serverRefusesBadUtf8: {
      name: 'the server answers a message that is not valid UTF-8 with "error: ..." and closes the connection',
      points: 2,
      hint: 'The decoder\'s FramingError for bad UTF-8 is answered like any other: "error: " + its message + "\\n", then end the socket. Give every FramingError a message that says what went wrong.',
      section: SERVER,
    },
    serverLogs: {
      name: 'the server logs a connection it refuses and a client that leaves in the middle of a message',
      points: 1,
      hint: "Call the log function you were given (not console.log) when you refuse a message and when finish() throws at the client's end.",
      section: SERVER,
    },
    serverListenError: {
      name: 'startFramedEchoServer rejects with the listen error when its port is taken, so the program can explain it and exit 1',
      points: 2,
      hint: "A listen error (EADDRINUSE, EACCES) comes as an 'error' event on the server: call server.once('error', reject) before listen(), as in lab 01.",
      section: SERVER,
    },
    exchange: {
      name: 'exchange sends every message on one connection and returns every reply',
      points: 4,
      hint: "Write every encoded message, half-close with end(), feed each reply chunk to a decoder, and resolve on 'end'. Replies are longer than messages: decode them with a limit that allows that.",
      section: CLIENT,
    },
    exchangeBehindProxy: {
      name: 'exchange returns every reply when the chaos proxy cuts the stream into 1-byte pieces',
      points: 3,
      hint: "The replies arrive in pieces too: decode them with a MessageDecoder and resolve only on 'end'.",
      section: CLIENT,
    },
    exchangeErrors: {
      name: 'exchange rejects when the connection is refused or reset, instead of hanging or crashing',
      points: 2,
      hint: "Listen for the socket's 'error' event and reject with it: a refused connection and a reset come only that way, and never with an 'end'.",
      section: CLIENT,
    },
    clientProgram: {
      name: 'the client program sends each typed line at once, prints each reply as it arrives, and exits when the server closes',
      points: 3,
      hint: "Send a message on every readline 'line' event (do not wait for the end of input), print each decoded reply, end() on 'close', and close the readline interface when the server ends the connection.",
      section: CLIENT,
      timeoutMs: 15_000,
    },
    clientErrors: {
      name: 'the client program reports a refused or reset connection in one line "error: ..." and exits with code 1',
      points: 2,
      hint: "On the socket's 'error' event, print \"error: \" + explainSocketError(...), set process.exitCode = 1 and close the readline interface, or the open standard input keeps the program running.",
      section: CLIENT,
      timeoutMs: 15_000,
    },
    serverProgram: {
      name: 'the server program answers many messages on one connection and honours --max-bytes',
      points: 2,
      hint: "The program part is provided: it starts your startFramedEchoServer with --max-bytes as maxBytes. Give each connection's decoder that limit, and resolve only once the server listens.",
      section: SERVER,
      timeoutMs: 15_000,
    },
  },
});
