// How much memory and CPU a server uses: the resident set (RSS) and CPU time of its whole
// process tree, so that a relay spread over worker processes (lab 06) is charged for every
// one of them. Read from /proc (Linux), which is cheap enough to sample every 50 ms; where
// there is no /proc, from what the server's Node processes report themselves (cpu-report.mjs).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { procStat, processTree } from '../shared/proc.ts';

const SAMPLE_EVERY_MS = 50;
/** Look for new processes in the tree (lab 06's workers) every 20 samples, once a second. */
const TREE_EVERY_SAMPLES = 20;

/** VmRSS of one process in bytes; 0 once it has ended (or is a zombie, which has none). */
function rssOf(pid: number): number {
  try {
    const kilobytes = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)?.[1];
    return kilobytes === undefined ? 0 : Number(kilobytes) * 1024;
  } catch {
    return 0;
  }
}

export function treeRssBytes(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + rssOf(pid), 0);
}

/**
 * Samples the tree's RSS every 50 ms until stop(), which returns the highest seen and the CPU
 * seconds the tree used meanwhile. Finding the tree reads every process's stat (over a
 * millisecond, during which the bench's own clients wait), so it is done once a second;
 * between, only the known processes are read.
 */
interface Usage {
  peakRssBytes: number;
  cpuSeconds: number;
  rootCpuSeconds: number;
}

/** What each process last reported in `dir`, by pid. */
function reports(dir: string): Map<number, { cpuSeconds: number; rssBytes: number }> {
  const found = new Map<number, { cpuSeconds: number; rssBytes: number }>();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue; // a report being written
    try {
      const report = JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
        pid: number;
        cpuSeconds: number;
        rssBytes: number;
      };
      found.set(report.pid, report);
    } catch {
      // replaced this instant (on Windows a rename can get in the way): the next sample has it
    }
  }
  return found;
}

/** After a run, long enough for every process, idle again, to have reported its final figures. */
const REPORT_SETTLE_MS = 60;

/**
 * sampleServer without /proc: the figures the processes report themselves. Between runs they
 * are idle, so the figures at the start are exact; at the end, stop() waits for a fresh report.
 */
function sampleReports(root: number, dir: string): { stop(): Promise<Usage> } {
  const atStart = reports(dir);
  let peak = 0;
  const sample = () => {
    peak = Math.max(
      peak,
      [...reports(dir).values()].reduce((sum, report) => sum + report.rssBytes, 0),
    );
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  return {
    stop: async () => {
      await new Promise((resolve) => setTimeout(resolve, REPORT_SETTLE_MS));
      clearInterval(timer);
      sample();
      const now = reports(dir);
      const spent = (pid: number) => Math.max(0, (now.get(pid)?.cpuSeconds ?? 0) - (atStart.get(pid)?.cpuSeconds ?? 0));
      return {
        peakRssBytes: peak,
        cpuSeconds: [...now.keys()].reduce((sum, pid) => sum + spent(pid), 0),
        rootCpuSeconds: spent(root),
      };
    },
  };
}

export function sampleServer(root: number, reportDir?: string): { stop(): Usage | Promise<Usage> } {
  if (reportDir !== undefined) return sampleReports(root, reportDir);
  let tree = processTree(root);
  const cpuAtStart = new Map(tree.map((pid) => [pid, procStat(pid)?.cpuSeconds ?? 0]));
  const cpuLastSeen = new Map<number, number>();
  let peak = 0;
  let samples = 0;
  const sample = () => {
    if (samples++ % TREE_EVERY_SAMPLES === 0) tree = processTree(root);
    peak = Math.max(
      peak,
      tree.reduce((sum, pid) => sum + rssOf(pid), 0),
    );
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      // A process that started during the run (a replacement worker) started from 0.
      for (const pid of tree) cpuLastSeen.set(pid, procStat(pid)?.cpuSeconds ?? 0);
      const cpuSeconds = [...cpuLastSeen].reduce(
        (sum, [pid, now]) => sum + Math.max(0, now - (cpuAtStart.get(pid) ?? 0)),
        0,
      );
      // The root alone: lab 06's primary, the owner of the names.
      const rootCpuSeconds = Math.max(0, (cpuLastSeen.get(root) ?? 0) - (cpuAtStart.get(root) ?? 0));
      return { peakRssBytes: peak, cpuSeconds, rootCpuSeconds };
    },
  };
}
