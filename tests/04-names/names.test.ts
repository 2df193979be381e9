import { describe } from 'vitest';
import { graded, type Trace } from '../support/graded.ts';
import lab from './lab.ts';

/** The student's NameTable class, loaded into this test's host. */
async function nameTableClass(t: Trace) {
  return (await t.lab<typeof import('../../labs/04-names/names.ts')>('04-names', 'names.ts')).NameTable;
}

describe(lab.title, () => {
  graded(lab.tests.tableClaims, async (t) => {
    const table = await (await nameTableClass(t)).new();
    const steps: Array<[string, string, string, string?]> = [
      ['alice', 'connection 1', 'claimed'],
      ['alice', 'connection 2', 'taken'],
      ['bob', 'connection 1', 'already-named'],
      ['bob', 'connection 2', 'claimed'],
      [
        'bob',
        'connection 1',
        'already-named',
        'connection 1 has a name: that comes first, even for a name another connection owns',
      ],
      ['alice', 'connection 1', 'already-named', 'its own name again: it has a name already'],
      ['Alice', 'connection 3', 'claimed', 'names are case-sensitive: "Alice" is not "alice"'],
    ];
    for (const [name, connection, want, why] of steps) {
      t.step(`called claim("${name}", "${connection}")`);
      const got = await table.claim(name, connection);
      t.check(got === want, `"${want}"${why ? ` (${why})` : ''}`, () => JSON.stringify(got));
    }
    const [nameOf1, connectionOfBob] = [await table.nameOf('connection 1'), await table.connectionOf('bob')];
    t.check(
      nameOf1 === 'alice' && connectionOfBob === 'connection 2',
      'nameOf("connection 1") = "alice" and connectionOf("bob") = "connection 2"',
      () => `${JSON.stringify(nameOf1)} and ${JSON.stringify(connectionOfBob)}`,
    );
  });

  graded(lab.tests.tableReleases, async (t) => {
    const table = await (await nameTableClass(t)).new();
    for (const [name, connection] of [
      ['mallory', 1],
      ['Zed', 2],
      ['alice', 3],
      ['_under', 4],
    ] as const)
      await table.claim(name, connection);
    t.step('claimed "mallory", "Zed", "alice" and "_under" for connections 1 to 4');
    const listed = await table.list();
    t.check(
      JSON.stringify(listed) === JSON.stringify(['Zed', '_under', 'alice', 'mallory']),
      'list() = ["Zed", "_under", "alice", "mallory"] (code point order)',
      () => JSON.stringify(listed),
    );
    t.step('called release(1)');
    const released = await table.release(1);
    t.check(released === 'mallory', 'release(1) to return "mallory"', () => JSON.stringify(released));
    t.check((await table.release(1)) === undefined, 'a second release(1) to return undefined', () => 'something else');
    t.check(
      (await table.nameOf(1)) === undefined && (await table.connectionOf('mallory')) === undefined,
      'no trace of "mallory" or connection 1 left',
      () => 'the table still knows one of them',
    );
    t.step('called claim("mallory", 5)');
    t.check(
      (await table.claim('mallory', 5)) === 'claimed',
      'the released name can be claimed again at once',
      () => 'it could not',
    );
    t.check(
      (await table.claim('again', 1)) === 'claimed',
      'the released connection can claim a new name',
      () => 'it could not',
    );
  });
});
