// `npm run bench` on a tiny load: it measures both servers, reports, writes its files, and
// leaves no process behind. The figures themselves depend on the machine: only their
// presence is checked.
import { describe, test } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../grader/lab.ts';
import type { BenchResults } from '../../bench/results.ts';
import { removeDir } from './helpers.ts';
import { killTree, processesWithVariable } from '../../shared/proc.ts';

/** Every process (the bench, its servers) inherits this variable: how we find leftovers. */
const MARKER = 'BENCH_SELF_TEST';

/** Processes carrying the marker (Linux and macOS; Windows shows no environment: none found). */
function processesMarked(value: string): number[] {
  return processesWithVariable(MARKER, value);
}

/** Runs the bench as `npm run bench` does; whatever it leaves running is reported and killed. */
async function runBench(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string; leftovers: number[] }> {
  const marker = `${process.pid}-${Date.now()}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/bench/bench.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, [MARKER]: marker },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const [code] = (await once(child, 'close')) as [number | null];
  const leftovers = processesMarked(marker);
  for (const pid of leftovers) killTree(pid);
  return { code, stdout, stderr, leftovers };
}

describe('npm run bench', () => {
  test(
    'measures the relay and the forwarder, holds idle clients, writes results.json and chart.svg',
    { timeout: 30_000 },
    async ({ expect }) => {
      const out = mkdtempSync(join(tmpdir(), 'bench-'));
      try {
        const { code, stdout, stderr, leftovers } = await runBench([
          '--lab',
          '05',
          '--target',
          'solutions',
          '--clients',
          '2',
          '--messages',
          '50',
          '--idle',
          '50',
          '--out',
          out,
        ]);
        expect(code, stderr).toBe(0);
        expect(leftovers).toEqual([]);
        expect(stdout).toMatch(
          /server +clients +msgs\/s +MB\/s +p50 ms +p99 ms +max ms +peak RSS MB +CPU srv\/gen +µs\/msg +×ceiling/,
        );
        expect(stdout).toMatch(/^forwarder +2 +[\d,]+ .* ceiling$/m);
        expect(stdout).toMatch(/^relay +2 +[\d,]+ .*× msgs\/s/m);
        expect(stdout).toMatch(/idle: 50 clients connected and registered .* 0 dropped/);

        const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
        for (const server of ['relay', 'forwarder']) {
          const run = results.runs.find((each) => each.server === server && each.pace === 'peak');
          expect(run, `a peak-rate run of the ${server}`).toBeDefined();
          expect(run!.msgsPerSec).toBeGreaterThan(0);
          expect(run!.messages).toBe(2 * 50);
          // /proc counts CPU in 10 ms ticks: 100 messages may cost none of them.
          expect(Number.isFinite(run!.cpuUsPerMsg) && run!.cpuUsPerMsg >= 0).toBe(true);
        }
        expect(results.runs.find((each) => each.server === 'relay')!.okSends).toBe(2 * 50);
        expect(results.halfRate?.relayP99).toBeGreaterThan(0);
        expect(results.idle).toMatchObject({ held: 50, listAnswered: true, listedNames: 50, dropped: 0 });
        expect(readFileSync(join(out, 'chart.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>\s*$/);
      } finally {
        removeDir(out);
      }
    },
  );

  test(
    '--compare measures every relay side by side, pipelined and one at a time, and states the targets',
    { timeout: 60_000 },
    async ({ expect }) => {
      const out = mkdtempSync(join(tmpdir(), 'bench-'));
      try {
        const { code, stdout, stderr, leftovers } = await runBench([
          '--compare',
          '--clients',
          '2',
          '--messages',
          '50',
          '--out',
          out,
        ]);
        expect(code, stderr).toBe(0);
        expect(leftovers).toEqual([]);
        for (const mode of ['pipelined', 'one message at a time']) expect(stdout).toContain(`\n${mode}:\n`);
        for (const label of ['forwarder', 'lab 05', 'lab 06, 1 worker', 'lab 06, 2 workers']) {
          expect(stdout.match(new RegExp(`^${label} +2 +[\\d,]+ `, 'gm'))).toHaveLength(2);
        }
        expect(stdout).toMatch(
          /^lab 06 \(2 workers\) \/ lab 05 throughput, pipelined, 2 clients: [\d.]+× \(target >= 1\.0: (met|NOT met)\)$/m,
        );
        expect(stdout).toMatch(/^lab 06 primary's CPU per message: /m);
        const results = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8')) as {
          runs: { label: string; window: number; messages: number }[];
        };
        expect(results.runs.filter((run) => run.label === 'lab 05').map((run) => run.window)).toEqual([64, 1]);
        expect(results.runs.every((run) => run.messages === 2 * 50)).toBe(true);
      } finally {
        removeDir(out);
      }
    },
  );

  test(
    'without /proc, the servers report their own CPU and memory (forced here with BENCH_SELF_REPORT=1)',
    { timeout: 30_000 },
    async ({ expect }) => {
      const out = mkdtempSync(join(tmpdir(), 'bench-'));
      try {
        const { code, stderr, leftovers } = await runBench(
          ['--lab', '06', '--clients', '2', '--messages', '2000', '--out', out],
          { BENCH_SELF_REPORT: '1' },
        );
        expect(code, stderr).toBe(0);
        expect(leftovers).toEqual([]);
        const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
        const relay = results.runs.find((each) => each.server === 'relay' && each.pace === 'peak')!;
        // The primary and both workers reported: well over the 75 MB of one Node process.
        expect(relay.peakRssMb).toBeGreaterThan(150);
        expect(relay.cpuUsPerMsg).toBeGreaterThan(0);
      } finally {
        removeDir(out);
      }
    },
  );

  test(
    'a relay that is still the starter is reported as such, exit code 1',
    { timeout: 30_000 },
    async ({ expect }) => {
      // labs/ holds the starters (npm test checks that it is what solutions/ generates).
      const out = mkdtempSync(join(tmpdir(), 'bench-'));
      try {
        const { code, stderr, leftovers } = await runBench([
          '--target',
          'labs',
          '--clients',
          '2',
          '--messages',
          '5',
          '--out',
          out,
        ]);
        expect(code).toBe(1);
        expect(leftovers).toEqual([]);
        expect(stderr).toMatch(
          /the relay \(labs\/05-relay\/relay\.ts\) is still the starter: it throws "not implemented yet"/,
        );
      } finally {
        removeDir(out);
      }
    },
  );

  test('a bad argument is one line of error, exit code 2', { timeout: 30_000 }, async ({ expect }) => {
    const { code, stdout, stderr } = await runBench(['--clients', '1,ten']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: --clients takes a whole number from 1 to 10000 (got "ten")\n');
  });
});
