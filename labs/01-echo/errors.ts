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
  // TODO: write this part (see labs/01-echo/README.md, section "Task 1: when things go wrong").
  throw new Error("not implemented yet — see labs/01-echo/README.md, section \"Task 1: when things go wrong\"");
}
