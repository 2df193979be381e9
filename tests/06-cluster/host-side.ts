// Runs in the student host, next to the student's primary (loaded with t.helper): the
// `launch` the tests hand to startClusterRelay, which forks the student's worker (bundled by
// the test) with an IPC channel, and records every worker process it started. The test hears
// of each start and of the workers' stderr through `watch`, asks about them as data (pids,
// which still run), decides everything on its side, and kills a worker itself, by pid.
//
// It can also hold what the primary sends a worker (`hold`): the messages wait here, in
// order, until `letGo`, as if that worker's IPC channel were very slow. That worker's copy
// of the names falls behind, on purpose, while its clients and the mesh go on: how the tests
// make a stale directory, a claim race, or a connection on its way to a dying worker happen
// every time rather than once in a while.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

const STDERR_KEPT = 4000;

const tell = (call: () => unknown) =>
  void Promise.resolve()
    .then(call)
    .catch(() => {});

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Resolves once `promise` settles, or after `ms`, whichever comes first (never rejects). */
async function atMost(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => {}),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** What the test hears as it happens (calls into the test process: they may fail once it has ended). */
export interface Watch {
  launched(pid: number): unknown;
  /** The tail of what the workers printed on stderr, each time it grows. */
  stderr(tail: string): unknown;
}

type Send = (
  message: unknown,
  handle?: unknown,
  options?: unknown,
  callback?: (error: Error | null) => void,
) => boolean;

/** What the primary sent a held worker, not passed on yet. */
interface Held {
  args: Parameters<Send>;
  /** It carries a socket (a connection handed over). */
  handle: boolean;
}

/** `script`: the worker, bundled. */
export function workerLauncher(script: string, watch: Watch) {
  const launched: ChildProcess[] = [];
  /** The workers held now, by process, and what waits for each. */
  const holding = new Map<ChildProcess, Held[]>();
  /** Workers whose connections are lost on the way, as Node drops a socket a worker out of descriptors cannot receive. */
  const dropping = new Set<ChildProcess>();
  /** How many connections the primary's server has accepted since countAccepts. */
  let accepted = 0;
  /** holdNextReady: what the next worker launched says waits here, from its "ready" on. */
  let holdNextReady = false;
  /**
   * Workers whose messages the primary does not hear yet (its 'message' events), and those held
   * so far, in order; `fromReady`: holding starts at the worker's "ready".
   */
  const unheard = new Map<ChildProcess, { fromReady: boolean; held: unknown[][] }>();
  /** Wraps the child's emit, so that what the worker says can wait here before the primary hears it. */
  const overhear = (child: ChildProcess) => {
    const emit = child.emit.bind(child) as (event: string, ...args: unknown[]) => boolean;
    (child as { emit: typeof emit }).emit = (event, ...args) => {
      const state = unheard.get(child);
      const batch = Array.isArray(args[0]) ? (args[0] as unknown[]) : [args[0]];
      const isReady = (message: unknown) => (message as { type?: unknown })?.type === 'ready';
      const waiting = state && (!state.fromReady || state.held.length > 0 || batch.some(isReady));
      if (event !== 'message' || !waiting) return emit(event, ...args);
      state.held.push(args);
      return true;
    };
    (child as { hearHeld?: () => void }).hearHeld = () => {
      const held = unheard.get(child)?.held ?? [];
      unheard.delete(child);
      for (const args of held) emit('message', ...args);
    };
  };
  const heldChanged = new EventTarget();
  /** How many connections the primary has sent each worker (held ones included). */
  const handed = new Map<ChildProcess, number>();
  /** How many IPC messages of any kind the primary has sent each worker (held ones included). */
  const sent = new Map<ChildProcess, number>();
  /** Every message the primary has sent each worker, a batch counted as its messages (held ones included). */
  const messages = new Map<ChildProcess, unknown[]>();
  let stderr = '';
  /** Wraps the child's send, so that `hold` can stop what the primary sends it. */
  const interpose = (child: ChildProcess) => {
    const send = child.send.bind(child) as Send;
    (child as { send: Send }).send = (...args: Parameters<Send>) => {
      const handle = args[1] !== undefined && args[1] !== null;
      sent.set(child, (sent.get(child) ?? 0) + 1);
      if (!messages.has(child)) messages.set(child, []);
      messages.get(child)!.push(...(Array.isArray(args[0]) ? args[0] : [args[0]]));
      heldChanged.dispatchEvent(new Event('change'));
      if (handle) {
        handed.set(child, (handed.get(child) ?? 0) + 1);
        heldChanged.dispatchEvent(new Event('change'));
        if (dropping.has(child)) {
          // Written, as far as the primary can tell; the worker never hears of it.
          const callback = args.find((arg) => typeof arg === 'function') as ((error: Error | null) => void) | undefined;
          setImmediate(() => callback?.(null));
          return true;
        }
      }
      const queue = holding.get(child);
      if (!queue) return send(...args);
      queue.push({ args, handle });
      heldChanged.dispatchEvent(new Event('change'));
      return true;
    };
    (child as { sendHeld?: Send }).sendHeld = send;
  };
  /** Resolves once `count()` reaches `atLeast`, or after `ms`; gives the count. */
  const waitFor = async (count: () => number, atLeast: number, ms: number): Promise<number> => {
    let listener = () => {};
    await atMost(
      ms,
      new Promise<void>((resolve) => {
        listener = () => {
          if (count() >= atLeast) resolve();
        };
        heldChanged.addEventListener('change', listener);
        listener();
      }),
    );
    heldChanged.removeEventListener('change', listener);
    return count();
  };
  const workerAt = (workers: unknown, index: number) => {
    const worker = (Array.isArray(workers) ? workers : [])[index];
    return launched.find((each) => each === worker);
  };
  /** breakLaunches: every worker launched from now on exits at once. */
  let breaking = false;
  const launch = (): ChildProcess => {
    if (breaking) return launchBroken();
    const child = fork(script, [], { execArgv: ['--enable-source-maps'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_KEPT);
      tell(() => watch.stderr(stderr));
    });
    interpose(child);
    overhear(child);
    if (holdNextReady) unheard.set(child, { fromReady: true, held: [] });
    holdNextReady = false;
    launched.push(child);
    heldChanged.dispatchEvent(new Event('change'));
    tell(() => watch.launched(child.pid ?? -1));
    return child;
  };
  /** A process with an IPC channel that exits at once, with code 3, as a worker.ts that throws as it loads does. */
  function launchBroken(): ChildProcess {
    const child = spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    launched.push(child);
    tell(() => watch.launched(child.pid ?? -1));
    return child;
  }
  return {
    launch,
    /** Like launch, except that worker 1 exits at once, before it is ready. */
    launchWithBrokenWorker1: (index: number): ChildProcess => (index === 1 ? launchBroken() : launch()),
    /** What `relay.workers()` returned, as data: each one's pid (-1 if it is not a worker this launcher started) and whether it runs. */
    describe: (workers: unknown) =>
      (Array.isArray(workers) ? workers : []).map((worker) => {
        const child = launched.find((each) => each === worker);
        return { pid: child?.pid ?? -1, alive: child ? alive(child) : false };
      }),
    /** Calls the relay's close() and, the moment it resolves, gives the pids of the workers still running. */
    async runningAfter(close: () => Promise<void>): Promise<number[]> {
      await close();
      return launched.filter(alive).map((child) => child.pid ?? -1);
    },
    /** Waits at most `ms` for every worker started so far to exit; gives the pids of those still running. */
    async runningAfterWaiting(ms: number): Promise<number[]> {
      const running = launched.filter(alive);
      await atMost(ms, Promise.all(running.map((child) => (alive(child) ? once(child, 'exit') : undefined))));
      return launched.filter(alive).map((child) => child.pid ?? -1);
    },
    /** The next worker launched is not ready, for its primary, until hearHeld(): its "ready", and what follows, wait here. */
    holdNextReady(): void {
      holdNextReady = true;
    },
    /** From now on, what worker `index` of `workers` says waits here, as if it were very slow to say it. */
    holdWhatWorkerSays(workers: unknown, index: number): boolean {
      const child = workerAt(workers, index);
      if (!child) return false;
      unheard.set(child, { fromReady: false, held: [] });
      return true;
    },
    /** The primary hears, in order, what every held worker has said, and from now on hears them at once. */
    hearHeld(): void {
      for (const child of [...unheard.keys()]) (child as { hearHeld?: () => void }).hearHeld?.();
    },
    /** From now on, counts the connections `server` (the relay's, as the test has it) accepts. */
    countAccepts(server: unknown): boolean {
      if (!(server instanceof net.Server)) return false;
      server.on('connection', () => {
        accepted++;
        heldChanged.dispatchEvent(new Event('change'));
      });
      return true;
    },
    /** Resolves once the server given to countAccepts has accepted `count` connections since, or after `ms`; gives how many. */
    acceptedAtLeast: (count: number, ms: number): Promise<number> => waitFor(() => accepted, count, ms),
    /** From now on (`broken` true) or no longer, every worker launched exits at once, as a worker.ts that throws as it loads. */
    breakLaunches(broken: boolean): void {
      breaking = broken;
    },
    /**
     * Resolves once the worker launched last has exited and every listener of its 'exit' has
     * run (the primary's among them), or after `ms`; gives how many workers were launched by then.
     */
    async launchedOnceTheLastExits(ms: number): Promise<number> {
      const last = launched.at(-1);
      if (last && alive(last)) await atMost(ms, once(last, 'exit'));
      await new Promise((resolve) => setImmediate(resolve));
      return launched.length;
    },
    /** Resolves once `count` worker processes have been started in all, or after `ms`; gives how many. */
    launchedAtLeast: (count: number, ms: number): Promise<number> => waitFor(() => launched.length, count, ms),
    /** How many connections the primary has handed worker `index` of `workers` so far. */
    connectionsHandedTo: (workers: unknown, index: number): number => {
      const child = workerAt(workers, index);
      return child ? (handed.get(child) ?? 0) : 0;
    },
    /** From now on, what the primary sends worker `index` of `workers` (relay.workers()) waits here. */
    hold(workers: unknown, index: number): boolean {
      const child = workerAt(workers, index);
      if (!child) return false;
      if (!holding.has(child)) holding.set(child, []);
      return true;
    },
    /**
     * Resolves once the primary has sent worker `index` a first message, or after `ms`; gives
     * how many it sent. The first is its welcome: the primary takes it as ready from then on.
     */
    welcomed: (workers: unknown, index: number, ms: number): Promise<number> => {
      const child = workerAt(workers, index);
      return waitFor(() => (child ? (sent.get(child) ?? 0) : 0), 1, ms);
    },
    /** Resolves once the primary has handed worker `index` at least `count` connections, or after `ms`; gives how many. */
    connectionsHandedAtLeast: (workers: unknown, index: number, count: number, ms: number): Promise<number> => {
      const child = workerAt(workers, index);
      return waitFor(() => (child ? (handed.get(child) ?? 0) : 0), count, ms);
    },
    /** Resolves once at least `count` connections (messages with a socket) are held for worker `index`, or after `ms`; gives how many. */
    async connectionsHeld(workers: unknown, index: number, count: number, ms: number): Promise<number> {
      const child = workerAt(workers, index);
      return waitFor(() => (child ? (holding.get(child)?.filter((each) => each.handle).length ?? 0) : 0), count, ms);
    },
    /**
     * Resolves once at least `count` changes to the names (messages of type "claimed" or
     * "released") are held for worker `index`, or after `ms`; gives how many.
     */
    async changesHeld(workers: unknown, index: number, count: number, ms: number): Promise<number> {
      const child = workerAt(workers, index);
      const isChange = (message: unknown) =>
        ['claimed', 'released'].includes((message as { type?: unknown })?.type as string);
      const changes = () =>
        (child ? (holding.get(child) ?? []) : [])
          .flatMap(({ args }) => (Array.isArray(args[0]) ? args[0] : [args[0]]))
          .filter(isChange).length;
      return waitFor(changes, count, ms);
    },
    /** The messages of type `type` the primary has sent worker `index` so far (held ones included), as data. */
    sentOfType: (workers: unknown, index: number, type: string): unknown[] => {
      const child = workerAt(workers, index);
      return (child ? (messages.get(child) ?? []) : []).filter(
        (message) => (message as { type?: unknown })?.type === type,
      );
    },
    /**
     * From now on (`lose` true) or no longer, the connections the primary sends worker `index`
     * never reach it: as when that worker has no file descriptor left, and its Node drops each
     * socket it is sent. The primary keeps its own copy (handOver's keepOpen).
     */
    loseConnections(workers: unknown, index: number, lose: boolean): boolean {
      const child = workerAt(workers, index);
      if (!child) return false;
      if (lose) dropping.add(child);
      else dropping.delete(child);
      return true;
    },
    /** The client numbers of the connections the primary handed the worker with pid `pid`, dead or alive. */
    clientsHandedToPid: (pid: number): number[] => {
      const child = launched.find((each) => each.pid === pid);
      return (child ? (messages.get(child) ?? []) : [])
        .filter((message) => (message as { type?: unknown })?.type === 'connection')
        .map((message) => (message as { client: number }).client);
    },
    /**
     * The primary reads `message` from the worker with pid `pid`, as if it had been in the
     * channel still: a worker that wrote it just before it died, read after its 'exit'.
     */
    readFromPid(pid: number, message: unknown): boolean {
      const child = launched.find((each) => each.pid === pid);
      return child ? child.emit('message', message) : false;
    },
    /** Passes on everything held for worker `index`, in order, and stops holding; gives how many messages. */
    letGo(workers: unknown, index: number): number {
      const child = workerAt(workers, index);
      const queue = child && holding.get(child);
      if (!child || !queue) return 0;
      holding.delete(child);
      const send = (child as { sendHeld?: Send }).sendHeld!;
      for (const { args } of queue) if (child.connected) send(...args);
      return queue.length;
    },
    /** Kills every worker still running and waits for each to exit. */
    async killAll(): Promise<void> {
      const running = launched.filter(alive);
      for (const child of running) child.kill('SIGKILL');
      await Promise.all(running.map((child) => once(child, 'exit')));
    },
  };
}
