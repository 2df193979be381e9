// The values that cross between the trusted test process and the student host. Data is
// copied (numbers, strings, Buffers, arrays, plain objects); functions and class instances
// stay where they live and cross as references that the other side calls through; errors
// cross as their name, message, stack and own properties (`code`, `messagesBefore`...).
// Both sides use this module: the trusted side in tests/support, the host in host-main.ts.

export type Side = 'host' | 'trusted';

/** A function or object owned by one side; `methods` lets the other side call it synchronously. */
export interface WireRef {
  $: 'ref';
  side: Side;
  id: number;
  callable: boolean;
  /** Names of the object's methods, own and inherited (trusted objects handed to the host). */
  methods: string[];
  /** The class name, for messages: "Server", "MessageDecoder". */
  type: string;
}

export interface WireError {
  $: 'error';
  name: string;
  message: string;
  stack?: string;
  props: Record<string, Wire>;
}

export type Wire =
  | undefined
  | null
  | boolean
  | number
  | string
  | bigint
  | Uint8Array
  | WireRef
  | WireError
  | { $: 'array'; items: Wire[] }
  | { $: 'object'; entries: Array<[string, Wire]> };

/** What travels over the IPC channel (advanced serialization keeps Buffers as Buffers). */
export type Message =
  | { kind: 'call'; id: number; target: WireRef; method?: string; args: Wire[]; construct?: boolean }
  | { kind: 'get'; id: number; target: WireRef; prop: string }
  | { kind: 'import'; id: number; url: string }
  | { kind: 'reply'; id: number; ok: boolean; value: Wire }
  | { kind: 'ping'; id: number }
  | { kind: 'uncaught'; error: Wire }
  | { kind: 'returned'; id: number }
  | { kind: 'ready'; harness: WireRef };

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Method names of an object, own and inherited, below Object.prototype. */
export function methodNames(value: object): string[] {
  const names = new Set<string>();
  for (
    let at: object | null = value;
    at && at !== Object.prototype && at !== Function.prototype;
    at = Object.getPrototypeOf(at)
  ) {
    for (const name of Object.getOwnPropertyNames(at)) {
      if (name === 'constructor') continue;
      const descriptor = Object.getOwnPropertyDescriptor(at, name);
      if (descriptor && typeof descriptor.value === 'function') names.add(name);
    }
  }
  return [...names];
}

/** One side's table of the objects it has handed out by reference. */
export class RefTable {
  private next = 1;
  private readonly byId = new Map<number, object>();
  private readonly ids = new WeakMap<object, number>();

  constructor(readonly side: Side) {}

  refFor(value: object): WireRef {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.next++;
      this.ids.set(value, id);
      this.byId.set(id, value);
    }
    const callable = typeof value === 'function';
    return {
      $: 'ref',
      side: this.side,
      id,
      callable,
      methods: callable ? [] : methodNames(value),
      type: typeName(value),
    };
  }

  get(id: number): object {
    const value = this.byId.get(id);
    if (value === undefined) throw new Error(`no object #${id} on the ${this.side} side`);
    return value;
  }
}

function typeName(value: object): string {
  if (typeof value === 'function') return value.name || 'function';
  return (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
}

/**
 * Encodes a value for the other side. `local` gives references to this side's objects;
 * `foreign` recognises a proxy of the other side's object, which goes back as its own ref.
 */
export function encode(
  value: unknown,
  local: RefTable,
  foreign: (value: object) => WireRef | undefined,
  depth = 0,
): Wire {
  if (
    value === null ||
    value === undefined ||
    typeof value === 'boolean' ||
    typeof value === 'number' ||
    typeof value === 'string' ||
    typeof value === 'bigint'
  )
    return value;
  if (typeof value === 'symbol') return value.toString();
  if (value instanceof Uint8Array) return value;
  const back = foreign(value as object);
  if (back) return back;
  if (value instanceof Error) return encodeError(value, local, foreign);
  if (depth > 32) return '[too deeply nested]';
  if (Array.isArray(value)) return { $: 'array', items: value.map((item) => encode(item, local, foreign, depth + 1)) };
  if (typeof value === 'object' && isPlain(value)) {
    return {
      $: 'object',
      entries: Object.entries(value).map(([key, item]) => [key, encode(item, local, foreign, depth + 1)]),
    };
  }
  return local.refFor(value as object);
}

function encodeError(error: Error, local: RefTable, foreign: (value: object) => WireRef | undefined): WireError {
  const props: Record<string, Wire> = {};
  for (const key of Object.keys(error)) {
    if (key !== 'stack' && key !== 'message')
      props[key] = encode((error as unknown as Record<string, unknown>)[key], local, foreign, 30);
  }
  let name = 'Error';
  let message = '';
  let stack: string | undefined;
  try {
    name = String(error.name);
    message = String(error.message);
    stack = typeof error.stack === 'string' ? error.stack : undefined;
  } catch {
    // A getter that throws: keep what we have.
  }
  return { $: 'error', name, message, stack, props };
}

/** An error rebuilt on the receiving side: same name, message, stack and own properties. */
function rebuildError(wire: WireError, decodeValue: (wire: Wire) => unknown): Error {
  const error = new Error(String(wire.message).slice(0, MAX_ERROR_TEXT));
  const define = (key: string, value: unknown, enumerable: boolean) =>
    Object.defineProperty(error, key, { value, enumerable, writable: true, configurable: true });
  define('name', String(wire.name).slice(0, 200), false);
  if (typeof wire.stack === 'string') define('stack', wire.stack.slice(0, MAX_ERROR_TEXT), false);
  // defineProperty, not assignment: a key "__proto__" stays a plain property.
  for (const [key, value] of Object.entries(wire.props ?? {})) define(key, decodeValue(value), true);
  return error;
}

/** An error's message and stack are cut here: they end up in a report, not in memory forever. */
const MAX_ERROR_TEXT = 20_000;

/** Decodes a value; `resolveRef` turns a ref into this side's object or a proxy of the other side's. */
export function decode(wire: Wire, resolveRef: (ref: WireRef) => unknown): unknown {
  if (wire === null || typeof wire !== 'object' || wire instanceof Uint8Array) return wire;
  switch (wire.$) {
    case 'ref':
      return resolveRef(wire);
    case 'error':
      return rebuildError(wire, (value) => decode(value, resolveRef));
    case 'array':
      return wire.items.map((item) => decode(item, resolveRef));
    case 'object':
      return Object.fromEntries(wire.entries.map(([key, item]) => [key, decode(item, resolveRef)]));
  }
}
