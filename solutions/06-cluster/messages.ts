// PROVIDED, complete: not part of your work. The messages the primary and its workers send
// each other over the IPC channel that child_process.fork() opens. Both sides import these
// types, so a typo in a message's shape is a compile error, not a silent bug.

/** Primary → worker. */
export type ToWorker =
  /** Sent with the client's socket as the handle: serve it. */
  | { type: 'connection'; client: number }
  /** Queue this line for the client (a reply, a MSG or a BROADCAST). */
  | { type: 'deliver'; client: number; line: string }
  /** Send this last line to the client, then close its connection (BYE, ERR bad-line). */
  | { type: 'close'; client: number; line: string };

/** Worker → primary. */
export type ToPrimary =
  /** The worker listens for messages: the primary may hand it connections now. */
  | { type: 'ready' }
  /** A whole line the client sent, for the primary to answer. */
  | { type: 'line'; client: number; line: string }
  /** The client broke the framing (an over-long or invalid line): answer ERR bad-line and close. */
  | { type: 'bad-line'; client: number; reason: string }
  /** The client's connection has ended, however: release its name. */
  | { type: 'gone'; client: number };
