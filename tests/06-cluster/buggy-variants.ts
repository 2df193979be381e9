// Classic mistakes of lab 06, each caught by the tests named in caughtBy (npm test checks).
// Instructors only: the student copy leaves this file out.
//
// A mistake of the earlier design is no longer one here, so it is not a variant: answering the
// lines after QUIT (the directory has released the name and the primary has not, so a NAME
// after QUIT gets ERR already-named, which nobody reads, and a SEND gets ERR not-registered).
// A client socket without an 'error' listener no longer crashes a worker (the receive loop's
// iterator listens for errors itself), but a reset then goes unlogged: a variant below.
// Leaving out the backpressure on a client's own replies is a mistake but not a variant here:
// its own replies never cut a client off (docs/protocol.md), so the cost is a worker's memory,
// which a test outside the worker process cannot watch without timing. Lab 05's
// ownRepliesBounded catches it in lab 05's loop, which this one repeats. Not awaiting
// directory.meshBacklog() is the same kind of mistake: only a worker that reads its frames
// slower than they come (stopped, saturated) shows it, in the sender's memory; the mesh's
// part is checked by tools/checks/self-test/mesh.test.ts. Delivering a frame from a newer
// directory at once is no longer a mistake either: the primary answers a claim only once every
// worker has applied it, so a client's message comes from a name every worker knows already,
// and a reply to it reaches its sender. The held queue stays, and must still be emptied.
import { defineVariants } from '../../tools/checks/variants.ts';
import lab from './lab.ts';

export default defineVariants(lab, [
  {
    name: 'a worker decides claims from its own directory',
    mistake:
      "Claims a name in the worker's directory when it looks free there, and tells the primary afterwards (it saves a round trip): two workers that have not heard of each other's claim both give the name away.",
    file: 'worker.ts',
    find: "    if (command?.kind === 'NAME' && directory.table.nameOf(client) === undefined) return ask({ type: 'claim', client: id, name: command.name });",
    replace:
      "    if (command?.kind === 'NAME' && directory.table.nameOf(client) === undefined && directory.table.connectionOf(command.name) === undefined) {\n      directory.table.claim(command.name, client);\n      client.send(`OK NAME ${command.name}`);\n      tell({ type: 'claim', client: id, name: command.name });\n      return undefined;\n    }",
    caughtBy: ['claimRace'],
  },
  {
    name: 'a worker refuses a name its directory still has',
    mistake:
      'Answers "ERR name-taken" itself when its directory has the name, and asks the primary only about names it thinks free: a name freed a moment ago on another worker is refused.',
    file: 'worker.ts',
    find: "    if (command?.kind === 'NAME' && directory.table.nameOf(client) === undefined) return ask(",
    replace:
      "    if (command?.kind === 'NAME' && directory.table.nameOf(client) === undefined && directory.table.connectionOf(command.name) === undefined) return ask(",
    caughtBy: ['claimRace'],
  },
  {
    name: "the next line does not wait for the primary's answer",
    mistake:
      'Sends NAME (or LIST) to the primary and answers the client\'s next lines at once: "NAME alice" followed by "SEND bob hi" in one write gets ERR not-registered, and the order of replies breaks.',
    file: 'worker.ts',
    find: "        if (asked) await asked; // the next line waits for the primary's answer (no await otherwise: it costs a turn)",
    replace: '        void asked;',
    caughtBy: ['claimRace', 'listCurrent'],
  },
  {
    name: "LIST is answered from the worker's directory",
    mistake:
      "Sends only NAME to the primary and answers LIST from the worker's own copy of the names, as handleLine does (it saves a round trip): right after another worker's client got OK NAME, the list can still lack that name, and still show one that was freed.",
    file: 'worker.ts',
    find: "    if (command?.kind === 'LIST') return ask({ type: 'list', client: id });\n",
    replace: '',
    caughtBy: ['listCurrent'],
  },
  {
    name: 'held frames are never delivered',
    mistake:
      'Holds a frame from a newer directory, but never looks at the held queue again after applying a change: those messages are lost.',
    file: 'worker.ts',
    find: '    }\n    this.release();\n    // END SOLUTION',
    replace: '    }\n    // END SOLUTION',
    caughtBy: ['staleDirectory'],
  },
  {
    name: 'the version is never advanced',
    mistake:
      "Applies each change from the primary but leaves the directory's version where it was (the welcome's): every frame from a worker welcomed later, with a newer version, waits forever.",
    file: 'worker.ts',
    find: '    this.version = update.version;\n',
    replace: '',
    caughtBy: ['workerDies'],
  },
  {
    name: 'a release forgets only the stand-ins',
    mistake:
      "On \"released\", deletes the client from the map of remote clients but not from the directory's table: the name stays taken in that worker's copy, so its clients' messages to the name's next owner go to the old one, and a SEND to a name that left gets OK SEND instead of ERR unknown-name.",
    file: 'worker.ts',
    find: '      if (client) this.table.release(client);\n',
    replace: '',
    caughtBy: ['staleDirectory', 'workerDies'],
  },
  {
    name: 'the primary answers a claim but tells nobody',
    mistake:
      "Answers OK NAME to the claimer's worker without publishing the change: only that worker knows the name, so nobody on another worker can reach it or see it in LIST.",
    file: 'primary.ts',
    find: "    if (!named && this.table.nameOf(client) === name) this.publish({ type: 'claimed', version: ++this.version, name, client, worker: slot.index });\n",
    replace: '',
    caughtBy: ['basicsAcrossWorkers', 'broadcastEveryWorker'],
  },
  {
    name: 'the primary answers a claim before the workers know',
    mistake:
      'Publishes a granted claim and answers OK NAME in the same breath: a worker reads its IPC channel and its sockets in no set order, so a client on another worker told "SEND <name>" right after the OK NAME can still get ERR unknown-name.',
    file: 'primary.ts',
    find: "    this.whenEveryWorkerHas(this.version, () => post(slot.child, { type: 'answer', client, lines: [line] }));",
    replace: "    post(slot.child, { type: 'answer', client, lines: [line] });",
    caughtBy: ['answerOnceEveryWorkerKnows'],
  },
  {
    name: 'BYE goes out before the other workers know',
    mistake:
      'Lets the worker answer QUIT with BYE as soon as the primary has freed the name in its table: another worker that has not applied the release yet accepts a SEND to the name (OK SEND) and the message is lost.',
    file: 'primary.ts',
    find: "        return registry.whenEveryWorkerHas(registry.version, () => post(slot.child, { type: 'left', client: message.client }));",
    replace: "        return post(slot.child, { type: 'left', client: message.client });",
    caughtBy: ['answerOnceEveryWorkerKnows'],
  },
  {
    name: 'a dead worker is waited for',
    mistake:
      'Marks a dead worker as not ready but never looks at what waited for it: a claim made while it had not applied the change waits until some other change happens, maybe forever.',
    file: 'primary.ts',
    find: '      registry.settle(); // what waited for it waits no more\n',
    replace: '',
    caughtBy: ['answerOnceEveryWorkerKnows'],
  },
  {
    name: "a dead worker's names are never released",
    mistake:
      'Starts a new worker when one dies but forgets to forget its clients: their names stay taken forever, and messages to them go nowhere.',
    file: 'primary.ts',
    find: '    for (const [client, owner] of this.clients) {\n      if (owner === slot) this.gone(slot, client);\n    }',
    replace: '',
    caughtBy: ['workerDies', 'diesMidDelivery'],
  },
  {
    name: 'connections on their way to a dead worker are forgotten',
    mistake:
      "Keeps the primary's copy of a handed-over socket until the worker takes it, but forgets those copies when the worker dies: a client that connected in that moment is neither served nor closed.",
    file: 'primary.ts',
    find: '        if (closing) socket.destroy();\n        else handOut(socket);',
    replace: '',
    caughtBy: ['diesMidDelivery'],
  },
  {
    name: "a dead worker's last claim is granted",
    mistake:
      "Decides every claim that comes, without checking that the client is still that worker's: a claim a worker sent just before it died, read after its 'exit', gives the name to a client that is gone, and nobody can have it again.",
    file: 'primary.ts',
    find: "    if (this.clients.get(client) !== slot) return; // gone already, or not that worker's\n",
    replace: '',
    caughtBy: ['workerDies'],
  },
  {
    name: 'a connection with no worker ready crashes the primary',
    mistake:
      'Always picks a worker in turn, ready or not: with --workers 1, a client that connects while the only worker is being replaced makes the primary pick from no workers at all, and it throws.',
    file: 'primary.ts',
    find: 'if (ready.length === 0) {',
    replace: 'if (false) {',
    caughtBy: ['waitsForAWorker'],
  },
  {
    name: 'connections that wait for a worker wait for good',
    mistake:
      'Keeps the connections that came while no worker was ready, but never hands them out when a worker says "ready": they hang, neither served nor closed.',
    file: 'primary.ts',
    find: '        for (const socket of waiting.splice(0)) handOut(socket);\n',
    replace: '',
    caughtBy: ['waitsForAWorker'],
  },
  {
    name: 'a failed accept crashes the primary',
    mistake:
      "Leaves lab 05's logRefusals out: once listening, nothing listens for the server's 'error', and the first accept that fails for want of a descriptor (EMFILE) brings the primary down, and every worker with it.",
    file: 'primary.ts',
    find: '        logRefusals(server, log);\n',
    replace: '',
    caughtBy: ['lostOnTheWay'],
  },
  {
    name: 'close() forgets the connections waiting for a worker',
    mistake:
      'Closes the server and the workers, but not the connections that wait for a worker to be ready: a client that connected while the only worker was being replaced stays connected to nothing.',
    file: 'primary.ts',
    find: '    for (const socket of waiting.splice(0)) socket.destroy();\n',
    replace: '',
    caughtBy: ['waitsForAWorker'],
  },
  {
    name: 'a connection its worker never takes stays on its way',
    mistake:
      'Keeps the primary\'s copy of a socket until its worker says "took", however long that takes: a worker out of file descriptors never receives it (its Node drops it without a word), and the client hangs, neither served nor closed.',
    file: 'primary.ts',
    find: 'setTimeout(() => lost(client), handOverTimeoutMs)',
    replace: 'setTimeout(() => {}, handOverTimeoutMs)',
    caughtBy: ['lostOnTheWay'],
  },
  {
    name: 'a connection its worker never takes goes to another worker',
    mistake:
      'Past the deadline, hands the connection to the next worker, as for one that died: here it is served, but the primary cannot tell a lost connection from one a busy worker has not reported yet, and that one would end up with two workers reading it.',
    file: 'primary.ts',
    find: '    registry.gone(slot, client);\n    socket.destroy();',
    replace: '    registry.gone(slot, client);\n    handOut(socket);',
    caughtBy: ['lostOnTheWay'],
  },
  {
    name: 'every connection a worker does not take is logged',
    mistake:
      'Logs a line for each connection lost on the way: out of descriptors, every new client adds one, and the log floods just when someone reads it.',
    file: 'primary.ts',
    find: '    if (!notTaking.has(slot)) log(',
    replace: '    log(',
    caughtBy: ['lostOnTheWay'],
  },
  {
    name: 'a cut-off client is cut off again when idle',
    mistake:
      'Cuts a silent client off without checking whether it is closing already: a client cut off for not reading gets a second end() at its idle timeout, which destroys the socket, and the lines still queued for it are lost.',
    file: 'worker.ts',
    find: '    if (socket.writableEnded) return; // closing already (QUIT, a cut-off)\n',
    replace: '',
    caughtBy: ['conformSlowReaders'],
  },
  {
    name: 'connections on their way to a dead worker are closed',
    mistake:
      "Closes the primary's copy of every connection a dead worker never took, as if the relay were closing: a client that connected in that moment is dropped, although another worker could serve it and the primary still has its socket.",
    file: 'primary.ts',
    find: '        if (closing) socket.destroy();\n        else handOut(socket);',
    replace: '        socket.destroy();',
    caughtBy: ['diesMidDelivery'],
  },
  {
    name: 'a reply leaves its client marked as answering',
    mistake:
      "Marks a client as answering while its own line is answered, but never unmarks it: once it has had a reply of its own (a PONG), what others send it never counts against the cut-off, and a client that stops reading makes its worker's memory grow without end.",
    file: 'worker.ts',
    find: '      client.answering = false;\n    }\n  };',
    replace: '    }\n  };',
    caughtBy: ['conformSlowReaders'],
  },
  {
    name: 'close() hands the connections on their way out again',
    mistake:
      'Hands the connections a dead worker never took to another worker even while closing: the workers die one after the other, the last of them leaves its connections on the waiting list, which close() has emptied already, and those clients stay connected to nothing.',
    file: 'primary.ts',
    find: '        if (closing) socket.destroy();\n        else handOut(socket);',
    replace: '        handOut(socket);',
    caughtBy: ['cleanShutdown'],
  },
  {
    name: 'a claim for a client gone already names nobody',
    mistake:
      "Applies every claimed change to the worker's table, also one for a client of its own that has gone meanwhile: the name is claimed for undefined, its release finds no client to release, and the name stays taken in that worker's table for good. Its next owner cannot be reached from there.",
    file: 'worker.ts',
    find: '      if (client) this.table.claim(update.name, client);',
    replace: '      this.table.claim(update.name, client!);',
    caughtBy: ['claimOfTheGone'],
  },
  {
    name: 'a worker that dies while starting is replaced again',
    mistake:
      'Replaces every worker that exits, also one that never became ready: with a worker.ts that throws as it loads, each replacement dies at once and is replaced at once, a loop that forks processes as fast as the machine allows.',
    file: 'primary.ts',
    find: '      if (!wasReady) return log(',
    replace: '      if (false) return log(',
    caughtBy: ['failedStart'],
  },
  {
    name: 'an answer for a client gone already crashes the worker',
    mistake:
      "Takes the client of a primary's answer from the local map without checking that it is still there: the answer to the claim of a client cut off while the claim was on its way finds nobody, and the worker crashes with every client it holds.",
    file: 'worker.ts',
    find: '      const client = directory.local.get(message.client); // gone already: so is the answer\n      if (client) {',
    replace: '      const client = directory.local.get(message.client)!;\n      {',
    caughtBy: ['claimOfTheGone'],
  },
  {
    name: 'a new worker starts with an empty directory',
    mistake:
      'Welcomes a replacement worker with no names: its clients cannot LIST or reach anyone who registered before it started.',
    file: 'primary.ts',
    find: 'names: registry.snapshot(), peers',
    replace: 'names: [], peers',
    caughtBy: ['workerDies'],
  },
  {
    name: 'a dead worker is not replaced',
    mistake:
      "Releases the dead worker's names but never starts another: the relay runs on one core fewer after each crash.",
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
    name: 'the worker never says a client is gone',
    mistake:
      'Forgets to tell the primary when a connection closes: only its own worker forgets the name, the primary keeps it taken, and the other workers keep sending to it.',
    file: 'worker.ts',
    find: "    directory.table.release(client);\n    tell({ type: 'gone', client: id });",
    replace: '    directory.table.release(client);',
    caughtBy: ['releaseAcrossWorkers'],
  },
  {
    name: "a cut-off client's socket is destroyed at once",
    mistake:
      'Destroys the socket of a client that does not read, to free it at once: the client never learns why (no ERR too-slow), and its stream stops mid-line.',
    file: 'worker.ts',
    find: ': it does not read` });\n    leave();\n',
    replace: ': it does not read` });\n    leave();\n    socket.destroy();\n',
    caughtBy: ['slowReader'],
  },
  {
    name: 'no limit on what a worker queues for a client',
    mistake:
      "Gives each client a Client without a limit: a client that never reads makes its worker's memory grow with every message for it.",
    file: 'worker.ts',
    find: 'new LeavingClient(socket, maxQueuedBytes,',
    replace: 'new LeavingClient(socket, Infinity,',
    caughtBy: ['slowReader'],
  },
  {
    name: 'a reset is logged twice',
    mistake:
      "Logs the socket's error in its 'error' listener and again where the receive loop ends on it (lab 05's old bug): every reset takes two lines of the log.",
    file: 'worker.ts',
    find: "  } catch {\n    // A reset: logged by the 'error' listener above.\n  } finally {",
    replace:
      "  } catch (error) {\n    tell({ type: 'log', line: `connection ended: ${(error as Error).message}` });\n  } finally {",
    caughtBy: ['releaseAcrossWorkers'],
  },
  {
    name: 'a reset is not logged',
    mistake:
      "Gives the client's socket no 'error' listener, since the receive loop's iterator catches the error anyway: the worker survives a reset, but nothing tells whoever runs the relay.",
    file: 'worker.ts',
    find: "  socket.on('error', (error) => tell({ type: 'log', line: `connection from ${peer} failed: ${error.message}` }));\n",
    replace: '',
    caughtBy: ['releaseAcrossWorkers'],
  },
  {
    name: 'lines before a bad line are lost',
    mistake: 'On a FramingError, drops the whole lines that came before the bad one in the same chunk.',
    file: 'worker.ts',
    find: '        [lines, bad] = [error.messagesBefore, error];',
    replace: '        [lines, bad] = [[], error];',
    caughtBy: ['badInput'],
  },
  {
    name: 'one decoder per worker, shared by its clients',
    mistake:
      'Creates the MessageDecoder once per worker (it only splits lines, after all): half a line from one client is completed by the next bytes of another client on the same worker.',
    file: 'worker.ts',
    find: '  const decoder = new MessageDecoder(MAX_LINE_BYTES);\n',
    replace:
      '  const decoder = ((globalThis as { decoder?: MessageDecoder }).decoder ??= new MessageDecoder(MAX_LINE_BYTES)); // one per worker: it only splits lines\n',
    caughtBy: ['orderAcrossWorkers'],
  },
  {
    name: 'the line limit counts the "\\n"',
    mistake:
      'Makes room for the terminator with MessageDecoder(MAX_LINE_BYTES + 1): a line of 1025 bytes is answered instead of closing the connection with ERR bad-line.',
    file: 'worker.ts',
    find: 'const decoder = new MessageDecoder(MAX_LINE_BYTES);',
    replace: 'const decoder = new MessageDecoder(MAX_LINE_BYTES + 1); // room for the "\\n"',
    caughtBy: ['badInput'],
  },
  {
    name: 'a half-closed client gets no replies',
    mistake:
      "Leaves allowHalfOpen off in the worker: at the client's FIN, Node closes our side too, before a NAME's answer comes back from the primary, so \"printf 'NAME a\\n...' | nc -N\" loses its replies.",
    file: 'worker.ts',
    find: '  socket.allowHalfOpen = true;\n',
    replace: '',
    caughtBy: ['releaseAcrossWorkers'],
  },
  {
    name: 'the worker numbers its clients itself',
    mistake:
      'Each worker counts its own clients from 0, so numbers repeat across workers and the primary mixes clients up.',
    file: 'worker.ts',
    find: 'void serveConnection(handle as net.Socket, message.client, directory, pending);',
    replace: 'void serveConnection(handle as net.Socket, directory.local.size, directory, pending);',
    caughtBy: ['basicsAcrossWorkers'],
  },
  {
    name: 'close() does not wait for the workers',
    mistake:
      'Signals the workers and resolves at once: whoever awaits close() (a test, a deploy script) finds processes still running.',
    file: 'primary.ts',
    find: 'await exited;',
    replace: 'void exited;',
    caughtBy: ['cleanShutdown'],
  },
  {
    name: "replies wait for Nagle's algorithm",
    mistake:
      "Creates the server without noDelay, since the workers, not the primary, write to the clients: the option travels with the connection, and without it a line that follows another within a round trip waits up to 40 ms for the client's delayed ACK.",
    file: 'primary.ts',
    find: 'net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {',
    replace: 'net.createServer({ pauseOnConnect: true }, (socket) => {',
    caughtBy: ['deliversAtOnce'],
  },
  {
    name: 'a failed start leaves its workers running',
    mistake:
      'Lets a listen error (a port in use) out of startClusterRelay without closing what it started: the relay program prints its error, then never exits, its workers still running.',
    file: 'primary.ts',
    find: 'await close();\n    throw error;',
    replace: 'throw error;',
    caughtBy: ['failedStart'],
  },
  {
    name: 'a worker that dies while starting makes the start hang',
    mistake:
      'Waits only for each worker\'s "ready": when a worker exits first (a worker.ts that throws as it loads), startClusterRelay never settles and the relay program hangs without a word.',
    file: 'primary.ts',
    find: "      slot.child.once('exit', () => reject(new Error(`worker ${index} exited before it was ready`)));\n",
    replace: '',
    caughtBy: ['failedStart'],
  },
]);
