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
  // BEGIN SOLUTION "Task 1: parsing commands"
  return /^[A-Za-z0-9_-]{1,16}$/.test(name);
  // END SOLUTION
}

/**
 * One line (without its "\n") → a Command. Throws ProtocolError with code
 * unknown-command (a word that is not a command, lower case included), malformed (missing
 * or extra fields), or bad-name (NAME with a name that breaks the rules).
 */
export function parseCommand(line: string): Command {
  // BEGIN SOLUTION "Task 1: parsing commands"
  const space = line.indexOf(' ');
  const word = space < 0 ? line : line.slice(0, space);
  const rest = space < 0 ? undefined : line.slice(space + 1);
  const usage = (form: string) => new ProtocolError('malformed', `usage: ${form}`);
  switch (word) {
    case 'NAME':
      if (rest === undefined || rest === '' || rest.includes(' ')) throw usage('NAME <name>');
      if (!isValidName(rest)) throw new ProtocolError('bad-name', 'names are 1 to 16 letters, digits, "_" or "-"');
      return { kind: 'NAME', name: rest };
    case 'LIST':
      if (rest !== undefined) throw usage('LIST');
      return { kind: 'LIST' };
    case 'QUIT':
      if (rest !== undefined) throw usage('QUIT');
      return { kind: 'QUIT' };
    case 'SEND': {
      const gap = rest?.indexOf(' ') ?? -1;
      if (rest === undefined || gap <= 0) throw usage('SEND <name> <text>');
      return { kind: 'SEND', to: rest.slice(0, gap), text: rest.slice(gap + 1) };
    }
    case 'ALL':
      if (rest === undefined) throw usage('ALL <text>');
      return { kind: 'ALL', text: rest };
    default:
      // The word is a field of its own (docs/protocol.md): nothing glued to it.
      throw new ProtocolError('unknown-command', `${word === '' ? '(empty)' : word} the commands are NAME, LIST, SEND, ALL and QUIT`);
  }
  // END SOLUTION
}
