// What a student reads when a buggy variant is caught, pinned in
// tests/NN-topic/buggy-variants.failures.txt so that a change which turns a good failure
// message into a useless one shows up as a diff, reviewed like code. `npm run prove -- LAB`
// compares; `npm run prove -- LAB --update-fixtures` rewrites the file.
//
// Only the stable part is pinned: for each test in the variant's caughtBy, its line, the
// first lines of "Expected:" and of what it got, with quoted text and numbers left out (how
// much of a reply had arrived, or which random name a test drew, depends on the run), its
// hint and where to read. Ports, times, seeds, pids, paths and Node's stack frames become
// placeholders. --update-fixtures grades each variant twice and pins a line on which the two
// disagree as "(varies from run to run)", which then matches any text with the same label.
// A change in the lines the test's author wrote fails the proof; in "Got:" alone, it warns.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TESTS_DIR, REPO_ROOT, type LabInfo } from '../../grader/lab.ts';
import { formatTestForFixture } from '../../grader/report.ts';
import type { LabResult } from '../../grader/run-lab.ts';
import type { BuggyVariant } from '../variants.ts';

export function fixturePath(slug: string): string {
  return join(TESTS_DIR, slug, 'buggy-variants.failures.txt');
}

/** Replaces what changes from run to run by a placeholder; `target` is the graded folder. */
export function normalise(text: string, target: string): string {
  return (
    text
      .replaceAll(target, '<target>')
      .replaceAll(REPO_ROOT, '<repo>')
      .replace(/\.grader-tmp\/[\w.-]+/g, '<scratch>')
      .replace(/\b(127\.0\.0\.1|localhost|::1|\[::1\]):\d+/g, '$1:<port>')
      .replace(/\b(port|ports) \d+/gi, '$1 <port>')
      .replace(/\bpid \d+/g, 'pid <pid>')
      .replace(/\bseed -?\d+/g, 'seed <n>')
      .replace(/\b\d+(\.\d+)? ?(ms|s)\b(?! limit)/g, '<time>')
      // Node's own stack frames and error fields differ between versions and systems.
      .replace(/^(.*?)at [^\n]*node:[\w/.-]+:\d+:\d+[^\n]*$/gm, '$1at <node internals>')
      .replace(/^(.*at <node internals>\n)(\1)+/gm, '$1')
      .replace(/\b(errno|port): -?\d+/g, '$1: <n>')
      .replace(/\bNode\.js v[\d.]+/g, 'Node.js v<version>')
      .replace(/(file:\/\/)?\/[^\s"'()\\]*node_modules\//g, '<node_modules>/')
      .replace(/\bnode:([\w/]+):\d+(:\d+)?/g, 'node:$1')
      .replace(/(\.[cm]?[jt]s):\d+:\d+/g, '$1:<line>')
      .replace(/\s+$/gm, '')
  );
}

/** What depends on the run in a line a test wrote: quoted data and patterns (random names, which client), numbers. */
function shapeOf(line: string): string {
  return line
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/matching \/(?:[^/\\]|\\.)*\/[a-z]*/g, 'matching /…/')
    .replace(/\d+/g, 'N');
}

/** Marks a line that differed between the two grades of --update-fixtures: any text matches it. */
const VARIES = '(varies from run to run)';

/** "      Got:" of a Got line, "  the test's name" of a test's line: what stays when the rest varies. */
function labelOf(line: string): string {
  const test = line.match(/^ {2}[✗✓?-] (.*?)(?: \d+\/\d+| \(.*\))?$/);
  if (test) return `  ? ${test[1]}`;
  return line.match(/^\s+[\w ]+:/)?.[0] ?? line;
}

/** The pinned text of one variant: its name, then each catching test as the student sees it. */
export function variantFailureText(lab: LabInfo, variant: BuggyVariant, result: LabResult, target: string): string {
  const lines = [`=== ${variant.name}`];
  for (const key of variant.caughtBy) {
    const test = result.tests.find((outcome) => outcome.key === key);
    if (!test) continue;
    const [first, ...rest] = normalise(formatTestForFixture(test, lab.slug), target).split('\n');
    lines.push(first);
    const expected = rest.find((line) => /^\s+Expected: /.test(line));
    if (expected) lines.push(shapeOf(expected));
    const got = rest.find((line) =>
      /^\s+(Got: |Your code threw: |Your code could not be loaded: |not implemented yet)/.test(line),
    );
    if (got) lines.push(shapeOf(got));
    lines.push(...rest.filter((line) => /^\s+(Hint|Read): /.test(line)));
  }
  return lines.join('\n');
}

/**
 * The text to pin from two grades of a variant: the lines they agree on, and in place of each
 * line they do not, its label and "(varies from run to run)". Texts of different shapes
 * (another test failed, or failed elsewhere) are pinned whole as the first.
 */
export function mergeRuns(first: string, second: string): string {
  const a = first.split('\n');
  const b = second.split('\n');
  if (a.length !== b.length) return first;
  return a
    .map((line, i) => (line === b[i] || labelOf(line) !== labelOf(b[i]) ? line : `${labelOf(line)} ${VARIES}`))
    .join('\n');
}

/**
 * True when `actual` is what `pinned` says, a line pinned as varying matching any line with
 * its label; with `anyGot`, every Got line matches any Got line (see variantDiff).
 */
export function matchesPinned(pinned: string, actual: string, { anyGot = false } = {}): boolean {
  const want = pinned.split('\n');
  const got = actual.split('\n');
  const isGot = (line: string) => /^\s+Got: /.test(line);
  return (
    want.length === got.length &&
    want.every(
      (line, i) =>
        line === got[i] ||
        (line.endsWith(` ${VARIES}`) && line === `${labelOf(got[i])} ${VARIES}`) ||
        (anyGot && isGot(line) && isGot(got[i])),
    )
  );
}

export function catalogText(texts: string[]): string {
  return `${[
    '# What a student reads when each buggy variant of this lab is caught (npm run prove).',
    '# Generated: npm run prove -- LAB --update-fixtures rewrites it; review the diff like code.',
    ...texts.map((text) => `\n${text}`),
  ].join('\n')}\n`;
}

/** The pinned text of each variant of the lab, by variant name (none if nothing is pinned yet). */
export function pinnedTexts(slug: string): Map<string, string> {
  const map = new Map<string, string>();
  if (!existsSync(fixturePath(slug))) return map;
  for (const block of readFileSync(fixturePath(slug), 'utf8')
    .split(/\n(?==== )/)
    .slice(1))
    map.set(block.split('\n')[0].slice(4), block.trimEnd());
  return map;
}

/**
 * How one variant's text differs from what is pinned: `failure` when a line the test's author
 * wrote changed (its name, Expected, hint, section), `warning` when only what the code got
 * did. What a buggy program sends can depend on timing in ways a second grade does not always
 * show (which of two clients receives the merged bytes), so that part never fails the proof.
 */
export function variantDiff(
  pinned: Map<string, string>,
  name: string,
  text: string,
): { failure: string; warning: string } {
  const before = pinned.get(name);
  if (before === undefined) return { failure: `variant "${name}" has no pinned failure text yet`, warning: '' };
  if (matchesPinned(before, text)) return { failure: '', warning: '' };
  const diff = `variant "${name}" now fails with other text:\n${lineDiff(before, text)}`;
  return matchesPinned(before, text, { anyGot: true })
    ? { failure: '', warning: diff }
    : { failure: diff, warning: '' };
}

/** What to do about differences in a lab's pinned text. */
export function howToUpdate(slug: string): string {
  return (
    `If the new text is what a student should read, run \`npm run prove -- ${slug.slice(0, 2)} --update-fixtures\` ` +
    `and review and commit tests/${slug}/buggy-variants.failures.txt.`
  );
}

/** Lines only in `before` marked "-", lines only in `after` marked "+", common lines left out. */
function lineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  // Longest common subsequence, small inputs: a table is fine.
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(`    + ${b[j++]}`);
    else out.push(`    - ${a[i++]}`);
  }
  return out.join('\n');
}

export function writeFixture(slug: string, text: string): void {
  writeFileSync(fixturePath(slug), text);
}
