// Lab metadata: the one place where a lab's title, graded tests, points and hints live.
// Each lab declares itself in tests/NN-topic/lab.ts; the grader, the handout's "What is
// graded" table and the course-tooling exports all read it from there.
import { readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface TestSpec {
  /** Reads as a spec sentence; it is the vitest test name and what the student sees. */
  name: string;
  points: number;
  /** One or two sentences that point the student in the right direction. */
  hint: string;
  /** A heading of the lab's handout (README.md) that explains what this test needs. */
  section: string;
  /** How long the test may take; every wait inside it is shorter. */
  timeoutMs?: number;
  /** An instructor's private test (--extra-tests): shown to students only after the due date. */
  private?: boolean;
}

export interface LabInfo<Tests extends Record<string, TestSpec> = Record<string, TestSpec>> {
  /** Folder name shared by labs/, tests/ and the reference solutions, e.g. "01-echo". */
  slug: string;
  title: string;
  /** One line for the README's list of labs. */
  summary: string;
  /**
   * The earlier labs whose code this lab's solution imports (`../02-framing/framing.ts`):
   * a student finishes them first. `npm test` checks the list against the imports.
   */
  requires?: string[];
  tests: Tests;
}

export function defineLab<Tests extends Record<string, TestSpec>>(lab: LabInfo<Tests>): LabInfo<Tests> {
  return lab;
}

// fileURLToPath rather than import.meta.dirname, which Node 20 gained only in 20.11.
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const TESTS_DIR = join(REPO_ROOT, 'tests');
/** A lab folder's name, as in labs/ and tests/: "01-echo". */
export const LAB_FOLDER = /^\d\d-[a-z0-9-]+$/;
/**
 * The reference solutions' folder: in the full repository only. A student copy has none, so
 * nothing a student sees (help, messages, defaults) may mention it unless it exists.
 */
export const REFERENCE = 'solutions';
export const REFERENCE_DIR = join(REPO_ROOT, REFERENCE);
export function hasReference(): boolean {
  return existsSync(REFERENCE_DIR);
}

/** "01" for 01-echo: of a lab, or of anything named by its slug (a result). */
export function labNumber(lab: { slug: string }): string {
  return lab.slug.slice(0, 2);
}

/** Where a student reads about something: `labs/01-echo/README.md, section "Task 2: the server"`. */
export function handoutSection(slug: string, section: string): string {
  return `labs/${slug}/README.md, section "${section}"`;
}

export function maxPoints(lab: LabInfo): number {
  return Object.values(lab.tests).reduce((sum, test) => sum + test.points, 0);
}

/** Every lab in tests/, in order: adding a lab is adding its folders. */
export async function discoverLabs(testsDir = TESTS_DIR): Promise<LabInfo[]> {
  const withLab = readdirSync(testsDir).filter((name) => existsSync(join(testsDir, name, 'lab.ts')));
  const misnamed = withLab.find((name) => !LAB_FOLDER.test(name));
  if (misnamed)
    throw new Error(
      `tests/${misnamed}/ has a lab.ts but its name is not two digits, a dash and lowercase words (07-file-transfer): rename its folders under tests, solutions and labs the same way`,
    );
  const slugs = withLab;
  const labs: LabInfo[] = [];
  for (const slug of slugs.sort()) {
    const module = (await import(pathToFileURL(join(testsDir, slug, 'lab.ts')).href)) as { default: LabInfo };
    if (module.default.slug !== slug)
      throw new Error(
        `tests/${slug}/lab.ts declares slug "${module.default.slug}": write slug: '${slug}', the name of its folder`,
      );
    labs.push(module.default);
  }
  return labs;
}

/** "01", "1", "01-echo" or "echo" → the lab; throws a message listing the labs otherwise. */
export function selectLabs(all: LabInfo[], wanted: string[]): LabInfo[] {
  if (wanted.length === 0) return all;
  return wanted.map((want) => {
    const found = all.find(
      (lab) => lab.slug === want || labNumber(lab) === want.padStart(2, '0') || lab.slug.slice(3) === want,
    );
    if (!found) throw new Error(`no lab "${want}"; the labs are: ${all.map((lab) => lab.slug).join(', ')}`);
    return found;
  });
}
