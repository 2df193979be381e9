// npm run export-student -- DIR
//
// Writes the repository students start from: the starters and handouts (labs/), the graded
// tests (tests/, without the buggy-variant catalogs), the tools students use (the grader and
// the chaos proxy), the protocol, a README written for students, and a GitHub Classroom
// workflow. Nothing of solutions/, the instructor checks or the starter generator, and no
// mention of solutions/ either: Markdown between <!-- full-repository:begin --> and
// <!-- full-repository:end --> is left out, and the dependencies only maintainers use are
// dropped from package.json and package-lock.json, so that npm install prints no warnings.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { discoverLabs, labNumber, maxPoints, REPO_ROOT, type LabInfo } from '../grader/lab.ts';
import { CHECKSUMS_FILE, classroomWorkflow, courseChecksums, parseTemplate, type PinnedTemplate } from './classroom.ts';
import { filesUnder } from '../shared/files.ts';
import { requiredLabs } from '../authoring/starters.ts';

/**
 * The folders of tools/ that students use, copied whole: the grader, what it shares with the
 * other tools, the chaos proxy, the line client and the benchmark. The others (instructor,
 * authoring, checks) stay with the course's maintainers.
 */
const STUDENT_TOOLS = ['tools/grader', 'tools/shared', 'tools/chaos-proxy', 'tools/line-client', 'tools/bench'];
/** Inside folders students get, but never given: each lab's catalog of buggy variants and its pinned failure text. */
const CATALOG = /^tests\/[^/]+\/buggy-variants\./;
const COPIED = [
  'labs',
  'tests',
  ...STUDENT_TOOLS,
  'docs/protocol.md',
  'docs/benchmark.md',
  'vitest.config.ts',
  '.gitignore',
  '.gitattributes',
];
/** Dependencies of the maintainers' checks and instructor tools alone (lint, format, the Gradescope zip). */
const INSTRUCTOR_DEPENDENCIES = ['markdownlint-cli', 'prettier', 'eslint', 'typescript-eslint', 'fflate'];
/** Markdown for readers of the full repository (comparing with solutions/): never exported. */
const FULL_REPOSITORY_ONLY = /^<!-- full-repository:begin -->\n[\s\S]*?^<!-- full-repository:end -->\n(\n(?=\n))?/gm;

/** `markdown` without its full-repository-only blocks (and the blank line each leaves doubled). */
export function forStudents(markdown: string): string {
  const stripped = markdown.replace(/\r\n/g, '\n').replace(FULL_REPOSITORY_ONLY, '');
  if (stripped.includes('<!-- full-repository:'))
    throw new Error('an unbalanced <!-- full-repository:begin/end --> marker');
  return stripped.replace(/\n\n\n+/g, '\n\n');
}

/** `path` is relative to the repository, with either separator (Windows gives backslashes). */
export function isInstructorOnly(path: string): boolean {
  const portable = path.split('\\').join('/');
  const inside = (folder: string) => portable === folder || portable.startsWith(`${folder}/`);
  return inside('solutions') || CATALOG.test(portable) || (inside('tools') && !STUDENT_TOOLS.some(inside));
}

function studentReadme(labs: LabInfo[]): string {
  const rows = labs.map(
    (lab) =>
      `| [${labNumber(lab)}](labs/${lab.slug}/README.md) | ${lab.title} | ${maxPoints(lab)} | ${lab.summary} | ${requiredLabs(lab)} |`,
  );
  return `# Socket programming labs

Step by step from a one-shot TCP echo to a chat relay, in TypeScript on Node.js (22.12 or newer; 20.19+ also works).
\`nc\` (netcat) is optional: \`npm run nc -- HOST PORT\` is the course's own line client.

\`\`\`sh
npm install
npm run grade                  # grades every lab and says what to do next
npm run grade -- 01 --watch    # re-grades lab 01 every time you save
\`\`\`

Read each lab's handout, fill in the parts marked \`TODO\` in \`labs/NN-topic/\`, and run the
grader. A failing test shows what it did, what it expected, what it got, and which section of
the handout to read. Take the labs in order: later labs use your code from earlier ones.

| Lab | Topic | Points | What you learn | Uses your code from |
| --- | --- | ---: | --- | --- |
${rows.join('\n')}

Grader options: \`--test TEXT\` runs only matching tests, \`--poll\` makes \`--watch\` poll where
file watching does not work, \`--time-limit S\` changes the per-lab limit (default 30 s).

The chaos proxy shows what TCP may do to your bytes:
\`npm run proxy -- --to 5000 --port 6000 --piece 1 --delay 1 --trace\`, then point your client at
port 6000. Labs 04 to 06 speak the [relay protocol](docs/protocol.md). Lab 06 measures your relays
with \`npm run bench -- --lab 06 --target labs\` ([how to read it](docs/benchmark.md)).

Every push is graded by GitHub Classroom with the same command, one step per lab.
`;
}

function studentPackageJson(): string {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  for (const name of INSTRUCTOR_DEPENDENCIES) delete manifest.devDependencies[name];
  manifest.scripts = {
    grade: manifest.scripts.grade,
    proxy: manifest.scripts.proxy,
    bench: manifest.scripts.bench,
    nc: manifest.scripts.nc,
    test: `${manifest.scripts.grade} --strict`,
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * package-lock.json without what only the instructor dependencies need, so that npm ci agrees
 * with the student package.json and installs nothing of them. npm finds a dependency `name`
 * of the package at `node_modules/a` in `node_modules/a/node_modules/name`, else one folder
 * up, and so on to `node_modules/name`: the same walk here keeps every package still reachable.
 */
export function studentLock(lockText: string, dropped: string[]): string {
  const lock = JSON.parse(lockText) as { packages: Record<string, LockEntry> };
  const root = lock.packages[''];
  for (const name of dropped) delete root.devDependencies?.[name];
  const keep = new Set<string>(['']);
  const queue = [''];
  while (queue.length > 0) {
    const at = queue.pop()!;
    const entry = lock.packages[at];
    const names = Object.keys({
      ...entry.dependencies,
      ...entry.optionalDependencies,
      ...entry.peerDependencies,
      ...(at === '' ? entry.devDependencies : {}),
    });
    for (const name of names) {
      for (
        let base = at;
        ;
        base = base.includes('/node_modules/') ? base.slice(0, base.lastIndexOf('/node_modules/')) : ''
      ) {
        const path = `${base ? `${base}/` : ''}node_modules/${name}`;
        if (lock.packages[path]) {
          if (!keep.has(path)) {
            keep.add(path);
            queue.push(path);
          }
          break;
        }
        if (base === '') break; // not in the lock: an optional peer nobody installs
      }
    }
  }
  lock.packages = Object.fromEntries(Object.entries(lock.packages).filter(([path]) => keep.has(path)));
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** tsconfig.json without the folders a student copy (in `destination`) does not have. */
function studentTsconfig(destination: string): string {
  const config = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };
  config.include = config.include.filter((entry) => entry.includes('*') || existsSync(join(destination, entry)));
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** What the Classroom workflow checks before grading: everything copied but the student's labs/. */
const COURSE_FILES = ['tests', 'tools', 'package-lock.json', 'tsconfig.json', 'vitest.config.ts', 'package.json'];

export async function exportStudentCopy(destination: string, template?: PinnedTemplate): Promise<string[]> {
  if (existsSync(destination) && readdirSync(destination).length > 0)
    throw new Error(`${destination} is not empty: export into a new folder`);
  const labs = await discoverLabs();
  const written: string[] = [];
  for (const entry of COPIED) {
    cpSync(join(REPO_ROOT, entry), join(destination, entry), {
      recursive: true,
      filter: (source) => {
        const path = relative(REPO_ROOT, source);
        return !isInstructorOnly(path) && !path.includes('node_modules');
      },
    });
  }
  for (const file of filesUnder(destination).filter((path) => path.endsWith('.md'))) {
    writeFileSync(file, forStudents(readFileSync(file, 'utf8')));
  }
  const generated: Record<string, string> = {
    'README.md': studentReadme(labs),
    'package.json': studentPackageJson(),
    'package-lock.json': studentLock(
      readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8'),
      INSTRUCTOR_DEPENDENCIES,
    ),
    'tsconfig.json': studentTsconfig(destination),
    '.github/workflows/classroom.yml': classroomWorkflow(labs, template),
  };
  for (const [path, content] of Object.entries(generated)) {
    mkdirSync(dirname(join(destination, path)), { recursive: true });
    writeFileSync(join(destination, path), content);
  }
  const courseFiles = COURSE_FILES.map((entry) => join(destination, entry)).flatMap((path) =>
    existsSync(path) && !path.endsWith('.json') && !path.endsWith('.ts') ? filesUnder(path) : [path],
  );
  writeFileSync(join(destination, CHECKSUMS_FILE), courseChecksums(destination, courseFiles));
  for (const file of readdirSync(destination, { recursive: true, encoding: 'utf8' })) written.push(file);
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { template: { type: 'string' } } });
  const destination = positionals[0];
  if (!destination) {
    console.error('usage: npm run export-student -- DIR [--template OWNER/REPO@COMMIT]   (DIR must be new or empty)');
    process.exitCode = 2;
  } else {
    Promise.resolve()
      .then(() => exportStudentCopy(destination, values.template ? parseTemplate(values.template) : undefined))
      .then(
        (files) =>
          console.log(
            `wrote the student copy to ${destination} (${files.length} entries); run npm install && npm run grade inside it`,
          ),
        (error: unknown) => {
          console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
          process.exitCode = 1;
        },
      );
  }
}
