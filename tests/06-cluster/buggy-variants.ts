// Classic mistakes of lab 06, each caught by the tests named in caughtBy (npm test checks).
// Instructors only: the student copy leaves this file out.
import { defineVariants } from '../../tools/grader/variants.ts';
import lab from './lab.ts';

export default defineVariants(lab, [
  {
    name: 'a name table per worker',
    mistake: 'Keeps one table per worker (as if each process could own its share of the names): clients on different workers can both claim "alice", and LIST shows only one worker\'s names.',
    file: 'primary.ts',
    find: 'handleLine(this.table, client, message.line);',
    replace: 'handleLine((slot as WorkerSlot & { names?: NameTable<RemoteClient> }).names ??= new NameTable<RemoteClient>(), client, message.line);',
    caughtBy: ['namesUniqueAcrossWorkers', 'basicsAcrossWorkers'],
  },
  {
    name: 'a dead worker\'s names are never released',
    mistake: 'Starts a new worker when one dies but forgets to forget its clients: their names stay taken forever, and messages to them go nowhere.',
    file: 'primary.ts',
    find: 'for (const client of this.clients.values()) {\n      if (client.slot === slot) this.forget(client);\n    }',
    replace: '',
    caughtBy: ['workerDies'],
  },
  {
    name: 'a dead worker is not replaced',
    mistake: 'Releases the dead worker\'s names but never starts another: the relay runs on one core fewer after each crash.',
    file: 'primary.ts',
    find: 'start(index).catch(() => {}); // its failure is logged by its own exit handler',
    replace: '',
    caughtBy: ['workerDies'],
  },
  {
    name: 'every connection goes to the first worker',
    mistake: 'Hands every connection to worker 0: the other workers sit idle, and one crash drops everybody.',
    file: 'primary.ts',
    find: 'const slot = ready[turn++ % ready.length];',
    replace: 'const slot = ready[0];',
    caughtBy: ['workerDies'],
  },
  {
    name: 'the worker numbers its clients itself',
    mistake: 'Each worker counts its own clients from 0, so numbers repeat across workers and the primary mixes clients up.',
    file: 'worker.ts',
    find: 'serveConnection(handle as net.Socket, message.client, clients);',
    replace: 'serveConnection(handle as net.Socket, clients.size, clients);',
    caughtBy: ['basicsAcrossWorkers'],
  },
  {
    name: 'the worker never says a client is gone',
    mistake: 'Forgets to tell the primary when a connection closes: only QUIT frees a name, and a client that closes or resets keeps it.',
    file: 'worker.ts',
    find: 'clients.delete(id);\n    tell({ type: \'gone\', client: id });',
    replace: 'clients.delete(id);',
    caughtBy: ['releaseAcrossWorkers'],
  },
  {
    name: 'a reset crashes the worker',
    mistake: 'No \'error\' handler on the client\'s socket: one client\'s reset kills its worker and every other client on it.',
    file: 'worker.ts',
    find: 'socket.on(\'error\', () => {}); // a reset: \'close\' follows, and that is where we clean up',
    replace: '',
    caughtBy: ['releaseAcrossWorkers'],
  },
  {
    name: 'no limit on what a worker queues for a client',
    mistake: 'Gives each client a Client without a limit: a client that never reads makes its worker\'s memory grow with every message for it.',
    file: 'worker.ts',
    find: 'new Client(socket, MAX_QUEUED_BYTES,',
    replace: 'new Client(socket, Infinity,',
    caughtBy: ['slowReader'],
  },
  {
    name: 'lines before a bad line are lost',
    mistake: 'On a FramingError, drops the whole lines that came before the bad one in the same chunk.',
    file: 'worker.ts',
    find: 'for (const line of error.messagesBefore) tell({ type: \'line\', client: id, line });',
    replace: '',
    caughtBy: ['badInput'],
  },
  {
    name: 'close() does not wait for the workers',
    mistake: 'Signals the workers and resolves at once: whoever awaits close() (a test, a deploy script) finds processes still running.',
    file: 'primary.ts',
    find: 'await exited;',
    replace: 'void exited;',
    caughtBy: ['cleanShutdown'],
  },
]);
