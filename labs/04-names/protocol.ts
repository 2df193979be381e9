// Lab 04: the relay protocol's commands (see docs/protocol.md): parse one line into a
// command, or say precisely what is wrong with it.

/** A line may hold at most this many bytes, not counting its "\n". */
export const MAX_LINE_BYTES = 1024;

export type Command =
  | { kind: 'NAME'; name: string }
  | { kind: 'LIST' }
  | { kind: 'SEND'; to: string; text: string }
  | { kind: 'ALL'; text: string }
  | { kind: 'QUIT' };

/** A command the server refuses; `line` is the reply: "ERR <code> <explanation>". */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(readonly code: string, explanation: string) {
    super(explanation);
  }

  get line(): string {
    return `ERR ${this.code} ${this.message}`;
  }
}

/** 1 to 16 characters, each a letter A-Z or a-z, a digit, "_" or "-". */
export function isValidName(name: string): boolean {
  // TODO: write this part (see labs/04-names/README.md, section "Task 1: parsing commands").
  throw new Error("not implemented yet — see labs/04-names/README.md, section \"Task 1: parsing commands\"");
}

/**
 * One line (without its "\n") → a Command. Throws ProtocolError with code
 * unknown-command (a word that is not a command, lower case included), malformed (missing
 * or extra fields), or bad-name (NAME with a name that breaks the rules).
 */
export function parseCommand(line: string): Command {
  // TODO: write this part (see labs/04-names/README.md, section "Task 1: parsing commands").
  throw new Error("not implemented yet — see labs/04-names/README.md, section \"Task 1: parsing commands\"");
}
