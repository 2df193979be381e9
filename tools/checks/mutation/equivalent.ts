// Mutants that change no behaviour a user can see (npm run mutation): each with the reason,
// so that a survivor is either in this list or a gap in the tests. Matched by file, the
// mutated line's code (trimmed) and the mutation, as the mutation report shows them.
export interface Equivalent {
  file: string;
  code: string;
  mutation: string;
  /** Which of several identical mutants in the file (same code and change), counting from 1: all of them if absent. */
  nth?: number;
  reason: string;
}

const NON_ZERO =
  'The handout asks for a non-zero exit code; 2 is as non-zero as 1, and a shell or a script tells them apart only by choice.';
/** `server.off('error', reject)` once listening, removed or emptied: the same for a user. */
const listenerAfterListen = (file: string): Equivalent[] =>
  ['removed call', "'error' → ''"].map((mutation) => ({
    file,
    code: "server.off('error', reject);",
    mutation,
    reason:
      'After listen succeeded the promise is settled: a later error calls reject for nothing, and the listener left behind only keeps one function alive.',
  }));

/** Every mutant of an operator's log line: no client sees it, and the tests give the relay a log that drops it. */
const logLine = (file: string, code: string, mutations: string[]): Equivalent[] =>
  mutations.map((mutation) => ({
    file,
    code,
    mutation,
    reason:
      "A log line for whoever runs the relay: no client sees it, and its wording (or whether a cut-off is logged at all) is the student's; the graded tests give startRelay a log that drops every line.",
  }));
const RELAY_CUT_OFF_LOG = "log(`cutting off ${table.nameOf(slow) ?? 'a client'}: it does not read`);";
const RELAY_IDLE_LOG =
  "log(`cutting off ${table.nameOf(client) ?? 'a client'}: no line for ${(2 * idleTimeoutMs) / 1000} s, not even after PING`);";
const RELAY_CATCH_LOG = 'if (!socket.destroyed) log(`connection ended: ${(error as Error).message}`);';
const RELAY_IDLE_CLOSE =
  'client.close(`ERR idle-timeout no line from you for ${(2 * idleTimeoutMs) / 1000} s, not even PONG after PING`);';
/** Where, within a line or two, the cut-off of a client that does not read falls. */
const CUT_OFF_EDGE =
  "Moves the cut-off by a byte or two, or lets the queue pass 64 KiB by one line: kernel buffers of a size no client knows (hundreds of KiB on loopback) sit between the relay's queue and the client, so no client can tell where exactly it falls, and the relay's memory stays bounded either way.";
const CORK =
  'Corking is the handout\'s optional speed-up ("No test needs this"): every line still leaves at once (noDelay) and in order; only how many lines share a system call changes, which npm run bench measures, not a client.';
const TURN =
  'The turn budget off by a unit or so (256 or 257 units of work before the event loop gets a turn): fairness is the same for every client.';

/** The seconds in ERR idle-timeout's explanation, mutated: both relays. */
const IDLE_EXPLANATION =
  'Only the number of seconds in the explanation of ERR idle-timeout changes: docs/protocol.md leaves explanations to people, and the code, idle-timeout, is the same.';

const equivalents: Record<string, Equivalent[]> = {
  '01-echo': [
    { file: 'client.ts', code: 'process.exitCode = 1;', mutation: '1 → 2', reason: NON_ZERO },
    { file: 'server.ts', code: 'process.exitCode = 1;', mutation: '1 → 2', reason: NON_ZERO },
    ...listenerAfterListen('server.ts'),
  ],
  '02-framing': [
    {
      file: 'framing.ts',
      code: "const bytes = Buffer.from(text, 'utf8');",
      mutation: "'utf8' → ''",
      reason: 'Buffer.from with an empty encoding name uses UTF-8, the default.',
    },
    {
      file: 'framing.ts',
      code: 'let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);',
      mutation: '?: condition → false',
      reason: 'Concatenating with nothing pending gives the same bytes: it only costs a copy.',
    },
    {
      file: 'framing.ts',
      code: 'const body = end > 0 && data[end - 1] === CARRIAGE_RETURN ? data.subarray(0, end - 1) : data.subarray(0, end);',
      mutation: '> → >=',
      reason: 'At end 0, data[-1] is undefined, never a carriage return: the same branch is taken.',
    },
    {
      file: 'framing.ts',
      code: 'this.pending = Buffer.alloc(0);',
      mutation: '0 → 1',
      reason:
        'Every such line is on a FramingError path; after one, the stream is broken and the decoder is not used again (the server closes the connection).',
    },
    {
      file: 'server.ts',
      code: 'if (!(error instanceof FramingError)) throw error;',
      mutation: 'condition → false',
      reason: 'Nothing but a FramingError is thrown inside that try.',
    },
    {
      file: 'server.ts',
      code: 'if (socket.writableEnded) return; // already refused: ignore the rest',
      mutation: 'condition → false',
      reason:
        'What arrives after the refusal is decoded for nothing: writing to an ended socket fails with an error its listener logs, and the client receives nothing more either way.',
    },
    {
      file: 'server.ts',
      code: 'socket.end();',
      mutation: 'removed call',
      reason: 'A server created without allowHalfOpen ends its side by itself once the client has ended its own.',
    },
    ...listenerAfterListen('server.ts'),
  ],
  '03-partial-io': [
    {
      file: 'node-io.ts',
      code: 'cleanup();',
      mutation: 'removed call',
      nth: 1,
      reason:
        'In fail(), the first cleanup() of writeAll: it runs only once the socket has failed or closed, and a closed socket never emits again; the listeners go with it.',
    },
    {
      file: 'node-io.ts',
      code: 'fail(error ?? undefined);',
      mutation: 'removed call',
      reason:
        "The 'error' and 'close' listeners are still in place when the last write() fails: they reject a moment later, with the same error or the closed-connection one.",
    },
    {
      file: 'node-io.ts',
      code: 'fail(error ?? undefined);',
      mutation: '?? → &&',
      reason:
        "A write that fails on a reset makes the socket emit 'error' (or end destroyed) before that callback runs: fail() has already rejected with the error, and a second reject does nothing. Tried: a reset under a single 16 MiB chunk rejects with ECONNRESET either way.",
    },
    {
      file: 'node-io.ts',
      code: 'cleanup();',
      mutation: 'removed call',
      nth: 5,
      reason:
        "In readExactly's onError: 'close' always follows 'error' on a socket, and onEnd, still listening for it, removes every listener.",
    },
    {
      file: 'node-io.ts',
      code: 'if (chunk.length > need) socket.unshift(chunk.subarray(need)); // not ours: left for the next reader',
      mutation: 'condition → true',
      reason: 'When nothing is left over, the surplus is an empty buffer, and unshifting it changes nothing.',
    },
    {
      file: 'node-io.ts',
      code: 'if (chunk.length > need) socket.unshift(chunk.subarray(need)); // not ours: left for the next reader',
      mutation: '> → >=',
      reason: 'The one case it adds unshifts an empty buffer, which changes nothing.',
    },
    {
      file: 'partial.ts',
      code: 'const header = first.length === HEADER_BYTES ? first : Buffer.concat([first, await recvExactAfter(sock, HEADER_BYTES, first.length)]);',
      mutation: '?: condition → false',
      reason:
        'With the whole header already read, recvExactAfter asks recvExact for 0 bytes, which calls recv() not once: the same header, one copy more.',
    },
  ],
  '04-names': [
    {
      file: 'names.ts',
      code: 'if (name === undefined) return undefined;',
      mutation: 'condition → false',
      reason:
        'release() of a connection without a name deletes absent keys from both maps, which changes nothing, and returns undefined either way.',
    },
    {
      file: 'protocol.ts',
      code: 'const word = space < 0 ? line : line.slice(0, space);',
      mutation: '< → <=',
      reason:
        "The line starts with a space: its word is empty, unknown either way; only the explanation differs, which the protocol leaves free ('for people and may change').",
    },
    {
      file: 'protocol.ts',
      code: 'const word = space < 0 ? line : line.slice(0, space);',
      mutation: '0 → 1',
      reason:
        "The line starts with a space: its word is empty, unknown either way; only the explanation differs, which the protocol leaves free ('for people and may change').",
    },
    {
      file: 'protocol.ts',
      code: 'const rest = space < 0 ? undefined : line.slice(space + 1);',
      mutation: '< → <=',
      reason:
        'Only when the line starts with a space: its word is then empty, an unknown command, and rest is never read.',
    },
    {
      file: 'protocol.ts',
      code: 'const rest = space < 0 ? undefined : line.slice(space + 1);',
      mutation: '0 → 1',
      reason:
        'Only when the line starts with a space: its word is then empty, an unknown command, and rest is never read.',
    },
    {
      file: 'protocol.ts',
      code: "const gap = rest?.indexOf(' ') ?? -1;",
      mutation: '1 → 2',
      reason: 'The -1 is used only when rest is undefined, which the next line rejects before looking at gap.',
    },
    {
      file: 'protocol.ts',
      code: "throw new ProtocolError('unknown-command', `${word === '' ? '(empty)' : word} the commands are NAME, LIST, SEND, ALL and QUIT`);",
      mutation: '?: condition → false',
      reason:
        "The explanation of an empty line: the protocol leaves explanations free, and 'ERR unknown-command  the commands are ...' still names the empty word.",
    },
    {
      file: 'protocol.ts',
      code: "throw new ProtocolError('unknown-command', `${word === '' ? '(empty)' : word} the commands are NAME, LIST, SEND, ALL and QUIT`);",
      mutation: "'(empty)' → ''",
      reason:
        "The explanation of an empty line: the protocol leaves explanations free, and 'ERR unknown-command  the commands are ...' still names the empty word.",
    },
    {
      file: 'server.ts',
      code: 'if (socket.writableEnded) return; // after QUIT or a framing error: nothing more',
      mutation: 'condition → false',
      reason:
        "Lines after QUIT or a framing error are handled, but every reply fails on the ended socket (its error listener logs it), so the client sees nothing more; a name they claim is released at 'close' with the connection's own.",
    },
    {
      file: 'server.ts',
      code: 'if (!(error instanceof ProtocolError)) throw error;',
      mutation: 'condition → false',
      reason: 'parseCommand throws nothing but a ProtocolError.',
    },
    {
      file: 'server.ts',
      code: 'if (!(error instanceof FramingError)) throw error;',
      mutation: 'condition → false',
      reason: 'Nothing but a FramingError is thrown inside that try: handle() answers every ProtocolError itself.',
    },
    {
      file: 'server.ts',
      code: 'if (!socket.writableEnded) socket.end(`ERR bad-line ${error.message}\\n`);',
      mutation: 'condition → true',
      reason:
        'Only after a QUIT in the same chunk: end() on the ended socket fails with an error its listener logs, and the client sees BYE and the close either way.',
    },
    {
      file: 'server.ts',
      code: 'if (name !== undefined) log(`${name} left`);',
      mutation: 'condition → true',
      reason:
        "The handout leaves logging to the student ('log is for your own lines ... Their wording is yours'): whether a line is logged, and when, is not something a client sees.",
    },
    {
      file: 'server.ts',
      code: 'if (name !== undefined) log(`${name} left`);',
      mutation: 'condition → false',
      reason:
        "The handout leaves logging to the student ('log is for your own lines ... Their wording is yours'): whether a line is logged, and when, is not something a client sees.",
    },
    {
      file: 'server.ts',
      code: 'if (name !== undefined) log(`${name} left`);',
      mutation: '!== → ===',
      reason:
        "The handout leaves logging to the student ('log is for your own lines ... Their wording is yours'): whether a line is logged, and when, is not something a client sees.",
    },
    ...listenerAfterListen('server.ts'),
  ],
  '05-relay': [
    { file: 'relay.ts', code: 'const bytes = Buffer.byteLength(line) + 1;', mutation: '+ → -', reason: CUT_OFF_EDGE },
    { file: 'relay.ts', code: 'const bytes = Buffer.byteLength(line) + 1;', mutation: '1 → 2', reason: CUT_OFF_EDGE },
    {
      file: 'relay.ts',
      code: 'if (!this.answering && this.socket.writableLength + bytes > this.maxQueuedBytes) {',
      mutation: '> → >=',
      reason: CUT_OFF_EDGE,
    },
    {
      file: 'relay.ts',
      code: 'if (!this.answering && this.socket.writableLength + bytes > this.maxQueuedBytes) {',
      mutation: '+ → -',
      reason: CUT_OFF_EDGE,
    },
    ...['condition → true', 'condition → false', 'removed !'].map((mutation) => ({
      file: 'relay.ts',
      code: 'if (!this.socket.writableCorked) {',
      mutation,
      reason: CORK,
    })),
    { file: 'relay.ts', code: 'this.socket.cork();', mutation: 'removed call', reason: CORK },
    {
      file: 'relay.ts',
      code: "const word = line.split(' ', 1)[0];",
      mutation: '1 → 2',
      reason: 'Splitting into two fields instead of one: the first, the word, is the same.',
    },
    {
      file: 'relay.ts',
      code: 'if (!(error instanceof ProtocolError)) throw error;',
      mutation: 'condition → false',
      reason: 'parseCommand throws nothing but a ProtocolError.',
    },
    {
      file: 'relay.ts',
      code: 'table.release(client);',
      mutation: 'removed call',
      nth: 1,
      reason:
        "In handleLine's QUIT: close() ends the socket, the receive loop stops at writableEnded and its finally releases the name, in the same turn of the event loop, before any other client's line is read. (Lab 06's LeavingClient releases it in close() as well.)",
    },
    {
      file: 'relay.ts',
      code: 'clearTimeout(this.timer);',
      mutation: 'removed call',
      reason:
        "The idle timer of a connection that has ended runs out on a closed socket: ping() sends nothing to a destroyed or ended socket, and gone() returns on an ended one (the receive loop's finally ends every socket). The name was released already, by connection, so never its next owner's.",
    },
    {
      file: 'relay.ts',
      code: 'idle.stop();',
      mutation: 'removed call',
      reason:
        "The idle timer of a connection that has ended runs out on a closed socket: ping() sends nothing to a destroyed or ended socket, and gone() returns on an ended one (the receive loop's finally ends every socket). The name was released already, by connection, so never its next owner's.",
    },
    ...logLine('relay.ts', RELAY_CUT_OFF_LOG, ['removed call', '?? → &&', "'a client' → ''"]),
    ...logLine('relay.ts', RELAY_IDLE_LOG, [
      'removed call',
      '?? → &&',
      "'a client' → ''",
      '* → /',
      '2 → 3',
      '1000 → 1001',
    ]),
    ...logLine('relay.ts', RELAY_CATCH_LOG, ['condition → true', 'condition → false', 'removed !']),
    ...['* → /', '2 → 3', '1000 → 1001'].map((mutation) => ({
      file: 'relay.ts',
      code: RELAY_IDLE_CLOSE,
      mutation,
      reason: IDLE_EXPLANATION,
    })),
    { file: 'relay.ts', code: "let work = 0; // this turn's, in TURN_BUDGET's units", mutation: '0 → 1', reason: TURN },
    {
      file: 'relay.ts',
      code: 'work += 1 + linesQueued - queuedBefore;',
      mutation: '1 → 2',
      reason:
        'Counts each line answered twice: a turn ends after 128 lines answered instead of 256, still many at once, and fairness is the same for every client.',
    },
    { file: 'relay.ts', code: 'if (work >= TURN_BUDGET) {', mutation: '>= → >', reason: TURN },
    { file: 'relay.ts', code: 'work = 0;', mutation: '0 → 1', reason: TURN },
    {
      file: 'relay.ts',
      code: 'if (socket.writableLength > maxQueuedBytes / 4) await flushed(socket);',
      mutation: '> → >=',
      reason:
        'Backpressure from 16 KiB exactly rather than one byte past it: the queue stays far below the 64 KiB cut-off either way.',
    },
    {
      file: 'relay.ts',
      code: 'if (!(error instanceof FramingError)) throw error;',
      mutation: 'condition → false',
      reason: 'decoder.push throws nothing but a FramingError.',
    },
    {
      file: 'relay.ts',
      code: 'if (!socket.writableEnded) client.close(`ERR bad-line ${error.message}`);',
      mutation: 'condition → true',
      reason:
        "Only after a QUIT in the same chunk: end() uncorked and handed BYE to the kernel, so the second end() fails with an error the socket's listener logs, and the client sees BYE and the close either way.",
    },
    {
      file: 'relay.ts',
      code: 'if (socket.writableEnded) break;',
      mutation: 'condition → false',
      reason:
        "After QUIT or a cut-off the loop waits for the next chunk instead of leaving at once, and stops at its first line (the check inside the loop); the socket closes by itself meanwhile (destroySoon, or the cut-off's grace), which ends the loop.",
    },
    ...['condition → true', 'condition → false', 'removed !'].map((mutation) => ({
      file: 'relay.ts',
      code: 'if (!socket.writableEnded) socket.end();',
      mutation,
      reason:
        "The server is created without allowHalfOpen: Node ends the socket's side by itself once the client has ended its own, and end() on a socket already ending does nothing. Every other way out of the loop (QUIT, a bad line, a reset) has ended or destroyed it already.",
    })),
  ],
  '06-cluster': [
    {
      file: 'primary.ts',
      code: "const line = answerTableCommand(this.table, client, { kind: 'NAME', name });",
      mutation: "'NAME' → ''",
      reason:
        "Lab 04's answerTableCommand tells the two commands apart by kind === 'LIST' alone: any other kind is answered as NAME.",
    },
    {
      file: 'primary.ts',
      code: 'let nextClient = 0;',
      mutation: '0 → 1',
      reason: 'Client numbers only need to be different from each other: numbering from 1 gives the same relay.',
    },
    {
      file: 'worker.ts',
      code: 'return undefined;',
      mutation: 'return → undefined',
      reason: 'The mutant returns undefined too (as never, for the type checker): the same code.',
    },
    {
      file: 'worker.ts',
      code: "tell({ type: 'log', line: `cutting off ${directory.table.nameOf(client) ?? 'a client'}: it does not read` });",
      mutation: "'a client' → ''",
      reason: "A log line for whoever runs the relay: no client sees it, and its wording is the student's.",
    },
    ...['removed call', '* → /', "'log' → ''", '?? → &&', "'a client' → ''", '2 → 3', '1000 → 1001'].map(
      (mutation) => ({
        file: 'worker.ts',
        mutation,
        code: "tell({ type: 'log', line: `cutting off ${directory.table.nameOf(client) ?? 'a client'}: no line for ${(2 * idleTimeoutMs) / 1000} s, not even after PING` });",
        reason:
          "A log line for whoever runs the relay: no client sees it, and its wording (or whether an idle cut-off is logged) is the student's.",
      }),
    ),
    ...['condition → true', '&& → ||'].map((mutation) => ({
      file: 'primary.ts',
      code: "if (!named && this.table.nameOf(client) === name) this.publish({ type: 'claimed', version: ++this.version, name, client, worker: slot.index });",
      mutation,
      reason:
        "A worker asks the primary only about a client without a name, so `named` is false whenever a claim comes; what else gets published is a `claimed` for a claim that failed (a taken name), which every worker's NameTable refuses just as the primary's did. Only the version counts one more, on every worker alike.",
    })),
    {
      file: 'primary.ts',
      code: 'if (this.clients.get(client) !== slot) return;',
      mutation: 'condition → false',
      reason:
        "LIST and gone from a worker about a client it no longer holds: only from a worker that has died, read after its 'exit' (as the claim that workerDies sends). The answer to a LIST goes to a closed channel (post sends nothing), and a gone finds the client forgotten and its name released already.",
    },
    {
      file: 'primary.ts',
      code: 'this.clients.delete(client);',
      mutation: 'removed call',
      reason:
        "The entry of a client that left stays in Registry.clients: memory only (a few bytes a client). The guards then let a late message about it through, but its worker sends none after its gone, and forgetWorker's second gone finds its name released already.",
    },
    {
      file: 'primary.ts',
      code: 'if (owner === slot) this.gone(slot, client);',
      mutation: 'condition → true',
      reason: 'gone() checks the same itself: a client of another worker is left alone.',
    },
    {
      file: 'primary.ts',
      code: 'const ready = slots.filter((slot) => slot?.ready && slot.child.connected);',
      mutation: '&& → ||',
      reason:
        "Connections also go to a worker that is starting (its channel is open, its ready has not come). Node keeps them in the channel until the worker listens, and the worker reads its welcome before the primary's answer to any claim of those clients (it said ready before it read them): measured, it serves them as if they had waited (waitsForAWorker holds the ready back). A dying worker, ready but with its channel closed, is still skipped.",
    },
    {
      file: 'primary.ts',
      code: 'const peers = slots.filter((other) => other?.ready && other.mesh).map((other) => other.mesh!);',
      mutation: '&& → ||',
      reason:
        "Adds the worker itself to its own welcome's peers (its mesh address is set just before): it opens a mesh channel to itself that nothing is ever sent on, since its own clients are reached directly. No other slot has a mesh address without being ready: a replacement takes a new slot object.",
    },
    {
      file: 'primary.ts',
      code: "for (const other of slots) if (other?.ready) post(other.child, { type: 'peer', peer: slot.mesh });",
      mutation: 'condition → true',
      reason:
        "Also tells the new worker about itself (see the welcome's peers) and a worker still starting about it: that one connects, and connects again when its own welcome lists the same peer, which replaces the channel before any frame goes on it.",
    },
    ...['false → true', '0 → 1'].map((mutation) => ({
      file: 'primary.ts',
      code: 'const slot: WorkerSlot = { index, child: launch(index), ready: false, applied: 0 };',
      mutation,
      reason:
        'A slot ready from its launch gets connections before its welcome, which Node keeps in the channel until the worker listens (see the filter of ready slots); a claim waits for its applied, which its welcome sets, so nobody hears OK NAME before the new worker knows the name. applied starting at 1: the welcome overwrites it before the slot counts.',
    })),
    {
      file: 'primary.ts',
      code: "if (message.type === 'ready') becameReady();",
      mutation: 'condition → true',
      reason: "A worker's first message is always its ready: resolving on any message is resolving on that one.",
    },
    ...['removed call', "'error' → ''"].map((mutation) => ({
      file: 'primary.ts',
      code: "slot.child.on('error', (error) => log(`worker ${index}: ${error.message}`));",
      mutation,
      reason:
        "Node emits 'error' on a ChildProcess only when it cannot be spawned or signalled, or when a message without a callback cannot be sent: every send here has a callback, and forking a file that exists, and killing a worker not yet reaped, do not fail.",
    })),
    ...['removed call', "'error' → ''"].map((mutation) => ({
      file: 'primary.ts',
      code: "socket.on('error', () => {}); // a reset before a worker took it: the worker's copy sees it too",
      mutation,
      reason:
        "The primary's copy is paused from the start (pauseOnConnect) and never written to: a reset raises no error on it, so no client can make this listener run.",
    })),
    ...listenerAfterListen('primary.ts'),
    {
      file: 'primary.ts',
      code: 'registry.gone(slot, client);',
      mutation: 'removed call',
      reason:
        'A connection lost on the way stays in Registry.clients, without a name: memory only (a few bytes each), freed when its worker dies. A late took for it finds it there, as it would have recorded it again.',
    },
    {
      file: 'primary.ts',
      code: 'if (slot.ready) registry.clients.set(message.client, slot);',
      mutation: 'condition → true',
      reason:
        "Also records a late took from a worker that has died, read after its 'exit': an entry without a name, for a client gone with its worker, which no message will ever name again. Memory only.",
    },
    {
      file: 'worker.ts',
      code: 'if (client instanceof RemoteClient) this.remote.set(update.client, client);',
      mutation: 'condition → true',
      reason:
        'Also records local clients (or undefined, for one gone already) in the map of remote ones: that map is read only at a release, after the local one, and the entry is deleted there.',
    },
    {
      file: 'worker.ts',
      code: 'if (client) this.table.release(client);',
      mutation: 'condition → true',
      reason: 'release(undefined) on a NameTable that never maps undefined does nothing.',
    },
    {
      file: 'worker.ts',
      code: 'this.remote.delete(update.client);',
      mutation: 'removed call',
      reason: "A released remote client's stand-in stays in the map: memory only, since client numbers never repeat.",
    },
    ...['condition → false', '|| → &&', '0 → 1'].map((mutation) => ({
      file: 'worker.ts',
      code: 'if (this.held.length > 0 || frame.version > this.version) {',
      mutation,
      reason:
        "Holding frames from a newer directory no longer changes what a client sees: a frame names its recipient by client number, which a directory that is behind still maps, and the primary answers OK NAME (and lets BYE go) only once every worker has applied the change, so no line can depend on a change a worker lacks. Frames between two workers keep their order on one mesh channel either way. (Task 3 still teaches the versions; see the catalog's note on the variant retired for the same reason.)",
    })),
    {
      file: 'worker.ts',
      code: "if (line.startsWith('NAME ') || line.startsWith('LIST')) {",
      mutation: 'condition → true',
      reason: 'A shortcut: parseCommand of any other line gives neither NAME nor LIST, so the same branches are taken.',
    },
    ...["'NAME ' → ''", "'LIST' → ''"].map((mutation) => ({
      file: 'worker.ts',
      code: "if (line.startsWith('NAME ') || line.startsWith('LIST')) {",
      mutation,
      reason:
        'Makes the shortcut true for every line: parseCommand of any other line gives neither NAME nor LIST, so the same branches are taken.',
    })),
    ...['condition → false', 'false → true'].map((mutation) => ({
      file: 'worker.ts',
      code: 'if (directory.local.get(id) !== client) return false; // once only',
      mutation,
      reason:
        "A second leave (a cut-off, then the loop's end) tells the primary gone again, which its guard ignores, and releases a name already released; a close after a cut-off then waits for a left that the first gone already brought.",
    })),
    {
      file: 'worker.ts',
      code: 'directory.local.delete(id);',
      mutation: 'removed call',
      reason:
        'A client that left stays in the local map: memory only. Frames for its number still find it, and its Client queues nothing on an ended or destroyed socket; the primary sends no answer for a client that is gone.',
    },
    {
      file: 'worker.ts',
      code: 'leave();',
      mutation: 'removed call',
      nth: 2,
      reason:
        "At the idle cut-off: client.close() right after it leaves too (LeavingClient's close waits for the primary's left after its own leave()), in the same tick.",
    },
    ...['* → /', '2 → 3', '1000 → 1001'].map((mutation) => ({
      file: 'worker.ts',
      code: 'client.close(`ERR idle-timeout no line from you for ${(2 * idleTimeoutMs) / 1000} s, not even PONG after PING`);',
      mutation,
      reason: IDLE_EXPLANATION,
    })),
    {
      file: 'worker.ts',
      code: 'client.answering = true;',
      mutation: 'true → false',
      nth: 1,
      reason:
        "The replies the worker writes itself (PONG, OK SEND, errors: LIST and NAME are answered through the primary's answer, which marks them) are short, and backpressure stops reading a client's commands at a quarter of the cut-off: counted against the cut-off, they never reach it.",
    },
    {
      file: 'worker.ts',
      code: "let work = 0; // this turn's, in lab 05's TURN_BUDGET units",
      mutation: '0 → 1',
      reason:
        "A turn one unit shorter, once: fairness is about bounding a turn's work, and 255 units bound it as well as 256.",
    },
    {
      file: 'worker.ts',
      code: 'if (!(error instanceof FramingError)) throw error;',
      mutation: 'condition → false',
      reason: 'decoder.push throws nothing but a FramingError.',
    },
    {
      file: 'worker.ts',
      code: 'if (socket.writableEnded || client.closing) break; // QUIT, or cut off: the rest is not answered',
      mutation: 'condition → false',
      reason:
        'The lines after QUIT (or a bad line, or a cut-off) are answered into nothing: a closing LeavingClient, and a cut-off Client, queue no line, and a NAME or LIST asked of the primary for a client that is gone gets no answer. The client sees what it would have seen.',
    },
    {
      file: 'worker.ts',
      code: "if (asked) await asked; // the next line waits for the primary's answer (no await otherwise: it costs a turn)",
      mutation: 'condition → true',
      reason: 'Awaiting undefined costs a microtask, not a turn of the event loop: the same lines, in the same order.',
    },
    ...['condition → true', 'condition → false', '> → >=', '4 → 5'].map((mutation) => ({
      file: 'worker.ts',
      code: 'if (socket.writableLength > maxQueuedBytes / 4) await flushed(socket);',
      mutation,
      reason:
        "Backpressure on a client's own replies, waited for after every line, never, or from a slightly different point: its own replies never count against the cut-off (they are marked answering), so what a client sees is the same; without it only the worker's memory grows (lab 05's ownRepliesBounded catches that in lab 05's loop, which this one repeats).",
    })),
    ...['condition → true', 'condition → false'].map((mutation) => ({
      file: 'worker.ts',
      code: 'if (backlog) await backlog;',
      mutation,
      reason:
        "Waiting for a mesh channel's backlog after every line, or never: without it the sending worker's memory grows while a peer is slow (tools/checks/self-test/mesh.test.ts checks the mesh's part); awaiting undefined changes nothing.",
    })),
    ...['- → +', '1 → 2'].map((mutation) => ({
      file: 'worker.ts',
      code: 'work += 1 + linesQueuedSoFar() - queuedBefore;',
      mutation,
      reason: "Counts a client's turn faster: it gives way sooner, which is as fair, only slower for that client.",
    })),
    ...['condition → true', '>= → >'].map((mutation) => ({
      file: 'worker.ts',
      code: 'if (work >= TURN_BUDGET) {',
      mutation,
      reason:
        'Gives way after every line, or a unit later: fairness is the same for every client, only slower or a unit longer.',
    })),
    { file: 'worker.ts', code: 'work = 0;', mutation: '0 → 1', reason: TURN },
    ...['condition → false', '|| → &&'].map((mutation) => ({
      file: 'worker.ts',
      code: 'if (socket.writableEnded || client.closing) break;',
      mutation,
      reason:
        'After QUIT, a bad line or a cut-off the loop waits for the next chunk instead of leaving at once, and stops at its first line (the check inside the loop); the connection ends by itself meanwhile, which ends the loop.',
    })),
    {
      file: 'worker.ts',
      code: 'idle.stop();',
      mutation: 'removed call',
      reason:
        "The idle timer of a client that has gone runs out in its own time: its PING finds the socket ended (the Client sends nothing) and its cut-off returns at writableEnded. Two timers' worth of memory, for at most 2T.",
    },
    {
      file: 'worker.ts',
      code: 'pending.delete(message.client);',
      mutation: 'removed call',
      reason:
        "A resolved waiter stays in the map until that client's next question replaces it: memory only, one entry per client.",
    },
    {
      file: 'worker.ts',
      code: 'directory.leaving.delete(message.client);',
      mutation: 'removed call',
      reason:
        'A called resolver stays in the map: memory only, one entry per client that quit, whose number never comes again.',
    },
    {
      file: 'primary.ts',
      code: 'onTheirWay.delete(client);',
      mutation: 'removed call',
      nth: 2,
      reason:
        "In a dead worker's 'exit': its entries stay in the map with their deadlines cleared, under the old client numbers, which nothing names again: memory only. The connections themselves are handed out again under new numbers.",
    },
    {
      file: 'primary.ts',
      code: 'if (notTaking.delete(slot)) log(`worker ${slot.index} takes connections again`);',
      mutation: 'removed call',
      reason:
        'Only the log line that a spell has ended goes: no client sees it (the spell still ends, and the next one is logged).',
    },
    ...['removed call', '?? → &&'].map((mutation) => ({
      file: 'primary.ts',
      code: 'log(`worker ${index} died (${signal ?? `exit code ${code}`}); its clients are gone; starting a new one`);',
      mutation,
      reason: "A log line for whoever runs the relay: no client sees it, and its wording is the student's.",
    })),
    {
      file: 'primary.ts',
      code: 'if (!wasReady) return log(`worker ${index} exited before it was ready (${signal ?? `exit code ${code}`})`);',
      mutation: '?? → &&',
      reason: "Only the log line's wording changes: no client sees it.",
    },
    {
      file: 'worker.ts',
      code: "socket.on('error', (error) => tell({ type: 'log', line: `connection from ${peer} failed: ${error.message}` }));",
      mutation: "'log' → ''",
      reason:
        'The listener stays (so an error never crashes the worker); only its log line goes to the primary as a message of no type, which the primary ignores: a log line lost, which no client sees.',
    },
  ],
};

export default equivalents;
