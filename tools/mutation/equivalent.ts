// Mutants that change no behaviour a user can see (npm run mutation): each with the reason,
// so that a survivor is either in this list or a gap in the tests. Matched by file, the
// mutated line's code (trimmed) and the mutation, as the mutation report shows them.
export interface Equivalent {
  file: string;
  code: string;
  mutation: string;
  reason: string;
}

const NON_ZERO = 'The handout asks for a non-zero exit code; 2 is as non-zero as 1, and a shell or a script tells them apart only by choice.';
const LISTENER_AFTER_LISTEN = 'After listen succeeded the promise is settled: a later error calls reject for nothing, and the listener left behind only keeps one function alive.';

const equivalents: Record<string, Equivalent[]> = {
  '01-echo': [
    { file: 'client.ts', code: 'process.exitCode = 1;', mutation: '1 → 2', reason: NON_ZERO },
    { file: 'server.ts', code: 'process.exitCode = 1;', mutation: '1 → 2', reason: NON_ZERO },
    { file: 'server.ts', code: "server.off('error', reject);", mutation: 'removed call', reason: LISTENER_AFTER_LISTEN },
    { file: 'server.ts', code: "server.off('error', reject);", mutation: "'error' → ''", reason: LISTENER_AFTER_LISTEN },
  ],
};

export default equivalents;
