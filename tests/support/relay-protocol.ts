// Test-side helpers for the relay protocol of labs 04-06 (docs/protocol.md).
import type { Trace } from './graded.ts';
import { Peer } from './net.ts';

const WAIT_MS = 5000;

/** Connects a client and registers `name`, expecting "OK NAME <name>". */
export async function registerAs(t: Trace, port: number, name: string, ms = WAIT_MS): Promise<Peer> {
  const peer = await Peer.connect(t, port, name);
  await peer.ask(`NAME ${name}`, `OK NAME ${name}`, ms);
  return peer;
}

/**
 * Asks LIST until `done(names)` holds: a server notices a disconnect a moment after it
 * happens. The questions are one step in the trace, not one each.
 */
export async function listUntil(
  t: Trace,
  observer: Peer,
  done: (names: string[]) => boolean,
  expected: string,
  ms = WAIT_MS,
): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (let asked = 1; ; asked++) {
    observer.socket.write('LIST\n');
    const line = await observer.readLine(WAIT_MS, 'a NAMES line', { quiet: true });
    const names = line.split(' ').slice(1);
    if (line.startsWith('NAMES') && done(names)) {
      t.step(
        `${observer.label} asked LIST ${asked === 1 ? 'once' : `${asked} times`}; the answer: ${JSON.stringify(line)}`,
      );
      return names;
    }
    if (Date.now() > deadline)
      t.fail(expected, `after ${asked} LISTs in ${ms} ms, LIST still answers ${JSON.stringify(line)}`);
  }
}

/**
 * `flood` sends `to` 1 KB messages, 200 at a time, until the relay answers "ERR unknown-name
 * <to>" (it cut `to` off and released its name) or 16 MB have gone. Every other answer must
 * be "OK SEND <to>". `afterBatch` runs once each batch is answered. Returns whether `to` was
 * cut off, and after how many batches.
 */
export async function floodUntilCutOff(
  t: Trace,
  flood: Peer,
  to: string,
  afterBatch: (batch: number, cutOff: boolean) => void | Promise<void> = () => {},
): Promise<{ cutOff: boolean; batches: number }> {
  const line = `SEND ${to} ${'x'.repeat(1000)}`;
  t.step(
    `"${flood.label}" sends "${to}" 1 KB messages, 200 at a time, until the relay cuts "${to}" off (at most 16 MB)`,
  );
  let cutOff = false;
  let batches = 0;
  for (; batches < 80 && !cutOff; batches++) {
    flood.socket.write(`${line}\n`.repeat(200));
    for (let i = 0; i < 200; i++) {
      const answer = await flood.readLine(WAIT_MS, 'an answer to each SEND', { quiet: true });
      if (answer.startsWith(`ERR unknown-name ${to}`)) cutOff = true;
      else
        t.check(answer === `OK SEND ${to}`, `"OK SEND ${to}", or "ERR unknown-name ${to}" once ${to} is cut off`, () =>
          JSON.stringify(answer),
        );
    }
    await afterBatch(batches, cutOff);
  }
  return { cutOff, batches };
}

/** A small seeded generator, so a failing random sequence can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), a | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
