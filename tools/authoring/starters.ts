// Generates labs/ (the student's starters) from solutions/, the one source of truth.
//
// In a solution file, the code a student must write sits between two marker lines:
//     // BEGIN SOLUTION "Task 2: the server"
//     ...
//     // END SOLUTION
// The starter keeps everything else and replaces each region with a stub that throws
// "not implemented yet — see labs/NN-topic/README.md, section "…"". The section must be a
// heading of the lab's handout. A region of class members (fields, helper methods) is
// marked `// BEGIN SOLUTION "…" members` and becomes a TODO comment alone, since a throw
// cannot stand in a class body. Unbalanced or nested markers are an error.
// The handout's "What is graded" table is generated here too, from tests/NN-topic/lab.ts.
//
//   npm run starters              regenerate labs/ (refuses to overwrite uncommitted edits)
//   npm run starters -- --check   exit 1 if labs/ or a handout table is out of date
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { filesUnder } from '../shared/files.ts';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { discoverLabs, handoutSection, labNumber, REPO_ROOT, type LabInfo } from '../grader/lab.ts';

export const SOLUTIONS_DIR = join(REPO_ROOT, 'solutions');
export const LABS_DIR = join(REPO_ROOT, 'labs');

const BEGIN = /^(\s*)\/\/ BEGIN SOLUTION(?:\s+"([^"]+)")?(\s+members)?\s*$/;
const END = /^\s*\/\/ END SOLUTION\s*$/;
const ANY_MARKER = /\b(BEGIN|END) SOLUTION\b/;
const CODE_FILE = /\.(ts|mts|js|mjs)$/;
const TABLE_BEGIN = '<!-- graded-tests:begin -->';
const TABLE_END = '<!-- graded-tests:end -->';

export class MarkerError extends Error {}

/** The handout's section headings, without the leading #'s. */
export function headingsOf(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => line.replace(/^#+ /, '').trim());
}

/** Replaces every solution region of `source` with a stub; `where` names the file in errors. */
export function stripSolutions(source: string, slug: string, where: string, sections: string[]): string {
  const out: string[] = [];
  let open: { line: number; indent: string; section: string; members: boolean } | undefined;
  source.split('\n').forEach((line, index) => {
    const lineNo = index + 1;
    const begin = line.match(BEGIN);
    if (begin) {
      if (open)
        throw new MarkerError(
          `${where}:${lineNo}: BEGIN SOLUTION inside the region opened at line ${open.line}: regions cannot nest, so close that one with // END SOLUTION first`,
        );
      const section = begin[2];
      if (!section)
        throw new MarkerError(
          `${where}:${lineNo}: BEGIN SOLUTION needs the handout section it belongs to: // BEGIN SOLUTION "Task 1: ..."`,
        );
      if (!sections.includes(section))
        throw new MarkerError(
          `${where}:${lineNo}: section "${section}" is not a heading of solutions/${slug}/README.md: write a heading's exact text, without its #'s`,
        );
      open = { line: lineNo, indent: begin[1], section, members: begin[3] !== undefined };
      return;
    }
    if (END.test(line)) {
      if (!open)
        throw new MarkerError(
          `${where}:${lineNo}: END SOLUTION without a BEGIN SOLUTION before it: add // BEGIN SOLUTION "section" where the region starts, or remove this line`,
        );
      const pointer = `see ${handoutSection(slug, open.section)}`;
      if (open.members) {
        out.push(`${open.indent}// TODO: add the fields and helper methods you need (${pointer}).`);
      } else {
        out.push(`${open.indent}// TODO: write this part (${pointer}).`);
        out.push(`${open.indent}throw new Error(${JSON.stringify(`not implemented yet — ${pointer}`)});`);
      }
      open = undefined;
      return;
    }
    if (ANY_MARKER.test(line))
      throw new MarkerError(
        `${where}:${lineNo}: malformed marker line: ${line.trim()} (write // BEGIN SOLUTION "section", // BEGIN SOLUTION "section" members or // END SOLUTION, alone on the line)`,
      );
    if (!open) out.push(line);
  });
  if (open)
    throw new MarkerError(
      `${where}:${open.line}: BEGIN SOLUTION is never closed: add // END SOLUTION where the region ends`,
    );
  return out.join('\n');
}

/** The "What is graded" table for a handout, from the lab's metadata. */
export function gradedTable(lab: LabInfo): string {
  // Test names quote protocol lines such as "MSG <sender> <text>": escape what Markdown would read as HTML or a column.
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const rows = Object.values(lab.tests).map((test) => `| ${cell(test.name)} | ${test.points} | ${test.section} |`);
  const total = Object.values(lab.tests).reduce((sum, test) => sum + test.points, 0);
  return [
    '| Test | Points | Handout section |',
    '| --- | ---: | --- |',
    ...rows,
    `| **Total** | **${total}** | |`,
  ].join('\n');
}

/** "labs 01, 02 and 04", from lab.ts's requires: the labs a student finishes first; "—" for none. */
export function requiredLabs(lab: LabInfo): string {
  const numbers = (lab.requires ?? []).map((slug) => labNumber({ slug }));
  if (numbers.length === 0) return '—';
  return `lab${numbers.length > 1 ? 's' : ''} ${numbers.length > 1 ? `${numbers.slice(0, -1).join(', ')} and ${numbers.at(-1)}` : numbers[0]}`;
}

const LABS_BEGIN = '<!-- labs-table:begin -->';
const LABS_END = '<!-- labs-table:end -->';

/** The README's table of labs, from each lab's title and summary in lab.ts (one source). */
function withLabsTable(markdown: string, labs: LabInfo[]): string {
  const begin = markdown.indexOf(LABS_BEGIN);
  const end = markdown.indexOf(LABS_END);
  if (begin < 0 || end < begin)
    throw new MarkerError(
      `README.md: needs the lines ${LABS_BEGIN} and ${LABS_END} (the table of labs goes between them)`,
    );
  const rows = labs.map(
    (lab) =>
      `| [${labNumber(lab)}](labs/${lab.slug}/README.md) | ${lab.title} | ${lab.summary} | ${requiredLabs(lab)} |`,
  );
  const table = ['| Lab | Topic | What you learn | Uses your code from |', '| --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
  return `${markdown.slice(0, begin + LABS_BEGIN.length)}\n\n${table}\n\n${markdown.slice(end)}`;
}

function withGradedTable(markdown: string, lab: LabInfo, where: string): string {
  const begin = markdown.indexOf(TABLE_BEGIN);
  const end = markdown.indexOf(TABLE_END);
  if (begin < 0 || end < begin)
    throw new MarkerError(
      `${where}: needs the lines ${TABLE_BEGIN} and ${TABLE_END} (the "What is graded" table goes between them)`,
    );
  return `${markdown.slice(0, begin + TABLE_BEGIN.length)}\n\n${gradedTable(lab)}\n\n${markdown.slice(end)}`;
}

/** The files below `dir`, as paths relative to it, with forward slashes on every system. */
function filesIn(dir: string): string[] {
  return filesUnder(dir).map((file) => relative(dir, file).split('\\').join('/'));
}

export interface Generated {
  /** Path relative to the repository → content, for every file generation writes. */
  files: Map<string, string>;
  /** Paths under labs/<slug>/ that no solution file produces. */
  strays: string[];
}

export function generate(labs: LabInfo[]): Generated {
  const files = new Map<string, string>();
  const strays: string[] = [];
  files.set('README.md', withLabsTable(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'), labs));
  for (const lab of labs) {
    const solutionDir = join(SOLUTIONS_DIR, lab.slug);
    const handoutPath = join(solutionDir, 'README.md');
    if (!existsSync(handoutPath))
      throw new MarkerError(
        `solutions/${lab.slug}/README.md is missing: every lab needs a handout (npm run new-lab writes one to start from)`,
      );
    const handout = withGradedTable(readFileSync(handoutPath, 'utf8'), lab, `solutions/${lab.slug}/README.md`);
    const sections = headingsOf(handout);
    for (const name of filesIn(solutionDir)) {
      const source = name === 'README.md' ? handout : readFileSync(join(solutionDir, name), 'utf8');
      const where = `solutions/${lab.slug}/${name}`;
      if (name === 'README.md') files.set(where, handout);
      files.set(
        `labs/${lab.slug}/${name}`,
        CODE_FILE.test(name) ? stripSolutions(source, lab.slug, where, sections) : source,
      );
    }
    for (const name of filesIn(join(LABS_DIR, lab.slug))) {
      if (!files.has(`labs/${lab.slug}/${name}`)) strays.push(`labs/${lab.slug}/${name}`);
    }
  }
  return { files, strays };
}

/** Files whose content on disk differs from what generation produces. */
export function outOfDate({ files, strays }: Generated): string[] {
  const stale = [...files]
    .filter(
      ([path, content]) =>
        !existsSync(join(REPO_ROOT, path)) || readFileSync(join(REPO_ROOT, path), 'utf8') !== content,
    )
    .map(([path]) => path);
  return [...stale, ...strays.map((path) => `${path} (not in solutions/: remove it)`)];
}

function labsHaveUncommittedEdits(): boolean {
  try {
    return (
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'labs'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      }).trim() !== ''
    );
  } catch {
    return false; // not a git checkout: nothing to protect against
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { check: { type: 'boolean', default: false }, force: { type: 'boolean', default: false } },
  });
  const generated = generate(await discoverLabs());
  const stale = outOfDate(generated);
  if (values.check) {
    if (stale.length === 0) {
      console.log(`labs/ is up to date with solutions/ (${generated.files.size} files)`);
      return;
    }
    console.error(
      `labs/ is out of date with solutions/; run \`npm run starters\` to regenerate:\n${stale.map((path) => `  ${path}`).join('\n')}`,
    );
    process.exitCode = 1;
    return;
  }
  if (stale.length > 0 && labsHaveUncommittedEdits() && !values.force) {
    console.error(
      'labs/ has uncommitted changes (your own work?). Commit or stash them first, or pass --force to overwrite them.',
    );
    process.exitCode = 1;
    return;
  }
  for (const [path, content] of generated.files) {
    mkdirSync(dirname(join(REPO_ROOT, path)), { recursive: true });
    writeFileSync(join(REPO_ROOT, path), content);
  }
  for (const path of generated.strays) rmSync(join(REPO_ROOT, path));
  console.log(
    stale.length === 0
      ? 'labs/ was already up to date'
      : `regenerated:\n${stale.map((path) => `  ${relative('.', join(REPO_ROOT, path.split(' ')[0]))}`).join('\n')}`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof MarkerError ? `error: ${error.message}` : error);
    process.exitCode = 1;
  });
}
