import { describe } from 'vitest';
import fc from 'fast-check';
import { graded, Mismatch, type Trace } from '../support/graded.ts';
import type { Remote, RemoteInstance } from '../support/host.ts';
import { show } from '../../tools/shared/bytes.ts';
import lab from './lab.ts';

type Framing = typeof import('../../labs/02-framing/framing.ts');
type Decoder = RemoteInstance<InstanceType<Framing['MessageDecoder']>>;

/** The student's framing module, loaded into this test's host. */
function framing(t: Trace): Promise<Remote<Framing>> {
  return t.lab<Framing>('02-framing', 'framing.ts');
}

/** Pushes each chunk, recording what came out, and returns every message. */
async function feed(t: Trace, decoder: Decoder, chunks: Array<Buffer | string>): Promise<string[]> {
  const messages: string[] = [];
  for (const chunk of chunks) {
    const bytes = Buffer.from(chunk);
    const out = await decoder.push(bytes);
    t.step(`pushed ${show(bytes)} → ${JSON.stringify(out)}`);
    messages.push(...out);
  }
  return messages;
}

function expectMessages(t: Trace, got: string[], want: string[]): void {
  t.check(JSON.stringify(got) === JSON.stringify(want), `the messages ${JSON.stringify(want)}`, () =>
    JSON.stringify(got),
  );
}

/** Runs `call`, which must throw a FramingError. */
async function expectFramingError(t: Trace, call: () => Promise<unknown>, expectation: string): Promise<void> {
  try {
    const result = await call();
    t.fail(expectation, `no error; it returned ${JSON.stringify(result)}`);
  } catch (error) {
    if (error instanceof Mismatch) throw error;
    t.check(
      (error as Error)?.name === 'FramingError',
      expectation,
      () => `${(error as Error)?.name}: ${(error as Error)?.message}`,
    );
    t.step(`it threw FramingError: ${(error as Error).message}`);
  }
}

/** Splits bytes at the given offsets. */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const at of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, at));
    from = at;
  }
  return chunks;
}

describe(lab.title, () => {
  graded(lab.tests.splitMessage, async (t) => {
    const { MessageDecoder } = await framing(t);
    t.step('created new MessageDecoder()');
    const decoder = await MessageDecoder.new();
    expectMessages(t, await feed(t, decoder, ['he', 'l', 'lo, w', 'orld', '\n']), ['hello, world']);
    const pending = await decoder.pendingBytes;
    t.check(pending === 0, 'pendingBytes to be 0 after a complete message', () => String(pending));
  });

  graded(lab.tests.manyInOne, async (t) => {
    const { MessageDecoder } = await framing(t);
    const decoder = await MessageDecoder.new();
    expectMessages(t, await feed(t, decoder, ['one\ntwo\nthree\nfour']), ['one', 'two', 'three']);
    const pending = await decoder.pendingBytes;
    t.check(pending === 4, 'pendingBytes to be 4 (the unfinished "four")', () => String(pending));
    expectMessages(t, await feed(t, decoder, ['\nfive\n']), ['four', 'five']);
  });

  graded(lab.tests.emptyMessages, async (t) => {
    const { MessageDecoder } = await framing(t);
    const decoder = await MessageDecoder.new();
    expectMessages(t, await feed(t, decoder, ['\n\na\n', '\n']), ['', '', 'a', '']);
  });

  graded(lab.tests.carriageReturn, async (t) => {
    const { MessageDecoder } = await framing(t);
    const decoder = await MessageDecoder.new();
    expectMessages(t, await feed(t, decoder, ['telnet says hi\r\n', 'split\r', '\n', 'only\rinside\n', '\r\n']), [
      'telnet says hi',
      'split',
      'only\rinside',
      '',
    ]);
  });

  graded(lab.tests.utf8Split, async (t) => {
    const { MessageDecoder } = await framing(t);
    const text = 'naïve café ✓ 🎉';
    const bytes = Buffer.from(`${text}\n`, 'utf8');
    t.step(`the message ${JSON.stringify(text)} is ${bytes.length} bytes: ${show(bytes)}`);
    // Cut after every byte: every multi-byte character gets split somewhere.
    const decoder = await MessageDecoder.new();
    expectMessages(
      t,
      await feed(
        t,
        decoder,
        [...bytes].map((byte) => Buffer.from([byte])),
      ),
      [text],
    );
    t.step('a message that starts with a byte-order mark (EF BB BF) keeps it: it is part of what was sent');
    expectMessages(t, await feed(t, decoder, [Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('LIST\n')])]), [
      '\ufeffLIST',
    ]);
  });

  graded(lab.tests.invalidUtf8, async (t) => {
    const { MessageDecoder } = await framing(t);
    const decoder = await MessageDecoder.new();
    t.step('pushed "ok\\n" then the bytes 0xff 0xfe "\\n" (0xff never occurs in UTF-8)');
    expectMessages(t, await decoder.push(Buffer.from('ok\n')), ['ok']);
    await expectFramingError(
      t,
      () => decoder.push(Buffer.from([0xff, 0xfe, 0x0a])),
      'a FramingError for a message that is not valid UTF-8',
    );
  });

  graded(lab.tests.maxLength, async (t) => {
    const { MessageDecoder } = await framing(t);
    t.step('created new MessageDecoder(16)');
    const decoder = await MessageDecoder.new(16);
    expectMessages(t, await feed(t, decoder, [`${'a'.repeat(16)}\n`, `${'b'.repeat(16)}\r\n`]), [
      'a'.repeat(16),
      'b'.repeat(16),
    ]);
    t.step('pushed "ok\\n" and a complete message of 17 bytes in one chunk into a new MessageDecoder(16):');
    let lost: string[] | undefined;
    await expectFramingError(
      t,
      async () => {
        try {
          return await (await MessageDecoder.new(16)).push(Buffer.from(`ok\n${'c'.repeat(17)}\n`));
        } catch (error) {
          lost = (error as { messagesBefore?: string[] }).messagesBefore;
          throw error;
        }
      },
      'a FramingError for the message of 17 bytes',
    );
    t.check(
      JSON.stringify(lost) === '["ok"]',
      'the error\'s messagesBefore to be ["ok"]: bad input must not lose the good message before it',
      () => JSON.stringify(lost),
    );
    t.step('pushed "d" bytes one at a time, never a "\\n", into a new MessageDecoder(16):');
    const slow = await MessageDecoder.new(16);
    let threw = false;
    for (let i = 1; i <= 64 && !threw; i++) {
      try {
        await slow.push(Buffer.from('d'));
        const pending = await slow.pendingBytes;
        t.check(
          pending <= 17,
          'pendingBytes never above maxBytes + 1 = 17',
          () => `pendingBytes was ${pending} after ${i} bytes`,
        );
      } catch (error) {
        if (error instanceof Mismatch) throw error;
        t.check(
          (error as Error)?.name === 'FramingError',
          'a FramingError',
          () => `${(error as Error)?.name}: ${(error as Error)?.message}`,
        );
        t.check(i === 18, 'the error at the 18th byte, the first that cannot fit', () => `the error came at byte ${i}`);
        threw = true;
      }
    }
    t.check(threw, 'a FramingError by the 18th byte', () => 'no error after 64 bytes without a "\\n"');
    t.step('pushed 1 MiB with no "\\n" in one chunk into a new MessageDecoder(16):');
    await expectFramingError(
      t,
      async () => (await MessageDecoder.new(16)).push(Buffer.alloc(1 << 20, 0x65)),
      'a FramingError at once, not 1 MiB held',
    );
  });

  graded(lab.tests.finish, async (t) => {
    const { MessageDecoder } = await framing(t);
    const decoder = await MessageDecoder.new();
    expectMessages(t, await feed(t, decoder, ['done\n']), ['done']);
    t.step('called finish() with nothing pending');
    await decoder.finish();
    await feed(t, decoder, ['half a mess']);
    t.step('called finish() with 11 bytes pending');
    await expectFramingError(t, () => decoder.finish(), 'a FramingError: the stream ended in the middle of a message');
    const oneByte = await MessageDecoder.new();
    await feed(t, oneByte, ['x']);
    t.step('called finish() on a new decoder with 1 byte pending');
    await expectFramingError(
      t,
      () => oneByte.finish(),
      'a FramingError: even one byte without its "\\n" is an unfinished message',
    );
  });

  graded(lab.tests.anyCut, async (t) => {
    const { MessageDecoder } = await framing(t);
    // Each case is one call: the host pushes the chunks, this process compares the messages.
    const { decodeChunks } = await t.helper<typeof import('./host-side.ts')>(
      new URL('./host-side.ts', import.meta.url),
    );
    const message = fc.string({ unit: 'grapheme', maxLength: 24 }).filter((text) => !/[\r\n]/.test(text));
    const input = fc.record({
      messages: fc.array(message, { maxLength: 12 }),
      cuts: fc.array(fc.nat(), { maxLength: 24 }),
    });
    const chunksOf = ({ messages, cuts }: { messages: string[]; cuts: number[] }) =>
      cut(Buffer.from(messages.map((text) => `${text}\n`).join(''), 'utf8'), cuts);
    // A call that never returns (or a host that died) ends the search: every later call would wait as long.
    let stuck: Mismatch | undefined;
    /** What the student's decoder made of the case: its messages as JSON, or the error it threw. */
    const decodeAll = async (value: { messages: string[]; cuts: number[] }): Promise<string> => {
      if (stuck) throw stuck;
      const chunks = chunksOf(value);
      try {
        return JSON.stringify(await decodeChunks(MessageDecoder, chunks));
      } catch (error) {
        if (!(error instanceof Mismatch)) return `an error: ${(error as Error)?.message}`;
        t.step(
          `pushed the chunks ${chunks.map((chunk) => show(chunk)).join(', ')} into a new MessageDecoder, then called finish()`,
        );
        throw (stuck = error);
      }
    };
    t.step('generated 300 random lists of messages (any Unicode, empty ones too) and cut their bytes at random places');
    const result = await fc.check(
      fc.asyncProperty(input, async (value) => (await decodeAll(value)) === JSON.stringify(value.messages)),
      { numRuns: 300 },
    );
    if (stuck) throw stuck;
    if (!result.failed || !result.counterexample) return;
    const [value] = result.counterexample;
    const got = await decodeAll(value);
    t.fail(
      `the messages ${JSON.stringify(value.messages)} back, for the chunks ${chunksOf(value)
        .map((chunk) => show(chunk))
        .join(', ')}`,
      `${got} (smallest failing case found; seed ${result.seed})`,
    );
  });
});
