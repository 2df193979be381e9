// What the Gradescope package (tools/instructor/gradescope/package.ts) puts beside the grader, for the
// autograder (tools/instructor/gradescope/autograder.ts) to read inside Gradescope.
export const SETTINGS_FILE = 'autograder.json';
export const PRIVATE_TESTS_DIR = 'private-tests';

export interface AutograderSettings {
  labs: string[];
  timeLimitSeconds: number;
}
