// npm run mutation -- [LAB...] [--sample N] [--out DIR] [--survivors-of DIR] [--help]
//
// Mutation testing for maintainers: how many small changes to the code students write do the
// graded tests notice? Each mutant (tools/checks/mutation/mutants.ts) of a lab's solution regions is
// graded like a submission, many to one vitest run (the grader's gradeBatch); it is killed
// when it loses a point. Survivors are either bugs the tests miss (write a test, and a
// buggy variant for the catalog) or equivalent mutants, listed with the reason in
// tools/checks/mutation/equivalent.ts. Writes DIR/NN-topic.json and .html and prints a summary
// table for docs/instructor-guide.md. Slow (a grade per mutant): not part of npm test.
// --survivors-of DIR grades again only the mutants that survived in DIR's report and keeps
// its verdict on the others: after adding tests, minutes instead of a whole run (a test
// added can kill a mutant, never bring one back). The report is written after every batch,
// with the mutants not graded yet marked pending, so --survivors-of the report of a run that
// was stopped goes on where it stopped. --sample N grades about N mutants spread over each lab
// (a quick look, not a score). --out DIR defaults to mutation-results.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { discoverLabs, REPO_ROOT, selectLabs, type LabInfo } from '../../grader/lab.ts';
import { gradeBatch, type LabResult } from '../../grader/run-lab.ts';
import { scratchDir } from '../../grader/target.ts';
import { removeDir } from '../self-test/helpers.ts';
import { mutantsOf, type Mutant } from './mutants.ts';
import equivalents, { type Equivalent } from './equivalent.ts';

const BATCH = 24;

interface Outcome extends Omit<Mutant, 'source'> {
  /** pending: not graded yet, in the report of a run still going (or stopped). */
  status: 'killed' | 'survived' | 'equivalent' | 'pending';
  /** Tests that failed on it, or why it is equivalent. */
  detail: string;
}

/** `rank`: the mutant's rank among identical ones (same file, code and change), from idsOf. */
function isEquivalent(lab: LabInfo, mutant: Mutant, rank: number): Equivalent | undefined {
  return (equivalents[lab.slug] ?? []).find(
    (entry) =>
      entry.file === mutant.file &&
      entry.code === mutant.code &&
      entry.mutation === mutant.mutation &&
      (entry.nth === undefined || entry.nth === rank),
  );
}

function mutantsOfLab(lab: LabInfo): Mutant[] {
  const dir = join(REPO_ROOT, 'solutions', lab.slug);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .flatMap((file) => mutantsOf(file, readFileSync(join(dir, file), 'utf8')));
}

async function gradeMutants(
  lab: LabInfo,
  mutants: Mutant[],
  onProgress: (results: LabResult[]) => void,
): Promise<LabResult[]> {
  const results: LabResult[] = [];
  for (let from = 0; from < mutants.length; from += BATCH) {
    const chunk = mutants.slice(from, from + BATCH);
    const targets = chunk.map((mutant) => {
      const root = scratchDir(`mutant-${lab.slug}-`);
      cpSync(join(REPO_ROOT, 'solutions'), root, { recursive: true });
      writeFileSync(join(root, lab.slug, mutant.file), mutant.source);
      return root;
    });
    try {
      results.push(
        ...(await gradeBatch(
          targets.map((target) => ({ lab, target })),
          900_000,
          { maxWorkers: 4 },
        )),
      );
    } finally {
      targets.forEach(removeDir);
    }
    onProgress(results);
  }
  return results;
}

const escape = (text: string) =>
  text.replace(
    /[&<>"]/g,
    (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' } as Record<string, string>)[c]};`,
  );

function html(lab: LabInfo, outcomes: Outcome[], score: string): string {
  const rows = outcomes.map(
    (o) =>
      `<tr class="${o.status}"><td>${o.status}</td><td>${escape(o.file)}:${o.line}</td><td><code>${escape(o.code)}</code></td><td>${escape(o.mutation)}</td><td>${escape(o.detail)}</td></tr>`,
  );
  return `<!doctype html><meta charset="utf-8"><title>Mutation testing: lab ${lab.slug}</title>
<style>body{font-family:sans-serif}td{padding:2px 8px;vertical-align:top}.survived{background:#fdd}.equivalent{background:#eee}.pending{background:#ffd}.killed{background:#dfd}</style>
<h1>Lab ${escape(lab.slug)}: ${escape(score)}</h1><table><tr><th>status</th><th>where</th><th>line</th><th>mutation</th><th>killed by / reason</th></tr>${rows.join('')}</table>`;
}

type Where = Pick<Mutant, 'file' | 'line' | 'code' | 'mutation'>;

/**
 * Each mutant's identity across runs: its file, its line's code, what changed, and its rank
 * among identical ones; not its line number, so that code added above it does not change it.
 */
function idsOf(mutants: Where[]): string[] {
  const seen = new Map<string, number>();
  return mutants.map((m) => {
    const key = `${m.file}: ${m.mutation} ${m.code}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    return `${key} #${seen.get(key)}`;
  });
}

/** The killed mutants of an earlier report, by id: their verdict stands. */
function killedBefore(dir: string | undefined, lab: LabInfo): Map<string, Outcome> {
  const file = dir && join(dir, `${lab.slug}.json`);
  if (!file || !existsSync(file)) return new Map();
  const { outcomes } = JSON.parse(readFileSync(file, 'utf8')) as { outcomes: Outcome[] };
  const ids = idsOf(outcomes);
  return new Map(outcomes.flatMap((o, index) => (o.status === 'killed' ? [[ids[index], o] as const] : [])));
}

/** This file's header comment, without the comment marks: the usage --help prints. */
function usage(): string {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  return lines
    .slice(
      0,
      lines.findIndex((line) => !line.startsWith('//')),
    )
    .map((line) => line.replace(/^\/\/ ?/, ''))
    .join('\n');
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      sample: { type: 'string' },
      out: { type: 'string', default: 'mutation-results' },
      'survivors-of': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  // parseArgs explains itself in its first sentence (an unknown option, one without its value).
  console.error(`error: ${(error as Error).message.split('. ')[0]} (see npm run mutation -- --help)`);
  process.exit(2);
}
const { positionals, values } = parsed;
if (values.help) {
  console.log(usage());
  process.exit(0);
}
if (values.sample !== undefined && !(Number.isInteger(Number(values.sample)) && Number(values.sample) > 0)) {
  console.error(`error: --sample takes a whole number of mutants above 0, not "${values.sample}"`);
  process.exit(2);
}
let labs: LabInfo[];
try {
  labs = selectLabs(await discoverLabs(), positionals);
} catch (error) {
  console.error(`error: ${(error as Error).message}`); // a lab that does not exist
  process.exit(2);
}
mkdirSync(values.out!, { recursive: true });
const summary: string[] = [
  '| Lab | Mutants | Killed | Equivalent | Survived | Score (killed / non-equivalent) |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
];
for (const lab of labs) {
  let mutants = mutantsOfLab(lab);
  const total = mutants.length;
  // Identities over every mutant, so that a sample matches a whole run's report.
  const ids = new Map(idsOf(mutants).map((id, index) => [mutants[index], id]));
  const equivalentOf = (mutant: Mutant) => isEquivalent(lab, mutant, Number(ids.get(mutant)!.split('#').pop()));
  if (values.sample) {
    const step = Math.max(1, Math.ceil(mutants.length / Number(values.sample)));
    mutants = mutants.filter((_, index) => index % step === 0);
  }
  const before = killedBefore(values['survivors-of'], lab);
  const earlierVerdict = (mutant: Mutant) => before.get(ids.get(mutant)!);
  const candidates = mutants.filter((mutant) => !equivalentOf(mutant) && !earlierVerdict(mutant));
  console.log(
    `lab ${lab.slug}: ${total} mutants${values.sample ? `, ${mutants.length} sampled` : ''}, ${mutants.filter(equivalentOf).length} listed as equivalent` +
      `${before.size ? `, ${before.size} killed in ${values['survivors-of']}` : ''}; grading ${candidates.length}`,
  );
  /**
   * Writes the report of the mutants graded so far, the others pending: after every batch, so
   * that a run stopped halfway leaves its verdicts, and --survivors-of its report goes on from there.
   */
  const report = (results: LabResult[]) => {
    const outcomes: Outcome[] = mutants.map((mutant) => {
      const { source: _source, ...where } = mutant;
      const equivalent = equivalentOf(mutant);
      if (equivalent) return { ...where, status: 'equivalent', detail: equivalent.reason };
      const earlier = earlierVerdict(mutant);
      if (earlier) return { ...where, status: 'killed', detail: earlier.detail };
      const result = results[candidates.indexOf(mutant)];
      if (!result) return { ...where, status: 'pending', detail: 'not graded yet' };
      const failed = result.tests.filter((test) => test.status !== 'passed').map((test) => test.key);
      const killed = result.points < result.maxPoints || result.status !== 'complete';
      return {
        ...where,
        status: killed ? 'killed' : 'survived',
        detail: killed ? failed.join(', ') || result.status : '',
      };
    });
    const count = (status: Outcome['status']) => outcomes.filter((o) => o.status === status).length;
    const killed = count('killed');
    const graded = outcomes.length - count('equivalent') - count('pending');
    const score = `${killed}/${graded} (${graded ? Math.round((100 * killed) / graded) : 100} %)${count('pending') ? `, ${count('pending')} not graded yet` : ''}`;
    writeFileSync(
      join(values.out!, `${lab.slug}.json`),
      `${JSON.stringify({ lab: lab.slug, score, outcomes }, null, 2)}\n`,
    );
    writeFileSync(join(values.out!, `${lab.slug}.html`), html(lab, outcomes, score));
    return { outcomes, count, killed, score };
  };
  const results = await gradeMutants(lab, candidates, (sofar) => {
    report(sofar);
    console.log(`  ${sofar.length}/${candidates.length} graded`);
  });
  const { outcomes, count, killed, score } = report(results);
  for (const o of outcomes.filter((o) => o.status === 'survived'))
    console.log(`  survived: ${o.file}:${o.line} ${o.mutation}   ${o.code}`);
  summary.push(
    `| ${lab.slug} | ${outcomes.length} | ${killed} | ${count('equivalent')} | ${count('survived')} | ${score} |`,
  );
}
console.log(
  `\n${summary.join('\n')}\n\nReports: ${labs.map((lab) => join(values.out!, `${lab.slug}.html`)).join(', ')} (and .json)`,
);
