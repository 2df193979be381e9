// The rules a lab's metadata and catalog must follow, checked without grading anything.
// npm test runs them for every lab (labs.test.ts), npm run prove for the labs it proves.
// Each problem is one message that names the file and says how to fix it:
// docs/adding-a-lab.md quotes them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_FOLDER, REPO_ROOT, type LabInfo } from '../../grader/lab.ts';
import type { BuggyVariant } from '../variants.ts';
import { filesUnder } from '../../shared/files.ts';
import { headingsOf } from '../../authoring/starters.ts';

export const MIN_VARIANTS = 3;
/** No classic mistake may cost a student less than this (see "Points" in docs/instructor-guide.md). */
export const MIN_VARIANT_COST = 2;

/** The other labs whose files the lab's solution imports (`from '../02-framing/framing.ts'`). */
export function importedLabs(slug: string): string[] {
  const imported = new Set<string>();
  for (const file of filesUnder(join(REPO_ROOT, 'solutions', slug)).filter((path) => /\.[mc]?ts$/.test(path))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/from '\.\.\/([^/']+)\//g)) {
      if (LAB_FOLDER.test(match[1]) && match[1] !== slug) imported.add(match[1]);
    }
  }
  return [...imported].sort();
}

export function labProblems(lab: LabInfo, variants: BuggyVariant[]): string[] {
  const problems: string[] = [];
  const metadata = `tests/${lab.slug}/lab.ts`;
  const catalog = `tests/${lab.slug}/buggy-variants.ts`;
  const handout = `solutions/${lab.slug}/README.md`;

  if (variants.length < MIN_VARIANTS) {
    problems.push(
      `${catalog} has ${variants.length} buggy variant(s); a lab needs at least ${MIN_VARIANTS}: ` +
        'add the classic mistakes its tests must catch, each a patch on the solution (see docs/adding-a-lab.md).',
    );
  }
  const headings = existsSync(join(REPO_ROOT, handout))
    ? headingsOf(readFileSync(join(REPO_ROOT, handout), 'utf8'))
    : [];
  const seen = new Map<string, string>();
  for (const [key, spec] of Object.entries(lab.tests)) {
    const twin = seen.get(spec.name);
    if (twin)
      problems.push(
        `${metadata}: tests ${twin} and ${key} are both named "${spec.name}": give each its own name (the grader tells tests apart by name).`,
      );
    seen.set(spec.name, key);
    if (!(spec.points > 0))
      problems.push(
        `${metadata}: test ${key} has ${spec.points} points: give it 1 to 4 (see "Points" in docs/instructor-guide.md).`,
      );
    if (!headings.includes(spec.section)) {
      problems.push(
        `${metadata}: the section "${spec.section}" of test ${key} is not a heading of ${handout}: ` +
          `use a heading's exact text without its #'s (the headings are: ${headings.map((h) => `"${h}"`).join(', ')}).`,
      );
    }
  }
  for (const variant of variants) {
    const cost = variant.caughtBy.reduce((sum, key) => sum + (lab.tests[key]?.points ?? 0), 0);
    if (cost < MIN_VARIANT_COST) {
      problems.push(
        `${catalog}: the variant "${variant.name}" costs a student ${cost} point(s); every classic mistake must cost at least ${MIN_VARIANT_COST}: ` +
          'add a test that catches it to caughtBy, or raise the points of a test that does.',
      );
    }
  }
  const imported = importedLabs(lab.slug);
  const declared = [...(lab.requires ?? [])].sort();
  if (imported.join() !== declared.join()) {
    problems.push(
      `${metadata}: requires is [${declared.join(', ')}] but solutions/${lab.slug}/ imports from [${imported.join(', ')}]: ` +
        `write requires: [${imported.map((slug) => `'${slug}'`).join(', ')}] (the grader and the README say which labs to finish first).`,
    );
  }
  return problems;
}
