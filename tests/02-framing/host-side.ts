// Runs in the student host, next to the student's framing module (loaded with t.helper): the
// inner loop of the property test, so that each random case is one call instead of one per
// chunk. It only pushes and collects; the test compares what comes back on its own side.
type Framing = typeof import('../../labs/02-framing/framing.ts');

/** Pushes each chunk into a new decoder of the student's class, then calls finish(); returns every message it returned, in order. */
export function decodeChunks(MessageDecoder: Framing['MessageDecoder'], chunks: Buffer[]): string[] {
  const decoder = new MessageDecoder();
  const messages = chunks.flatMap((chunk) => decoder.push(chunk));
  decoder.finish();
  return messages;
}
