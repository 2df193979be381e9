// The student's type errors, shown above a lab's results. They cost no points (the tests judge
// what the code does), but the handouts are TypeScript, and an error tsc finds is often the
// bug a test then reports less directly. One tsc run for all the labs being graded, beside
// the tests, so it adds little time; tsc reads the student's code and never runs it.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './lab.ts';
import { displayPath, scratchDir } from './target.ts';

const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const LIMIT_MS = 60_000;
const SHOWN_PER_LAB = 10;

/** Type errors by lab folder ("01-echo" → lines "labs/01-echo/server.ts:12:3 message"); empty if tsc could not run. */
export async function typeErrors(target: string, slugs: string[]): Promise<Map<string, string[]>> {
  const dir = scratchDir('typecheck-');
  const config = join(dir, 'tsconfig.json');
  writeFileSync(config, JSON.stringify({
    extends: join(REPO_ROOT, 'tsconfig.json'),
    compilerOptions: { noEmit: true, typeRoots: [join(REPO_ROOT, 'node_modules', '@types')] },
    // Forward slashes: tsconfig patterns are globs, also on Windows.
    include: slugs.map((slug) => join(target, slug, '**', '*.ts').split('\\').join('/')),
  }));
  try {
    const output = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [TSC, '-p', config, '--pretty', 'false'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
      child.on('close', () => {
        clearTimeout(timer);
        resolve(text);
      });
    });
    const found = new Map<string, string[]>(slugs.map((slug) => [slug, []]));
    for (const [, file, line, column, message] of output.matchAll(/^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/gm)) {
      const inTarget = relative(target, join(REPO_ROOT, file));
      const slug = inTarget.split(/[\\/]/)[0];
      const errors = found.get(slug);
      if (!errors || inTarget.startsWith('..')) continue;
      if (errors.length < SHOWN_PER_LAB) errors.push(`${displayPath(join(REPO_ROOT, file))}:${line}:${column} ${message}`);
    }
    return found;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
