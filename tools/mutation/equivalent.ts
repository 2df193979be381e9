// Mutants that change no behaviour a user can see (npm run mutation): each with the reason,
// so that a survivor is either in this list or a gap in the tests. Matched by file, the
// mutated line's code (trimmed) and the mutation, as the mutation report shows them.
export interface Equivalent {
  file: string;
  code: string;
  mutation: string;
  reason: string;
}

const equivalents: Record<string, Equivalent[]> = {};

export default equivalents;
