// The student's type errors, shown above a lab's results. They cost no points (the tests judge
// what the code does), but the handouts are TypeScript, and an error tsc finds is often the
// bug a test then reports less directly. One tsc run for all the labs being graded, beside
// the tests; tsc reads the student's code and never runs it.
//
// tsc costs about 2 s of CPU, more than the rest of a short grade, so its findings are kept
// by the content of what it reads (every .ts file of the target, the compiler options, the
// versions of TypeScript and of Node's types): a grade of code that has not changed since it
// was last checked, such as the labs a student is not working on, reuses them.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './lab.ts';
import { displayPath, SCRATCH_DIR, scratchDir } from './target.ts';
import { filesUnder } from '../shared/files.ts';

const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const LIMIT_MS = 60_000;
const SHOWN_PER_LAB = 10;
const CACHE_DIR = join(SCRATCH_DIR, 'type-errors');
const CACHE_ENTRIES = 50;

/** One error tsc found: where, relative to the target ("01-echo/errors.ts"), and what. */
interface Finding {
  file: string;
  line: string;
  column: string;
  message: string;
}

/** Type errors by lab folder ("01-echo" → lines "labs/01-echo/server.ts:12:3 message"); empty if tsc could not run. */
export async function typeErrors(target: string, slugs: string[]): Promise<Map<string, string[]>> {
  const key = cacheKey(target, slugs);
  const cached = key ? readCache(key) : undefined;
  const findings = cached ?? (await runTsc(target, slugs));
  if (key && !cached && findings) writeCache(key, findings);
  const found = new Map<string, string[]>(slugs.map((slug) => [slug, []]));
  for (const { file, line, column, message } of findings ?? []) {
    const errors = found.get(file.split('/')[0]);
    if (errors && errors.length < SHOWN_PER_LAB)
      errors.push(`${displayPath(join(target, file))}:${line}:${column} ${message}`);
  }
  return found;
}

/** What tsc found in `target`'s labs `slugs`, or undefined when it did not finish. */
async function runTsc(target: string, slugs: string[]): Promise<Finding[] | undefined> {
  const dir = scratchDir('typecheck-');
  const config = join(dir, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(REPO_ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: true, typeRoots: [join(REPO_ROOT, 'node_modules', '@types')] },
      // Forward slashes: tsconfig patterns are globs, also on Windows.
      include: slugs.map((slug) => join(target, slug, '**', '*.ts').split('\\').join('/')),
    }),
  );
  try {
    const { output, finished } = await new Promise<{ output: string; finished: boolean }>((resolve) => {
      const child = spawn(process.execPath, [TSC, '-p', config, '--pretty', 'false'], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ output: text, finished: code === 0 || code === 1 || code === 2 });
      });
    });
    if (!finished) return undefined;
    const findings: Finding[] = [];
    for (const [, file, line, column, message] of output.matchAll(/^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/gm)) {
      const inTarget = relative(target, join(REPO_ROOT, file));
      if (!inTarget.startsWith('..')) findings.push({ file: inTarget.split('\\').join('/'), line, column, message });
    }
    return findings;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A digest of everything tsc reads from `target` and of how it reads it; undefined if unreadable. */
function cacheKey(target: string, slugs: string[]): string | undefined {
  try {
    const hash = createHash('sha256');
    const version = (name: string) =>
      (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
        .version;
    hash.update(
      `${version('typescript')}\0${version('@types/node')}\0${readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8')}\0${[...slugs].sort().join(',')}\0`,
    );
    // Every lab of the target, not only those graded: labs import each other.
    for (const path of filesUnder(target).filter(
      (path) => path.endsWith('.ts') && !/[\\/]node_modules[\\/]/.test(path),
    )) {
      hash
        .update(`${relative(target, path).split('\\').join('/')}\0`)
        .update(readFileSync(path))
        .update('\0');
    }
    return hash.digest('hex');
  } catch {
    return undefined;
  }
}

function readCache(key: string): Finding[] | undefined {
  const file = join(CACHE_DIR, `${key}.json`);
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Finding[]) : undefined;
  } catch {
    return undefined; // a damaged entry: check again
  }
}

/** Keeps the newest CACHE_ENTRIES findings. Best effort: a cache that cannot be written only costs time. */
function writeCache(key: string, findings: Finding[]): void {
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(join(CACHE_DIR, `${key}.json`), JSON.stringify(findings));
    const entries = readdirSync(CACHE_DIR).map((name) => ({
      path: join(CACHE_DIR, name),
      at: statSync(join(CACHE_DIR, name)).mtimeMs,
    }));
    for (const { path } of entries.sort((a, b) => b.at - a.at).slice(CACHE_ENTRIES)) rmSync(path, { force: true });
  } catch {
    // ignored: see above
  }
}
