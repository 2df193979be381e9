// npm test: the repository's own checks, each reported with its time:
//   - the static checks, side by side: type-check everything (tsc, strict); the layout is
//     Prettier's (npm run format rewrites it); no promise floats (typescript-eslint's
//     no-floating-promises and no-misused-promises, eslint.config.js)
//   - lint every Markdown file
//   - labs/ is what solutions/ generates (npm run starters)
//   - every graded test file loads (vitest list), which also fills vitest's module cache:
//     the self-tests then start some forty vitest processes that need not each transform
//     the same test files again
//   - the self-tests: solutions earn full marks, starters none, the catalogs are sound,
//     and the grader handles code that hangs, crashes, leaks or attacks it. (That every
//     buggy variant is caught is `npm run prove`, which CI runs next: too slow for here.)
// It runs every check even after one fails, and ends with one line "N passed, N failed".
//
// npm test -- LAB... proves only those labs, for an author changing one: the type-check and
// the starters as above (they are cheap, and labs import each other), the layout, promises
// and Markdown of those labs and the README, their graded tests loading, then `npm run
// prove` for them: lab.ts and the catalog follow the rules, the solution earns every point,
// the starter none, every variant is caught and fails with the text pinned in
// tests/NN-topic/buggy-variants.failures.txt.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverLabs, REPO_ROOT, selectLabs } from '../grader/lab.ts';
import { requireSupportedNode } from '../shared/node-version.ts';

requireSupportedNode();

let only: string[] | undefined;
try {
  only =
    process.argv.length > 2
      ? selectLabs(await discoverLabs(), process.argv.slice(2)).map((lab) => lab.slug)
      : undefined;
} catch (error) {
  console.error(`npm test: ${error instanceof Error ? error.message : String(error)} (usage: npm test -- [LAB...])`);
  process.exit(2);
}

const bin = (path: string) => join(REPO_ROOT, 'node_modules', path);
const scratch = mkdtempSync(join(tmpdir(), 'check-'));
const selfTestJson = join(scratch, 'self-test.json');

const markdown = only
  ? ['README.md', ...only.flatMap((slug) => [`solutions/${slug}/README.md`, `labs/${slug}/README.md`])]
  : ['**/*.md'];
const code = only ? only.flatMap((slug) => [`solutions/${slug}`, `tests/${slug}`]) : ['.'];
// solutions/ keeps the layout it has (see .prettierignore).
const layout = only ? only.map((slug) => `tests/${slug}`) : ['.'];
interface Check {
  name: string;
  command: string[];
  env?: Record<string, string>;
  quiet?: boolean;
  /** Runs beside the others, from the start (its output kept and shown at the end). */
  beside?: boolean;
  /** Waits until the checks beside it have finished: it needs every core. */
  alone?: boolean;
}
const checks: Check[] = [
  { name: 'type-check', command: [bin('typescript/bin/tsc'), '-p', '.'], beside: true },
  {
    name: 'layout (Prettier; npm run format fixes it)',
    command: [bin('prettier/bin/prettier.cjs'), '--check', '--log-level', 'warn', ...layout],
    beside: true,
  },
  { name: 'promises (typescript-eslint)', command: [bin('eslint/bin/eslint.js'), ...code], beside: true },
  // Globs, not folder names: markdownlint-cli ignores a folder by name only if it is a real
  // folder, and node_modules may be a link (a git worktree sharing another's install).
  {
    name: 'markdown lint',
    command: [
      bin('markdownlint-cli/markdownlint.js'),
      '--config',
      '.markdownlint.jsonc',
      '--ignore',
      'node_modules/**',
      '--ignore',
      '.grader-tmp/**',
      ...markdown,
    ],
  },
  { name: 'labs/ up to date with solutions/', command: ['--import', 'tsx', 'tools/authoring/starters.ts', '--check'] },
  {
    name: 'graded tests load',
    command: [
      bin('vitest/vitest.mjs'),
      'list',
      '--config',
      'vitest.config.ts',
      ...(only ?? []).map((slug) => `tests/${slug}/`),
    ],
    env: { LAB_TARGET: join(REPO_ROOT, 'solutions') },
    quiet: true, // it lists every test: noise here
  },
  // One lab: npm run prove grades its solution, starter and variants and checks its lab.ts
  // and catalog (what labs.test.ts does for every lab, and the variants besides).
  ...(only
    ? [
        {
          name: `prove ${only.join(', ')}: rules, solution, starter, every variant and its pinned failure text`,
          command: ['--import', 'tsx', 'tools/checks/prove-lab.ts', ...only],
        },
      ]
    : [
        {
          name: 'self-tests',
          alone: true,
          command: [
            bin('vitest/vitest.mjs'),
            'run',
            '--config',
            'tools/checks/self-test/vitest.config.ts',
            '--reporter=default',
            '--reporter=json',
            `--outputFile.json=${selfTestJson}`,
          ],
        },
      ]),
];

let passed = 0;
let failed = 0;
const started = Date.now();
const count = (check: Check, ok: boolean) => {
  if (check.name === 'self-tests') {
    try {
      const report = JSON.parse(readFileSync(selfTestJson, 'utf8')) as {
        numPassedTests: number;
        numFailedTests: number;
      };
      passed += report.numPassedTests;
      failed += report.numFailedTests + (ok || report.numFailedTests > 0 ? 0 : 1);
    } catch {
      failed += 1; // no report at all: the run itself broke
    }
  } else if (ok) passed += 1;
  else failed += 1;
};
const report = (check: Check, ok: boolean, at: number) =>
  console.log(`--- ${check.name}: ${ok ? 'ok' : 'FAILED'} (${((Date.now() - at) / 1000).toFixed(1)} s)`);
const env = (check: Check) => ({ ...process.env, ...check.env });

// The static checks (one process and one core each) run beside each other and the small
// checks; the self-tests wait for them, since they use every core. Output of a check run
// beside is kept in a file and shown when it is counted.
const running = checks
  .filter((check) => check.beside)
  .map((check, index) => {
    const log = join(scratch, `beside-${index}.log`);
    const fd = openSync(log, 'w');
    const at = Date.now();
    const child = spawn(process.execPath, check.command, {
      cwd: REPO_ROOT,
      stdio: ['ignore', fd, fd],
      env: env(check),
    });
    closeSync(fd);
    return { check, log, at, ok: new Promise<boolean>((resolve) => child.on('close', (code) => resolve(code === 0))) };
  });
const collect = async () => {
  for (const { check, log, at, ok } of running.splice(0)) {
    const succeeded = await ok;
    console.log(`\n=== ${check.name} (ran beside the others) ===`);
    process.stdout.write(readFileSync(log, 'utf8'));
    report(check, succeeded, at);
    count(check, succeeded);
  }
};
for (const check of checks.filter((check) => !check.beside)) {
  if (check.alone) await collect();
  console.log(`\n=== ${check.name} ===`);
  const at = Date.now();
  const run = spawnSync(process.execPath, check.command, {
    cwd: REPO_ROOT,
    stdio: check.quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
    env: env(check),
  });
  report(check, run.status === 0, at);
  count(check, run.status === 0);
}
await collect();
rmSync(scratch, { recursive: true, force: true });
console.log(`\nnpm test finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
