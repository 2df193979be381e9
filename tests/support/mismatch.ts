/** A failure the test explains itself: what it expected and what it got. */
export class Mismatch extends Error {
  constructor(
    readonly expected: string,
    readonly got: string,
  ) {
    super(`Expected: ${expected}\nGot:      ${got}`);
    this.name = 'Mismatch';
  }
}
