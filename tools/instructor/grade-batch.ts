// npm run grade-batch -- SUBMISSIONS [LAB...] [--out DIR] [--jobs N] [--time-limit S] [--test TEXT]
//
// Grades every folder in SUBMISSIONS (one per student: a whole repository or just its
// labs/) into one summary: DIR/summary.csv and DIR/summary.json (per student, per lab
// points), plus DIR/students/NAME.json with every test's result. Each submission is graded
// by its own grader process, in a process group of its own, under a time limit, up to
// --jobs at a time; a submission that crashes or hangs is recorded as such and the batch
// goes on.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { discoverLabs, maxPoints, REPO_ROOT, selectLabs, type LabInfo } from '../grader/lab.ts';
import type { LabResult } from '../grader/run-lab.ts';
import { killGroup } from '../shared/proc.ts';

export interface SubmissionSummary {
  student: string;
  /** graded, timed-out (the whole submission hit its limit) or error (no results at all). */
  status: 'graded' | 'timed-out' | 'error';
  points: Record<string, number>;
  total: number;
  maxTotal: number;
  seconds: number;
  problem?: string;
}

export interface BatchOptions {
  labs: LabInfo[];
  labArgs: string[];
  out: string;
  jobs: number;
  timeLimitSeconds: number;
  test?: string;
  onProgress: (line: string) => void;
}

/** Grades one submission with the ordinary grader, as its own process group, within a limit. */
async function gradeSubmission(student: string, dir: string, options: BatchOptions): Promise<SubmissionSummary> {
  const json = join(options.out, 'students', `${student}.json`);
  const args = [
    '--import',
    'tsx',
    join(REPO_ROOT, 'tools', 'grader', 'grade.ts'),
    ...options.labArgs,
    '--target',
    dir,
    '--json',
    json,
    '--time-limit',
    String(options.timeLimitSeconds),
    '--jobs',
    '1',
    ...(options.test ? ['--test', options.test] : []),
  ];
  // Each lab has its own limit inside; this one only guards against the grader itself stalling.
  const limitMs = (options.labs.length * options.timeLimitSeconds + 30) * 1000;
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    detached: process.platform !== 'win32',
    windowsHide: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid!);
  }, limitMs);
  await new Promise((done) => child.on('close', done));
  clearTimeout(timer);
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  const empty = Object.fromEntries(options.labs.map((lab) => [lab.slug, 0]));
  const maxTotal = options.labs.reduce((sum, lab) => sum + maxPoints(lab), 0);
  if (!existsSync(json)) {
    const problem = timedOut
      ? `the grader did not finish within ${limitMs / 1000} s`
      : stderr.trim().split('\n').pop() || 'the grader wrote no results';
    return { student, status: timedOut ? 'timed-out' : 'error', points: empty, total: 0, maxTotal, seconds, problem };
  }
  const report = JSON.parse(readFileSync(json, 'utf8')) as { labs: LabResult[] };
  const points = { ...empty, ...Object.fromEntries(report.labs.map((lab) => [lab.slug, lab.points])) };
  const stopped = report.labs
    .filter((lab) => lab.status === 'timed-out' || lab.status === 'crashed')
    .map((lab) => `${lab.slug} ${lab.status}`);
  return {
    student,
    status: 'graded',
    points,
    maxTotal,
    seconds,
    total: Object.values(points).reduce((sum, value) => sum + value, 0),
    problem: stopped.length > 0 ? stopped.join('; ') : undefined,
  };
}

export async function gradeSubmissions(submissions: string, options: BatchOptions): Promise<SubmissionSummary[]> {
  const students = readdirSync(submissions)
    .filter((name) => statSync(join(submissions, name)).isDirectory())
    .sort();
  mkdirSync(join(options.out, 'students'), { recursive: true });
  options.onProgress(
    `grading ${students.length} submission${students.length === 1 ? '' : 's'}, ${options.jobs} at a time, each lab limited to ${options.timeLimitSeconds} s`,
  );
  const results: SubmissionSummary[] = [];
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < students.length) {
      const student = students[next++];
      const summary = await gradeSubmission(student, resolve(submissions, student), options);
      results.push(summary);
      finished++;
      options.onProgress(
        `[${finished}/${students.length}] ${student}: ${summary.total}/${summary.maxTotal} points, ${summary.status}${summary.problem ? ` (${summary.problem})` : ''}, ${summary.seconds} s`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, students.length) }, worker));
  results.sort((a, b) => a.student.localeCompare(b.student));
  writeSummaries(results, options);
  return results;
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function writeSummaries(results: SubmissionSummary[], options: BatchOptions): void {
  const header = ['student', ...options.labs.map((lab) => lab.slug), 'total', 'max', 'status', 'problem'];
  const rows = results.map((row) => [
    row.student,
    ...options.labs.map((lab) => row.points[lab.slug]),
    row.total,
    row.maxTotal,
    row.status,
    row.problem ?? '',
  ]);
  writeFileSync(
    join(options.out, 'summary.csv'),
    [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n',
  );
  const maxPerLab = Object.fromEntries(options.labs.map((lab) => [lab.slug, maxPoints(lab)]));
  writeFileSync(
    join(options.out, 'summary.json'),
    JSON.stringify({ gradedAt: new Date().toISOString(), maxPerLab, submissions: results }, null, 2) + '\n',
  );
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string', default: 'grades' },
      jobs: { type: 'string', default: String(availableParallelism()) },
      'time-limit': { type: 'string', default: '30' },
      test: { type: 'string' },
    },
  });
  const [submissions, ...labArgs] = positionals;
  if (!submissions || !existsSync(submissions))
    throw new Error(
      'usage: npm run grade-batch -- SUBMISSIONS_FOLDER [LAB...] [--out DIR] [--jobs N] [--time-limit S] [--test TEXT]',
    );
  const labs = selectLabs(await discoverLabs(), labArgs);
  const out = resolve(values.out);
  const results = await gradeSubmissions(submissions, {
    labs,
    labArgs,
    out,
    jobs: Math.max(1, Number(values.jobs) || 1),
    timeLimitSeconds: Number(values['time-limit']) || 30,
    test: values.test,
    onProgress: (line) => console.log(line),
  });
  console.log(`wrote ${join(out, 'summary.csv')} and summary.json (${results.length} submissions)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  });
}
