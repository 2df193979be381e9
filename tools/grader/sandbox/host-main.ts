// The student host: the process in which a graded test runs the student's modules. It
// imports what the trusted side asks for, runs the calls it is sent and answers each with
// a value or an error; functions the trusted side hands over (a log callback, a fault-
// injecting socket) become stubs that call back across the channel. It decides nothing:
// every verdict is reached in the trusted process, on what this one answered. Whatever the
// student's code does here (patch globals, exit, loop, crash) stays in this process.
//
// Bundled by esbuild into one file (tools/grader/sandbox/bundle.ts) and started by
// tools/grader/sandbox/student-host.ts; it reads nothing but the modules it is told to import.
import '../../../tests/support/offline-dns.ts';
import { decode, encode, RefTable, type Message, type Wire, type WireRef } from './wire.ts';
import { harness } from './harness.ts';

const send = process.send!.bind(process);
const local = new RefTable('host');
/** Proxies of the trusted side's objects, so that one handed back goes back as its ref. */
const foreignRefs = new WeakMap<object, WireRef>();
const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
let nextCallId = 1;

const encodeValue = (value: unknown): Wire => encode(value, local, (object) => foreignRefs.get(object));
const decodeValue = (wire: Wire): unknown => decode(wire, resolveRef);

/** The trusted side is gone: nothing this process does can matter any more. */
const orphaned = () => process.exit(0);

function post(message: Message): void {
  if (!process.connected) orphaned();
  // A send that fails later (the channel closed) must not become an 'error' event: that
  // would reach the uncaughtException handler, whose report would fail again, and so on.
  const sent = (error: Error | null) => error && !process.connected && orphaned();
  // Replies must never throw here: an unserialisable value becomes a description of it.
  try {
    send(message, undefined, undefined, sent);
  } catch (error) {
    if (message.kind === 'reply')
      send(
        {
          kind: 'reply',
          id: message.id,
          ok: false,
          value: encodeValue(new Error(`the value could not be sent to the test: ${(error as Error).message}`)),
        },
        undefined,
        undefined,
        sent,
      );
  }
}

/** Calls the trusted side's function `ref` with `args`; the result arrives as a reply. */
function callTrusted(ref: WireRef, method: string | undefined, args: unknown[]): Promise<unknown> {
  const id = nextCallId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    post({ kind: 'call', id, target: ref, method, args: args.map(encodeValue) });
  });
}

function resolveRef(ref: WireRef): unknown {
  if (ref.side === 'host') return local.get(ref.id);
  // A trusted object: a function, or an object with the methods it declared.
  const stub = ref.callable
    ? (...args: unknown[]) => callTrusted(ref, undefined, args)
    : Object.fromEntries(ref.methods.map((name) => [name, (...args: unknown[]) => callTrusted(ref, name, args)]));
  foreignRefs.set(stub, ref);
  return stub;
}

async function perform(message: Message): Promise<unknown> {
  switch (message.kind) {
    case 'import':
      return import(message.url);
    case 'get': {
      const target = local.get(message.target.id) as Record<string, unknown>;
      return target[message.prop];
    }
    case 'call': {
      const target = local.get(message.target.id) as Record<string, unknown> & ((...args: unknown[]) => unknown);
      const args = message.args.map(decodeValue);
      const callee = message.method === undefined ? target : target[message.method];
      if (typeof callee !== 'function') throw new TypeError(`${message.method} is not a function`);
      if (message.construct) return new (callee as new (...args: unknown[]) => unknown)(...args);
      const result =
        message.method === undefined
          ? target(...args)
          : (callee as (...args: unknown[]) => unknown).apply(target, args);
      // The call returned: what is left is waiting for its promise, not a blocked loop.
      if (result !== null && typeof (result as { then?: unknown })?.then === 'function')
        post({ kind: 'returned', id: message.id });
      return result;
    }
    case 'ping':
      return undefined;
    default:
      throw new Error(`unexpected message ${message.kind}`);
  }
}

process.on('message', (message: Message) => {
  if (message.kind === 'reply') {
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    const value = decodeValue(message.value);
    if (message.ok) waiting?.resolve(value);
    else waiting?.reject(value);
    return;
  }
  const id = (message as { id: number }).id;
  Promise.resolve()
    .then(() => perform(message))
    .then(
      (value) => post({ kind: 'reply', id, ok: true, value: encodeValue(value) }),
      (error: unknown) => post({ kind: 'reply', id, ok: false, value: encodeValue(error) }),
    );
});

// An error thrown outside any call (an event handler) would crash a real server: report it.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => post({ kind: 'uncaught', error: encodeValue(error) }));
}
// The channel is this process's only reason to live: when the trusted side goes, so does it.
process.on('disconnect', orphaned);
// And if the channel's end goes unnoticed, the parent's does not: the test process died.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && orphaned(), 250).unref();
post({ kind: 'ready', harness: local.refFor(harness) });
