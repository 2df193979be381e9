import { describe } from 'vitest';
import { graded, type Trace } from '../support/graded.ts';
import { loadLab } from '../support/target.ts';
import lab from './lab.ts';

const { isValidName, parseCommand } = await loadLab<typeof import('../../labs/04-names/protocol.ts')>('04-names', 'protocol.ts');

function expectCode(t: Trace, line: string, code: string): void {
  t.step(`called parseCommand(${JSON.stringify(line)})`);
  try {
    const command = parseCommand(line);
    t.fail(`a ProtocolError with code "${code}"`, `it returned ${JSON.stringify(command)}`);
  } catch (error) {
    if ((error as Error).name === 'Mismatch') throw error;
    const got = error as { name?: string; code?: string; message?: string };
    t.check(got.name === 'ProtocolError' && got.code === code, `a ProtocolError with code "${code}"`, () => `${got.name} with code ${JSON.stringify(got.code)}: ${got.message}`);
  }
}

describe(lab.title, () => {
  graded(lab.tests.validNames, async (t) => {
    for (const name of ['a', 'alice', 'Bob_2', 'x-y', '0123456789abcdef']) {
      t.step(`called isValidName(${JSON.stringify(name)})`);
      t.check(isValidName(name) === true, 'true', () => 'false');
    }
    for (const name of ['', '0123456789abcdefg', 'two words', 'émile', 'a.b', 'tab\t', '*']) {
      t.step(`called isValidName(${JSON.stringify(name)})`);
      t.check(isValidName(name) === false, 'false', () => 'true');
    }
  });

  graded(lab.tests.parsesCommands, async (t) => {
    const cases: Array<[string, unknown]> = [
      ['NAME alice', { kind: 'NAME', name: 'alice' }],
      ['LIST', { kind: 'LIST' }],
      ['SEND bob hello  there, Bob!', { kind: 'SEND', to: 'bob', text: 'hello  there, Bob!' }],
      ['SEND bob ', { kind: 'SEND', to: 'bob', text: '' }],
      ['ALL good morning all', { kind: 'ALL', text: 'good morning all' }],
      ['ALL ', { kind: 'ALL', text: '' }],
      ['QUIT', { kind: 'QUIT' }],
    ];
    for (const [line, want] of cases) {
      t.step(`called parseCommand(${JSON.stringify(line)})`);
      const got = parseCommand(line);
      t.check(JSON.stringify(got) === JSON.stringify(want), JSON.stringify(want), () => JSON.stringify(got));
    }
  });

  graded(lab.tests.rejectsBadCommands, async (t) => {
    for (const line of ['HELLO', 'name alice', 'list', '', 'NAMEalice']) expectCode(t, line, 'unknown-command');
    for (const line of ['NAME', 'NAME ', 'NAME a b', 'LIST x', 'QUIT now', 'SEND', 'SEND bob', 'ALL']) expectCode(t, line, 'malformed');
    for (const line of ['NAME this-name-is-far-too-long', 'NAME émile', 'NAME a.b']) expectCode(t, line, 'bad-name');
  });
});
