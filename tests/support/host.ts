// The trusted side of the student host (tools/grader/sandbox/host-main.ts): starts it in the test's
// sandbox, imports the student's modules into it, and gives the test proxies that call
// across the channel. Every call has a time limit on returning (a loop that never ends is
// reported as such, and only this test's host is stuck); an error, an exit or a crash of
// the host becomes a failure that says what happened during which call. The host may call
// back only the functions and methods the test handed it.
import type { ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { bundleModule, hostScript } from '../../tools/grader/sandbox/bundle.ts';
import { HEAP_LIMIT_MB, type Sandbox } from '../../tools/grader/sandbox/sandbox.ts';
import {
  decode,
  encode,
  methodNames,
  RefTable,
  type Message,
  type Wire,
  type WireRef,
} from '../../tools/grader/sandbox/wire.ts';
import type { Harness } from '../../tools/grader/sandbox/harness.ts';
import { show } from '../../tools/shared/bytes.ts';
import { Mismatch } from './mismatch.ts';

/** How long a call may take to return (not to settle its promise): longer means a blocked loop. */
const RETURN_LIMIT_MS = 3000;
const START_LIMIT_MS = 10_000;
const KEEP_OUTPUT = 8 * 1024;

type Primitive = string | number | boolean | bigint | symbol | undefined | null | void;
type RemoteArgs<A extends unknown[]> = { [K in keyof A]: A[K] | Remote<A[K]> };
type RemoteFunction<A extends unknown[], R> = (...args: RemoteArgs<A>) => Promise<Remote<Awaited<R>>>;

/**
 * How a value of the student's looks from the test: data (numbers, strings, Buffers, arrays,
 * plain objects) arrives as a copy; functions become async; classes are constructed with
 * `await Class.new(...)`; an instance (or a Node object such as a server) is a proxy whose
 * methods are async and whose properties are read with `await`.
 */
export type Remote<T> = T extends Primitive | Uint8Array
  ? T
  : T extends abstract new (...args: infer A) => infer I
    ? { new: (...args: RemoteArgs<A>) => Promise<RemoteInstance<I>> }
    : T extends (...args: infer A) => infer R
      ? RemoteFunction<A, R>
      : T extends ReadonlyArray<infer E>
        ? Array<Remote<E>>
        : T extends EventEmitter
          ? RemoteInstance<T>
          : { [K in keyof T]: Remote<T[K]> };

export type RemoteInstance<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? RemoteFunction<A, R> : Promise<Remote<T[K]>>;
};

const REF = Symbol('remote ref');

/** Short, readable arguments for a message: `push(<7 bytes>)`, `claim("alice", 1)`. */
function describeArgs(args: unknown[]): string {
  return args
    .map((arg) => {
      if (Buffer.isBuffer(arg) || arg instanceof Uint8Array)
        return arg.length <= 16 ? show(Buffer.from(arg)) : `<${arg.length} bytes>`;
      if (typeof arg === 'function')
        return (arg as { [REF]?: WireRef })[REF] ? `your ${(arg as { [REF]?: WireRef })[REF]!.type}` : 'a function';
      if (typeof arg === 'string') return JSON.stringify(arg.length > 40 ? `${arg.slice(0, 40)}…` : arg);
      if (arg !== null && typeof arg === 'object') {
        if (Array.isArray(arg)) return `[${arg.length} items]`;
        const entries = Object.entries(arg).map(
          ([key, value]) => `${key}: ${typeof value === 'function' ? 'fn' : describeArgs([value])}`,
        );
        return `{ ${entries.join(', ')} }`;
      }
      return String(arg);
    })
    .join(', ');
}

interface Pending {
  what: string;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  returned: boolean;
  timer?: NodeJS.Timeout;
}

export class StudentHost {
  private readonly pending = new Map<number, Pending>();
  private readonly local = new RefTable('trusted');
  private readonly proxies = new WeakMap<object, WireRef>();
  private nextId = 1;
  private output = '';
  private exitDescription: string | undefined;
  private disposing = false;
  private started = false;
  /** The call running when the host stopped, or the last one made. */
  private lastCall = 'loading your code';
  private onReady: (harness: WireRef) => void = () => {};
  private readonly ready: Promise<WireRef>;
  /** Set by the test: an error the student's code threw outside any call. */
  onUncaught: (error: Error) => void = () => {};
  /** Set by the test: the host stopped while the test still needed it. */
  onExit: (failure: Mismatch) => void = () => {};
  harness!: RemoteInstance<Harness>;

  private constructor(
    private readonly sandbox: Sandbox,
    readonly process: ChildProcess,
  ) {
    this.ready = new Promise((resolve) => (this.onReady = resolve));
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-KEEP_OUTPUT);
    };
    process.stdout?.on('data', keep);
    process.stderr?.on('data', keep);
    process.on('message', (message: Message) => this.receive(message));
    process.on('error', (error) => this.stopped(`could not start: ${error.message}`));
    process.on('exit', (code, signal) => this.stopped(this.explainExit(code, signal)));
  }

  static async start(sandbox: Sandbox): Promise<StudentHost> {
    const script = sandbox.provide(await hostScript());
    const host = new StudentHost(sandbox, sandbox.spawnNode(['--enable-source-maps', script], { ipc: true }));
    let timer: NodeJS.Timeout | undefined;
    const harness = await Promise.race([
      host.ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Mismatch(
                `the process that runs your code to start within ${START_LIMIT_MS / 1000} s`,
                host.describe(),
              ),
            ),
          START_LIMIT_MS,
        );
      }),
      new Promise<never>((_, reject) =>
        host.process.once('exit', () =>
          setImmediate(() => reject(new Mismatch('the process that runs your code to start', host.describe()))),
        ),
      ),
    ]).finally(() => clearTimeout(timer));
    host.harness = host.proxy(harness, "the grader's harness") as RemoteInstance<Harness>;
    return host;
  }

  /** How the host ended, and what it printed (console.log of the student's code goes here). */
  describe(): string {
    return [this.exitDescription ?? 'the process running your code is still running', this.printed()]
      .filter(Boolean)
      .join('\n');
  }

  /** What the student's code printed, for a failure's context ('' if nothing). */
  printed(): string {
    return this.output.trim()
      ? `your code printed:\n${this.output
          .trimEnd()
          .split('\n')
          .slice(-20)
          .map((line) => `    ${line}`)
          .join('\n')}`
      : '';
  }

  get running(): boolean {
    return this.exitDescription === undefined;
  }

  /** Imports a module (bundled first: it and what it imports must be under `root`) and returns it as a proxy. */
  async import<Module>(file: string, root: string, label: string): Promise<Remote<Module>> {
    const url = pathToFileURL(this.sandbox.provide(await bundleModule(file, root))).href;
    this.lastCall = `loading ${label}`;
    try {
      return (await this.request({ kind: 'import', id: 0, url }, `loading ${label}`, true)) as Remote<Module>;
    } catch (error) {
      if (error instanceof Mismatch) throw error;
      const loadError = new Error(
        `${label} threw while it was being loaded: ${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`,
      );
      loadError.name = 'LoadError';
      throw loadError;
    }
  }

  /** Resolves once every message the host sent before now has been handled (log lines...). */
  async flush(): Promise<void> {
    await this.request({ kind: 'ping', id: 0 }, 'a round trip to the process running your code');
  }

  private explainExit(code: number | null, signal: NodeJS.Signals | null): string {
    // Before 'ready' none of the student's code has run: the grader's environment failed.
    if (!this.started)
      return `the grader could not start the process that runs your code (${signal ?? `exit code ${code}`}); tell your instructor`;
    const during = `while the test was ${this.lastCall}`;
    if (/heap limit|Array buffer allocation failed|out of memory/i.test(this.output) || code === 134) {
      return `the process running your code ran out of memory (its heap is limited to ${HEAP_LIMIT_MB} MB) ${during}`;
    }
    if (signal) return `the process running your code was killed by ${signal} ${during}`;
    return `the process running your code exited with code ${code} ${during}: did your code call process.exit()?`;
  }

  private stopped(description: string): void {
    if (this.exitDescription !== undefined) return;
    this.exitDescription = description;
    for (const [id, call] of this.pending) {
      clearTimeout(call.timer);
      call.reject(new Mismatch(`${call.what} to finish`, this.describe()));
      this.pending.delete(id);
    }
    if (!this.disposing)
      this.onExit(new Mismatch('the process running your code to keep running until the test ends', this.describe()));
  }

  /** Stops the host on purpose: from now on its exit is expected. */
  markDisposing(): void {
    this.disposing = true;
  }

  private encode(value: unknown): Wire {
    return encode(value, this.local, (object) => this.proxies.get(object) ?? (object as { [REF]?: WireRef })[REF]);
  }

  private decode(wire: Wire): unknown {
    return decode(wire, (ref) => (ref.side === 'trusted' ? this.local.get(ref.id) : this.proxy(ref, ref.type)));
  }

  /** Sends a request; its reply settles the promise. `what` names it in failures. */
  private request(message: Message & { id: number }, what: string, watchReturn = false): Promise<unknown> {
    if (!this.running) return Promise.reject(new Mismatch(`${what} to run`, this.describe()));
    const id = this.nextId++;
    this.lastCall = what;
    return new Promise((resolve, reject) => {
      const call: Pending = { what, resolve, reject, returned: !watchReturn };
      if (watchReturn) {
        call.timer = setTimeout(() => {
          if (call.returned) return;
          this.pending.delete(id);
          reject(
            new Mismatch(
              `${what} to return (waited ${RETURN_LIMIT_MS / 1000} s)`,
              'it never returned: your code is stuck, probably in a loop that never ends (while the loop runs, nothing else in that process can happen)',
            ),
          );
        }, RETURN_LIMIT_MS);
      }
      this.pending.set(id, call);
      try {
        this.process.send({ ...message, id });
      } catch (error) {
        this.pending.delete(id);
        clearTimeout(call.timer);
        reject(new Mismatch(`${what} to be sent to the process running your code`, (error as Error).message));
      }
    });
  }

  private call(
    target: WireRef,
    label: string,
    method: string | undefined,
    args: unknown[],
    construct = false,
  ): Promise<unknown> {
    const name = construct ? `new ${method ?? label}` : method === undefined ? label : `${method}`;
    const what = `${name}(${describeArgs(args)})${method !== undefined && !construct && label ? ` on your ${label}` : ''}`;
    return this.request(
      { kind: 'call', id: 0, target, method, args: args.map((arg) => this.encode(arg)), construct },
      what,
      true,
    );
  }

  /** A proxy of a host object: members are callable (a method call) and awaitable (a property read). */
  private proxy(ref: WireRef, label: string): unknown {
    const host = this;
    const proxy: unknown = new Proxy(function remote() {}, {
      get(_target, prop) {
        if (prop === REF) return ref;
        if (typeof prop === 'symbol' || prop === 'then') return undefined;
        if (prop === 'new') return (...args: unknown[]) => host.call(ref, label, undefined, args, true);
        const member = (...args: unknown[]) => host.call(ref, label, prop, args);
        member.new = (...args: unknown[]) => host.call(ref, label, prop, args, true);
        member.then = (resolve: (value: unknown) => void, reject: (error: unknown) => void) =>
          host
            .request({ kind: 'get', id: 0, target: ref, prop }, `reading ${prop} of your ${label}`)
            .then(resolve, reject);
        return member;
      },
      apply(_target, _this, args: unknown[]) {
        return host.call(ref, label, undefined, args);
      },
    });
    this.proxies.set(proxy as object, ref);
    return proxy;
  }

  private receive(message: Message): void {
    try {
      switch (message.kind) {
        case 'ready':
          this.started = true;
          this.onReady(message.harness);
          return;
        case 'returned': {
          const call = this.pending.get(message.id);
          if (call) {
            call.returned = true;
            clearTimeout(call.timer);
          }
          return;
        }
        case 'reply': {
          const call = this.pending.get(message.id);
          if (!call) return;
          this.pending.delete(message.id);
          clearTimeout(call.timer);
          const value = this.decode(message.value);
          if (message.ok) call.resolve(value);
          else call.reject(value);
          return;
        }
        case 'call':
          void this.callback(message);
          return;
        case 'uncaught': {
          const error = this.decode(message.error);
          this.onUncaught(error instanceof Error ? error : new Error(String(error)));
          return;
        }
      }
    } catch {
      // A malformed message: the host is the student's, so it may send anything. Ignore it.
    }
  }

  /** The host calls a function the test handed it: only those, and only their own methods. */
  private async callback(message: Extract<Message, { kind: 'call' }>): Promise<void> {
    let reply: Message;
    try {
      if (message.target?.side !== 'trusted') throw new Error('not a function of the test');
      const target = this.local.get(message.target.id) as Record<string, unknown> & ((...args: unknown[]) => unknown);
      const args = (message.args ?? []).map((arg) => this.decode(arg));
      let result: unknown;
      if (message.method === undefined) {
        if (typeof target !== 'function' || message.construct) throw new Error('not callable');
        result = await target(...args);
      } else {
        if (typeof target === 'function' || !methodNames(target).includes(message.method))
          throw new Error(`${message.method} is not a method of this object`);
        result = await (target[message.method] as (...args: unknown[]) => unknown).apply(target, args);
      }
      reply = { kind: 'reply', id: message.id, ok: true, value: this.encode(result) };
    } catch (error) {
      reply = { kind: 'reply', id: message.id, ok: false, value: this.encode(error) };
    }
    if (this.running) this.process.send(reply, (error: Error | null) => error && undefined);
  }
}
