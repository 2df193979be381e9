import { defineLab } from '../../tools/grader/lab.ts';

const LOOPS = 'Task 1: sendAll and recvExact';
const MESSAGES = 'Task 2: length-prefixed messages';
const WRITE = 'Task 3: writeAll with backpressure';
const READ = 'Task 4: reading exactly from a Node socket';

export default defineLab({
  slug: '03-partial-io',
  title: 'Partial sends and receives',
  summary:
    "Short `send()`/`recv()` counts as in C, length-prefixed messages, and backpressure in Node (`write()` returning false, `'drain'`).",
  tests: {
    sendAllShort: {
      name: 'sendAll delivers every byte when send() takes a random few bytes at a time',
      points: 3,
      hint: 'send() returns how many bytes it took: keep an offset and send the rest (data.subarray(offset)) until none is left.',
      section: LOOPS,
    },
    sendAllOneByte: {
      name: 'sendAll delivers every byte when send() takes one byte at a time',
      points: 1,
      hint: 'Loop on the return value of send(), not on a fixed number of calls.',
      section: LOOPS,
    },
    sendAllError: {
      name: 'sendAll passes a send() error up instead of swallowing or retrying it',
      points: 2,
      hint: "Do not wrap send() in try/catch: let the SocketError reject sendAll's promise.",
      section: LOOPS,
    },
    recvExactShort: {
      name: 'recvExact returns exactly n bytes when recv() returns a random few at a time',
      points: 3,
      hint: 'Ask recv() only for the bytes still missing (n - received) and collect the chunks.',
      section: LOOPS,
    },
    recvExactEnd: {
      name: 'recvExact reports end of stream in the middle as "connection closed after X of N bytes"',
      points: 2,
      hint: 'An empty buffer from recv() means end of stream: throw a ShortReadError(received, n) at once, do not call recv() again.',
      section: LOOPS,
    },
    recvExactError: {
      name: 'recvExact passes a recv() error up',
      points: 2,
      hint: 'Let the SocketError thrown by recv() reject recvExact.',
      section: LOOPS,
    },
    messageHeader: {
      name: 'sendMessage writes a 4-byte big-endian length, then the payload',
      points: 3,
      hint: 'Buffer.alloc(4) and writeUInt32BE(payload.length), then send header and payload with sendAll.',
      section: MESSAGES,
    },
    messageRoundTrip: {
      name: 'recvMessage gets back any payloads sent with sendMessage, empty and binary ones included, whatever the short counts',
      points: 3,
      hint: 'Read the 4 header bytes with recvExact, then exactly that many payload bytes.',
      section: MESSAGES,
    },
    messageEnd: {
      name: 'recvMessage returns null at a clean end and throws ShortReadError inside a message',
      points: 2,
      hint: 'Only an end of stream before the first header byte is clean; inside the header or the payload it is a ShortReadError.',
      section: MESSAGES,
    },
    messageTooLong: {
      name: 'recvMessage refuses an announced length over the limit before reading the payload',
      points: 3,
      hint: 'Compare the length with maxBytes right after the header, before any recv() for the payload.',
      section: MESSAGES,
    },
    writeAllDelivers: {
      name: 'writeAll delivers every byte of 20 MiB to a real socket, in order',
      points: 3,
      hint: 'Write chunk after chunk; resolve in the callback of the last write().',
      section: WRITE,
    },
    writeAllBounded: {
      name: 'writeAll keeps what Node queues in memory bounded while the reader does not read',
      points: 3,
      hint: "When write() returns false, stop and wait for 'drain' before writing the next chunk.",
      section: WRITE,
    },
    writeAllRejectsOnClose: {
      name: 'writeAll rejects instead of hanging when the reader goes away mid-transfer',
      points: 3,
      hint: "While waiting for 'drain', also listen for 'close' and 'error', and reject on either.",
      section: WRITE,
    },
    writeAllSmall: {
      name: 'writeAll delivers 0, 1 and a few bytes exactly, wherever the chunk boundaries fall, and leaves no listener behind',
      points: 2,
      hint: 'Resolve at once for 0 bytes (no write(), so no callback, will ever come); loop while bytes remain, and remove every listener you added once the promise settles.',
      section: WRITE,
    },
    readExactly: {
      name: 'readExactly returns exactly n bytes, however they arrive, and leaves the rest for the next read',
      points: 3,
      hint: 'Collect chunks until you have n bytes; pause the socket, then unshift() the surplus back into it.',
      section: READ,
    },
    readExactlyEnd: {
      name: 'readExactly rejects with "connection closed after X of N bytes" when the socket ends first',
      points: 2,
      hint: "Listen for 'end' (and 'close') while waiting and reject with a ShortReadError.",
      section: READ,
    },
    readExactlyFails: {
      name: 'readExactly rejects when the socket is reset or destroyed mid-read, or half-open and ended, and leaves no listener behind',
      points: 2,
      hint: "Reject on 'error' with the error, on 'end' and on 'close' with a ShortReadError (a half-open socket ends without closing), and remove every listener you added, on failure too.",
      section: READ,
    },
    readMessage: {
      name: 'readMessage reads length-prefixed messages cut anywhere by the chaos proxy',
      points: 3,
      hint: 'readExactly(socket, 4), readUInt32BE, then readExactly(socket, length).',
      section: READ,
    },
    readMessageTooLong: {
      name: 'readMessage refuses an announced length over the limit',
      points: 3,
      hint: 'Throw MessageTooLongError before reading the payload.',
      section: READ,
    },
  },
});
