// Lab 04: the table of client names. In the ECE 373 notes' C server this is a table from names to
// socket descriptors, shared by every client thread (so it needs a lock). In Node every
// event handler runs to completion before the next starts, so a Map needs no lock.

export type ClaimResult = 'claimed' | 'taken' | 'already-named';

/** Names ↔ connections: one name per connection, one connection per name. */
export class NameTable<Connection> {
  // TODO: add the fields and helper methods you need (see labs/04-names/README.md, section "Task 2: the name table").

  /** Gives `name` to `connection`, unless another connection owns it or this one has a name. */
  claim(name: string, connection: Connection): ClaimResult {
    // TODO: write this part (see labs/04-names/README.md, section "Task 2: the name table").
    throw new Error("not implemented yet — see labs/04-names/README.md, section \"Task 2: the name table\"");
  }

  /** Frees the connection's name, if it has one, and returns it. Safe to call twice. */
  release(connection: Connection): string | undefined {
    // TODO: write this part (see labs/04-names/README.md, section "Task 2: the name table").
    throw new Error("not implemented yet — see labs/04-names/README.md, section \"Task 2: the name table\"");
  }

  nameOf(connection: Connection): string | undefined {
    // TODO: write this part (see labs/04-names/README.md, section "Task 2: the name table").
    throw new Error("not implemented yet — see labs/04-names/README.md, section \"Task 2: the name table\"");
  }

  connectionOf(name: string): Connection | undefined {
    // TODO: write this part (see labs/04-names/README.md, section "Task 2: the name table").
    throw new Error("not implemented yet — see labs/04-names/README.md, section \"Task 2: the name table\"");
  }

  /** Every name in use, sorted by code point. */
  list(): string[] {
    // TODO: write this part (see labs/04-names/README.md, section "Task 2: the name table").
    throw new Error("not implemented yet — see labs/04-names/README.md, section \"Task 2: the name table\"");
  }
}
