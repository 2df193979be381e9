// Classic mistakes of lab 03, each caught by the tests named in caughtBy (npm test checks).
// Instructors only: the student copy leaves this file out.
import { defineVariants } from '../../tools/grader/variants.ts';
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
    replace: 'const payload = await recvExact(sock, length);\n  if (length > maxBytes) throw new MessageTooLongError(length, maxBytes);\n  return payload;',
    caughtBy: ['messageTooLong'],
  },
  {
    name: 'ignores write()\'s return value',
    mistake: 'Writes every chunk without waiting for \'drain\': with a slow reader, everything piles up in memory.',
    file: 'node-io.ts',
    find: "if (!flushed && !last) return; // 'drain' calls us again",
    replace: '',
    caughtBy: ['writeAllBounded'],
  },
  {
    name: 'waits for \'drain\' and nothing else',
    mistake: 'A reader that goes away never sends the \'drain\' this code waits for: the promise hangs forever.',
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
]);
