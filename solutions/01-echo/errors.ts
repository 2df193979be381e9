// Turns a failed socket operation into one line a person understands.
//
// In C every socket call returns -1 on failure and sets errno; you must check each one.
// In Node the same errno arrives as `error.code` on an 'error' event or a rejected
// promise. Either way the user of your program deserves a sentence, not a stack trace.

export interface Endpoint {
  host: string;
  port: number;
}

/**
 * One line, no stack trace, that says what went wrong and what to try:
 * - ECONNREFUSED: contains "refused" and host:port (nothing listens there);
 * - EADDRINUSE: contains "in use" and the port (another program has it);
 * - ENOTFOUND / EAI_AGAIN: contains the host and "resolve" (the name has no address);
 * - EACCES: mentions 1024 (ports below 1024 need administrator rights);
 * - anything else: the error's own message, on one line.
 */
export function explainSocketError(err: unknown, target: Endpoint): string {
  // BEGIN SOLUTION "Task 1: when things go wrong"
  const error = err as NodeJS.ErrnoException;
  const where = `${target.host}:${target.port}`;
  switch (error?.code) {
    case 'ECONNREFUSED':
      return `connection to ${where} refused: is the server running on that port?`;
    case 'EADDRINUSE':
      return `port ${target.port} is already in use on ${target.host}: another server has it (stop it or pick another --port)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve host "${target.host}": no address is known for that name`;
    case 'EACCES':
      return `not allowed to listen on port ${target.port}: ports below 1024 need administrator rights (use a port from 1024 up)`;
    default:
      return String(error?.message ?? err).split('\n')[0];
  }
  // END SOLUTION
}
