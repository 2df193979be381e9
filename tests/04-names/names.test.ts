import { describe } from 'vitest';
import { graded } from '../support/graded.ts';
import { loadLab } from '../support/target.ts';
import lab from './lab.ts';

const { NameTable } = await loadLab<typeof import('../../labs/04-names/names.ts')>('04-names', 'names.ts');

describe(lab.title, () => {
  graded(lab.tests.tableClaims, async (t) => {
    const table = new NameTable<string>();
    const steps: Array<[string, string, string]> = [
      ['alice', 'connection 1', 'claimed'],
      ['alice', 'connection 2', 'taken'],
      ['bob', 'connection 1', 'already-named'],
      ['bob', 'connection 2', 'claimed'],
    ];
    for (const [name, connection, want] of steps) {
      t.step(`called claim("${name}", "${connection}")`);
      const got = table.claim(name, connection);
      t.check(got === want, `"${want}"`, () => JSON.stringify(got));
    }
    t.check(table.nameOf('connection 1') === 'alice' && table.connectionOf('bob') === 'connection 2',
      'nameOf("connection 1") = "alice" and connectionOf("bob") = "connection 2"',
      () => `${JSON.stringify(table.nameOf('connection 1'))} and ${JSON.stringify(table.connectionOf('bob'))}`);
  });

  graded(lab.tests.tableReleases, async (t) => {
    const table = new NameTable<number>();
    for (const [name, connection] of [['mallory', 1], ['Zed', 2], ['alice', 3], ['_under', 4]] as const) table.claim(name, connection);
    t.step('claimed "mallory", "Zed", "alice" and "_under" for connections 1 to 4');
    t.check(JSON.stringify(table.list()) === JSON.stringify(['Zed', '_under', 'alice', 'mallory']), 'list() = ["Zed", "_under", "alice", "mallory"] (code point order)', () => JSON.stringify(table.list()));
    t.step('called release(1)');
    const released = table.release(1);
    t.check(released === 'mallory', 'release(1) to return "mallory"', () => JSON.stringify(released));
    t.check(table.release(1) === undefined, 'a second release(1) to return undefined', () => 'something else');
    t.check(table.nameOf(1) === undefined && table.connectionOf('mallory') === undefined, 'no trace of "mallory" or connection 1 left', () => 'the table still knows one of them');
    t.step('called claim("mallory", 5)');
    t.check(table.claim('mallory', 5) === 'claimed', 'the released name can be claimed again at once', () => 'it could not');
    t.check(table.claim('again', 1) === 'claimed', 'the released connection can claim a new name', () => 'it could not');
  });
});
