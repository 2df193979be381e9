// Classic mistakes of lab 05, each caught by the tests named in caughtBy (npm test checks).
// Instructors only: the student copy leaves this file out.
import { defineVariants } from '../../tools/grader/variants.ts';
import lab from './lab.ts';

const CUT_OFF = 'this.cutOff();\n      return;';

export default defineVariants(lab, [
  {
    name: 'accept loop serves one client at a time',
    mistake: 'Awaits each client\'s whole session inside the accept loop: the second client waits until the first leaves.',
    file: 'relay.ts',
    find: 'void serve(socket as net.Socket); // not awaited: that would serve one client at a time',
    replace: 'await serve(socket as net.Socket);',
    caughtBy: ['acceptsWhileServing', 'silentClients'],
  },
  {
    name: 'no limit on what is queued for a client',
    mistake: 'Writes to a client that never reads without any limit: the relay\'s memory grows with every message for it.',
    file: 'relay.ts',
    find: CUT_OFF,
    replace: '',
    caughtBy: ['slowReaderCutOff'],
  },
  {
    name: 'one slow reader stalls everyone',
    mistake: 'Waits, as a C send() loop would, until the slow client has room: in Node that busy wait freezes the whole relay.',
    file: 'relay.ts',
    find: CUT_OFF,
    replace: 'while (this.socket.writableLength + bytes > this.maxQueuedBytes) {\n        // wait for room, as a C send loop would\n      }',
    caughtBy: ['slowReaderCutOff'],
  },
  {
    name: 'name not released when the receive loop ends',
    mistake: 'Releases names only on QUIT: a client that resets keeps its name, and messages to it vanish.',
    file: 'relay.ts',
    find: 'table.release(client);\n    if (!socket.writableEnded) socket.end();',
    replace: 'if (!socket.writableEnded) socket.end();',
    caughtBy: ['survivesResets'],
  },
  {
    name: 'an unhandled socket error kills the relay',
    mistake: 'Lets the error from a reset escape the receive loop: an unhandled rejection brings the whole relay down.',
    file: 'relay.ts',
    find: '  } catch (error) {\n    log(`connection ended: ${(error as Error).message}`); // a reset surfaces here\n  } finally {',
    replace: '  } finally {',
    caughtBy: ['survivesResets'],
  },
  {
    name: 'message to an unknown name silently dropped',
    mistake: 'Answers OK although nobody has the name: the sender believes the message was delivered.',
    file: 'relay.ts',
    find: 'client.send(`ERR unknown-name ${command.to} nobody has that name`);',
    replace: 'client.send(`OK SEND ${command.to}`);',
    caughtBy: ['unknownRecipient'],
  },
  {
    name: 'broadcast echoes to the sender',
    mistake: 'Sends ALL to every name, the sender\'s own included.',
    file: 'relay.ts',
    find: 'const others = table.list().filter((name) => name !== sender)',
    replace: 'const others = table.list()',
    caughtBy: ['allBroadcasts'],
  },
  {
    name: 'sender name taken from the client\'s text',
    mistake: 'Forwards the client\'s own line with SEND turned into MSG: the "sender" field is whatever the client wrote.',
    file: 'relay.ts',
    find: 'target.send(`MSG ${sender} ${command.text}`);',
    replace: "target.send(line.replace(/^SEND /, 'MSG '));",
    caughtBy: ['senderFromTable', 'sendDelivers'],
  },
  {
    name: 'chat client sends @name messages to everyone',
    mistake: 'Treats every typed line as ALL.',
    file: 'chat.ts',
    find: 'if (direct) return `SEND ${direct[1]} ${direct[2]}`;',
    replace: '',
    caughtBy: ['chatCommands'],
  },
  {
    name: 'chat client leaves without QUIT',
    mistake: 'Closes the connection at end of input without telling the relay it is quitting.',
    file: 'chat.ts',
    find: "socket.write(encodeMessage('QUIT'));\n  });",
    replace: 'socket.end();\n  });',
    caughtBy: ['chatQuits'],
  },
  {
    name: 'chat client says nothing when the relay vanishes',
    mistake: 'Exits quietly with code 0 when the connection drops, so the user never learns the relay is gone.',
    file: 'chat.ts',
    find: "if (!quitting) fail('the relay closed the connection');",
    replace: '',
    caughtBy: ['chatRelayGone'],
  },
]);
