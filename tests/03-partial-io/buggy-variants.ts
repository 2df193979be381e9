// Classic mistakes of lab 03, each caught by the tests named in caughtBy (npm test checks).
// Instructors only: the student copy leaves this file out.
import { defineVariants } from '../../tools/checks/variants.ts';
import lab from './lab.ts';

const SEND_STEP = 'offset += await sock.send(data.subarray(offset));';

export default defineVariants(lab, [
  {
    name: 'ignores short sends',
    mistake: 'Calls send() once and assumes it took everything, as if send() never returned a short count.',
    file: 'partial.ts',
    find: SEND_STEP,
    replace: 'await sock.send(data);\n    offset = data.length;',
    caughtBy: ['sendAllShort', 'sendAllOneByte', 'messageHeader'],
  },
  {
    name: 'swallows send errors and retries',
    mistake: 'Catches the error from send() and tries again: a dead connection makes the loop spin forever.',
    file: 'partial.ts',
    find: SEND_STEP,
    replace: 'try {\n      offset += await sock.send(data.subarray(offset));\n    } catch {\n      // try again\n    }',
    caughtBy: ['sendAllError'],
  },
  {
    name: 'treats one short recv as the whole message',
    mistake: 'Returns what the first recv() gave, even when it is fewer bytes than asked for.',
    file: 'partial.ts',
    find: 'const chunk = await sock.recv(n - received);',
    replace: 'const chunk = await sock.recv(n - received);\n    return chunk;',
    caughtBy: ['recvExactShort', 'messageRoundTrip'],
  },
  {
    name: 'retries forever on end of stream',
    mistake: 'Treats an empty recv() as "nothing yet, try again" instead of "the peer closed": the loop never ends.',
    file: 'partial.ts',
    find: 'if (chunk.length === 0) throw new ShortReadError(received, n);',
    replace: 'if (chunk.length === 0) continue;',
    caughtBy: ['recvExactEnd'],
  },
  {
    name: 'reads the payload before checking its length',
    mistake: 'Trusts the header: a hostile length makes the reader wait for (or allocate) gigabytes before refusing.',
    file: 'partial.ts',
    find: 'if (length > maxBytes) throw new MessageTooLongError(length, maxBytes);\n  return recvExact(sock, length);',
    replace:
      'const payload = await recvExact(sock, length);\n  if (length > maxBytes) throw new MessageTooLongError(length, maxBytes);\n  return payload;',
    caughtBy: ['messageTooLong'],
  },
  {
    name: "ignores write()'s return value",
    mistake: "Writes every chunk without waiting for 'drain': with a slow reader, everything piles up in memory.",
    file: 'node-io.ts',
    find: "if (!flushed && !last) return; // 'drain' calls us again",
    replace: '',
    caughtBy: ['writeAllBounded'],
  },
  {
    name: "waits for 'drain' and nothing else",
    mistake: "A reader that goes away never sends the 'drain' this code waits for: the promise hangs forever.",
    file: 'node-io.ts',
    find: "socket.on('error', fail).on('close', onClose).on('drain', writeMore);",
    replace: "socket.on('drain', writeMore);",
    caughtBy: ['writeAllRejectsOnClose'],
  },
  {
    name: 'drops the bytes beyond n',
    mistake: 'Keeps what it needs from a chunk and throws the rest away, so the next read misses them.',
    file: 'node-io.ts',
    find: 'if (chunk.length > need) socket.unshift(chunk.subarray(need)); // not ours: left for the next reader',
    replace: '',
    caughtBy: ['readExactly'],
  },
  {
    name: 'refuses a message of exactly maxBytes',
    mistake:
      'Reads "the limit is maxBytes" as "less than maxBytes" (>= instead of >): a payload of exactly the limit, which the handout allows, is refused.',
    file: 'partial.ts',
    find: 'if (length > maxBytes) throw new MessageTooLongError(length, maxBytes);\n  return recvExact',
    replace: 'if (length >= maxBytes) throw new MessageTooLongError(length, maxBytes);\n  return recvExact',
    caughtBy: ['messageTooLong'],
  },
  {
    name: 'readMessage refuses a message of exactly maxBytes',
    mistake:
      'The same off-by-one on the Node side: readMessage compares with >= and refuses a payload exactly at the limit.',
    file: 'node-io.ts',
    find: 'if (length > maxBytes) throw new MessageTooLongError(length, maxBytes);',
    replace: 'if (length >= maxBytes) throw new MessageTooLongError(length, maxBytes);',
    caughtBy: ['readMessageTooLong'],
  },
  {
    name: 'readExactly(0) waits for data',
    mistake:
      'No case for n = 0: readExactly waits for a chunk before it can see it needs none, so an empty message is not delivered until more bytes arrive (and never if it is the last one).',
    file: 'node-io.ts',
    find: '    if (n === 0) {\n      resolve(Buffer.alloc(0));\n      return;\n    }\n',
    replace: '',
    caughtBy: ['readExactly', 'readMessage'],
  },
  {
    name: "readExactly leaves its 'end', 'close' and 'error' listeners behind",
    mistake:
      "Removes only its 'data' listener when done: every call leaves three listeners (and the chunks they hold) on the socket, so memory grows with every message and Node warns of a leak after ten.",
    file: 'node-io.ts',
    find: "socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);",
    replace: "socket.off('data', onData);",
    caughtBy: ['readExactly'],
  },
  {
    name: "writeAll listens for 'error' but not 'close'",
    mistake:
      "Follows hint 5 halfway (once(socket, 'drain') rejects on 'error'): a socket destroyed without an error, as a server does to drop a slow client, never emits 'drain' again and writeAll waits forever.",
    file: 'node-io.ts',
    find: "socket.on('error', fail).on('close', onClose).on('drain', writeMore);",
    replace: "socket.on('error', fail).on('drain', writeMore);",
    caughtBy: ['writeAllRejectsOnClose'],
  },
  {
    name: 'writeAll resolves when the last chunk is queued',
    mistake:
      "Resolves as soon as the last write() returns instead of in its callback: the bytes may still sit in Node's queue, so a program that closes the socket or exits then loses them.",
    file: 'node-io.ts',
    find: 'const flushed = socket.write(chunk, last ? lastWritten : undefined);',
    replace:
      'const flushed = socket.write(chunk);\n        if (last) {\n          cleanup();\n          resolve();\n        }',
    caughtBy: ['writeAllDelivers'],
  },
  {
    name: 'writeAll on a socket that is already closed',
    mistake:
      "Never looks at socket.destroyed: on a socket closed before the call, write() returns false and writeAll waits for a 'drain' or 'close' that already happened, forever.",
    file: 'node-io.ts',
    find: "    if (socket.destroyed) {\n      reject(new Error('the connection is already closed'));\n      return;\n    }\n",
    replace: '',
    caughtBy: ['writeAllRejectsOnClose'],
  },
  {
    name: 'readExactly on a socket destroyed without an end',
    mistake:
      "Checks only readableEnded before listening: a socket destroyed without an end (after a reset, or by our own side) never emits 'end' or 'close' again, so the read waits forever.",
    file: 'node-io.ts',
    find: 'if (socket.readableEnded || socket.destroyed) {',
    replace: 'if (socket.readableEnded) {',
    caughtBy: ['readExactlyEnd'],
  },
  {
    name: "writeAll trusts the last write()'s callback",
    mistake:
      "Resolves whenever the last write()'s callback runs without an error: a socket destroyed before those bytes left calls it back without one, so the caller is told that bytes were sent that were thrown away.",
    file: 'node-io.ts',
    find: 'if (error || socket.destroyed) {',
    replace: 'if (error) {',
    caughtBy: ['writeAllRejectsOnClose'],
  },
  {
    name: 'writeAll of nothing never resolves',
    mistake:
      "Resolves only in the last write()'s callback: with 0 bytes there is no write, so no callback, and the promise waits forever.",
    file: 'node-io.ts',
    find: '    if (data.length === 0) {\n      resolve();\n      return;\n    }\n',
    replace: '',
    caughtBy: ['writeAllSmall'],
  },
  {
    name: "readExactly waits for 'close' to learn of the end",
    mistake:
      "Listens for 'close' but not 'end': a half-open socket (allowHalfOpen) stays open after the other side ends, so the read waits forever for bytes that cannot come.",
    file: 'node-io.ts',
    find: "socket.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError);",
    replace: "socket.on('data', onData).on('close', onEnd).on('error', onError);",
    caughtBy: ['readExactlyFails'],
  },
  {
    name: 'readExactly cleans up only when it succeeds',
    mistake:
      'Removes its listeners after a complete read but not after an end or an error: every failed read leaves four listeners (and the bytes they hold) on the socket.',
    file: 'node-io.ts',
    find: '    const onEnd = () => {\n      cleanup();\n      reject(new ShortReadError(received, n));\n    };\n    const onError = (error: Error) => {\n      cleanup();\n      reject(error);',
    replace:
      '    const onEnd = () => {\n      reject(new ShortReadError(received, n));\n    };\n    const onError = (error: Error) => {\n      reject(error);',
    caughtBy: ['readExactlyFails'],
  },
]);
