import { defineLab } from '../../tools/grader/lab.ts';

const TABLE = 'Task 1: one table, in the primary';
const WORKER = 'Task 2: the worker';
const POOL = 'Task 3: the pool of workers';

export default defineLab({
  slug: '06-cluster',
  title: 'The relay on every core',
  summary: 'A primary process that owns the names and worker processes that hold the connections: passing sockets between processes, message passing instead of shared memory, surviving a worker\'s crash, and measuring what it buys.',
  requires: ['02-framing', '04-names', '05-relay'],
  tests: {
    basicsAcrossWorkers: {
      name: 'clients on different workers register, LIST each other, and SEND to each other',
      points: 4,
      hint: 'Hand each connection to the next worker in turn; every line goes up to the primary, which answers with lab 05\'s handleLine and sends each line down to the worker that holds its client.',
      section: TABLE,
    },
    namesUniqueAcrossWorkers: {
      name: 'a name belongs to one client across all workers, even when several claim it at the same moment',
      points: 3,
      hint: 'Keep ONE NameTable, in the primary. A table per worker lets two workers each hand out the same name.',
      section: TABLE,
    },
    orderAcrossWorkers: {
      name: 'every message between clients on different workers arrives, in order, at the right client only',
      points: 4,
      hint: 'Pass lines up and deliveries down in the order they come: one IPC channel per worker keeps that order for you.',
      section: WORKER,
    },
    deliversAtOnce: {
      name: 'every line goes out at once across workers: a message right behind a reply arrives within milliseconds, not 40 ms later',
      points: 2,
      hint: 'Create the server with { pauseOnConnect: true, noDelay: true }: noDelay is a socket option, it travels with the connection to the worker, and without it Nagle\'s algorithm holds each small write back until the last one is acknowledged.',
      section: POOL,
    },
    broadcastEveryWorker: {
      name: 'ALL reaches every other named client on every worker, and OK ALL counts them',
      points: 3,
      hint: 'The primary\'s table has every client of every worker; a RemoteClient\'s send() must reach its own worker.',
      section: TABLE,
    },
    releaseAcrossWorkers: {
      name: 'a name is free again once its client quits, closes or resets, whichever worker held it',
      points: 3,
      hint: 'The worker tells the primary "gone" when a socket closes, for any reason, and "end" when a client half-closes (allowHalfOpen, so its replies still go out); the primary releases the name and answers nothing a closed client sent.',
      section: WORKER,
    },
    slowReader: {
      name: 'a client that never reads is cut off by its worker, its name released, and everyone else carries on',
      points: 3,
      hint: 'Write to clients only through lab 05\'s Client (with MAX_QUEUED_BYTES), and tell the primary "gone" when it cuts one off.',
      section: WORKER,
    },
    badInput: {
      name: 'bad lines get lab 05\'s answers through the workers, and an over-long line closes only that connection',
      points: 2,
      hint: 'A FramingError in the worker: pass up the lines before it, then "bad-line"; the primary answers ERR bad-line and closes.',
      section: WORKER,
    },
    workerDies: {
      name: 'a killed worker drops only its own clients, their names are released at once, and a new worker serves new clients',
      points: 4,
      hint: 'On a worker\'s "exit": forget every client it held (releasing their names), then start a new worker in its slot.',
      section: POOL,
      timeoutMs: 15_000,
    },
    failedStart: {
      name: 'startClusterRelay rejects, and leaves no worker running, when the port is taken or a worker exits while starting',
      points: 2,
      hint: 'Reject on the server\'s \'error\' (EADDRINUSE) and on a worker\'s \'exit\' before its "ready"; in the catch, await your own close() before you rethrow.',
      section: POOL,
    },
    cleanShutdown: {
      name: 'close() stops accepting and ends every worker process before it resolves',
      points: 2,
      hint: 'Close the server, kill each worker, and wait for each one\'s "exit" event before resolving.',
      section: POOL,
    },
    program: {
      name: 'the relay program prints "listening on HOST:PORT", serves clients with --workers 2, and Ctrl-C ends every process',
      points: 2,
      hint: 'The program part is provided; it needs startClusterRelay to resolve once listening and close() to end the workers.',
      section: POOL,
      timeoutMs: 20_000,
    },
  },
});
