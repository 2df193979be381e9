import { describe } from 'vitest';
import { graded, Mismatch, type Trace } from '../support/graded.ts';
import type { Remote } from '../support/host.ts';
import lab from './lab.ts';

type Protocol = Remote<typeof import('../../labs/04-names/protocol.ts')>;

/** The student's protocol module, loaded into this test's host. */
function protocol(t: Trace): Promise<Protocol> {
  return t.lab<typeof import('../../labs/04-names/protocol.ts')>('04-names', 'protocol.ts');
}

async function expectCode(t: Trace, parseCommand: Protocol['parseCommand'], line: string, code: string): Promise<void> {
  t.step(`called parseCommand(${JSON.stringify(line)})`);
  try {
    const command = await parseCommand(line);
    t.fail(`a ProtocolError with code "${code}"`, `it returned ${JSON.stringify(command)}`);
  } catch (error) {
    if (error instanceof Mismatch) throw error;
    const got = error as { name?: string; code?: string; message?: string };
    t.check(
      got.name === 'ProtocolError' && got.code === code,
      `a ProtocolError with code "${code}"`,
      () => `${got.name} with code ${JSON.stringify(got.code)}: ${got.message}`,
    );
    // Its line is "ERR <code> <explanation>" (docs/protocol.md): an explanation a person can read, "usage: <form>" when malformed.
    const explained = code === 'malformed' ? /^usage: \S/ : /\S/;
    t.check(
      typeof got.message === 'string' && explained.test(got.message),
      `an explanation after the code${code === 'malformed' ? ' that starts with "usage: " and gives the form' : ''}`,
      () => JSON.stringify(got.message),
    );
  }
}

describe(lab.title, () => {
  graded(lab.tests.validNames, async (t) => {
    const { isValidName } = await protocol(t);
    for (const name of ['a', 'alice', 'Bob_2', 'x-y', '0123456789abcdef']) {
      t.step(`called isValidName(${JSON.stringify(name)})`);
      t.check((await isValidName(name)) === true, 'true', () => 'false');
    }
    // "[", backslash, "]", "^" and "`" sit between "Z" and "a" in ASCII: a range A-z lets them in.
    for (const name of [
      '',
      '0123456789abcdefg',
      'two words',
      'émile',
      'a.b',
      'tab\t',
      '*',
      '[bot]',
      'a^b',
      'x`y',
      'back\\slash',
    ]) {
      t.step(`called isValidName(${JSON.stringify(name)})`);
      t.check((await isValidName(name)) === false, 'false', () => 'true');
    }
  });

  graded(lab.tests.parsesCommands, async (t) => {
    const { parseCommand } = await protocol(t);
    const cases: Array<[string, unknown]> = [
      ['NAME alice', { kind: 'NAME', name: 'alice' }],
      ['LIST', { kind: 'LIST' }],
      ['SEND bob hello  there, Bob!', { kind: 'SEND', to: 'bob', text: 'hello  there, Bob!' }],
      ['SEND bob ', { kind: 'SEND', to: 'bob', text: '' }],
      ['SEND a b', { kind: 'SEND', to: 'a', text: 'b' }],
      ['ALL good morning all', { kind: 'ALL', text: 'good morning all' }],
      ['ALL ', { kind: 'ALL', text: '' }],
      ['QUIT', { kind: 'QUIT' }],
    ];
    for (const [line, want] of cases) {
      t.step(`called parseCommand(${JSON.stringify(line)})`);
      const got = await parseCommand(line);
      t.check(JSON.stringify(got) === JSON.stringify(want), JSON.stringify(want), () => JSON.stringify(got));
    }
  });

  graded(lab.tests.rejectsBadCommands, async (t) => {
    const { parseCommand } = await protocol(t);
    for (const line of ['HELLO', 'name alice', 'list', '', 'NAMEalice'])
      await expectCode(t, parseCommand, line, 'unknown-command');
    for (const line of ['NAME', 'NAME ', 'NAME a b', 'LIST x', 'QUIT now', 'SEND', 'SEND bob', 'SEND  bob hi', 'ALL'])
      await expectCode(t, parseCommand, line, 'malformed');
    for (const line of [
      'NAME this-name-is-far-too-long',
      'NAME seventeen-chars-x',
      'NAME émile',
      'NAME a.b',
      'NAME [bot]',
    ])
      await expectCode(t, parseCommand, line, 'bad-name');
  });
});
