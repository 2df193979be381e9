// npm run grade [-- LAB...] [--target labs|DIR] [--json FILE] [--watch] [--poll]
//               [--gradescope FILE] [--extra-tests DIR] [--test PATTERN]
//               [--strict] [--time-limit SECONDS] [--jobs N] [--verbose]
//
// Grades the labs in the target (your work in labs/ by default) and tells you what to do
// next. Each lab runs in its own process with a hard time limit. Exits 0 so that npm
// prints no error banner over a normal report; --strict (for CI and course tooling)
// exits 1 unless every graded test passed.
import { writeFileSync, watch, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { discoverLabs, hasReference, labNumber, REFERENCE, selectLabs, type LabInfo } from './lab.ts';
import { resolveTarget, displayPath } from './target.ts';
import { gradeLab, type LabResult } from './run-lab.ts';
import { formatLab, formatSummary, style } from './report.ts';
import { toGradescope } from './gradescope.ts';
import { stageExtraTests } from './extra-tests.ts';
import { filesUnder } from '../shared/files.ts';
import { modeLine, sandboxMode } from './sandbox/sandbox.ts';
import { requireSupportedNode } from '../shared/node-version.ts';
import { typeErrors } from './typecheck.ts';

requireSupportedNode();

const USAGE = `Usage: npm run grade -- [LAB...] [options]
  LAB                 lab number or name (01, 1, 01-echo, echo); default: every lab
  --target T          labs (default, your work)${hasReference() ? `, ${REFERENCE} (the reference)` : ''}, or a folder laid out like labs/
  --watch             re-grade a lab each time one of its files is saved
  --poll              with --watch: poll for changes (for file systems where watching fails)
  --json FILE         also write the results as JSON
  --gradescope FILE   also write the results in Gradescope's results.json format
  --extra-tests DIR   also run the private tests in DIR (laid out like tests/; instructors)
  --test PATTERN      run only the tests whose name contains PATTERN (the rest show as not run)
  --strict            exit 1 unless every test passed (for CI and course tooling)
  --time-limit S      seconds each lab may run before it is stopped (default 30)
  --jobs N            labs graded at the same time (default: number of cores)
  --verbose           also show vitest's own output for each lab`;

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
async function inParallel<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
  onDone: (index: number, result: R) => void,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
      onDone(index, results[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Modification times of every file under dir, taken synchronously. */
function snapshot(dir: string): Map<string, number> {
  return new Map(filesUnder(dir).map((file) => [file, statSync(file).mtimeMs]));
}

/** Calls onChange when a file under dir changes; fs.watch where it works, polling otherwise. */
function watchDir(dir: string, poll: boolean, onChange: () => void): void {
  if (!poll) {
    try {
      watch(dir, { recursive: true }, onChange).on('error', () => watchDir(dir, true, onChange));
      return;
    } catch {
      console.log(
        style.dim(`(file watching is not available for ${displayPath(dir)}; polling every half second instead)`),
      );
    }
  }
  let before = snapshot(dir);
  setInterval(() => {
    const now = snapshot(dir);
    const changed = now.size !== before.size || [...now].some(([file, mtime]) => before.get(file) !== mtime);
    before = now;
    if (changed) onChange();
  }, 500);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      target: { type: 'string', default: 'labs' },
      json: { type: 'string' },
      gradescope: { type: 'string' },
      watch: { type: 'boolean', default: false },
      poll: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      test: { type: 'string' },
      'extra-tests': { type: 'string' },
      'time-limit': { type: 'string', default: '30' },
      jobs: { type: 'string', default: String(availableParallelism()) },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const target = resolveTarget(values.target);
  const allLabs = await discoverLabs();
  const extra =
    values['extra-tests'] === undefined
      ? undefined
      : await stageExtraTests(
          values['extra-tests'],
          selectLabs(allLabs, positionals),
          allLabs.map((lab) => lab.slug),
        );
  if (extra) process.on('exit', extra.remove);
  const labs = extra?.labs ?? selectLabs(allLabs, positionals);
  const timeLimitMs = Number(values['time-limit']) * 1000;
  const jobs = Math.max(1, Number(values.jobs) || 1);
  if (!(timeLimitMs > 0)) throw new Error('--time-limit takes a number of seconds');

  const pattern = values.test?.toLowerCase();
  const only = (lab: LabInfo) =>
    pattern === undefined
      ? undefined
      : Object.keys(lab.tests).filter((key) => lab.tests[key].name.toLowerCase().includes(pattern));
  if (pattern !== undefined && labs.every((lab) => only(lab)!.length === 0))
    throw new Error(`no test name contains "${values.test}"`);
  const grade = (lab: LabInfo) =>
    gradeLab(lab, { target, timeLimitMs, only: only(lab), extraDir: extra?.dirs.get(lab.slug) });
  const show = (result: LabResult) => {
    console.log(`\n${formatLab(result)}`);
    if (values.verbose) console.log(style.dim(result.output));
  };

  console.log(
    `Grading ${displayPath(target)} (${labs.length} lab${labs.length === 1 ? '' : 's'}, each limited to ${values['time-limit']} s)`,
  );
  console.log(style.dim(modeLine()));
  const started = Date.now();
  // Type errors are found beside the tests and shown above each lab's results.
  let types: Map<string, string[]> | undefined;
  const typeChecked = typeErrors(
    target,
    labs.map((lab) => lab.slug),
  ).then(
    (found) => (types = found),
    () => (types = new Map()),
  );
  // Print each lab as soon as it and every lab before it are done, so the order holds.
  let printed = 0;
  const finished: LabResult[] = [];
  const flush = () => {
    if (!types) return;
    while (finished[printed]) {
      const result = finished[printed++];
      const errors = types.get(result.slug) ?? [];
      if (errors.length > 0) result.typeErrors = errors;
      show(result);
    }
  };
  void typeChecked.then(flush);
  const results = await inParallel(labs, jobs, grade, (index, result) => {
    finished[index] = result;
    flush();
  });
  await typeChecked;
  flush();
  console.log(`\n${formatSummary(results, 'npm run grade')}`);
  console.log(style.dim(`(graded in ${((Date.now() - started) / 1000).toFixed(1)} s)`));
  if (values.json) writeJson(values.json, target, results);
  if (values.gradescope) {
    writeFileSync(values.gradescope, JSON.stringify(toGradescope(results, Date.now() - started), null, 2) + '\n');
    console.log(style.dim(`(Gradescope results written to ${values.gradescope})`));
  }

  if (values.watch) {
    await watchAndRegrade(labs, results, target, values.poll, grade, show, values.json);
    return 0;
  }
  const allPassed = results.every((result) => result.status === 'complete');
  return values.strict && !allPassed ? 1 : 0;
}

function writeJson(file: string, target: string, results: LabResult[]): void {
  const points = results.reduce((sum, result) => sum + result.points, 0);
  const maxPoints = results.reduce((sum, result) => sum + result.maxPoints, 0);
  writeFileSync(
    file,
    JSON.stringify(
      { target, gradedAt: new Date().toISOString(), integrity: sandboxMode(), points, maxPoints, labs: results },
      null,
      2,
    ) + '\n',
  );
  console.log(style.dim(`(results written to ${file})`));
}

async function watchAndRegrade(
  labs: LabInfo[],
  results: LabResult[],
  target: string,
  poll: boolean,
  grade: (lab: LabInfo) => Promise<LabResult>,
  show: (result: LabResult) => void,
  json: string | undefined,
): Promise<never> {
  labs.forEach((lab, index) => {
    let timer: NodeJS.Timeout | undefined;
    let busy = false;
    let again = false;
    const regrade = async () => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        do {
          again = false;
          console.log(style.dim(`\n--- ${new Date().toLocaleTimeString()}: re-grading lab ${labNumber(lab)} ---`));
          results[index] = await grade(lab);
          show(results[index]);
          console.log(`\n${formatSummary(results, 'npm run grade')}`);
          if (json) writeJson(json, target, results);
        } while (again);
      } catch (error) {
        // Keep watching: the next save tries again.
        console.error(
          `error: re-grading lab ${labNumber(lab)} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      } finally {
        busy = false;
      }
    };
    // Editors save in bursts (write, rename, chmod): wait for the burst to end.
    watchDir(join(target, lab.slug), poll, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void regrade(), 300);
    });
  });
  // Only now: a save made as soon as this line appears must already be seen.
  console.log(
    `\nWatching ${labs.map((lab) => displayPath(join(target, lab.slug))).join(', ')}: save a file to re-grade (Ctrl-C to stop).`,
  );
  return new Promise<never>(() => {});
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    console.error(USAGE);
    process.exitCode = 2;
  },
);
