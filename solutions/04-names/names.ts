// Lab 04: the table of client names. In the ECE 373 notes' C server this is a table from names to
// socket descriptors, shared by every client thread (so it needs a lock). In Node every
// event handler runs to completion before the next starts, so a Map needs no lock.

export type ClaimResult = 'claimed' | 'taken' | 'already-named';

/** Names ↔ connections: one name per connection, one connection per name. */
export class NameTable<Connection> {
  // BEGIN SOLUTION "Task 2: the name table" members
  private readonly byName = new Map<string, Connection>();
  private readonly byConnection = new Map<Connection, string>();
  // END SOLUTION

  /** Gives `name` to `connection`, unless another connection owns it or this one has a name. */
  claim(name: string, connection: Connection): ClaimResult {
    // BEGIN SOLUTION "Task 2: the name table"
    if (this.byConnection.has(connection)) return 'already-named';
    if (this.byName.has(name)) return 'taken';
    this.byName.set(name, connection);
    this.byConnection.set(connection, name);
    return 'claimed';
    // END SOLUTION
  }

  /** Frees the connection's name, if it has one, and returns it. Safe to call twice. */
  release(connection: Connection): string | undefined {
    // BEGIN SOLUTION "Task 2: the name table"
    const name = this.byConnection.get(connection);
    if (name === undefined) return undefined;
    this.byConnection.delete(connection);
    this.byName.delete(name);
    return name;
    // END SOLUTION
  }

  nameOf(connection: Connection): string | undefined {
    // BEGIN SOLUTION "Task 2: the name table"
    return this.byConnection.get(connection);
    // END SOLUTION
  }

  connectionOf(name: string): Connection | undefined {
    // BEGIN SOLUTION "Task 2: the name table"
    return this.byName.get(name);
    // END SOLUTION
  }

  /** Every name in use, sorted by code point. */
  list(): string[] {
    // BEGIN SOLUTION "Task 2: the name table"
    return [...this.byName.keys()].sort();
    // END SOLUTION
  }
}
