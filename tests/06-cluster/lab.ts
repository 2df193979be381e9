import { defineLab } from '../../tools/grader/lab.ts';
import { conformanceTests } from '../support/conformance-specs.ts';

const NAMES = 'Task 1: names, claimed from the primary';
const DIRECTORY = 'Task 2: the directory';
const STALE = 'Task 3: when the directory is out of date';
const POOL = 'Task 4: the pool of workers';

export default defineLab({
  slug: '06-cluster',
  title: 'The relay on every core',
  summary:
    "Worker processes that each answer their own clients and send each other messages directly, and a primary that owns only the names: passing sockets between processes, a replicated directory and how stale it may be, surviving a worker's crash, and measuring what it buys.",
  requires: ['02-framing', '04-names', '05-relay'],
  tests: {
    basicsAcrossWorkers: {
      name: 'clients on different workers register, LIST each other, and SEND to each other',
      points: 4,
      hint: "Each worker answers its clients' lines with lab 05's handleLine on its directory; a name it learns from the primary for a client of another worker is a RemoteClient, whose send() forwards over the mesh.",
      section: DIRECTORY,
    },
    namesUniqueAcrossWorkers: {
      name: 'a name belongs to one client across all workers, even when several claim it at the same moment',
      points: 3,
      hint: 'A worker never decides a claim itself: every NAME goes to the primary, whose one table answers it (answerTableCommand), one claim at a time.',
      section: NAMES,
    },
    orderAcrossWorkers: {
      name: 'every message between clients on different workers arrives, in order, at the right client only',
      points: 4,
      hint: 'Frames from one worker to another travel on one mesh connection, in order; hold a frame back only while your directory is older than its version, and deliver what was held in the order it came.',
      section: STALE,
    },
    deliversAtOnce: {
      name: 'every line goes out at once across workers: a message right behind a reply arrives within milliseconds, not 40 ms later',
      points: 2,
      hint: "Create the server with { pauseOnConnect: true, noDelay: true }: noDelay is a socket option, it travels with the connection to the worker, and without it Nagle's algorithm holds each small write back until the last one is acknowledged.",
      section: POOL,
    },
    broadcastEveryWorker: {
      name: 'ALL reaches every other named client on every worker, and OK ALL counts them',
      points: 3,
      hint: "Every worker's directory has every name of every worker (the primary sends each change to all of them); handleLine sends to each, local or remote.",
      section: DIRECTORY,
    },
    releaseAcrossWorkers: {
      name: 'a name is free again once its client quits, closes or resets, whichever worker held it, and a reset is logged once',
      points: 3,
      hint: "However the receive loop ends, release the name in the directory and tell the primary \"gone\"; the primary releases it in its table and tells every worker. Stop at QUIT, and with allowHalfOpen answer every line of a half-closed client before you end. Log a socket's error in its 'error' listener, and only there.",
      section: NAMES,
    },
    slowReader: {
      name: 'a client that never reads is cut off by its worker, its name released, and everyone else carries on',
      points: 3,
      hint: "Write to clients only through lab 05's Client (with MAX_QUEUED_BYTES), never destroy the socket yourself (the reason, ERR too-slow, goes out behind what is queued), and tell the primary \"gone\" when it cuts one off. Keep lab 05's backpressure, so that a client's own replies never cut it off.",
      section: NAMES,
    },
    badInput: {
      name: "bad lines get lab 05's answers through the workers, and an over-long line closes only that connection",
      points: 2,
      hint: 'A FramingError: answer the lines in its messagesBefore first, then close the connection with ERR bad-line and its message.',
      section: NAMES,
    },
    workerDies: {
      name: 'a killed worker drops only its own clients, their names are released at once, a claim it sent just before it died claims nothing, and a new worker serves new clients',
      points: 4,
      hint: 'On a worker\'s "exit": forget every client it held (releasing their names, and telling the other workers), then start a new worker in its slot, welcomed with the names as they are.',
      section: POOL,
      timeoutMs: 15_000,
    },
    staleDirectory: {
      name: 'a worker whose directory is behind loses nothing: a message from a newer directory is delivered once it has caught up, and what is sent to a name reaches its new owner, never the old one',
      points: 4,
      hint: 'A RemoteClient forwards to a client number, never a name (numbers are never reused); a frame whose version is newer than your directory waits in the held queue until the changes up to that version have come.',
      section: STALE,
    },
    claimOfTheGone: {
      name: 'a claim that reaches a worker after its own client has gone (cut off while the claim was on its way) leaves the name free there for its next owner',
      points: 2,
      hint: "In Directory.apply, a claimed change for a client of this worker that is no longer in directory.local has nobody to name: skip it (its release comes next). Claiming the name for undefined keeps it taken in this worker's table for good.",
      section: DIRECTORY,
      timeoutMs: 15_000,
    },
    claimRace: {
      name: 'the primary decides every claim: a worker that is behind neither gives away a name just claimed elsewhere nor refuses one just freed',
      points: 3,
      hint: "Send every NAME of a client without a name to the primary, and answer that client's next line only once its answer came: a worker's directory may be behind, and only the primary's table is the truth.",
      section: NAMES,
    },
    listCurrent: {
      name: "LIST on a worker that is behind shows every name as it is now: one granted on another worker a moment ago, not one freed, and the client's next reply comes after it",
      points: 2,
      hint: "Send every LIST to the primary and answer it from its table, as a claim is (the worker's directory may not have heard of the latest changes yet); the client's next line waits for that answer.",
      section: NAMES,
    },
    answerOnceEveryWorkerKnows: {
      name: "a name is everyone's to SEND to once its claimer reads OK NAME, and no one's once its owner reads BYE, whatever worker the sender is on; a worker that dies holds up no claim",
      points: 3,
      hint: 'Each worker acknowledges every change it applies ("applied"); the Registry answers a claim, and lets a QUIT\'s BYE go out ("left"), only once every ready worker has applied that version (whenEveryWorkerHas), and a worker that dies waits no more.',
      section: NAMES,
      timeoutMs: 15_000,
    },
    diesMidDelivery: {
      name: 'a worker that dies while messages stream to its clients: the survivors get theirs, in order, the senders learn the names are gone, and connections on their way to it are served',
      points: 3,
      hint: 'The primary keeps its copy of a socket until the worker says it took it (handOver keeps it open): when a worker dies, hand the connections it never took to another worker. And release each of its names in the Registry, which tells every worker to stop sending to them.',
      section: POOL,
      timeoutMs: 15_000,
    },
    waitsForAWorker: {
      name: 'with one worker, a client that connects while the dead worker is being replaced waits, the new worker serves it, and close() closes one still waiting',
      points: 2,
      hint: 'A connection that comes while no worker is ready (with --workers 1, between a death and the replacement\'s "ready") goes on a waiting list; hand out the whole list when a worker says "ready".',
      section: POOL,
      timeoutMs: 15_000,
    },
    lostOnTheWay: {
      name: 'out of file descriptors: a connection a worker never takes is closed within handOverTimeoutMs and logged once, a failed accept crashes nothing, and every other client is served',
      points: 2,
      hint: "Give each connection on its way a deadline of handOverTimeoutMs: if its worker has not said \"took\" by then, forget the client and destroy your copy (the only one: it is lost on the way), and log it once until that worker takes a connection again. Once listening, hand the server to lab 05's logRefusals, or a failed accept (EMFILE) is an 'error' nobody listens to, and the primary crashes.",
      section: POOL,
      timeoutMs: 20_000,
    },
    failedStart: {
      name: 'startClusterRelay rejects, and leaves no worker running, when the port is taken or a worker exits while starting; a replacement that exits while starting is not replaced again',
      points: 2,
      hint: "Reject on the server's 'error' (EADDRINUSE) and on a worker's 'exit' before its \"ready\"; in the catch, await your own close() before you rethrow.",
      section: POOL,
      timeoutMs: 20_000,
    },
    cleanShutdown: {
      name: 'close() stops accepting, closes the connections on their way to a worker, and ends every worker process before it resolves',
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
    // docs/protocol.md holds across workers: lab 05's rules, kept by serveConnection.
    ...conformanceTests({
      lines: NAMES,
      commands: NAMES,
      names: NAMES,
      list: NAMES,
      slowReaders: NAMES,
      liveness: NAMES,
      fairness: NAMES,
    }),
  },
});
