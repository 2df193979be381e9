import { describe } from 'vitest';
import { graded, Mismatch, type Trace } from '../support/graded.ts';
import { show } from '../../tools/shared/bytes.ts';
import lab from './lab.ts';

type Framing = typeof import('../../labs/02-framing/framing.ts');

async function expectFramingError(t: Trace, call: () => Promise<unknown>, what: string): Promise<void> {
  t.step(`called ${what}`);
  let result: unknown;
  try {
    result = await call();
  } catch (error) {
    if (error instanceof Mismatch) throw error;
    t.check(
      (error as Error)?.name === 'FramingError',
      'a FramingError',
      () => `${(error as Error)?.name}: ${(error as Error)?.message}`,
    );
    // The server writes it to the client as "error: <message>": an empty one says nothing.
    t.check(
      typeof (error as Error).message === 'string' && (error as Error).message.trim() !== '',
      'a FramingError whose message says what is wrong',
      () => 'an empty message',
    );
    return;
  }
  t.fail('a FramingError', `it returned ${Buffer.isBuffer(result) ? show(result) : String(result)}`);
}

describe(lab.title, () => {
  graded(lab.tests.encodes, async (t) => {
    const { encodeMessage } = await t.lab<Framing>('02-framing', 'framing.ts');
    for (const text of ['hello', '', 'grüße ✓']) {
      t.step(`called encodeMessage(${JSON.stringify(text)})`);
      const bytes = await encodeMessage(text);
      const want = Buffer.from(`${text}\n`, 'utf8');
      t.check(Buffer.isBuffer(bytes) && bytes.equals(want), show(want), () =>
        Buffer.isBuffer(bytes) ? show(bytes) : String(bytes),
      );
    }
  });

  graded(lab.tests.encoderRefuses, async (t) => {
    const { encodeMessage } = await t.lab<Framing>('02-framing', 'framing.ts');
    await expectFramingError(t, () => encodeMessage('two\nlines'), 'encodeMessage("two\\nlines")');
    await expectFramingError(
      t,
      () => encodeMessage('x'.repeat(9), 8),
      'encodeMessage("xxxxxxxxx", 8): 9 bytes, limit 8',
    );
    // 4 characters but 8 bytes: the limit is in bytes.
    await expectFramingError(
      t,
      () => encodeMessage('ééé', 5),
      'encodeMessage("ééé", 5): 3 characters but 6 bytes, limit 5',
    );
    t.step('called encodeMessage("12345678", 8): exactly at the limit');
    const exact = await encodeMessage('12345678', 8);
    t.check(exact.length === 9, 'a message of exactly maxBytes to be accepted', () => show(exact));
  });
});
